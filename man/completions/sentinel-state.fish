# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sentinel_state_global_optspecs
    string join \n state-dir= state-url= color= events-log v/verbose h/help V/version
end

function __fish_sentinel_state_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sentinel_state_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sentinel_state_using_subcommand
    set -l cmd (__fish_sentinel_state_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -s V -l version -d 'Print version'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "apply" -d 'Pass events through, journal them, and fold them into the state file'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "show" -d 'A summary on stderr, or the RolloutState JSON on stdout with --json'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "get" -d 'Print one field of the state, e.g. rolloutId, overallStatus, stages.0.status'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "lock" -d 'Hold the run lock while COMMAND runs, and pass its exit code through'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "unlock" -d 'Remove a stale lock'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "resume" -d 'Print rollout.triggered with resumed: true for an unfinished rollout (exit 1 if none)'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "gate" -d 'Release gates; each writes gate.passed or gate.failed and exits 0 or 1'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "report" -d 'The deployment report built from the journal: summary, phase comparison (percentiles from merged histograms), issues, rollback, state before and after, checks, timeline; Markdown (appended to $GITHUB_STEP_SUMMARY within its 1 MiB), JSON, or one self-contained HTML file with SVG charts'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "archive" -d 'Mark the release Archived and move state and journal to .sentinel/history/<rolloutId>/'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "repair" -d 'Rebuild a damaged state from the journal\'s good lines (else the .bak), keeping the damaged files aside as <name>.damaged-<time>, and say what was done'
complete -c sentinel-state -n "__fish_sentinel_state_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand apply" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand apply" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand apply" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand apply" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand apply" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand apply" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand apply" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand show" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand show" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand show" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand show" -l json
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand show" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand show" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand get" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand get" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand get" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand get" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand get" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -l wait -d 'Wait this long for a live holder to finish before giving up with exit 3' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -l operation -d 'What the holder is doing, shown to anyone refused' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -l force -d 'Take over a stale lock'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -l take-over-dead -d 'Take over a lock only if its holder died on this host (pid gone, flock free): for scripts that check the rollout\'s state before going on, as resuming does'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand unlock" -l id -d 'Remove the lock even from a live holder on this host, if its id matches' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand unlock" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand unlock" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand unlock" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand unlock" -l force -d 'Required: removing a lock is a deliberate act'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand unlock" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand unlock" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand resume" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand resume" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand resume" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand resume" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand resume" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -f -a "soak" -d 'Pass when STAGE completed at least DURATION ago'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -f -a "fresh" -d 'Pass when a test-result file shows no failures and is newer than DURATION'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -f -a "approved" -d 'Pass when a QA report says approved'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -f -a "checksum" -d 'Pass when the artifact\'s SHA-256 matches'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -f -a "no-active-rollout" -d 'Pass when no rollout of this service and environment is unfinished'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -f -a "verified" -d 'Pass when no load test recorded for the current rollout failed and every analysis passed (an inconclusive one closes it too): how a script that cannot see a pipeline\'s exit codes learns whether a phase passed its verification'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and not __fish_seen_subcommand_from soak fresh approved checksum no-active-rollout verified help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -l after -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -l min -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -l wait -d 'Wait until the soak is over instead of failing now (a stage that has not completed still fails at once)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from soak" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from fresh" -l file -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from fresh" -l max-age -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from fresh" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from fresh" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from fresh" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from fresh" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from fresh" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from fresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from approved" -l file -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from approved" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from approved" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from approved" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from approved" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from approved" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from approved" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -l file -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -l sha256 -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -l sha256-file -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from checksum" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from no-active-rollout" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from no-active-rollout" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from no-active-rollout" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from no-active-rollout" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from no-active-rollout" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from no-active-rollout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from verified" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from verified" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from verified" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from verified" -l load-tests-only -d 'Judge the load tests alone, not the analyses'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from verified" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from verified" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from verified" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "soak" -d 'Pass when STAGE completed at least DURATION ago'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "fresh" -d 'Pass when a test-result file shows no failures and is newer than DURATION'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "approved" -d 'Pass when a QA report says approved'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "checksum" -d 'Pass when the artifact\'s SHA-256 matches'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "no-active-rollout" -d 'Pass when no rollout of this service and environment is unfinished'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "verified" -d 'Pass when no load test recorded for the current rollout failed and every analysis passed (an inconclusive one closes it too): how a script that cannot see a pipeline\'s exit codes learns whether a phase passed its verification'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -l format -r -f -a "markdown\t''
json\t''
html\t'One self-contained HTML file with SVG charts (no script, font or request)'"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -l output -d 'Write the report to this file instead of stdout' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -l baseline -d 'The baseline\'s load tests (what `sentinel-stress --output json` wrote before the rollout) for the comparison\'s Baseline column [default: .deploy-sentinel-baseline.json in the state directory, else baseline.json there (where archive leaves it), when there is one]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -l front-matter -d 'Start the Markdown with YAML front matter (status, deployed, unit_id, rolloutId, version, environment) for note-taking tools'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand archive" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand archive" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand archive" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand archive" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand archive" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand archive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand repair" -l state-dir -d 'Directory for state, journal, lock and rollouts [default: current directory]' -r -F
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand repair" -l state-url -d 'Keep state, journal and lock in Azure Blob Storage instead of the state directory: azblob://ACCOUNT/CONTAINER/PREFIX, credentials from AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN [default: the config\'s stateBackend, else the state directory]' -r
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand repair" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand repair" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand repair" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand repair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "apply" -d 'Pass events through, journal them, and fold them into the state file'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "show" -d 'A summary on stderr, or the RolloutState JSON on stdout with --json'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "get" -d 'Print one field of the state, e.g. rolloutId, overallStatus, stages.0.status'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "lock" -d 'Hold the run lock while COMMAND runs, and pass its exit code through'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "unlock" -d 'Remove a stale lock'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "resume" -d 'Print rollout.triggered with resumed: true for an unfinished rollout (exit 1 if none)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "gate" -d 'Release gates; each writes gate.passed or gate.failed and exits 0 or 1'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "report" -d 'The deployment report built from the journal: summary, phase comparison (percentiles from merged histograms), issues, rollback, state before and after, checks, timeline; Markdown (appended to $GITHUB_STEP_SUMMARY within its 1 MiB), JSON, or one self-contained HTML file with SVG charts'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "archive" -d 'Mark the release Archived and move state and journal to .sentinel/history/<rolloutId>/'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "repair" -d 'Rebuild a damaged state from the journal\'s good lines (else the .bak), keeping the damaged files aside as <name>.damaged-<time>, and say what was done'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and not __fish_seen_subcommand_from apply show get lock unlock resume gate report archive repair help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "soak" -d 'Pass when STAGE completed at least DURATION ago'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "fresh" -d 'Pass when a test-result file shows no failures and is newer than DURATION'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "approved" -d 'Pass when a QA report says approved'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "checksum" -d 'Pass when the artifact\'s SHA-256 matches'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "no-active-rollout" -d 'Pass when no rollout of this service and environment is unfinished'
complete -c sentinel-state -n "__fish_sentinel_state_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "verified" -d 'Pass when no load test recorded for the current rollout failed and every analysis passed (an inconclusive one closes it too): how a script that cannot see a pipeline\'s exit codes learns whether a phase passed its verification'
