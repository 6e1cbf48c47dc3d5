//! Turning measurements into a StressTestResult (sentinel-stress(1), RESULTS) and judging it: absolute
//! thresholds, and thresholds relative to a baseline result. Each violation is a sentence
//! with the measured value and the limit.

use crate::engine::Measurements;
use sentinel_core::clock::now_rfc3339;
use sentinel_core::events::{ClassLatency, StressTestResult, Thresholds};
use sentinel_core::{Error, Result};
pub use sentinel_histogram::{decode as decode_histogram, encode as encode_histogram};

/// The limits, plus what is judged against a baseline.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    pub thresholds: Thresholds,
    pub baseline: Option<StressTestResult>,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// The result for one endpoint (or a merge of several runs), judged against `limits`.
pub fn result(
    endpoint: &str,
    method: &str,
    measured: &Measurements,
    limits: &Limits,
) -> StressTestResult {
    let h = &measured.histogram;
    let total = measured.total;
    let failed = total - measured.successful;
    let seconds = measured.elapsed.as_secs_f64();
    let mut result = StressTestResult {
        endpoint_url: endpoint.to_owned(),
        method: method.to_owned(),
        total_requests: total,
        successful_requests: measured.successful,
        failed_requests: failed,
        retried_requests: measured.retried,
        error_rate: if total == 0 {
            0.0
        } else {
            failed as f64 * 100.0 / total as f64
        },
        average_response_time: h.mean() / 1000.0,
        p50_response_time: ms(h.value_at_quantile(0.50)),
        p90_response_time: ms(h.value_at_quantile(0.90)),
        p95_response_time: ms(h.value_at_quantile(0.95)),
        p99_response_time: ms(h.value_at_quantile(0.99)),
        max_response_time: ms(h.max()),
        requests_per_second: if seconds > 0.0 {
            total as f64 / seconds
        } else {
            0.0
        },
        target_rate: None,
        achieved_rate: None,
        ramp: Vec::new(),
        test_duration: measured.elapsed.as_millis() as u64,
        timestamp: now_rfc3339(),
        status_codes: measured
            .status_codes
            .iter()
            .map(|(s, n)| (s.to_string(), *n))
            .collect(),
        latency_by_status_class: measured
            .by_class
            .iter()
            .map(|(class, h)| {
                (
                    format!("{class}xx"),
                    ClassLatency {
                        count: h.len(),
                        p50: ms(h.value_at_quantile(0.50)),
                        p90: ms(h.value_at_quantile(0.90)),
                        p95: ms(h.value_at_quantile(0.95)),
                        p99: ms(h.value_at_quantile(0.99)),
                        max: ms(h.max()),
                        histogram: encode_histogram(h),
                    },
                )
            })
            .collect(),
        errors: measured.errors.clone(),
        thresholds: limits.thresholds.clone(),
        violations: Vec::new(),
        passed: true,
        histogram: encode_histogram(h),
    };
    judge(&mut result, limits);
    result
}

/// The open model's send rate: `sent` requests from the first send to the last. `None` with
/// fewer than two sends, where no rate can be measured.
pub fn achieved_rate(measured: &Measurements) -> Option<f64> {
    let span = measured
        .last_sent?
        .duration_since(measured.first_sent?)
        .as_secs_f64();
    (measured.sent >= 2 && span > 0.0).then(|| (measured.sent - 1) as f64 / span)
}

/// Fill `violations` and `passed` from the limits.
pub fn judge(result: &mut StressTestResult, limits: &Limits) {
    let t = &limits.thresholds;
    let mut violations = Vec::new();
    if result.total_requests == 0 {
        violations.push("no request completed, so nothing could be measured".to_owned());
    } else if result.successful_requests == 0 {
        // Whatever the limits, a run in which nothing succeeded did not pass.
        let classes: Vec<String> = result
            .errors
            .iter()
            .map(|(class, n)| format!("{class} {n}"))
            .collect();
        violations.push(if classes.is_empty() {
            format!("none of the {} requests succeeded", result.total_requests)
        } else {
            format!(
                "none of the {} requests succeeded ({})",
                result.total_requests,
                classes.join(", ")
            )
        });
    }
    if let Some(max) = t.max_error_rate {
        if result.error_rate > max {
            violations.push(format!(
                "error rate {:.2}% is above the limit of {max}%",
                result.error_rate
            ));
        }
    }
    for (name, measured, limit) in [
        ("p50", result.p50_response_time, t.max_p50_ms),
        ("p95", result.p95_response_time, t.max_p95_ms),
        ("p99", result.p99_response_time, t.max_p99_ms),
        (
            "average latency",
            result.average_response_time,
            t.max_avg_ms,
        ),
    ] {
        if let Some(max) = limit {
            if measured > max {
                violations.push(format!(
                    "{name} {measured:.1} ms is above the limit of {max} ms"
                ));
            }
        }
    }
    if let Some(min) = t.min_rps {
        if result.requests_per_second < min {
            violations.push(format!(
                "{:.1} requests/s is below the minimum of {min}",
                result.requests_per_second
            ));
        }
    }
    if let (Some(min), Some(ratio)) = (t.min_achieved_rate_ratio, result.achieved_rate_ratio()) {
        if ratio < min {
            violations.push(format!(
                "requests went out at {:.1}/s, {:.0}% of the {:.1}/s asked; the minimum is {:.0}%",
                result.achieved_rate.unwrap_or_default(),
                ratio * 100.0,
                result.target_rate.unwrap_or_default(),
                min * 100.0
            ));
        }
    }
    if let Some(baseline) = &limits.baseline {
        if let Some(ratio) = t.max_latency_ratio {
            let allowed = baseline.p95_response_time * ratio;
            if baseline.p95_response_time > 0.0 && result.p95_response_time > allowed {
                violations.push(format!(
                    "p95 {:.1} ms is {:.2}x the baseline's {:.1} ms; the limit is {ratio}x ({allowed:.1} ms)",
                    result.p95_response_time,
                    result.p95_response_time / baseline.p95_response_time,
                    baseline.p95_response_time
                ));
            }
        }
        if let Some(points) = t.max_error_rate_increase {
            let allowed = baseline.error_rate + points;
            if result.error_rate > allowed {
                violations.push(format!(
                    "error rate {:.2}% is {:.2} points above the baseline's {:.2}%; the limit is {points} points ({allowed:.2}%)",
                    result.error_rate,
                    result.error_rate - baseline.error_rate,
                    baseline.error_rate
                ));
            }
        }
    }
    result.passed = violations.is_empty();
    result.violations = violations;
}

/// Merge results (their histograms and counts) into one exact result.
pub fn merge(results: &[StressTestResult], limits: &Limits) -> Result<StressTestResult> {
    let first = results
        .first()
        .ok_or_else(|| Error::usage("merge needs at least one result"))?;
    let mut merged = Measurements::new();
    for (index, r) in results.iter().enumerate() {
        let histogram = decode_histogram(&r.histogram).map_err(|e| match e {
            Error::Usage { message, .. } => {
                Error::usage(format!("result {}: {message}", index + 1))
            }
            other => other,
        })?;
        let mut part = Measurements::new();
        part.histogram = histogram;
        part.total = r.total_requests;
        part.successful = r.successful_requests;
        part.retried = r.retried_requests;
        for (status, n) in &r.status_codes {
            if let Ok(code) = status.parse::<u16>() {
                part.status_codes.insert(code, *n);
            }
        }
        part.errors = r.errors.clone();
        for (class, latency) in &r.latency_by_status_class {
            let Some(digit) = class.strip_suffix("xx").and_then(|d| d.parse::<u16>().ok()) else {
                continue;
            };
            let histogram = decode_histogram(&latency.histogram).map_err(|e| match e {
                Error::Usage { message, .. } => Error::usage(format!(
                    "result {}, latencyByStatusClass {class}: {message}",
                    index + 1
                )),
                other => other,
            })?;
            part.by_class.insert(digit, histogram);
        }
        // Runs on several machines overlap in time: the merged rate is the sum of rates.
        part.elapsed = std::time::Duration::from_millis(r.test_duration);
        merged.merge(&part);
    }
    let mut endpoints: Vec<&str> = Vec::new();
    for r in results {
        if !endpoints.contains(&r.endpoint_url.as_str()) {
            endpoints.push(&r.endpoint_url);
        }
    }
    let mut result = result(&combined_label(&endpoints), &first.method, &merged, limits);
    result.requests_per_second = results.iter().map(|r| r.requests_per_second).sum();
    judge(&mut result, limits);
    Ok(result)
}

/// The label of a result that counts several endpoints together: all of them when few, the
/// first two and how many more otherwise (a result label is a line, not a list).
pub fn combined_label(endpoints: &[&str]) -> String {
    match endpoints {
        [] => String::new(),
        [one] => (*one).to_owned(),
        few if few.len() <= 3 => few.join(", "),
        many => format!("{}, {} and {} more", many[0], many[1], many.len() - 2),
    }
}

/// The result for `endpoint` in a baseline file's results: the newest, when the file holds
/// several runs.
pub fn own_baseline<'a>(
    baselines: &'a [StressTestResult],
    endpoint: &str,
    method: &str,
) -> Option<&'a StressTestResult> {
    baselines
        .iter()
        .rev()
        .find(|b| b.endpoint_url == endpoint && b.method.eq_ignore_ascii_case(method))
}

/// A run in which requests failed on this machine (out of descriptors or local ports)
/// measured the load generator, not the service: exit 5 instead of a verdict on it.
pub fn refuse_client_failures(results: &[StressTestResult]) -> Result<()> {
    let client: Vec<String> = results
        .iter()
        .flat_map(|r| &r.errors)
        .filter(|(class, _)| class.starts_with(crate::engine::CLIENT_ERROR_PREFIX))
        .map(|(class, n)| format!("{n} × {class}"))
        .collect();
    if client.is_empty() {
        return Ok(());
    }
    Err(Error::Internal(format!(
        "the run is invalid: requests failed on this machine, not at the service ({}); lower -c or raise ulimit -n and run again",
        client.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_run_with_client_side_failures_is_invalid_not_failed() {
        let mut result = StressTestResult::default();
        result.errors.insert("connect refused".into(), 3);
        assert!(refuse_client_failures(std::slice::from_ref(&result)).is_ok());
        result.errors.insert(
            format!(
                "{}too many open files (EMFILE)",
                crate::engine::CLIENT_ERROR_PREFIX
            ),
            7,
        );
        let error = refuse_client_failures(&[result]).unwrap_err();
        assert_eq!(error.exit(), sentinel_core::Exit::Internal);
        assert!(
            error
                .to_string()
                .contains("7 × client: too many open files"),
            "{error}"
        );
    }

    fn measured(latencies_us: &[u64], failures: u64) -> Measurements {
        let mut m = Measurements::new();
        for l in latencies_us {
            m.histogram.record(*l).unwrap();
            *m.status_codes.entry(200).or_default() += 1;
        }
        m.successful = latencies_us.len() as u64;
        m.total = m.successful + failures;
        if failures > 0 {
            m.errors.insert("timeout".into(), failures);
        }
        m.elapsed = Duration::from_secs(1);
        m
    }

    #[test]
    fn thresholds_pass_at_the_edge_and_fail_just_past_it() {
        // 95 requests, 5 failures: exactly 5%.
        let m = measured(&vec![100_000; 95], 5);
        let at = Limits {
            thresholds: Thresholds {
                max_error_rate: Some(5.0),
                max_p95_ms: Some(100.1),
                ..Default::default()
            },
            baseline: None,
        };
        let r = result("http://x/", "GET", &m, &at);
        assert!(r.passed, "{:?}", r.violations);
        let past = Limits {
            thresholds: Thresholds {
                max_error_rate: Some(4.99),
                max_p95_ms: Some(99.0),
                ..Default::default()
            },
            baseline: None,
        };
        let r = result("http://x/", "GET", &m, &past);
        assert!(!r.passed);
        assert_eq!(
            r.violations[0],
            "error rate 5.00% is above the limit of 4.99%"
        );
        assert!(
            r.violations[1].starts_with("p95 100.")
                && r.violations[1].ends_with("is above the limit of 99 ms"),
            "{:?}",
            r.violations
        );
    }

    #[test]
    fn baseline_limits_compare_with_the_earlier_result() {
        let baseline = result(
            "http://x/",
            "GET",
            &measured(&vec![10_000; 100], 0),
            &Limits::default(),
        );
        let slower = measured(&vec![12_000; 99], 1);
        let limits = Limits {
            thresholds: Thresholds {
                max_latency_ratio: Some(1.1),
                max_error_rate_increase: Some(0.5),
                ..Default::default()
            },
            baseline: Some(baseline),
        };
        let r = result("http://x/", "GET", &slower, &limits);
        assert_eq!(r.violations.len(), 2, "{:?}", r.violations);
        assert!(
            r.violations[0].contains("the limit is 1.1x (11.0 ms)"),
            "{}",
            r.violations[0]
        );
        assert!(
            r.violations[1].contains("1.00 points above the baseline's 0.00%"),
            "{}",
            r.violations[1]
        );
    }

    #[test]
    fn merging_two_results_equals_one_run_of_both() {
        let a = measured(&[1_000, 2_000, 3_000], 0);
        let b = measured(&[4_000, 50_000], 1);
        let mut both = a.clone();
        both.merge(&b);
        let limits = Limits::default();
        let merged = merge(
            &[
                result("u", "GET", &a, &limits),
                result("u", "GET", &b, &limits),
            ],
            &limits,
        )
        .unwrap();
        let single = result("u", "GET", &both, &limits);
        assert_eq!(decode_histogram(&merged.histogram).unwrap(), both.histogram);
        assert_eq!((merged.total_requests, merged.failed_requests), (6, 1));
        assert_eq!(merged.p99_response_time, single.p99_response_time);
        assert_eq!(merged.status_codes, single.status_codes);
    }

    #[test]
    fn nothing_measured_or_nothing_succeeded_is_a_violation() {
        let r = result("u", "GET", &Measurements::new(), &Limits::default());
        assert!(!r.passed);
        let all_failed = result("u", "GET", &measured(&[], 3), &Limits::default());
        assert_eq!(
            all_failed.violations,
            vec!["none of the 3 requests succeeded (timeout 3)"]
        );
    }
}
