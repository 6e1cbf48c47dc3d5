//! Pipeline mode, `--on KIND,...`: pass every event through, and after each matching one
//! test its endpoints (once they answer) and write a `stress.result` each.

use crate::cli::Cli;
use crate::engine::{self, Plan, Shared};
use crate::settings::{self, Endpoint};
use crate::{MAX_ENDPOINTS, descriptors, judge, monitor, target};
use rayon::prelude::*;
use sentinel_core::config;
use sentinel_core::events::{Event, Payload, StressTestResult};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::stream::pump;
use sentinel_core::{Exit, Result};
use std::io::Write;
use std::time::Duration;

/// `--on KIND,...`: pass every event through; after each matching one, test its endpoints in
/// parallel and write one `stress.result` per endpoint.
pub(crate) fn pipeline<W: Write>(cli: &Cli, out: &mut Writer<W>, logger: &Logger) -> Result<Exit> {
    let loaded = config::load_here(&cli.config)?;
    loaded.require(&[])?;
    let stress = loaded.config.stress_test_config.clone().unwrap_or_default();
    let mut judging = settings::judging(&cli.thresholds, &stress)?;
    // The deployment defaults: error rate ≤ 5%, p95 ≤ 500 ms.
    let t = &mut judging.thresholds;
    t.max_error_rate = t.max_error_rate.or(Some(5.0));
    t.max_p95_ms = t.max_p95_ms.or(Some(500.0));
    let spec = settings::request_spec(cli)?;
    let requests = cli.load.requests.or(stress.requests);
    let duration = cli.load.duration.or(stress.duration.map(|d| d.0));
    let concurrency = stress
        .concurrency
        .map_or(cli.load.concurrency as usize, |c| c as usize);
    descriptors::ensure(concurrency * MAX_ENDPOINTS.min(stress.endpoints.len().max(1)))?;
    let mut failed = false;
    pump(
        std::io::stdin().lock(),
        "standard input",
        out,
        &cli.stream,
        logger,
        |line, out| {
            if !line.kind().is_some_and(|k| cli.on.iter().any(|on| on == k)) {
                return Ok(());
            }
            let mut endpoints = line.strings("endpoints");
            if endpoints.is_empty() {
                endpoints = stress.endpoints.clone();
            }
            if endpoints.len() > MAX_ENDPOINTS {
                logger.warn(&format!(
                    "{} endpoints; testing the first {MAX_ENDPOINTS}",
                    endpoints.len()
                ));
                endpoints.truncate(MAX_ENDPOINTS);
            }
            let results: Vec<Result<Vec<StressTestResult>>> = endpoints
                .par_iter()
                .map(|url| {
                    let target = target::parse(&cli.request.method, url, &spec)?;
                    let plan = settings::plan(cli, vec![target], requests, duration, concurrency);
                    wait_until_ready(&plan, cli.ready_timeout, logger);
                    let endpoint = Endpoint {
                        label: plan.targets[0].shown_url.clone(),
                        method: plan.targets[0].method.clone(),
                    };
                    Ok(monitor::load_test(
                        &plan,
                        &[endpoint],
                        &judging,
                        settings::watch(cli),
                        logger,
                    ))
                })
                .collect();
            let results: Vec<StressTestResult> = results
                .into_iter()
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect();
            for result in &results {
                failed |= !result.passed;
                out.emit(&Event::new(
                    "sentinel-stress",
                    line.rollout_id(),
                    Payload::StressResult(Box::new(result.clone())),
                ))?;
            }
            judge::refuse_client_failures(&results)
        },
    )?;
    Ok(if failed {
        Exit::CheckFailed
    } else {
        Exit::Success
    })
}

/// A freshly deployed endpoint may not listen yet: retry refusals, resets and 503s with
/// backoff, up to `limit`, before the test counts. Each attempt is one request through the
/// load engine itself, so an https endpoint is asked with the run's TLS settings; any other
/// answer (a TLS error included) means the endpoint is there to be judged.
fn wait_until_ready(plan: &Plan, limit: Duration, logger: &Logger) {
    let attempt_plan = Plan {
        connections: 1,
        threads: 1,
        requests: Some(1),
        duration: None,
        rate: None,
        timeout: plan.timeout.min(Duration::from_secs(5)),
        connect_timeout: plan.connect_timeout.min(Duration::from_secs(2)),
        ..plan.clone()
    };
    let attempt = || {
        let measured = engine::run_combined(&attempt_plan, &Shared::default());
        let status = measured.status_codes.keys().next().copied();
        let failure = if status == Some(503) {
            Some("HTTP 503".to_owned())
        } else {
            measured
                .errors
                .keys()
                .find(|class| class.starts_with("connect") || *class == "reset")
                .cloned()
        };
        (status, failure)
    };
    let sleep = |delay| {
        std::thread::sleep(delay);
        Ok::<(), std::convert::Infallible>(())
    };
    let Ok(probe) = sentinel_core::http::probe_with(limit, Duration::from_secs(2), attempt, sleep);
    if let Some(failure) = probe.failure {
        let shown: Vec<&str> = plan.targets.iter().map(|t| t.shown_url.as_str()).collect();
        logger.warn(&format!(
            "{} is still not ready after {:?} ({failure}); testing it anyway",
            shown.join(", "),
            limit
        ));
    }
}
