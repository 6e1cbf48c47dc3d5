//! Rendering a result: a text report for people (percentiles, a latency histogram, status
//! codes, error classes, each threshold ✓/✗), and JUnit and Markdown for CI systems.

use crate::cli::OutputFormat;
use crate::judge::decode_histogram;
use sentinel_core::events::{Event, Payload, StressTestResult};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::{Error, Exit, Result};
use std::io::Write;

/// The text report.
pub fn text(result: &StressTestResult, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    out.push_str(&format!(
        "\n{} {}\n\n",
        paint("1", "Load test"),
        result.endpoint_url
    ));
    out.push_str("Summary\n");
    out.push_str(&format!(
        "  Requests      {:>10}   ({} ok, {} failed)\n",
        result.total_requests, result.successful_requests, result.failed_requests
    ));
    if result.retried_requests > 0 {
        out.push_str(&format!(
            "  Retried       {:>10}   (the server had closed an idle keep-alive connection)\n",
            result.retried_requests
        ));
    }
    out.push_str(&format!(
        "  Duration      {:>10.2}s\n",
        result.test_duration as f64 / 1000.0
    ));
    out.push_str(&format!(
        "  Requests/s    {:>10.1}\n",
        result.requests_per_second
    ));
    if let (Some(achieved), Some(asked), Some(ratio)) = (
        result.achieved_rate,
        result.target_rate,
        result.achieved_rate_ratio(),
    ) {
        out.push_str(&format!(
            "  Sent at       {achieved:>10.1}/s of {asked}/s asked ({:.0}%{})\n",
            ratio * 100.0,
            if ratio < 0.9 {
                ": the generator could not keep up"
            } else {
                ""
            }
        ));
    }
    out.push_str(&format!("  Error rate    {:>9.2}%\n\n", result.error_rate));
    if !result.ramp.is_empty() {
        out.push_str("Ramp          to rate   duration      asked       sent   sent/s\n");
        for (index, stage) in result.ramp.iter().enumerate() {
            out.push_str(&format!(
                "  stage {:<4} {:>9.1}/s {:>9.1}s {:>10.0} {:>10} {:>8.1}\n",
                index + 1,
                stage.rate,
                stage.duration_ms as f64 / 1000.0,
                stage.asked,
                stage.sent,
                stage.achieved_rate
            ));
        }
        out.push('\n');
    }
    out.push_str("Latency\n");
    let p999 = decode_histogram(&result.histogram)
        .map(|h| h.value_at_quantile(0.999) as f64 / 1000.0)
        .unwrap_or(result.p99_response_time);
    for (name, value) in [
        ("avg", result.average_response_time),
        ("p50", result.p50_response_time),
        ("p90", result.p90_response_time),
        ("p95", result.p95_response_time),
        ("p99", result.p99_response_time),
        ("p99.9", p999),
        ("max", result.max_response_time),
    ] {
        out.push_str(&format!("  {name:<6} {value:>10.2} ms\n"));
    }
    out.push_str(&histogram_bars(result));
    if result.latency_by_status_class.len() > 1 {
        // Only worth a table when classes differ: fast errors hide a slow service.
        out.push_str("\nLatency by status     count       p50       p95       p99       max\n");
        for (class, l) in &result.latency_by_status_class {
            out.push_str(&format!(
                "  {class:<10} {:>10} {:>9.2} {:>9.2} {:>9.2} {:>9.2} ms\n",
                l.count, l.p50, l.p95, l.p99, l.max
            ));
        }
    }
    if !result.status_codes.is_empty() {
        out.push_str("\nStatus codes\n");
        for (status, n) in &result.status_codes {
            out.push_str(&format!("  {status}  {n}\n"));
        }
    }
    if !result.errors.is_empty() {
        out.push_str("\nErrors\n");
        for (class, n) in &result.errors {
            out.push_str(&format!("  {class:<18} {n}\n"));
        }
    }
    let checks = threshold_lines(result);
    if !checks.is_empty() {
        out.push_str("\nThresholds\n");
        for (ok, line) in checks {
            out.push_str(&format!(
                "  {} {line}\n",
                if ok {
                    paint("32", "✓")
                } else {
                    paint("31", "✗")
                }
            ));
        }
        out.push_str(&format!(
            "\n{}\n",
            if result.passed {
                paint("32;1", "PASSED")
            } else {
                paint("31;1", "FAILED")
            }
        ));
    }
    out
}

/// Each configured limit with its measured value.
fn threshold_lines(result: &StressTestResult) -> Vec<(bool, String)> {
    let mut lines: Vec<(bool, String)> = result
        .threshold_checks()
        .into_iter()
        .map(|c| {
            (
                c.passed(),
                format!("{} {} (limit {})", c.name, c.actual(), c.expected()),
            )
        })
        .collect();
    // Limits against the baseline: a failing one is its violation; a passing one is still a
    // case, so a report shows every limit that was judged.
    let t = &result.thresholds;
    for (limit, failed_mark, passed) in [
        (
            t.max_latency_ratio
                .map(|r| format!("p95 within {r}x the baseline's")),
            "the baseline's",
            "ms is",
        ),
        (
            t.max_error_rate_increase
                .map(|p| format!("error rate within {p} points of the baseline's")),
            "points above the baseline",
            "",
        ),
    ] {
        let Some(limit) = limit else { continue };
        let failed = result
            .violations
            .iter()
            .find(|v| v.contains(failed_mark) && (passed.is_empty() || v.contains(passed)));
        match failed {
            Some(violation) => lines.push((false, violation.clone())),
            None => lines.push((true, limit)),
        }
    }
    lines
}

/// Every reason a run failed that is no limit of its own: nothing measured, nothing
/// succeeded, aborted on a breach, interrupted, failures on this machine.
fn other_failures(result: &StressTestResult) -> Vec<(bool, String)> {
    result
        .violations
        .iter()
        .filter(|v| {
            !(v.contains("above the limit of")
                || v.contains("below the minimum of")
                || v.contains("the baseline"))
        })
        .map(|v| (false, v.clone()))
        .collect()
}

/// Latency distribution as bars over logarithmic buckets.
fn histogram_bars(result: &StressTestResult) -> String {
    let Ok(histogram) = decode_histogram(&result.histogram) else {
        return String::new();
    };
    if histogram.is_empty() {
        return String::new();
    }
    let mut buckets: Vec<(u64, u64)> = Vec::new();
    let mut upper = 100u64; // 0.1 ms
    let mut below = 0u64;
    while below < histogram.len() && upper <= crate::engine::MAX_LATENCY_US {
        let count = histogram.count_between(0, upper) - below;
        below += count;
        buckets.push((upper, count));
        upper *= 2;
    }
    while buckets.first().is_some_and(|(_, c)| *c == 0) {
        buckets.remove(0);
    }
    let most = buckets.iter().map(|(_, c)| *c).max().unwrap_or(1).max(1);
    let mut out = String::from("\n  Distribution\n");
    for (upper, count) in buckets {
        let width = (count * 40).div_ceil(most) as usize;
        out.push_str(&format!(
            "  ≤{:>9.2} ms {:>8} {}\n",
            upper as f64 / 1000.0,
            count,
            "█".repeat(width)
        ));
    }
    out
}

/// JUnit XML: a test suite per endpoint, a test case per threshold, failures carrying the
/// violation.
pub fn junit(results: &[StressTestResult]) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let suites: Vec<(&StressTestResult, Vec<(bool, String)>)> = results
        .iter()
        .map(|result| {
            // One case per limit judged, and one per other reason the run failed, so the
            // file fails exactly when the run does.
            let mut cases = other_failures(result);
            cases.extend(threshold_lines(result));
            if cases.is_empty() {
                cases.push((result.passed, "completed requests".into()));
            }
            (result, cases)
        })
        .collect();
    let count =
        |cases: &[(bool, String)]| (cases.len(), cases.iter().filter(|(ok, _)| !ok).count());
    let (tests, failures) = suites.iter().fold((0, 0), |(t, f), (_, cases)| {
        let (tests, failures) = count(cases);
        (t + tests, f + failures)
    });
    let seconds = |result: &StressTestResult| result.test_duration as f64 / 1000.0;
    let longest = results.iter().map(seconds).fold(0.0, f64::max);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sentinel-stress\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{longest:.3}\">\n"
    );
    for (result, cases) in &suites {
        let (tests, failures) = count(cases);
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">\n",
            escape(&result.endpoint_url),
            seconds(result)
        ));
        for (ok, line) in cases {
            xml.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&result.endpoint_url),
                escape(line)
            ));
            if *ok {
                xml.push_str("/>\n");
            } else {
                xml.push_str(&format!(
                    ">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                    escape(line)
                ));
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Markdown for `$GITHUB_STEP_SUMMARY` and reports: a section per endpoint.
pub fn markdown(results: &[StressTestResult]) -> String {
    results
        .iter()
        .map(markdown_one)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One endpoint's Markdown tables.
fn markdown_one(result: &StressTestResult) -> String {
    let mut md = format!(
        "### Load test: {} {}\n\n| Metric | Value |\n|---|---|\n| Requests | {} ({} failed) |\n| Requests/s | {:.1} |\n| Error rate | {:.2}% |\n| p50 / p95 / p99 | {:.1} / {:.1} / {:.1} ms |\n| Max | {:.1} ms |\n",
        if result.passed { "✅" } else { "❌" },
        result.endpoint_url,
        result.total_requests,
        result.failed_requests,
        result.requests_per_second,
        result.error_rate,
        result.p50_response_time,
        result.p95_response_time,
        result.p99_response_time,
        result.max_response_time
    );
    let lines = threshold_lines(result);
    if !lines.is_empty() {
        md.push_str("\n| Threshold | Status |\n|---|---|\n");
        for (ok, line) in lines {
            md.push_str(&format!(
                "| {} | {} |\n",
                line.replace('|', "\\|"),
                if ok { "✅" } else { "❌" }
            ));
        }
    }
    md
}

/// Write the results in `format`; exit 1 when any failed. JSON is one object for one result
/// and an array for several.
pub fn emit<W: Write>(
    results: &[StressTestResult],
    format: OutputFormat,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<Exit> {
    fn pretty<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
        serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))
    }
    match format {
        OutputFormat::Text => {
            for result in results {
                logger.write_raw(&text(result, logger.color()));
            }
        }
        OutputFormat::Json => out.write_line(&match results {
            [one] => pretty(one)?,
            several => pretty(several)?,
        })?,
        OutputFormat::Ndjson => {
            for result in results {
                out.emit(&Event::new(
                    "sentinel-stress",
                    None,
                    Payload::StressResult(Box::new(result.clone())),
                ))?;
            }
        }
        OutputFormat::Junit => out.write_line(junit(results).trim_end())?,
        OutputFormat::Markdown => out.write_line(markdown(results).trim_end())?,
    }
    Ok(if results.iter().all(|r| r.passed) {
        Exit::Success
    } else {
        Exit::CheckFailed
    })
}
