# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sentinel_notify_global_optspecs
    string join \n teams= teams-format= slack= discord= webhook= webhook-secret-env= on= template= strict resend dry-run timeout= deadline= max-retries= no-pass-through skip-invalid config= service-group= service-id= stage-map= environment= provider= state-dir= color= events-log v/verbose h/help V/version
end

function __fish_sentinel_notify_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sentinel_notify_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sentinel_notify_using_subcommand
    set -l cmd (__fish_sentinel_notify_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l teams -d 'Teams Workflows webhook URL (repeatable) [env: SENTINEL_TEAMS_WEBHOOK]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l teams-format -d 'Teams payload shape' -r -f -a "card\t'Adaptive Card 1.4 in the Workflows message envelope'
flow\t'The flat JSON that Power Automate flows parse'"
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l slack -d 'Slack incoming webhook URL (repeatable) [env: SENTINEL_SLACK_WEBHOOK]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l discord -d 'Discord webhook URL (repeatable)' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l webhook -d 'Generic webhook URL that receives the event itself (repeatable) [env: SENTINEL_WEBHOOK_URL]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l webhook-secret-env -d 'Environment variable holding the webhook signing secret' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l on -d 'Event kinds to send (comma-separated), any kind at all: one without a message of its own gets a generic one (its kind and plain fields) [default: start, stages, approvals, failed stress results, end, rollbacks]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l template -d 'Title and body per kind with {field} placeholders' -r -F
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l timeout -d 'Longest time one attempt may take, from connect to the answer\'s last byte' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l deadline -d 'Total time one message may take to reach a channel, all attempts and waits included; past it the message goes to the fallback log. At end of input, deliveries still under way get at most this long' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l max-retries -d 'Retries after a transient failure (429, 5xx, timeout) [default: maxRetries from config, else 3]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l strict -d 'Exit 1 when a message could not be delivered'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l resend -d 'Send messages the sent log says were delivered before (a re-run, a resumed rollout)'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l dry-run -d 'Print each payload to stderr instead of sending it'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -s V -l version -d 'Print version'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -f -a "send" -d 'Send one message built from flags, without an event stream'
complete -c sentinel-notify -n "__fish_sentinel_notify_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l title -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l status -r -f -a "succeeded\t''
failed\t''
warning\t''
info\t''"
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l fact -d 'A fact \'Key=Value\' (repeatable)' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l link -d 'A link button' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l teams -d 'Teams Workflows webhook URL (repeatable) [env: SENTINEL_TEAMS_WEBHOOK]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l teams-format -d 'Teams payload shape' -r -f -a "card\t'Adaptive Card 1.4 in the Workflows message envelope'
flow\t'The flat JSON that Power Automate flows parse'"
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l slack -d 'Slack incoming webhook URL (repeatable) [env: SENTINEL_SLACK_WEBHOOK]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l discord -d 'Discord webhook URL (repeatable)' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l webhook -d 'Generic webhook URL that receives the event itself (repeatable) [env: SENTINEL_WEBHOOK_URL]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l webhook-secret-env -d 'Environment variable holding the webhook signing secret' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l timeout -d 'Longest time one attempt may take, from connect to the answer\'s last byte' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l deadline -d 'Total time one message may take to reach a channel, all attempts and waits included; past it the message goes to the fallback log. At end of input, deliveries still under way get at most this long' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l max-retries -d 'Retries after a transient failure (429, 5xx, timeout) [default: maxRetries from config, else 3]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l strict -d 'Exit 1 when a message could not be delivered'
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l resend -d 'Send messages the sent log says were delivered before (a re-run, a resumed rollout)'
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l dry-run -d 'Print each payload to stderr instead of sending it'
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand help; and not __fish_seen_subcommand_from send help" -f -a "send" -d 'Send one message built from flags, without an event stream'
complete -c sentinel-notify -n "__fish_sentinel_notify_using_subcommand help; and not __fish_seen_subcommand_from send help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
