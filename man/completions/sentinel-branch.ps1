
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sentinel-branch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sentinel-branch'
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
        'sentinel-branch' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create the rollout''s tracking branch (for each rollout.triggered on stdin, or from flags)')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the next semantic version')
            [CompletionResult]::new('tag', 'tag', [CompletionResultType]::ParameterValue, 'Create an annotated release tag on HEAD')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Release checks; each writes gate.passed or gate.failed')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete merged branches that match a pattern')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-branch;create' {
            [CompletionResult]::new('--pattern', '--pattern', [CompletionResultType]::ParameterName, 'Branch name pattern; placeholders {environment} {serviceGroupName} {timestamp} {version} {rolloutId} {rolloutId8}')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where the branch starts')
            [CompletionResult]::new('--push', '--push', [CompletionResultType]::ParameterName, 'Push the branch to this remote')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Standalone: the environment')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'Standalone: the service group')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Standalone: the version')
            [CompletionResult]::new('--rollout-id', '--rollout-id', [CompletionResultType]::ParameterName, 'Standalone: the rollout id')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--checkout', '--checkout', [CompletionResultType]::ParameterName, 'Check the branch out')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-branch;version' {
            [CompletionResult]::new('--bump', '--bump', [CompletionResultType]::ParameterName, 'bump')
            [CompletionResult]::new('--changelog', '--changelog', [CompletionResultType]::ParameterName, 'changelog')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-branch;tag' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version to tag [default: computed with --bump]')
            [CompletionResult]::new('--bump', '--bump', [CompletionResultType]::ParameterName, 'bump')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'message')
            [CompletionResult]::new('--push', '--push', [CompletionResultType]::ParameterName, 'push')
            [CompletionResult]::new('--changelog', '--changelog', [CompletionResultType]::ParameterName, 'changelog')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--sign', '--sign', [CompletionResultType]::ParameterName, 'Sign with the configured gpg or ssh signing program')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-branch;check' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'No uncommitted or untracked changes')
            [CompletionResult]::new('at-tag', 'at-tag', [CompletionResultType]::ParameterValue, 'HEAD is the tag''s commit')
            [CompletionResult]::new('artifact', 'artifact', [CompletionResultType]::ParameterValue, 'The artifact was built from the tag''s commit ("deployment artifact must be built from this exact tag")')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-branch;check;clean' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-branch;check;at-tag' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-branch;check;artifact' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The artifact; its commit is read from F.sha, else from KEY in F.json or in F itself')
            [CompletionResult]::new('--commit-from', '--commit-from', [CompletionResultType]::ParameterName, 'The key (dotted for nested JSON) that records the commit [default: commit]')
            [CompletionResult]::new('--expect-commit', '--expect-commit', [CompletionResultType]::ParameterName, 'The commit the artifact must record [default: the commit of --tag, else of the newest release tag]')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'The release tag whose commit is expected')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-branch;check;help' {
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'No uncommitted or untracked changes')
            [CompletionResult]::new('at-tag', 'at-tag', [CompletionResultType]::ParameterValue, 'HEAD is the tag''s commit')
            [CompletionResult]::new('artifact', 'artifact', [CompletionResultType]::ParameterValue, 'The artifact was built from the tag''s commit ("deployment artifact must be built from this exact tag")')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-branch;check;help;clean' {
            break
        }
        'sentinel-branch;check;help;at-tag' {
            break
        }
        'sentinel-branch;check;help;artifact' {
            break
        }
        'sentinel-branch;check;help;help' {
            break
        }
        'sentinel-branch;cleanup' {
            [CompletionResult]::new('--merged-into', '--merged-into', [CompletionResultType]::ParameterName, 'merged-into')
            [CompletionResult]::new('--pattern', '--pattern', [CompletionResultType]::ParameterName, 'pattern')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'older-than')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'remote')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The repository [default: the one containing the current directory]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'dry-run')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-branch;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create the rollout''s tracking branch (for each rollout.triggered on stdin, or from flags)')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the next semantic version')
            [CompletionResult]::new('tag', 'tag', [CompletionResultType]::ParameterValue, 'Create an annotated release tag on HEAD')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Release checks; each writes gate.passed or gate.failed')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete merged branches that match a pattern')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-branch;help;create' {
            break
        }
        'sentinel-branch;help;version' {
            break
        }
        'sentinel-branch;help;tag' {
            break
        }
        'sentinel-branch;help;check' {
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'No uncommitted or untracked changes')
            [CompletionResult]::new('at-tag', 'at-tag', [CompletionResultType]::ParameterValue, 'HEAD is the tag''s commit')
            [CompletionResult]::new('artifact', 'artifact', [CompletionResultType]::ParameterValue, 'The artifact was built from the tag''s commit ("deployment artifact must be built from this exact tag")')
            break
        }
        'sentinel-branch;help;check;clean' {
            break
        }
        'sentinel-branch;help;check;at-tag' {
            break
        }
        'sentinel-branch;help;check;artifact' {
            break
        }
        'sentinel-branch;help;cleanup' {
            break
        }
        'sentinel-branch;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
