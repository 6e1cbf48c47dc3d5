//! `sentinel-state report --format html`: the report as one self-contained HTML file — no
//! script, no font, no request (a Content-Security-Policy forbids every fetch), readable in
//! light and dark mode, printable — with its charts as inline SVG.
//!
//! Marks are text (✓ ✗ ?), not emoji, so that they show with any font, on a CI runner too.
//!
//! The charts are drawn here by hand rather than with plotters' SVG backend: four charts
//! of lines, points, bars and spans take a few hundred lines and no dependency, and every
//! element carries what it shows (`data-series`, `data-phase`, `data-value`), so a browser
//! test can count series and points and read the values back.

use crate::phases::Distribution;
use crate::report::{Report, Span, TimelineRow, VerificationRow};
use sentinel_core::clock::{format_duration, parse_rfc3339};
use std::fmt::Write as _;

/// Text for HTML: `& < > " '` escaped, so no value from an event can add markup, and control
/// characters (which HTML forbids) shown as U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // HTML forbids control characters other than whitespace: the replacement character.
            '\n' | '\t' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --s1: #0969da; --s2: #8250df; --s3: #bf3989;
  --s4: #1a7f37; --s5: #bc4c00; --s6: #57606a; --s7: #0a3069; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #3d444d; --ok: #3fb950; --bad: #f85149; --warn: #d29922; --s1: #4493f8; --s2: #ab7df8;
  --s3: #f778ba; --s4: #3fb950; --s5: #f0883e; --s6: #9198a1; --s7: #79c0ff; } }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
  border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.banner { padding: .75rem 1rem; border-radius: 6px; font-weight: 600; font-size: 1.1rem;
  border: 2px solid currentColor; margin-bottom: 1rem; }
.banner.ok { color: var(--ok); } .banner.bad { color: var(--bad); } .banner.warn { color: var(--warn); }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid var(--line);
  padding: .25rem .6rem; text-align: left; vertical-align: top; } th { font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: var(--ok); } .fail { color: var(--bad); } .open { color: var(--warn); }
figure { margin: 1rem 0; } figcaption { color: var(--muted); font-size: .9rem; }
svg.chart { width: 100%; height: auto; max-width: 60rem; }
svg text { fill: var(--fg); font-size: 11px; } svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--line); stroke-width: 1; } svg .limit { stroke: var(--bad); stroke-dasharray: 4 3; }
svg .s0 { stroke: var(--s1); fill: var(--s1); } svg .s1 { stroke: var(--s2); fill: var(--s2); }
svg .s2 { stroke: var(--s3); fill: var(--s3); } svg .s3 { stroke: var(--s4); fill: var(--s4); }
svg .s4 { stroke: var(--s5); fill: var(--s5); } svg .s5 { stroke: var(--s6); fill: var(--s6); }
svg .s6 { stroke: var(--s7); fill: var(--s7); } svg polyline { fill: none; stroke-width: 2; }
svg .span-stage { fill: var(--s1); } svg .span-soak { fill: var(--s6); } svg .span-approval { fill: var(--warn); }
svg .span-analysis { fill: var(--s2); } svg .span-rollback { fill: var(--bad); }
details { margin: .5rem 0; } summary { cursor: pointer; font-weight: 600; }
@media print { body { margin: 0; max-width: none; } details::details-content { display: contents;
  content-visibility: visible; } summary { list-style: none; } }
"#;

/// The report as one HTML document.
pub fn html(report: &Report) -> String {
    let mut page = String::new();
    let title = format!(
        "Deployment report: {} {}",
        report.service_group_name.as_deref().unwrap_or("-"),
        report.artifact_version.as_deref().unwrap_or("")
    );
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let (class, words) = match report.status.as_str() {
        "SUCCESS" => ("ok", "✓ Deployed and verified"),
        "ROLLED_BACK" => ("bad", "↩ Rolled back"),
        "CANCELLED" => ("warn", "Cancelled"),
        "IN_PROGRESS" => ("warn", "In progress"),
        _ => ("bad", "✗ Failed"),
    };
    let _ = writeln!(
        page,
        "<div class=\"banner {class}\" id=\"status\" data-status=\"{}\">{words}: {}</div>",
        escape(&report.status),
        escape(&report.status)
    );
    summary(&mut page, report);
    comparison(&mut page, report);
    section_list(&mut page, "Issues encountered", &report.issues, "None.");
    let rollback = report
        .rollback
        .as_deref()
        .map(|r| vec![format!("Rollback {r}.")])
        .unwrap_or_else(|| vec!["No rollback was needed.".to_owned()]);
    section_list(&mut page, "Rollback status", &rollback, "");
    section_list(
        &mut page,
        "Pre-deployment state",
        &report.pre_deployment,
        "Nothing was recorded.",
    );
    section_list(
        &mut page,
        "Post-deployment state",
        &report.post_deployment,
        "Nothing was recorded.",
    );
    page.push_str("<h2>Charts</h2>\n");
    latency_chart(&mut page, report);
    error_chart(&mut page, report);
    distribution_chart(&mut page, &report.distributions);
    gantt_chart(&mut page, &report.spans);
    verification(&mut page, &report.verification);
    timeline(&mut page, &report.timeline);
    page.push_str("</body>\n</html>\n");
    page
}

fn summary(page: &mut String, report: &Report) {
    let dash = |v: Option<&str>| escape(v.unwrap_or("-"));
    let rows = [
        ("Service", dash(report.service_group_name.as_deref())),
        ("Environment", dash(report.environment.as_deref())),
        ("Version", dash(report.artifact_version.as_deref())),
        ("Previous version", dash(report.previous_version.as_deref())),
        (
            "Rollout",
            if report.rollout_ids.is_empty() {
                "-".into()
            } else {
                escape(&report.rollout_ids.join(", "))
            },
        ),
        ("Started", dash(report.started.as_deref())),
        (
            "Duration",
            report.duration_ms.map_or("-".into(), |ms| {
                escape(&format_duration(std::time::Duration::from_millis(ms)))
            }),
        ),
        ("Deployer", dash(report.deployer.as_deref())),
    ];
    page.push_str("<h2>Summary</h2>\n<table id=\"summary\">\n");
    for (name, value) in rows {
        let _ = writeln!(
            page,
            "<tr><th scope=\"row\">{name}</th><td>{value}</td></tr>"
        );
    }
    page.push_str("</table>\n");
}

fn mark(passed: Option<bool>, inconclusive: bool) -> (&'static str, &'static str) {
    match (passed, inconclusive) {
        (_, true) => (" ?", "open"),
        (Some(true), _) => (" ✓", "pass"),
        (Some(false), _) => (" ✗", "fail"),
        (None, _) => ("", ""),
    }
}

fn comparison(page: &mut String, report: &Report) {
    let table = &report.comparison;
    page.push_str("<h2>Phase comparison</h2>\n");
    if table.rows.is_empty() {
        page.push_str("<p>No phase was load-tested or analysed.</p>\n");
        return;
    }
    page.push_str("<table id=\"comparison\">\n<thead><tr><th scope=\"col\">Metric</th>");
    for phase in &table.phases {
        let _ = write!(page, "<th scope=\"col\">{}</th>", escape(phase));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        let _ = write!(page, "<tr><th scope=\"row\">{}</th>", escape(&row.metric));
        for cell in &row.cells {
            match cell {
                None => page.push_str("<td class=\"num\">-</td>"),
                Some(c) => {
                    let (symbol, class) = mark(c.passed, c.inconclusive);
                    let _ = write!(
                        page,
                        "<td class=\"num {class}\">{}{symbol}</td>",
                        escape(&c.value)
                    );
                }
            }
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n<p>Each cell is the phase's value over all its instances (latency percentiles from their merged histograms); ✓/✗ against the phase's limit, ? inconclusive.</p>\n");
}

fn section_list(page: &mut String, title: &str, lines: &[String], empty: &str) {
    let _ = writeln!(page, "<h2>{}</h2>", escape(title));
    if lines.is_empty() {
        let _ = writeln!(page, "<p>{}</p>", escape(empty));
        return;
    }
    page.push_str("<ul>\n");
    for line in lines {
        let _ = writeln!(page, "<li>{}</li>", escape(line));
    }
    page.push_str("</ul>\n");
}

fn verification(page: &mut String, rows: &[VerificationRow]) {
    let failed = rows.iter().filter(|r| !r.passed).count();
    let _ = writeln!(
        page,
        "<h2>Verification</h2>\n<details id=\"verification\"{}><summary>{} checks, {failed} failed</summary>",
        if failed > 0 { " open" } else { "" },
        rows.len()
    );
    page.push_str("<table>\n<thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Expected</th><th scope=\"col\">Actual</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>\n");
    for row in rows {
        let (symbol, class) = if row.passed {
            ("✓ passed", "pass")
        } else {
            ("✗ failed", "fail")
        };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{symbol}</td></tr>",
            escape(&row.check),
            escape(&row.expected),
            escape(&row.actual)
        );
    }
    page.push_str("</tbody>\n</table>\n</details>\n");
}

fn timeline(page: &mut String, rows: &[TimelineRow]) {
    let _ = writeln!(
        page,
        "<h2>Timeline</h2>\n<details id=\"timeline\"><summary>{} entries, sorted by time</summary>",
        rows.len()
    );
    page.push_str("<table>\n<thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Rollout</th><th scope=\"col\">Action</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>\n");
    for row in rows {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.time),
            escape(row.rollout_id.as_deref().unwrap_or("-")),
            escape(&row.action),
            escape(&row.status)
        );
    }
    page.push_str("</tbody>\n</table>\n</details>\n");
}

// ---- charts -------------------------------------------------------------------------------

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

/// A number for SVG coordinates: two decimals, no exponent.
fn coordinate(value: f64) -> String {
    format!("{value:.2}")
}

/// A round upper bound for an axis.
fn nice_max(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if value <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// The frame of a chart: its `<svg>`, grid lines, the y axis labelled up to `y_max`.
fn frame(page: &mut String, id: &str, label: &str, y_max: f64, y_unit: &str) {
    let _ = writeln!(
        page,
        "<figure><svg class=\"chart\" id=\"{id}\" data-chart=\"{id}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(label)
    );
    for i in 0..=4 {
        let value = y_max * f64::from(i) / 4.0;
        let y = TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - f64::from(i) / 4.0);
        let _ = writeln!(
            page,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            coordinate(y + 4.0),
            escape(&sentinel_core::events::format_measurement(value)),
            escape(y_unit)
        );
    }
    let _ = writeln!(
        page,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        HEIGHT - BOTTOM,
        WIDTH - RIGHT,
        HEIGHT - BOTTOM
    );
}

fn close_frame(page: &mut String, caption: &str) {
    let _ = writeln!(
        page,
        "</svg><figcaption>{}</figcaption></figure>",
        escape(caption)
    );
}

fn y_of(value: f64, y_max: f64) -> f64 {
    TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (value / y_max).clamp(0.0, 1.0))
}

/// x of the `index`-th of `count` categories.
fn category_x(index: usize, count: usize) -> f64 {
    let span = WIDTH - LEFT - RIGHT;
    LEFT + span * (index as f64 + 0.5) / count.max(1) as f64
}

fn category_labels(page: &mut String, labels: &[String]) {
    for (index, label) in labels.iter().enumerate() {
        let _ = writeln!(
            page,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            coordinate(category_x(index, labels.len())),
            HEIGHT - BOTTOM + 16.0,
            escape(label)
        );
    }
}

/// A point of a series over the phases: the phase's column, its name, the value.
type PhasePoint = (usize, String, f64);

/// One series of points over categories: a polyline through them and a circle at each.
fn line_series(
    page: &mut String,
    index: usize,
    name: &str,
    points: &[PhasePoint],
    count: usize,
    y_max: f64,
) {
    let _ = writeln!(
        page,
        "<g class=\"series s{index}\" data-series=\"{}\" data-points=\"{}\">",
        escape(name),
        points.len()
    );
    let path: Vec<String> = points
        .iter()
        .map(|(i, _, v)| {
            format!(
                "{},{}",
                coordinate(category_x(*i, count)),
                coordinate(y_of(*v, y_max))
            )
        })
        .collect();
    if path.len() > 1 {
        let _ = writeln!(page, "<polyline points=\"{}\"/>", path.join(" "));
    }
    for (i, phase, value) in points {
        let _ = writeln!(
            page,
            "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"3.5\" data-phase=\"{}\" data-value=\"{value}\"><title>{}: {} {}</title></circle>",
            coordinate(category_x(*i, count)),
            coordinate(y_of(*value, y_max)),
            escape(phase),
            escape(phase),
            escape(name),
            escape(&sentinel_core::events::format_measurement(*value))
        );
    }
    page.push_str("</g>\n");
}

fn legend(page: &mut String, names: &[&str]) {
    for (index, name) in names.iter().enumerate() {
        let x = LEFT + 8.0 + 110.0 * index as f64;
        let _ = writeln!(
            page,
            "<rect class=\"s{index}\" x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\"/><text x=\"{}\" y=\"{}\">{}</text>",
            HEIGHT - 18.0,
            x + 14.0,
            HEIGHT - 9.0,
            escape(name)
        );
    }
}

/// Latency percentiles per phase: p50, p95 and p99 as three lines across the phases, the
/// Baseline first.
fn latency_chart(page: &mut String, report: &Report) {
    let phases = &report.comparison.phases;
    let series: Vec<(&str, Vec<PhasePoint>)> = ["p50", "p95", "p99"]
        .into_iter()
        .map(|name| {
            let points = report
                .comparison
                .rows
                .iter()
                .find(|r| r.metric == name)
                .map(|row| {
                    row.cells
                        .iter()
                        .enumerate()
                        .filter_map(|(i, c)| Some((i, phases[i].clone(), c.as_ref()?.number?)))
                        .collect()
                })
                .unwrap_or_default();
            (name, points)
        })
        .filter(|(_, points): &(&str, Vec<_>)| !points.is_empty())
        .collect();
    if series.is_empty() {
        return;
    }
    let y_max = nice_max(
        series
            .iter()
            .flat_map(|(_, p)| p.iter().map(|x| x.2))
            .fold(0.0, f64::max),
    );
    frame(
        page,
        "latency-chart",
        "Latency percentiles per phase",
        y_max,
        " ms",
    );
    category_labels(page, phases);
    for (index, (name, points)) in series.iter().enumerate() {
        line_series(page, index, name, points, phases.len(), y_max);
    }
    let names: Vec<&str> = series.iter().map(|(n, _)| *n).collect();
    legend(page, &names);
    close_frame(
        page,
        "Latency percentiles (ms) of each phase, over all its instances, against the Baseline (the first column).",
    );
}

/// Error rate per phase as bars, each phase's limit as a dashed mark.
fn error_chart(page: &mut String, report: &Report) {
    let phases = &report.comparison.phases;
    let Some(row) = report
        .comparison
        .rows
        .iter()
        .find(|r| r.metric == "Error rate")
    else {
        return;
    };
    let limits: Vec<Option<f64>> = report.comparison.error_rate_limits.clone();
    let values: Vec<(usize, f64)> = row
        .cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, c.as_ref()?.number?)))
        .collect();
    let highest = values
        .iter()
        .map(|v| v.1)
        .chain(limits.iter().flatten().copied())
        .fold(0.0, f64::max);
    let y_max = nice_max(highest.max(0.1));
    frame(
        page,
        "error-chart",
        "Error rate per phase against its limit",
        y_max,
        "%",
    );
    category_labels(page, phases);
    let bar = (WIDTH - LEFT - RIGHT) / phases.len().max(1) as f64 * 0.5;
    let _ = writeln!(
        page,
        "<g class=\"series s0\" data-series=\"error rate\" data-points=\"{}\">",
        values.len()
    );
    for (i, value) in &values {
        let y = y_of(*value, y_max);
        let _ = writeln!(
            page,
            "<rect class=\"point bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" data-phase=\"{}\" data-value=\"{value}\"><title>{}: {value:.2}%</title></rect>",
            coordinate(category_x(*i, phases.len()) - bar / 2.0),
            coordinate(y),
            coordinate(bar),
            coordinate((HEIGHT - BOTTOM - y).max(0.5)),
            escape(&phases[*i]),
            escape(&phases[*i])
        );
    }
    page.push_str("</g>\n");
    let marks: Vec<(usize, f64)> = limits
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((i, (*l)?)))
        .collect();
    let _ = writeln!(
        page,
        "<g class=\"series limits\" data-series=\"limit\" data-points=\"{}\">",
        marks.len()
    );
    for (i, limit) in &marks {
        let x = category_x(*i, phases.len());
        let y = y_of(*limit, y_max);
        let _ = writeln!(
            page,
            "<line class=\"point limit\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" data-phase=\"{}\" data-value=\"{limit}\"/>",
            coordinate(x - bar * 0.8),
            coordinate(y),
            coordinate(x + bar * 0.8),
            coordinate(y),
            escape(&phases[*i])
        );
    }
    page.push_str("</g>\n");
    close_frame(
        page,
        "Error rate (%) of each phase over all its instances; the dashed marks are each phase's limit.",
    );
}

/// Each phase's latency distribution from its merged histogram: latency against the
/// percentile, on a scale of nines (50%, 90%, 99%, 99.9% equally apart).
fn distribution_chart(page: &mut String, distributions: &[Distribution]) {
    if distributions.is_empty() {
        return;
    }
    let nines = |q: f64| (-(1.0 - q).max(1e-3).log10()).clamp(0.0, 3.0);
    let x_of = |q: f64| LEFT + (WIDTH - LEFT - RIGHT) * nines(q) / 3.0;
    let y_max = nice_max(
        distributions
            .iter()
            .flat_map(|d| d.points.iter().map(|p| p.1))
            .fold(0.0, f64::max),
    );
    frame(
        page,
        "distribution-chart",
        "Latency distribution per phase",
        y_max,
        " ms",
    );
    for (label, q) in [("0%", 0.0), ("90%", 0.9), ("99%", 0.99), ("99.9%+", 0.999)] {
        let _ = writeln!(
            page,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
            coordinate(x_of(q)),
            HEIGHT - BOTTOM + 16.0
        );
    }
    for (index, distribution) in distributions.iter().enumerate() {
        let class = index % 7;
        let _ = writeln!(
            page,
            "<g class=\"series s{class}\" data-series=\"{}\" data-points=\"{}\">",
            escape(&distribution.phase),
            distribution.points.len()
        );
        let path: Vec<String> = distribution
            .points
            .iter()
            .map(|(q, ms)| format!("{},{}", coordinate(x_of(*q)), coordinate(y_of(*ms, y_max))))
            .collect();
        let _ = writeln!(page, "<polyline points=\"{}\"/>", path.join(" "));
        for (q, ms) in &distribution.points {
            let _ = writeln!(
                page,
                "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"2.5\" data-phase=\"{}\" data-quantile=\"{q}\" data-value=\"{ms}\"><title>{} p{}: {ms:.2} ms</title></circle>",
                coordinate(x_of(*q)),
                coordinate(y_of(*ms, y_max)),
                escape(&distribution.phase),
                escape(&distribution.phase),
                sentinel_core::events::format_measurement(q * 100.0)
            );
        }
        page.push_str("</g>\n");
    }
    let names: Vec<&str> = distributions.iter().map(|d| d.phase.as_str()).collect();
    legend(page, &names[..names.len().min(6)]);
    close_frame(
        page,
        "Latency (ms) at each percentile, from each phase's merged histogram.",
    );
}

/// A Gantt chart of what took time: stages, the soak, approval waits, analysis windows and
/// the rollback, each a bar from its start to its end.
fn gantt_chart(page: &mut String, spans: &[Span]) {
    let times: Vec<(f64, f64)> = spans
        .iter()
        .filter_map(|s| {
            let start = parse_rfc3339(&s.start).ok()?;
            let end = parse_rfc3339(&s.end).ok()?;
            let epoch = |t: std::time::SystemTime| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64())
            };
            Some((epoch(start), epoch(end).max(epoch(start))))
        })
        .collect();
    if times.is_empty() || times.len() != spans.len() {
        return;
    }
    let first = times.iter().map(|t| t.0).fold(f64::INFINITY, f64::min);
    let last = times.iter().map(|t| t.1).fold(0.0, f64::max);
    let length = (last - first).max(0.001);
    let row = 18.0;
    let height = TOP + row * spans.len() as f64 + 32.0;
    let label_width = 180.0;
    let x_of = |t: f64| label_width + (WIDTH - label_width - RIGHT) * (t - first) / length;
    let _ = writeln!(
        page,
        "<figure><svg class=\"chart\" id=\"gantt-chart\" data-chart=\"gantt-chart\" viewBox=\"0 0 {WIDTH} {}\" role=\"img\" aria-label=\"Timeline of the deployment\" xmlns=\"http://www.w3.org/2000/svg\">",
        coordinate(height)
    );
    let _ = writeln!(
        page,
        "<g class=\"series\" data-series=\"spans\" data-points=\"{}\">",
        spans.len()
    );
    for (index, (span, (start, end))) in spans.iter().zip(&times).enumerate() {
        let y = TOP + row * index as f64;
        let _ = writeln!(
            page,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"point span-{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" data-kind=\"{}\" data-outcome=\"{}\"><title>{}: {} → {} ({})</title></rect>",
            label_width - 6.0,
            coordinate(y + 12.0),
            escape(&span.label),
            span.kind,
            coordinate(x_of(*start)),
            coordinate(y + 2.0),
            coordinate((x_of(*end) - x_of(*start)).max(2.0)),
            row - 4.0,
            span.kind,
            escape(&span.outcome),
            escape(&span.label),
            escape(&span.start),
            escape(&span.end),
            escape(&span.outcome)
        );
    }
    page.push_str("</g>\n");
    let _ = writeln!(
        page,
        "<line class=\"axis\" x1=\"{label_width}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text x=\"{label_width}\" y=\"{}\">0s</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        coordinate(height - 26.0),
        WIDTH - RIGHT,
        coordinate(height - 26.0),
        coordinate(height - 12.0),
        WIDTH - RIGHT,
        coordinate(height - 12.0),
        escape(&format_duration(std::time::Duration::from_secs_f64(length)))
    );
    let _ = writeln!(
        page,
        "</svg><figcaption>{}</figcaption></figure>",
        escape(
            "Stages (blue), soak (grey), approval waits (amber), analysis windows (purple) and the rollback (red), from the first to the last."
        )
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_add_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        let report = Report {
            status: "FAILED".into(),
            service_group_name: Some("<img src=x onerror=alert(1)>".into()),
            issues: vec!["</li><script>bad()</script>".into()],
            ..Report::default()
        };
        let page = html(&report);
        assert!(!page.contains("<img src=x"), "{page}");
        assert!(!page.contains("<script>"), "{page}");
    }

    #[test]
    fn axes_round_up() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.2), 5.0);
        assert_eq!(nice_max(101.0), 200.0);
        assert_eq!(nice_max(0.04), 0.05);
    }
}
