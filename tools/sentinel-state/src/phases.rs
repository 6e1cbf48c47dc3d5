//! The report's phase comparison (sentinel-state(1), REPORT): one column per phase —
//! Baseline, each stage in the order it deployed, Post-deployment — and one row per metric,
//! each cell the phase's value over all its instances. Latency percentiles come from the
//! instances' HdrHistograms added together, never from an average of percentiles.

use sentinel_core::events::{AnalysisResult, StressTestResult, Verdict, format_measurement};
use sentinel_histogram::hdrhistogram::Histogram;
use serde::Serialize;

/// The column of what ran before the rollout.
pub const BASELINE: &str = "Baseline";
/// The column of the verification after the rollout completed.
pub const POST_DEPLOYMENT: &str = "Post-deployment";

/// What one phase measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Phase {
    /// The stage name (or [`BASELINE`], [`POST_DEPLOYMENT`]).
    pub name: String,
    pub traffic_percent: Option<u32>,
    pub results: Vec<StressTestResult>,
    pub analyses: Vec<AnalysisResult>,
}

impl Phase {
    /// The column heading: `Canary-10 (10%)`.
    pub fn label(&self) -> String {
        match self.traffic_percent {
            Some(percent) => format!("{} ({percent}%)", self.name),
            None => self.name.clone(),
        }
    }
}

/// The phases in the order they happened; a phase met again gets the new results too.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Phases(pub Vec<Phase>);

impl Phases {
    pub fn get(&mut self, name: &str) -> &mut Phase {
        match self.0.iter().position(|p| p.name == name) {
            Some(at) => &mut self.0[at],
            None => {
                self.0.push(Phase {
                    name: name.to_owned(),
                    ..Phase::default()
                });
                self.0.last_mut().expect("just pushed")
            }
        }
    }

    /// Baseline first and Post-deployment last, the stages between in their order.
    fn ordered(&self) -> Vec<&Phase> {
        let rank = |p: &Phase| match p.name.as_str() {
            BASELINE => 0,
            POST_DEPLOYMENT => 2,
            _ => 1,
        };
        let mut phases: Vec<&Phase> = self
            .0
            .iter()
            .filter(|p| !p.results.is_empty() || !p.analyses.is_empty())
            .collect();
        phases.sort_by_key(|p| rank(p));
        phases
    }
}

/// One cell: the value as shown, and whether it kept its limit (`None`: no limit).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cell {
    pub value: String,
    /// The number the value shows, for readers that compute with it.
    pub number: Option<f64>,
    pub passed: Option<bool>,
    /// For an analysis: inconclusive (neither passed nor failed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inconclusive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonRow {
    pub metric: String,
    /// One per phase, in [`Comparison::phases`] order; `None` where the phase did not measure it.
    pub cells: Vec<Option<Cell>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub phases: Vec<String>,
    pub rows: Vec<ComparisonRow>,
    /// Each phase's error-rate limit (percent), where its load tests had one.
    pub error_rate_limits: Vec<Option<f64>>,
}

/// A phase's load tests added up: counts summed, histograms merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub total: u64,
    pub failed: u64,
    /// Percent.
    pub error_rate: f64,
    /// Milliseconds; `None` when a histogram could not be read.
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    /// The instances ran side by side: their rates add up.
    pub requests_per_second: f64,
    /// The instances' histograms added together; `None` when one could not be read.
    pub histogram: Option<Histogram<u64>>,
}

/// A phase and its merged load tests, in the order the report shows phases.
#[derive(Debug, Clone)]
pub struct MergedPhase<'a> {
    pub phase: &'a Phase,
    pub merged: Option<Merged>,
}

/// Every phase that measured something, each merged once, Baseline first and
/// Post-deployment last: what the comparison, the distributions and the state lines share.
pub fn merged(phases: &Phases) -> Vec<MergedPhase<'_>> {
    phases
        .ordered()
        .into_iter()
        .map(|phase| MergedPhase {
            phase,
            merged: merge(&phase.results),
        })
        .collect()
}

/// Merge a phase's results. `None` for no results.
pub fn merge(results: &[StressTestResult]) -> Option<Merged> {
    if results.is_empty() {
        return None;
    }
    let total: u64 = results.iter().map(|r| r.total_requests).sum();
    let failed: u64 = results.iter().map(|r| r.failed_requests).sum();
    let mut histogram = sentinel_histogram::new_histogram();
    let mut readable = true;
    for result in results {
        match sentinel_histogram::decode(&result.histogram) {
            Ok(h) if histogram.add(&h).is_ok() => {}
            _ => readable = false,
        }
    }
    let histogram = (readable && !histogram.is_empty()).then_some(histogram);
    let percentile = |q: f64| {
        histogram
            .as_ref()
            .map(|h| h.value_at_quantile(q) as f64 / 1000.0)
    };
    Some(Merged {
        total,
        failed,
        error_rate: if total == 0 {
            0.0
        } else {
            failed as f64 * 100.0 / total as f64
        },
        p50: percentile(0.50),
        p95: percentile(0.95),
        p99: percentile(0.99),
        requests_per_second: results.iter().map(|r| r.requests_per_second).sum(),
        histogram,
    })
}

/// One load-test row of the comparison: where its value and its limit come from.
struct LoadRow {
    metric: &'static str,
    pick: fn(&Merged) -> Option<f64>,
    limit: Option<fn(&StressTestResult) -> Option<f64>>,
    /// The limit is a maximum (else a minimum).
    at_most: bool,
    show: fn(f64) -> String,
}

/// The quantiles a latency distribution is drawn at.
pub const DISTRIBUTION_QUANTILES: [f64; 8] = [0.0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0];

/// One phase's latency distribution from its merged histogram: (quantile, milliseconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    pub phase: String,
    pub points: Vec<(f64, f64)>,
}

/// The latency distribution of every phase whose histograms could be read.
pub fn distributions(phases: &[MergedPhase<'_>]) -> Vec<Distribution> {
    phases
        .iter()
        .filter_map(|m| {
            let histogram = m.merged.as_ref()?.histogram.as_ref()?;
            Some(Distribution {
                phase: m.phase.label(),
                points: DISTRIBUTION_QUANTILES
                    .iter()
                    .map(|&q| (q, histogram.value_at_quantile(q) as f64 / 1000.0))
                    .collect(),
            })
        })
        .collect()
}

/// The comparison table of `phases`.
pub fn compare(phases: &[MergedPhase<'_>]) -> Comparison {
    let ordered: Vec<&Phase> = phases.iter().map(|m| m.phase).collect();
    let merged: Vec<&Option<Merged>> = phases.iter().map(|m| &m.merged).collect();
    let limit = |phase: &Phase, pick: fn(&StressTestResult) -> Option<f64>| {
        phase.results.iter().find_map(pick)
    };
    let mut rows = Vec::new();
    let ms = |v: f64| format!("{v:.2} ms");
    let load_rows = [
        LoadRow {
            metric: "Error rate",
            pick: |m| Some(m.error_rate),
            limit: Some(|r| r.thresholds.max_error_rate),
            at_most: true,
            show: |v| format!("{v:.2}%"),
        },
        LoadRow {
            metric: "p50",
            pick: |m| m.p50,
            limit: None,
            at_most: true,
            show: ms,
        },
        LoadRow {
            metric: "p95",
            pick: |m| m.p95,
            limit: Some(|r| r.thresholds.max_p95_ms),
            at_most: true,
            show: ms,
        },
        LoadRow {
            metric: "p99",
            pick: |m| m.p99,
            limit: Some(|r| r.thresholds.max_p99_ms),
            at_most: true,
            show: ms,
        },
        LoadRow {
            metric: "Requests/s",
            pick: |m| Some(m.requests_per_second),
            limit: Some(|r| r.thresholds.min_rps),
            at_most: false,
            show: |v| format!("{v:.0}"),
        },
    ];
    for LoadRow {
        metric,
        pick,
        limit: threshold,
        at_most,
        show,
    } in load_rows
    {
        let cells: Vec<Option<Cell>> = ordered
            .iter()
            .zip(&merged)
            .map(|(phase, merged)| {
                let value = pick(merged.as_ref()?)?;
                let passed = threshold
                    .and_then(|t| limit(phase, t))
                    .map(|l| if at_most { value <= l } else { value >= l });
                Some(Cell {
                    value: show(value),
                    number: Some(value),
                    passed,
                    inconclusive: false,
                })
            })
            .collect();
        if cells.iter().any(Option::is_some) {
            rows.push(ComparisonRow {
                metric: metric.into(),
                cells,
            });
        }
    }
    // Each analysis metric, as its phase's canary value.
    let mut names: Vec<&str> = Vec::new();
    for phase in &ordered {
        for analysis in &phase.analyses {
            for metric in &analysis.metrics {
                if !names.contains(&metric.name.as_str()) {
                    names.push(&metric.name);
                }
            }
        }
    }
    for name in names {
        let cells = ordered
            .iter()
            .map(|phase| {
                let checks: Vec<_> = phase
                    .analyses
                    .iter()
                    .flat_map(|a| &a.metrics)
                    .filter(|m| m.name == name)
                    .collect();
                let first = checks.first()?;
                let failed = checks.iter().any(|m| m.verdict == Verdict::Failed);
                let open = checks.iter().any(|m| m.verdict == Verdict::Inconclusive);
                Some(Cell {
                    value: first
                        .value
                        .map_or_else(|| "no data".into(), format_measurement),
                    number: first.value,
                    passed: (!open || failed).then_some(!failed),
                    inconclusive: open && !failed,
                })
            })
            .collect();
        rows.push(ComparisonRow {
            metric: format!("{name} (analysis)"),
            cells,
        });
    }
    Comparison {
        phases: ordered.iter().map(|p| p.label()).collect(),
        rows,
        error_rate_limits: ordered
            .iter()
            .map(|p| limit(p, |r| r.thresholds.max_error_rate))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentinel_core::events::Thresholds;

    fn result(latencies_ms: &[u64], failed: u64, max_p95: Option<f64>) -> StressTestResult {
        let mut histogram = sentinel_histogram::new_histogram();
        for ms in latencies_ms {
            histogram.record(ms * 1000).unwrap();
        }
        StressTestResult {
            total_requests: latencies_ms.len() as u64,
            failed_requests: failed,
            requests_per_second: 100.0,
            thresholds: Thresholds {
                max_p95_ms: max_p95,
                max_error_rate: Some(1.0),
                ..Default::default()
            },
            histogram: sentinel_histogram::encode(&histogram),
            ..Default::default()
        }
    }

    #[test]
    fn percentiles_come_from_the_merged_histograms_not_an_average() {
        // One fast instance (95 × 1 ms) and one slow (5 × 100 ms): the phase's p95 is the
        // 95th of all 100 requests (1 ms), its p99 the slow ones' (100 ms); the average of
        // the two instances' p95s would be 50.5 ms.
        let fast = result(&[1; 95], 0, Some(50.0));
        let slow = result(&[100; 5], 1, Some(50.0));
        let merged = merge(&[fast.clone(), slow.clone()]).unwrap();
        assert_eq!(merged.total, 100);
        assert_eq!(merged.error_rate, 1.0);
        assert!((merged.p95.unwrap() - 1.0).abs() < 0.01, "{merged:?}");
        assert!((merged.p99.unwrap() - 100.0).abs() < 0.1, "{merged:?}");
        assert_eq!(merged.requests_per_second, 200.0);

        let mut phases = Phases::default();
        phases.get(POST_DEPLOYMENT).results.push(fast.clone());
        let canary = phases.get("Canary");
        canary.traffic_percent = Some(10);
        canary.results.extend([fast, slow.clone()]);
        phases.get(BASELINE).results.push(slow);
        let table = compare(&super::merged(&phases));
        assert_eq!(
            table.phases,
            ["Baseline", "Canary (10%)", "Post-deployment"]
        );
        let p95 = table.rows.iter().find(|r| r.metric == "p95").unwrap();
        let cells: Vec<(String, Option<bool>)> = p95
            .cells
            .iter()
            .map(|c| c.as_ref().map(|c| (c.value.clone(), c.passed)).unwrap())
            .collect();
        assert_eq!(
            cells,
            [
                // 100 ms at HdrHistogram's 3 significant digits, as sentinel-stress reports it.
                ("100.03 ms".to_owned(), Some(false)),
                ("1.00 ms".to_owned(), Some(true)),
                ("1.00 ms".to_owned(), Some(true)),
            ]
        );
    }

    #[test]
    fn an_unreadable_histogram_leaves_percentiles_empty_not_wrong() {
        let mut broken = result(&[5; 10], 0, None);
        broken.histogram = "not base64!".into();
        let merged = merge(&[result(&[1; 10], 0, None), broken]).unwrap();
        assert_eq!(merged.p95, None);
        assert_eq!(merged.total, 20);
    }
}
