# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sentinel_branch_global_optspecs
    string join \n repo= color= events-log v/verbose h/help V/version
end

function __fish_sentinel_branch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sentinel_branch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sentinel_branch_using_subcommand
    set -l cmd (__fish_sentinel_branch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -s V -l version -d 'Print version'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -f -a "create" -d 'Create the rollout\'s tracking branch (for each rollout.triggered on stdin, or from flags)'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -f -a "version" -d 'Print the next semantic version'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -f -a "tag" -d 'Create an annotated release tag on HEAD'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -f -a "check" -d 'Release checks; each writes gate.passed or gate.failed'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -f -a "cleanup" -d 'Delete merged branches that match a pattern'
complete -c sentinel-branch -n "__fish_sentinel_branch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l pattern -d 'Branch name pattern; placeholders {environment} {serviceGroupName} {timestamp} {version} {rolloutId} {rolloutId8}' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l from -d 'Where the branch starts' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l push -d 'Push the branch to this remote' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l environment -d 'Standalone: the environment' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l service-group -d 'Standalone: the service group' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l version -d 'Standalone: the version' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l rollout-id -d 'Standalone: the rollout id' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l checkout -d 'Check the branch out'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand version" -l bump -r -f -a "major\t''
minor\t''
patch\t''
auto\t'From the CHANGELOG\'s [Unreleased] section or conventional commits'"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand version" -l changelog -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand version" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand version" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand version" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand version" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l version -d 'The version to tag [default: computed with --bump]' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l bump -r -f -a "major\t''
minor\t''
patch\t''
auto\t'From the CHANGELOG\'s [Unreleased] section or conventional commits'"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l message -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l push -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l changelog -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l sign -d 'Sign with the configured gpg or ssh signing program'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -f -a "clean" -d 'No uncommitted or untracked changes'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -f -a "at-tag" -d 'HEAD is the tag\'s commit'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -f -a "artifact" -d 'The artifact was built from the tag\'s commit ("deployment artifact must be built from this exact tag")'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and not __fish_seen_subcommand_from clean at-tag artifact help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from clean" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from clean" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from clean" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from clean" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from clean" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from at-tag" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from at-tag" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from at-tag" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from at-tag" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from at-tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -l file -d 'The artifact; its commit is read from F.sha, else from KEY in F.json or in F itself' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -l commit-from -d 'The key (dotted for nested JSON) that records the commit [default: commit]' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -l expect-commit -d 'The commit the artifact must record [default: the commit of --tag, else of the newest release tag]' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -l tag -d 'The release tag whose commit is expected' -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from artifact" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "clean" -d 'No uncommitted or untracked changes'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "at-tag" -d 'HEAD is the tag\'s commit'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "artifact" -d 'The artifact was built from the tag\'s commit ("deployment artifact must be built from this exact tag")'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand check; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -l merged-into -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -l pattern -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -l older-than -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -l remote -r
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -l repo -d 'The repository [default: the one containing the current directory]' -r -F
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -l dry-run
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand cleanup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and not __fish_seen_subcommand_from create version tag check cleanup help" -f -a "create" -d 'Create the rollout\'s tracking branch (for each rollout.triggered on stdin, or from flags)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and not __fish_seen_subcommand_from create version tag check cleanup help" -f -a "version" -d 'Print the next semantic version'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and not __fish_seen_subcommand_from create version tag check cleanup help" -f -a "tag" -d 'Create an annotated release tag on HEAD'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and not __fish_seen_subcommand_from create version tag check cleanup help" -f -a "check" -d 'Release checks; each writes gate.passed or gate.failed'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and not __fish_seen_subcommand_from create version tag check cleanup help" -f -a "cleanup" -d 'Delete merged branches that match a pattern'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and not __fish_seen_subcommand_from create version tag check cleanup help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "clean" -d 'No uncommitted or untracked changes'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "at-tag" -d 'HEAD is the tag\'s commit'
complete -c sentinel-branch -n "__fish_sentinel_branch_using_subcommand help; and __fish_seen_subcommand_from check" -f -a "artifact" -d 'The artifact was built from the tag\'s commit ("deployment artifact must be built from this exact tag")'
