
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sentinel-state' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sentinel-state'
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
        'sentinel-state' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Pass events through, journal them, and fold them into the state file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'A summary on stderr, or the RolloutState JSON on stdout with --json')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one field of the state, e.g. rolloutId, overallStatus, stages.0.status')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Hold the run lock while COMMAND runs, and pass its exit code through')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Remove a stale lock')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Print rollout.triggered with resumed: true for an unfinished rollout (exit 1 if none)')
            [CompletionResult]::new('gate', 'gate', [CompletionResultType]::ParameterValue, 'Release gates; each writes gate.passed or gate.failed and exits 0 or 1')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'The deployment report built from the journal: summary, phase comparison (percentiles from merged histograms), issues, rollback, state before and after, checks, timeline; Markdown (appended to $GITHUB_STEP_SUMMARY within its 1 MiB), JSON, or one self-contained HTML file with SVG charts')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Mark the release Archived and move state and journal to .sentinel/history/<rolloutId>/')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Rebuild a damaged state from the journal''s good lines (else the .bak), keeping the damaged files aside as <name>.damaged-<time>, and say what was done')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-state;apply' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
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
        'sentinel-state;show' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;get' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;lock' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait this long for a live holder to finish before giving up with exit 3')
            [CompletionResult]::new('--operation', '--operation', [CompletionResultType]::ParameterName, 'What the holder is doing, shown to anyone refused')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Take over a stale lock')
            [CompletionResult]::new('--take-over-dead', '--take-over-dead', [CompletionResultType]::ParameterName, 'Take over a lock only if its holder died on this host (pid gone, flock free): for scripts that check the rollout''s state before going on, as resuming does')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;unlock' {
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Remove the lock even from a live holder on this host, if its id matches')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Required: removing a lock is a deliberate act')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;resume' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;gate' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('soak', 'soak', [CompletionResultType]::ParameterValue, 'Pass when STAGE completed at least DURATION ago')
            [CompletionResult]::new('fresh', 'fresh', [CompletionResultType]::ParameterValue, 'Pass when a test-result file shows no failures and is newer than DURATION')
            [CompletionResult]::new('approved', 'approved', [CompletionResultType]::ParameterValue, 'Pass when a QA report says approved')
            [CompletionResult]::new('checksum', 'checksum', [CompletionResultType]::ParameterValue, 'Pass when the artifact''s SHA-256 matches')
            [CompletionResult]::new('no-active-rollout', 'no-active-rollout', [CompletionResultType]::ParameterValue, 'Pass when no rollout of this service and environment is unfinished')
            [CompletionResult]::new('verified', 'verified', [CompletionResultType]::ParameterValue, 'Pass when no load test recorded for the current rollout failed and every analysis passed (an inconclusive one closes it too): how a script that cannot see a pipeline''s exit codes learns whether a phase passed its verification')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-state;gate;soak' {
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'after')
            [CompletionResult]::new('--min', '--min', [CompletionResultType]::ParameterName, 'min')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the soak is over instead of failing now (a stage that has not completed still fails at once)')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;gate;fresh' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'file')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'max-age')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;gate;approved' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'file')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;gate;checksum' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'file')
            [CompletionResult]::new('--sha256', '--sha256', [CompletionResultType]::ParameterName, 'sha256')
            [CompletionResult]::new('--sha256-file', '--sha256-file', [CompletionResultType]::ParameterName, 'sha256-file')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;gate;no-active-rollout' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;gate;verified' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--load-tests-only', '--load-tests-only', [CompletionResultType]::ParameterName, 'Judge the load tests alone, not the analyses')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;gate;help' {
            [CompletionResult]::new('soak', 'soak', [CompletionResultType]::ParameterValue, 'Pass when STAGE completed at least DURATION ago')
            [CompletionResult]::new('fresh', 'fresh', [CompletionResultType]::ParameterValue, 'Pass when a test-result file shows no failures and is newer than DURATION')
            [CompletionResult]::new('approved', 'approved', [CompletionResultType]::ParameterValue, 'Pass when a QA report says approved')
            [CompletionResult]::new('checksum', 'checksum', [CompletionResultType]::ParameterValue, 'Pass when the artifact''s SHA-256 matches')
            [CompletionResult]::new('no-active-rollout', 'no-active-rollout', [CompletionResultType]::ParameterValue, 'Pass when no rollout of this service and environment is unfinished')
            [CompletionResult]::new('verified', 'verified', [CompletionResultType]::ParameterValue, 'Pass when no load test recorded for the current rollout failed and every analysis passed (an inconclusive one closes it too): how a script that cannot see a pipeline''s exit codes learns whether a phase passed its verification')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-state;gate;help;soak' {
            break
        }
        'sentinel-state;gate;help;fresh' {
            break
        }
        'sentinel-state;gate;help;approved' {
            break
        }
        'sentinel-state;gate;help;checksum' {
            break
        }
        'sentinel-state;gate;help;no-active-rollout' {
            break
        }
        'sentinel-state;gate;help;verified' {
            break
        }
        'sentinel-state;gate;help;help' {
            break
        }
        'sentinel-state;report' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'The baseline''s load tests (what `sentinel-stress --output json` wrote before the rollout) for the comparison''s Baseline column [default: .deploy-sentinel-baseline.json in the state directory, else baseline.json there (where archive leaves it), when there is one]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--front-matter', '--front-matter', [CompletionResultType]::ParameterName, 'Start the Markdown with YAML front matter (status, deployed, unit_id, rolloutId, version, environment) for note-taking tools')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;archive' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;repair' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state, journal, lock and rollouts [default: current directory]')
            [CompletionResult]::new('--state-url', '--state-url', [CompletionResultType]::ParameterName, 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config''s stateBackend, else the state directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-state;help' {
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Pass events through, journal them, and fold them into the state file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'A summary on stderr, or the RolloutState JSON on stdout with --json')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one field of the state, e.g. rolloutId, overallStatus, stages.0.status')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Hold the run lock while COMMAND runs, and pass its exit code through')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Remove a stale lock')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Print rollout.triggered with resumed: true for an unfinished rollout (exit 1 if none)')
            [CompletionResult]::new('gate', 'gate', [CompletionResultType]::ParameterValue, 'Release gates; each writes gate.passed or gate.failed and exits 0 or 1')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'The deployment report built from the journal: summary, phase comparison (percentiles from merged histograms), issues, rollback, state before and after, checks, timeline; Markdown (appended to $GITHUB_STEP_SUMMARY within its 1 MiB), JSON, or one self-contained HTML file with SVG charts')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Mark the release Archived and move state and journal to .sentinel/history/<rolloutId>/')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Rebuild a damaged state from the journal''s good lines (else the .bak), keeping the damaged files aside as <name>.damaged-<time>, and say what was done')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-state;help;apply' {
            break
        }
        'sentinel-state;help;show' {
            break
        }
        'sentinel-state;help;get' {
            break
        }
        'sentinel-state;help;lock' {
            break
        }
        'sentinel-state;help;unlock' {
            break
        }
        'sentinel-state;help;resume' {
            break
        }
        'sentinel-state;help;gate' {
            [CompletionResult]::new('soak', 'soak', [CompletionResultType]::ParameterValue, 'Pass when STAGE completed at least DURATION ago')
            [CompletionResult]::new('fresh', 'fresh', [CompletionResultType]::ParameterValue, 'Pass when a test-result file shows no failures and is newer than DURATION')
            [CompletionResult]::new('approved', 'approved', [CompletionResultType]::ParameterValue, 'Pass when a QA report says approved')
            [CompletionResult]::new('checksum', 'checksum', [CompletionResultType]::ParameterValue, 'Pass when the artifact''s SHA-256 matches')
            [CompletionResult]::new('no-active-rollout', 'no-active-rollout', [CompletionResultType]::ParameterValue, 'Pass when no rollout of this service and environment is unfinished')
            [CompletionResult]::new('verified', 'verified', [CompletionResultType]::ParameterValue, 'Pass when no load test recorded for the current rollout failed and every analysis passed (an inconclusive one closes it too): how a script that cannot see a pipeline''s exit codes learns whether a phase passed its verification')
            break
        }
        'sentinel-state;help;gate;soak' {
            break
        }
        'sentinel-state;help;gate;fresh' {
            break
        }
        'sentinel-state;help;gate;approved' {
            break
        }
        'sentinel-state;help;gate;checksum' {
            break
        }
        'sentinel-state;help;gate;no-active-rollout' {
            break
        }
        'sentinel-state;help;gate;verified' {
            break
        }
        'sentinel-state;help;report' {
            break
        }
        'sentinel-state;help;archive' {
            break
        }
        'sentinel-state;help;repair' {
            break
        }
        'sentinel-state;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
