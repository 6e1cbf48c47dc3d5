
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
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'Observe metrics of real traffic over a window and judge the canary (against absolute limits and the baseline); writes analysis.result. Exit 0 passed, 1 failed, 6 inconclusive (never a pass)')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Wait for endpoints to become healthy, with backoff; writes health.passed / health.failed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-watch;analyze' {
            [CompletionResult]::new('--on', '--on', [CompletionResultType]::ParameterName, 'Pipeline mode: pass events through, and analyse after each event of these kinds (e.g. stage.completed), with its stage, regions, endpoints and version')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Read PromQL over this Prometheus server''s HTTP API (/api/v1/query)')
            [CompletionResult]::new('--scrape', '--scrape', [CompletionResultType]::ParameterName, 'Or read these Prometheus text-format /metrics endpoints directly (no server needed; the default) [default: analysis.scrape, else the event''s endpoints at --metrics-path]')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, 'A metric to read (repeatable): PromQL, or for --scrape a selector with sum(), rate(), ratio(), histogram_quantile() or mean(). Placeholders: {version} {stage} {region} {canary} {baseline} {interval} {window}')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Each canary sample of NAME must be at most LIMIT (repeatable)')
            [CompletionResult]::new('--min', '--min', [CompletionResultType]::ParameterName, 'Each canary sample of NAME must be at least LIMIT (repeatable)')
            [CompletionResult]::new('--max-ratio', '--max-ratio', [CompletionResultType]::ParameterName, 'The canary''s NAME must not be significantly above R × the baseline''s (repeatable)')
            [CompletionResult]::new('--min-ratio', '--min-ratio', [CompletionResultType]::ParameterName, 'The canary''s NAME must not be significantly below R × the baseline''s (repeatable)')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'The canary cohort: label matchers put where a query says {canary} (e.g. ''version="{version}"''), or with --scrape a list of /metrics URLs')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'The baseline (stable) cohort, as --canary; put where a query says {canary} when the baseline is read')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between samples [default: analysis.interval, else 30s]')
            [CompletionResult]::new('--samples', '--samples', [CompletionResultType]::ParameterName, 'Samples to take [default: analysis.samples, else 10]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Or: how long to observe (samples = DURATION / interval)')
            [CompletionResult]::new('--min-samples', '--min-samples', [CompletionResultType]::ParameterName, 'Fewer usable samples than this makes a check inconclusive [default: every sample]')
            [CompletionResult]::new('--min-requests', '--min-requests', [CompletionResultType]::ParameterName, 'Requests the canary must have served in the window, else inconclusive; 0 to not ask [default: 1: never judge on zero traffic]')
            [CompletionResult]::new('--traffic', '--traffic', [CompletionResultType]::ParameterName, 'The query counting the canary''s requests in the window [default for --scrape: http_requests_total{{canary}}; for --prometheus: sum(increase(http_requests_total{{canary}}[{window}]))]')
            [CompletionResult]::new('--failure-limit', '--failure-limit', [CompletionResultType]::ParameterName, 'Samples beyond an absolute limit tolerated; one more fails the analysis at once [default: 0]')
            [CompletionResult]::new('--auth-header-env', '--auth-header-env', [CompletionResultType]::ParameterName, 'The environment variable whose value is sent as Prometheus''s Authorization header')
            [CompletionResult]::new('--metrics-path', '--metrics-path', [CompletionResultType]::ParameterName, 'The path scraped on an event''s endpoints when no URLs are given')
            [CompletionResult]::new('--artifact-version', '--artifact-version', [CompletionResultType]::ParameterName, '{version} [default: the stream''s rollout.triggered artifactVersion, else the config''s]')
            [CompletionResult]::new('--stage', '--stage', [CompletionResultType]::ParameterName, '{stage} [default: the event''s stage]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, '{region} [default: the event''s regions, joined by |]')
            [CompletionResult]::new('--rollout-id', '--rollout-id', [CompletionResultType]::ParameterName, 'The rollout the analysis.result belongs to [default: the event''s]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--no-baseline', '--no-baseline', [CompletionResultType]::ParameterName, 'Leave out the checks against the baseline (--max-ratio, --min-ratio): after a full rollout no stable cohort is left. An event whose trafficPercent is 100 does the same')
            [CompletionResult]::new('--if-configured', '--if-configured', [CompletionResultType]::ParameterName, 'Do nothing (pass events through, exit 0) when neither the config''s analysis section nor --metric asks for an analysis: for scripts that analyse where it is configured')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
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
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'Observe metrics of real traffic over a window and judge the canary (against absolute limits and the baseline); writes analysis.result. Exit 0 passed, 1 failed, 6 inconclusive (never a pass)')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Wait for endpoints to become healthy, with backoff; writes health.passed / health.failed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-watch;help;analyze' {
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
