
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sentinel-trigger' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sentinel-trigger'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sentinel-trigger' {
            [CompletionResult]::new('--artifact-version', '--artifact-version', [CompletionResultType]::ParameterName, 'Version of the artifact to deploy [default: discovered: newest semver git tag, config, provider]')
            [CompletionResult]::new('--stage-map-version', '--stage-map-version', [CompletionResultType]::ParameterName, 'Version of the stage map [default: the provider''s newest]')
            [CompletionResult]::new('--selection-scope', '--selection-scope', [CompletionResultType]::ParameterName, 'Scope to deploy, e.g. ''regions(*).steps(*).stamps(*).actions(*)'' (repeatable)')
            [CompletionResult]::new('--exclusion-scope', '--exclusion-scope', [CompletionResultType]::ParameterName, 'Scope to leave out (repeatable)')
            [CompletionResult]::new('--confirm', '--confirm', [CompletionResultType]::ParameterName, 'Break-glass confirmation for a protected environment when there is no terminal')
            [CompletionResult]::new('--strategy', '--strategy', [CompletionResultType]::ParameterName, 'Deploy only the config''s stages for this strategy (local provider), e.g. canary; stages that list no strategies belong to every one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--mcp-command', '--mcp-command', [CompletionResultType]::ParameterName, 'Command that starts the EV2 MCP server, e.g. ''dnx Ev2.Mcp.Server --yes'' [default: the config''s ev2.mcpCommand, else .vscode/mcp.json]')
            [CompletionResult]::new('--mcp-server', '--mcp-server', [CompletionResultType]::ParameterName, 'The entry of .vscode/mcp.json to start [default: the one whose name contains "ev2"]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Validate config and discovery; print the event with dryRun: true and start nothing')
            [CompletionResult]::new('--new', '--new', [CompletionResultType]::ParameterName, 'Start a fresh rollout even though an unfinished one exists (the old one is cancelled first)')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a wait action')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject a wait action; the rollout is cancelled')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel the rollout before its next step')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Roll back the deployed stages in reverse order')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Restart a local engine that died, at its first unfinished step. A deploy or rollback command the dead engine left running is waited for first')
            [CompletionResult]::new('protected', 'protected', [CompletionResultType]::ParameterValue, 'Exit 0 when --environment is protected (needs break-glass confirmation), 1 when not')
            [CompletionResult]::new('__engine', '__engine', [CompletionResultType]::ParameterValue, 'The local rollout engine itself (started detached by sentinel-trigger)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-trigger;approve' {
            [CompletionResult]::new('--rollout-id', '--rollout-id', [CompletionResultType]::ParameterName, 'The rollout [default: the rolloutId of the events on stdin]')
            [CompletionResult]::new('--action-id', '--action-id', [CompletionResultType]::ParameterName, 'The wait action [default: the only pending one]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-trigger;reject' {
            [CompletionResult]::new('--rollout-id', '--rollout-id', [CompletionResultType]::ParameterName, 'The rollout [default: the rolloutId of the events on stdin]')
            [CompletionResult]::new('--action-id', '--action-id', [CompletionResultType]::ParameterName, 'action-id')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'reason')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-trigger;cancel' {
            [CompletionResult]::new('--rollout-id', '--rollout-id', [CompletionResultType]::ParameterName, 'The rollout [default: the rolloutId of the events on stdin]')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'reason')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-trigger;rollback' {
            [CompletionResult]::new('--rollout-id', '--rollout-id', [CompletionResultType]::ParameterName, 'The rollout [default: the rolloutId of the events on stdin]')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'reason')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-trigger;resume' {
            [CompletionResult]::new('--rollout-id', '--rollout-id', [CompletionResultType]::ParameterName, 'The rollout [default: the rolloutId of the events on stdin]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--kill-orphans', '--kill-orphans', [CompletionResultType]::ParameterName, 'End a deploy or rollback command the dead engine left running (SIGTERM to its process group, SIGKILL after 10 s) instead of waiting for it')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-trigger;protected' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-trigger;__engine' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-trigger;help' {
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a wait action')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject a wait action; the rollout is cancelled')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel the rollout before its next step')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Roll back the deployed stages in reverse order')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Restart a local engine that died, at its first unfinished step. A deploy or rollback command the dead engine left running is waited for first')
            [CompletionResult]::new('protected', 'protected', [CompletionResultType]::ParameterValue, 'Exit 0 when --environment is protected (needs break-glass confirmation), 1 when not')
            [CompletionResult]::new('__engine', '__engine', [CompletionResultType]::ParameterValue, 'The local rollout engine itself (started detached by sentinel-trigger)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-trigger;help;approve' {
            break
        }
        'sentinel-trigger;help;reject' {
            break
        }
        'sentinel-trigger;help;cancel' {
            break
        }
        'sentinel-trigger;help;rollback' {
            break
        }
        'sentinel-trigger;help;resume' {
            break
        }
        'sentinel-trigger;help;protected' {
            break
        }
        'sentinel-trigger;help;__engine' {
            break
        }
        'sentinel-trigger;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
