# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sentinel_stress_global_optspecs
    string join \n n/requests= z/duration= c/concurrency= http2 p/streams= engine= q/rate= ramp= warmup= timeout= connect-timeout= disable-keepalive m/method= H/header= d/body= body-file= bearer-token-env= k/insecure cacert= targets= max-error-rate= max-p50= max-p95= max-p99= max-avg= min-rps= baseline= max-latency-ratio= max-error-rate-increase= min-achieved-rate-ratio= abort-on-breach window= output= on= ready-timeout= no-pass-through skip-invalid config= service-group= service-id= stage-map= environment= provider= color= events-log v/verbose h/help V/version
end

function __fish_sentinel_stress_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sentinel_stress_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sentinel_stress_using_subcommand
    set -l cmd (__fish_sentinel_stress_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s n -l requests -d 'Number of requests [default: 100 unless --duration is given]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s z -l duration -d 'Run for this long instead of a number of requests' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s c -l concurrency -d 'Concurrent connections' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s p -l streams -d 'With --http2: concurrent streams per connection' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l engine -d 'Load engine for HTTP/1.1: io-uring (batched system calls; plain http, https stays on mio), mio (epoll), or auto: io-uring where this machine allows it' -r -f -a "auto\t'io_uring where this machine allows it and the targets are plain http, else mio'
io-uring\t'io_uring for plain http targets (https still runs on mio, which drives rustls)'
mio\t'The readiness-based event loop (epoll), on every target'"
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s q -l rate -d 'Constant arrival rate in requests/s (open model, coordinated omission corrected)' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l ramp -d 'Open model with a changing rate: stages RATE/s:DURATION, comma-separated, e.g. 10/s:30s,100/s:60s,100/s:5m. The first holds its rate; each next one goes linearly from the rate before to its own. The run lasts their sum' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l warmup -d 'Send load for this long first without counting it' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l timeout -d 'Per-request timeout' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l connect-timeout -d 'Connect timeout' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s m -l method -d 'HTTP method' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s H -l header -d 'Header \'Name: value\' (repeatable)' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s d -l body -d 'Request body' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l body-file -d 'Request body from a file' -r -F
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l bearer-token-env -d 'Send \'Authorization: Bearer\' with the token in this environment variable (never echoed)' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l cacert -d 'Also trust the CA certificates in this PEM file (besides the bundled Mozilla roots and $SSL_CERT_FILE)' -r -F
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l targets -d 'Targets file: one \'METHOD URL\' per line (vegeta style)' -r -F
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l max-error-rate -d 'Highest error rate, in percent' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l max-p50 -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l max-p95 -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l max-p99 -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l max-avg -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l min-rps -d 'Lowest acceptable requests/s' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l baseline -d 'An earlier result to compare with' -r -F
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l max-latency-ratio -d 'Highest p95 relative to the baseline\'s p95, e.g. 1.1' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l max-error-rate-increase -d 'Highest error-rate increase over the baseline, in percentage points' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l min-achieved-rate-ratio -d 'With -q: fail when requests went out at less than this share of the asked rate (e.g. 0.95), because the generator could not keep up' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l window -d 'Window for --abort-on-breach' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l output -d 'Report format [default: text on a terminal, ndjson otherwise]' -r -f -a "text\t''
json\t''
ndjson\t''
junit\t''
markdown\t''"
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l on -d 'Pipeline mode: test the endpoints of each event of these kinds (comma-separated)' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l ready-timeout -d 'In pipeline mode, retry endpoints that refuse or answer 503 for this long first' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l http2 -d 'Speak HTTP/2: h2 over TLS (ALPN) for https://, h2c with prior knowledge for http://'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l disable-keepalive -d 'Open a new connection for every request'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s k -l insecure -d 'Accept any TLS certificate (the connection is encrypted but not authenticated)'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l abort-on-breach -d 'Stop early once a window breaches the error-rate or latency limits (p50/p95/p99/avg)'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l no-pass-through -d 'Write only this tool\'s own events, not the input events'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l skip-invalid -d 'Report lines that are not JSON objects on stderr and go on, instead of stopping with exit 2'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -s V -l version -d 'Print version'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -a "merge" -d 'Merge results (their HdrHistograms) into one exact result'
complete -c sentinel-stress -n "__fish_sentinel_stress_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l max-error-rate -d 'Highest error rate, in percent' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l max-p50 -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l max-p95 -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l max-p99 -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l max-avg -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l min-rps -d 'Lowest acceptable requests/s' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l baseline -d 'An earlier result to compare with' -r -F
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l max-latency-ratio -d 'Highest p95 relative to the baseline\'s p95, e.g. 1.1' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l max-error-rate-increase -d 'Highest error-rate increase over the baseline, in percentage points' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l min-achieved-rate-ratio -d 'With -q: fail when requests went out at less than this share of the asked rate (e.g. 0.95), because the generator could not keep up' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l window -d 'Window for --abort-on-breach' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l output -d 'Report format [default: text on a terminal, ndjson otherwise]' -r -f -a "text\t''
json\t''
ndjson\t''
junit\t''
markdown\t''"
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l config -d 'The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]' -r -F
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l service-group -d 'ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l service-id -d 'ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l stage-map -d 'Stage map name [env: SENTINEL_STAGE_MAP]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l environment -d 'Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT]' -r
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l provider -d 'Rollout provider [env: SENTINEL_PROVIDER] [default: local]' -r -f -a "local\t'The embedded engine on this machine; needs nothing installed'
ev2\t'Azure EV2 through its MCP server'
ado\t'Azure DevOps pipelines'"
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l color -d 'When to colour stderr' -r -f -a "auto\t'Colour when stderr is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`'
always\t''
never\t''"
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l abort-on-breach -d 'Stop early once a window breaches the error-rate or latency limits (p50/p95/p99/avg)'
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -l events-log -d 'Also write log lines as `log` events on stdout (humans read stderr)'
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -s v -l verbose -d 'Also log debug lines: what remote services said in full (e.g. the EV2 best practices) [env: SENTINEL_DEBUG=1]'
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand help; and not __fish_seen_subcommand_from merge help" -f -a "merge" -d 'Merge results (their HdrHistograms) into one exact result'
complete -c sentinel-stress -n "__fish_sentinel_stress_using_subcommand help; and not __fish_seen_subcommand_from merge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
