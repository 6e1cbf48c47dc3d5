# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sentinel_watch_global_optspecs
    string join \n rollout-id= interval= timeout= stop-at-approval allow-skipped-stages replay no-pass-through skip-invalid config= service-group= service-id= stage-map= environment= provider= mcp-command= mcp-server= state-dir= color= events-log v/verbose h/help V/version
end

function __fish_sentinel_watch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sentinel_watch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sentinel_watch_using_subcommand
    set -l cmd (__fish_sentinel_watch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l rollout-id -d 'The rollout to follow [default: each rollout.triggered on stdin]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l interval -d 'Polling interval [default: pollingInterval from config, else 30s]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l timeout -d 'Give up (exit 4) after this long' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l mcp-command -d 'Command that starts the EV2 MCP server, e.g. \'dnx Ev2.Mcp.Server --yes\' [default: the config\'s ev2.mcpCommand, else .vscode/mcp.json]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l mcp-server -d 'The entry of .vscode/mcp.json to start [default: the one whose name contains "ev2"]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l stop-at-approval -d 'Stop (exit 0) once the rollout waits for an approval, after writing approval.required; a script then verifies, approves, and follows again with --rollout-id'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l allow-skipped-stages -d 'A rollout whose engine skipped a stage (its regions not deployed) may still end as completed; without this it ends as failed (stage.skipped, then rollout.failed)'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l replay -d 'Report the rollout from its start again (completed stages marked replayed: true), ignoring what the state file says was reported, e.g. to verify them again'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -s V -l version -d 'Print version'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -f -a "analyze" -d 'Observe metrics of real traffic over a window and judge the canary (against absolute limits and the baseline); writes analysis.result. Exit 0 passed, 1 failed, 6 inconclusive (never a pass)'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -f -a "health" -d 'Wait for endpoints to become healthy, with backoff; writes health.passed / health.failed'
complete -c sentinel-watch -n "__fish_sentinel_watch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l on -d 'Pipeline mode: pass events through, and analyse after each event of these kinds (e.g. stage.completed), with its stage, regions, endpoints and version' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l prometheus -d 'Read PromQL over this Prometheus server\'s HTTP API (/api/v1/query)' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l scrape -d 'Or read these Prometheus text-format /metrics endpoints directly (no server needed; the default) [default: analysis.scrape, else the event\'s endpoints at --metrics-path]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l metric -d 'A metric to read (repeatable): PromQL, or for --scrape a selector with sum(), rate(), ratio(), histogram_quantile() or mean(). Placeholders: {version} {stage} {region} {canary} {baseline} {interval} {window}' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l max -d 'Each canary sample of NAME must be at most LIMIT (repeatable)' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l min -d 'Each canary sample of NAME must be at least LIMIT (repeatable)' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l max-ratio -d 'The canary\'s NAME must not be significantly above R × the baseline\'s (repeatable)' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l min-ratio -d 'The canary\'s NAME must not be significantly below R × the baseline\'s (repeatable)' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l canary -d 'The canary cohort: label matchers put where a query says {canary} (e.g. \'version="{version}"\'), or with --scrape a list of /metrics URLs' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l baseline -d 'The baseline (stable) cohort, as --canary; put where a query says {canary} when the baseline is read' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l interval -d 'Time between samples [default: analysis.interval, else 30s]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l samples -d 'Samples to take [default: analysis.samples, else 10]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l duration -d 'Or: how long to observe (samples = DURATION / interval)' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l min-samples -d 'Fewer usable samples than this makes a check inconclusive [default: every sample]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l min-requests -d 'Requests the canary must have served in the window, else inconclusive; 0 to not ask [default: 1: never judge on zero traffic]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l traffic -d 'The query counting the canary\'s requests in the window [default for --scrape: http_requests_total{{canary}}; for --prometheus: sum(increase(http_requests_total{{canary}}[{window}]))]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l failure-limit -d 'Samples beyond an absolute limit tolerated; one more fails the analysis at once [default: 0]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l auth-header-env -d 'The environment variable whose value is sent as Prometheus\'s Authorization header' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l metrics-path -d 'The path scraped on an event\'s endpoints when no URLs are given' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l artifact-version -d '{version} [default: the stream\'s rollout.triggered artifactVersion, else the config\'s]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l stage -d '{stage} [default: the event\'s stage]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l region -d '{region} [default: the event\'s regions, joined by |]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l rollout-id -d 'The rollout the analysis.result belongs to [default: the event\'s]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l no-baseline -d 'Leave out the checks against the baseline (--max-ratio, --min-ratio): after a full rollout no stable cohort is left. An event whose trafficPercent is 100 does the same'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l if-configured -d 'Do nothing (pass events through, exit 0) when neither the config\'s analysis section nor --metric asks for an analysis: for scripts that analyse where it is configured'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand analyze" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l timeout -d 'Give up on an endpoint after this long' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l expect-status -d 'Statuses that count as healthy' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l expect-body -d 'A regular expression the body must match' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand help; and not __fish_seen_subcommand_from analyze health help" -f -a "analyze" -d 'Observe metrics of real traffic over a window and judge the canary (against absolute limits and the baseline); writes analysis.result. Exit 0 passed, 1 failed, 6 inconclusive (never a pass)'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand help; and not __fish_seen_subcommand_from analyze health help" -f -a "health" -d 'Wait for endpoints to become healthy, with backoff; writes health.passed / health.failed'
complete -c sentinel-watch -n "__fish_sentinel_watch_using_subcommand help; and not __fish_seen_subcommand_from analyze health help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
