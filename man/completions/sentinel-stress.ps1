
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sentinel-stress' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sentinel-stress'
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
        'sentinel-stress' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of requests [default: 100 unless --duration is given]')
            [CompletionResult]::new('--requests', '--requests', [CompletionResultType]::ParameterName, 'Number of requests [default: 100 unless --duration is given]')
            [CompletionResult]::new('-z', '-z', [CompletionResultType]::ParameterName, 'Run for this long instead of a number of requests')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Run for this long instead of a number of requests')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Concurrent connections')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Concurrent connections')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'With --http2: concurrent streams per connection')
            [CompletionResult]::new('--streams', '--streams', [CompletionResultType]::ParameterName, 'With --http2: concurrent streams per connection')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Load engine for HTTP/1.1: io-uring (batched system calls; plain http, https stays on mio), mio (epoll), or auto: io-uring where this machine allows it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Constant arrival rate in requests/s (open model, coordinated omission corrected)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Constant arrival rate in requests/s (open model, coordinated omission corrected)')
            [CompletionResult]::new('--ramp', '--ramp', [CompletionResultType]::ParameterName, 'Open model with a changing rate: stages RATE/s:DURATION, comma-separated, e.g. 10/s:30s,100/s:60s,100/s:5m. The first holds its rate; each next one goes linearly from the rate before to its own. The run lasts their sum')
            [CompletionResult]::new('--warmup', '--warmup', [CompletionResultType]::ParameterName, 'Send load for this long first without counting it')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Connect timeout')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'HTTP method')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Header ''Name: value'' (repeatable)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Request body')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Request body')
            [CompletionResult]::new('--body-file', '--body-file', [CompletionResultType]::ParameterName, 'Request body from a file')
            [CompletionResult]::new('--bearer-token-env', '--bearer-token-env', [CompletionResultType]::ParameterName, 'Send ''Authorization: Bearer'' with the token in this environment variable (never echoed)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (besides the bundled Mozilla roots and $SSL_CERT_FILE)')
            [CompletionResult]::new('--targets', '--targets', [CompletionResultType]::ParameterName, 'Targets file: one ''METHOD URL'' per line (vegeta style)')
            [CompletionResult]::new('--max-error-rate', '--max-error-rate', [CompletionResultType]::ParameterName, 'Highest error rate, in percent')
            [CompletionResult]::new('--max-p50', '--max-p50', [CompletionResultType]::ParameterName, 'max-p50')
            [CompletionResult]::new('--max-p95', '--max-p95', [CompletionResultType]::ParameterName, 'max-p95')
            [CompletionResult]::new('--max-p99', '--max-p99', [CompletionResultType]::ParameterName, 'max-p99')
            [CompletionResult]::new('--max-avg', '--max-avg', [CompletionResultType]::ParameterName, 'max-avg')
            [CompletionResult]::new('--min-rps', '--min-rps', [CompletionResultType]::ParameterName, 'Lowest acceptable requests/s')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'An earlier result to compare with')
            [CompletionResult]::new('--max-latency-ratio', '--max-latency-ratio', [CompletionResultType]::ParameterName, 'Highest p95 relative to the baseline''s p95, e.g. 1.1')
            [CompletionResult]::new('--max-error-rate-increase', '--max-error-rate-increase', [CompletionResultType]::ParameterName, 'Highest error-rate increase over the baseline, in percentage points')
            [CompletionResult]::new('--min-achieved-rate-ratio', '--min-achieved-rate-ratio', [CompletionResultType]::ParameterName, 'With -q: fail when requests went out at less than this share of the asked rate (e.g. 0.95), because the generator could not keep up')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Window for --abort-on-breach')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Report format [default: text on a terminal, ndjson otherwise]')
            [CompletionResult]::new('--on', '--on', [CompletionResultType]::ParameterName, 'Pipeline mode: test the endpoints of each event of these kinds (comma-separated)')
            [CompletionResult]::new('--ready-timeout', '--ready-timeout', [CompletionResultType]::ParameterName, 'In pipeline mode, retry endpoints that refuse or answer 503 for this long first')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--http2', '--http2', [CompletionResultType]::ParameterName, 'Speak HTTP/2: h2 over TLS (ALPN) for https://, h2c with prior knowledge for http://')
            [CompletionResult]::new('--disable-keepalive', '--disable-keepalive', [CompletionResultType]::ParameterName, 'Open a new connection for every request')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept any TLS certificate (the connection is encrypted but not authenticated)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate (the connection is encrypted but not authenticated)')
            [CompletionResult]::new('--abort-on-breach', '--abort-on-breach', [CompletionResultType]::ParameterName, 'Stop early once a window breaches the error-rate or latency limits (p50/p95/p99/avg)')
            [CompletionResult]::new('--no-pass-through', '--no-pass-through', [CompletionResultType]::ParameterName, 'Write only this tool''s own events, not the input events')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge results (their HdrHistograms) into one exact result')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-stress;merge' {
            [CompletionResult]::new('--max-error-rate', '--max-error-rate', [CompletionResultType]::ParameterName, 'Highest error rate, in percent')
            [CompletionResult]::new('--max-p50', '--max-p50', [CompletionResultType]::ParameterName, 'max-p50')
            [CompletionResult]::new('--max-p95', '--max-p95', [CompletionResultType]::ParameterName, 'max-p95')
            [CompletionResult]::new('--max-p99', '--max-p99', [CompletionResultType]::ParameterName, 'max-p99')
            [CompletionResult]::new('--max-avg', '--max-avg', [CompletionResultType]::ParameterName, 'max-avg')
            [CompletionResult]::new('--min-rps', '--min-rps', [CompletionResultType]::ParameterName, 'Lowest acceptable requests/s')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'An earlier result to compare with')
            [CompletionResult]::new('--max-latency-ratio', '--max-latency-ratio', [CompletionResultType]::ParameterName, 'Highest p95 relative to the baseline''s p95, e.g. 1.1')
            [CompletionResult]::new('--max-error-rate-increase', '--max-error-rate-increase', [CompletionResultType]::ParameterName, 'Highest error-rate increase over the baseline, in percentage points')
            [CompletionResult]::new('--min-achieved-rate-ratio', '--min-achieved-rate-ratio', [CompletionResultType]::ParameterName, 'With -q: fail when requests went out at less than this share of the asked rate (e.g. 0.95), because the generator could not keep up')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Window for --abort-on-breach')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Report format [default: text on a terminal, ndjson otherwise]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]')
            [CompletionResult]::new('--service-group', '--service-group', [CompletionResultType]::ParameterName, 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]')
            [CompletionResult]::new('--service-id', '--service-id', [CompletionResultType]::ParameterName, 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]')
            [CompletionResult]::new('--stage-map', '--stage-map', [CompletionResultType]::ParameterName, 'Stage map name [env: SENTINEL_STAGE_MAP]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour stderr')
            [CompletionResult]::new('--abort-on-breach', '--abort-on-breach', [CompletionResultType]::ParameterName, 'Stop early once a window breaches the error-rate or latency limits (p50/p95/p99/avg)')
            [CompletionResult]::new('--events-log', '--events-log', [CompletionResultType]::ParameterName, 'Also write log lines as `log` events on stdout (humans read stderr)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sentinel-stress;help' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge results (their HdrHistograms) into one exact result')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sentinel-stress;help;merge' {
            break
        }
        'sentinel-stress;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
