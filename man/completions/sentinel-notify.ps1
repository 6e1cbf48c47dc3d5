
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sentinel-notify' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sentinel-notify'
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
        'sentinel-notify' {
            [CompletionResult]::new('--teams', '--teams', [CompletionResultType]::ParameterName, 'Teams Workflows webhook URL (repeatable) [env: SENTINEL_TEAMS_WEBHOOK]')
            [CompletionResult]::new('--teams-format', '--teams-format', [CompletionResultType]::ParameterName, 'Teams payload shape')
            [CompletionResult]::new('--slack', '--slack', [CompletionResultType]::ParameterName, 'Slack incoming webhook URL (repeatable) [env: SENTINEL_SLACK_WEBHOOK]')
            [CompletionResult]::new('--discord', '--discord', [CompletionResultType]::ParameterName, 'Discord webhook URL (repeatable)')
            [CompletionResult]::new('--webhook', '--webhook', [CompletionResultType]::ParameterName, 'Generic webhook URL that receives the event itself (repeatable) [env: SENTINEL_WEBHOOK_URL]')
            [CompletionResult]::new('--webhook-secret-env', '--webhook-secret-env', [CompletionResultType]::ParameterName, 'Environment variable holding the webhook signing secret')
            [CompletionResult]::new('--on', '--on', [CompletionResultType]::ParameterName, 'Event kinds to send (comma-separated), any kind at all: one without a message of its own gets a generic one (its kind and plain fields) [default: start, stages, approvals, failed stress results, end, rollbacks]')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'Title and body per kind with {field} placeholders')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time one attempt may take, from connect to the answer''s last byte')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Total time one message may take to reach a channel, all attempts and waits included; past it the message goes to the fallback log. At end of input, deliveries still under way get at most this long')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries after a transient failure (429, 5xx, timeout) [default: maxRetries from config, else 3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 when a message could not be delivered')
            [CompletionResult]::new('--resend', '--resend', [CompletionResultType]::ParameterName, 'Send messages the sent log says were delivered before (a re-run, a resumed rollout)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print each payload to stderr instead of sending it')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send one message built from flags, without an event stream')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-notify;send' {
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'title')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'status')
            [CompletionResult]::new('--fact', '--fact', [CompletionResultType]::ParameterName, 'A fact ''Key=Value'' (repeatable)')
            [CompletionResult]::new('--link', '--link', [CompletionResultType]::ParameterName, 'A link button')
            [CompletionResult]::new('--teams', '--teams', [CompletionResultType]::ParameterName, 'Teams Workflows webhook URL (repeatable) [env: SENTINEL_TEAMS_WEBHOOK]')
            [CompletionResult]::new('--teams-format', '--teams-format', [CompletionResultType]::ParameterName, 'Teams payload shape')
            [CompletionResult]::new('--slack', '--slack', [CompletionResultType]::ParameterName, 'Slack incoming webhook URL (repeatable) [env: SENTINEL_SLACK_WEBHOOK]')
            [CompletionResult]::new('--discord', '--discord', [CompletionResultType]::ParameterName, 'Discord webhook URL (repeatable)')
            [CompletionResult]::new('--webhook', '--webhook', [CompletionResultType]::ParameterName, 'Generic webhook URL that receives the event itself (repeatable) [env: SENTINEL_WEBHOOK_URL]')
            [CompletionResult]::new('--webhook-secret-env', '--webhook-secret-env', [CompletionResultType]::ParameterName, 'Environment variable holding the webhook signing secret')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time one attempt may take, from connect to the answer''s last byte')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Total time one message may take to reach a channel, all attempts and waits included; past it the message goes to the fallback log. At end of input, deliveries still under way get at most this long')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries after a transient failure (429, 5xx, timeout) [default: maxRetries from config, else 3]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 when a message could not be delivered')
            [CompletionResult]::new('--resend', '--resend', [CompletionResultType]::ParameterName, 'Send messages the sent log says were delivered before (a re-run, a resumed rollout)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print each payload to stderr instead of sending it')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-notify;help' {
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send one message built from flags, without an event stream')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-notify;help;send' {
            break
        }
        'sentinel-notify;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
