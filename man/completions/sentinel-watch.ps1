
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sentinel-watch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sentinel-watch'
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
        'sentinel-watch' {
            [CompletionResult]::new('--rollout-id', '--rollout-id', [CompletionResultType]::ParameterName, 'The rollout to follow [default: each rollout.triggered on stdin]')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Polling interval [default: pollingInterval from config, else 30s]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up (exit 4) after this long')
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
            [CompletionResult]::new('--stop-at-approval', '--stop-at-approval', [CompletionResultType]::ParameterName, 'Stop (exit 0) once the rollout waits for an approval, after writing approval.required; a script then verifies, approves, and follows again with --rollout-id')
            [CompletionResult]::new('--allow-skipped-stages', '--allow-skipped-stages', [CompletionResultType]::ParameterName, 'A rollout whose engine skipped a stage (its regions not deployed) may still end as completed; without this it ends as failed (stage.skipped, then rollout.failed)')
            [CompletionResult]::new('--replay', '--replay', [CompletionResultType]::ParameterName, 'Report the rollout from its start again (completed stages marked replayed: true), ignoring what the state file says was reported, e.g. to verify them again')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Wait for endpoints to become healthy, with backoff; writes health.passed / health.failed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-watch;health' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on an endpoint after this long')
            [CompletionResult]::new('--expect-status', '--expect-status', [CompletionResultType]::ParameterName, 'Statuses that count as healthy')
            [CompletionResult]::new('--expect-body', '--expect-body', [CompletionResultType]::ParameterName, 'A regular expression the body must match')
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
        'sentinel-watch;help' {
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Wait for endpoints to become healthy, with backoff; writes health.passed / health.failed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-watch;help;health' {
            break
        }
        'sentinel-watch;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
