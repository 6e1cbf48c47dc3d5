# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sentinel_trigger_global_optspecs
    string join \n artifact-version= stage-map-version= selection-scope= exclusion-scope= dry-run confirm= strategy= new config= service-group= service-id= stage-map= environment= provider= mcp-command= mcp-server= state-dir= color= events-log v/verbose h/help V/version
end

function __fish_sentinel_trigger_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sentinel_trigger_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sentinel_trigger_using_subcommand
    set -l cmd (__fish_sentinel_trigger_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l artifact-version -d 'Version of the artifact to deploy [default: discovered: newest semver git tag, config, provider]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l stage-map-version -d 'Version of the stage map [default: the provider\'s newest]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l selection-scope -d 'Scope to deploy, e.g. \'regions(*).steps(*).stamps(*).actions(*)\' (repeatable)' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l exclusion-scope -d 'Scope to leave out (repeatable)' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l confirm -d 'Break-glass confirmation for a protected environment when there is no terminal' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l strategy -d 'Deploy only the config\'s stages for this strategy (local provider), e.g. canary; stages that list no strategies belong to every one' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l mcp-command -d 'Command that starts the EV2 MCP server, e.g. \'dnx Ev2.Mcp.Server --yes\' [default: the config\'s ev2.mcpCommand, else .vscode/mcp.json]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l mcp-server -d 'The entry of .vscode/mcp.json to start [default: the one whose name contains "ev2"]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l dry-run -d 'Validate config and discovery; print the event with dryRun: true and start nothing'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l new -d 'Start a fresh rollout even though an unfinished one exists (the old one is cancelled first)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -s V -l version -d 'Print version'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -f -a "approve" -d 'Approve a wait action'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -f -a "reject" -d 'Reject a wait action; the rollout is cancelled'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -f -a "cancel" -d 'Cancel the rollout before its next step'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -f -a "rollback" -d 'Roll back the deployed stages in reverse order'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -f -a "resume" -d 'Restart a local engine that died, at its first unfinished step. A deploy or rollback command the dead engine left running is waited for first'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -f -a "protected" -d 'Exit 0 when --environment is protected (needs break-glass confirmation), 1 when not'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -f -a "__engine" -d 'The local rollout engine itself (started detached by sentinel-trigger)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l rollout-id -d 'The rollout [default: the rolloutId of the events on stdin]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l action-id -d 'The wait action [default: the only pending one]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand approve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l rollout-id -d 'The rollout [default: the rolloutId of the events on stdin]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l action-id -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l reason -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand reject" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l rollout-id -d 'The rollout [default: the rolloutId of the events on stdin]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l reason -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l rollout-id -d 'The rollout [default: the rolloutId of the events on stdin]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l reason -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l rollout-id -d 'The rollout [default: the rolloutId of the events on stdin]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l kill-orphans -d 'End a deploy or rollback command the dead engine left running (SIGTERM to its process group, SIGKILL after 10 s) instead of waiting for it'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand protected" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand __engine" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand help; and not __fish_seen_subcommand_from approve reject cancel rollback resume protected __engine help" -f -a "approve" -d 'Approve a wait action'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand help; and not __fish_seen_subcommand_from approve reject cancel rollback resume protected __engine help" -f -a "reject" -d 'Reject a wait action; the rollout is cancelled'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand help; and not __fish_seen_subcommand_from approve reject cancel rollback resume protected __engine help" -f -a "cancel" -d 'Cancel the rollout before its next step'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand help; and not __fish_seen_subcommand_from approve reject cancel rollback resume protected __engine help" -f -a "rollback" -d 'Roll back the deployed stages in reverse order'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand help; and not __fish_seen_subcommand_from approve reject cancel rollback resume protected __engine help" -f -a "resume" -d 'Restart a local engine that died, at its first unfinished step. A deploy or rollback command the dead engine left running is waited for first'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand help; and not __fish_seen_subcommand_from approve reject cancel rollback resume protected __engine help" -f -a "protected" -d 'Exit 0 when --environment is protected (needs break-glass confirmation), 1 when not'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand help; and not __fish_seen_subcommand_from approve reject cancel rollback resume protected __engine help" -f -a "__engine" -d 'The local rollout engine itself (started detached by sentinel-trigger)'
complete -c sentinel-trigger -n "__fish_sentinel_trigger_using_subcommand help; and not __fish_seen_subcommand_from approve reject cancel rollback resume protected __engine help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
