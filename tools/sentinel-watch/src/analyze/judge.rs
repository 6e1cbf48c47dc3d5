//! From readings to verdicts (sentinel-watch(1), ANALYSIS). Fail-closed: a check is passed
//! only on enough usable samples; a comparison fails only when the canary is worse than the
//! tolerance *and* significantly so; everything that could not be judged is inconclusive.

use super::query::Reading;
use super::settings::Check;
use super::stats::{ALPHA, TestOutcome, mann_whitney_greater, median, proportion_greater};
use sentinel_core::events::{
    AnalysisMetric, MetricSample, StatisticalTest, Verdict, format_measurement as number,
    format_p_value as p_value,
};

/// One reading of one cohort at one moment.
#[derive(Debug, Clone)]
pub struct Observed {
    pub timestamp: String,
    pub reading: Result<Reading, String>,
}

impl Observed {
    fn value(&self) -> Option<f64> {
        self.reading.as_ref().ok().map(|r| r.value)
    }
}

/// Everything read for one metric.
#[derive(Debug, Clone, Default)]
pub struct MetricRecord {
    pub name: String,
    pub query: String,
    pub baseline_query: Option<String>,
    pub checks: Vec<Check>,
    pub canary: Vec<Observed>,
    pub baseline: Vec<Observed>,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub samples: u32,
    pub min_samples: u32,
    pub failure_limit: u32,
}

/// Samples of `observed` beyond an absolute limit.
fn beyond(observed: &[Observed], check: Check) -> Vec<f64> {
    observed
        .iter()
        .filter_map(Observed::value)
        .filter(|&v| match check {
            Check::Max(limit) => v > limit,
            Check::Min(limit) => v < limit,
            _ => false,
        })
        .collect()
}

impl MetricRecord {
    /// The usable samples of a check: the canary's alone for an absolute limit; for a
    /// comparison, moments where both cohorts were read.
    fn usable(&self, check: Check) -> u32 {
        if check.against_baseline() {
            self.canary
                .iter()
                .zip(&self.baseline)
                .filter(|(c, b)| c.reading.is_ok() && b.reading.is_ok())
                .count() as u32
        } else {
            self.canary.iter().filter(|o| o.reading.is_ok()).count() as u32
        }
    }

    /// Whether an absolute check has already failed beyond the failure limit, so the
    /// analysis can stop now.
    pub fn failed_beyond_limit(&self, limits: Limits) -> bool {
        self.checks
            .iter()
            .any(|&check| beyond(&self.canary, check).len() as u32 > limits.failure_limit)
    }

    /// Whether some check can no longer reach `min_samples` usable samples.
    pub fn cannot_reach_min_samples(&self, limits: Limits, taken: u32) -> bool {
        let remaining = limits.samples.saturating_sub(taken);
        self.checks
            .iter()
            .any(|&check| self.usable(check) + remaining < limits.min_samples)
    }

    /// The verdict of each check, with what it rests on.
    pub fn judge(&self, limits: Limits) -> Vec<AnalysisMetric> {
        self.checks
            .iter()
            .map(|&check| self.judge_check(check, limits))
            .collect()
    }

    fn judge_check(&self, check: Check, limits: Limits) -> AnalysisMetric {
        let mut metric = AnalysisMetric {
            name: self.name.clone(),
            query: self.query.clone(),
            baseline_query: check
                .against_baseline()
                .then(|| self.baseline_query.clone())
                .flatten(),
            cohort: "canary".into(),
            samples: samples(&self.canary),
            baseline_samples: if check.against_baseline() {
                samples(&self.baseline)
            } else {
                Vec::new()
            },
            limit: check.limit(),
            comparison: check.comparison().into(),
            ..Default::default()
        };
        let usable = self.usable(check);
        let counts = |observed: &[Observed]| -> Option<(f64, f64)> {
            let mut total = None;
            for counts in observed
                .iter()
                .filter_map(|o| o.reading.as_ref().ok()?.counts)
            {
                let (top, bottom) = total.get_or_insert((0.0, 0.0));
                *top += counts.0;
                *bottom += counts.1;
            }
            total
        };
        let window_value = |observed: &[Observed]| match counts(observed) {
            Some((top, bottom)) if bottom > 0.0 => Some(top / bottom),
            Some(_) => None,
            None => median(
                &observed
                    .iter()
                    .filter_map(Observed::value)
                    .collect::<Vec<_>>(),
            ),
        };
        metric.value = window_value(&self.canary);
        let last_problem = || {
            self.canary
                .iter()
                .chain(&self.baseline)
                .rev()
                .find_map(|o| o.reading.as_ref().err().cloned())
                .map(|e| format!(" (last problem: {e})"))
                .unwrap_or_default()
        };
        let name = &self.name;

        if !check.against_baseline() {
            let over = beyond(&self.canary, check);
            metric.failed_samples = over.len() as u32;
            let symbol = if matches!(check, Check::Max(_)) {
                "≤"
            } else {
                "≥"
            };
            let limit = number(check.limit());
            if metric.failed_samples > limits.failure_limit {
                let worst = over
                    .iter()
                    .copied()
                    .reduce(|a, b| {
                        if matches!(check, Check::Max(_)) {
                            a.max(b)
                        } else {
                            a.min(b)
                        }
                    })
                    .unwrap_or_default();
                metric.verdict = Verdict::Failed;
                metric.reason = format!(
                    "{name} was outside {symbol} {limit} in {} of {} samples (worst {}), more than --failure-limit {} allows",
                    metric.failed_samples,
                    self.canary.len(),
                    number(worst),
                    limits.failure_limit
                );
            } else if usable < limits.min_samples {
                metric.verdict = Verdict::Inconclusive;
                metric.reason = format!(
                    "{name}: only {usable} of {} samples were usable, fewer than --min-samples {}{}",
                    self.canary.len(),
                    limits.min_samples,
                    last_problem()
                );
            } else {
                metric.verdict = Verdict::Passed;
                metric.reason = format!(
                    "{name} was {} over the window, within {symbol} {limit} in {} of {usable} samples",
                    metric.value.map_or("no value".into(), number),
                    usable - metric.failed_samples
                );
            }
            return metric;
        }

        metric.baseline_value = window_value(&self.baseline);
        if usable < limits.min_samples {
            metric.verdict = Verdict::Inconclusive;
            metric.reason = format!(
                "{name}: only {usable} of {} samples had both cohorts' values, fewer than --min-samples {}{}",
                self.canary.len(),
                limits.min_samples,
                last_problem()
            );
            return metric;
        }
        let paired: Vec<(&Observed, &Observed)> = self
            .canary
            .iter()
            .zip(&self.baseline)
            .filter(|(c, b)| c.reading.is_ok() && b.reading.is_ok())
            .collect();
        let canary_used: Vec<Observed> = paired.iter().map(|(c, _)| (*c).clone()).collect();
        let baseline_used: Vec<Observed> = paired.iter().map(|(_, b)| (*b).clone()).collect();
        let greater = matches!(check, Check::MaxRatio(_));
        let outcome: TestOutcome = match (counts(&canary_used), counts(&baseline_used)) {
            (Some((x1, n1)), Some((x2, n2))) => {
                metric.value = (n1 > 0.0).then(|| x1 / n1);
                metric.baseline_value = (n2 > 0.0).then(|| x2 / n2);
                let (x1, n1, x2, n2) = (x1 as u64, n1 as u64, x2 as u64, n2 as u64);
                if greater {
                    proportion_greater(x1, n1, x2, n2)
                } else {
                    proportion_greater(x2, n2, x1, n1)
                }
            }
            _ => {
                let values =
                    |o: &[Observed]| o.iter().filter_map(Observed::value).collect::<Vec<_>>();
                let (canary, baseline) = (values(&canary_used), values(&baseline_used));
                metric.value = median(&canary);
                metric.baseline_value = median(&baseline);
                if greater {
                    mann_whitney_greater(&canary, &baseline)
                } else {
                    mann_whitney_greater(&baseline, &canary)
                }
            }
        };
        metric.test = Some(StatisticalTest {
            name: outcome.name.into(),
            statistic: outcome.statistic,
            p_value: outcome.p_value,
            alpha: ALPHA,
        });
        let (Some(value), Some(baseline)) = (metric.value, metric.baseline_value) else {
            metric.verdict = Verdict::Inconclusive;
            metric.reason = format!(
                "{name}: a cohort had no traffic in the window, so there is no ratio to compare"
            );
            return metric;
        };
        let bound = check.limit() * baseline;
        let outside = if greater {
            value > bound
        } else {
            value < bound
        };
        let significant = outcome.p_value < ALPHA;
        let symbol = if greater { "≤" } else { "≥" };
        let comparison = format!(
            "{name}: canary {} against baseline {} (limit {symbol} {} × baseline = {})",
            number(value),
            number(baseline),
            number(check.limit()),
            number(bound)
        );
        let evidence = format!("{}, p = {}", outcome.name, p_value(outcome.p_value));
        (metric.verdict, metric.reason) = match (outside, significant) {
            (true, true) => (
                Verdict::Failed,
                format!(
                    "{comparison}: worse beyond the limit, significantly ({evidence} < α {ALPHA})"
                ),
            ),
            (true, false) => (
                Verdict::Passed,
                format!(
                    "{comparison}: beyond the limit but not significantly ({evidence} ≥ α {ALPHA})"
                ),
            ),
            (false, _) => (
                Verdict::Passed,
                format!("{comparison}: within the limit ({evidence})"),
            ),
        };
        metric
    }
}

fn samples(observed: &[Observed]) -> Vec<MetricSample> {
    observed
        .iter()
        .map(|o| MetricSample {
            timestamp: o.timestamp.clone(),
            value: o.value(),
            error: o.reading.as_ref().err().cloned(),
        })
        .collect()
}

/// The analysis's verdict from its checks' and its traffic's: any failed check fails it; else
/// anything not judged makes it inconclusive; else it passed.
pub fn overall(
    metrics: &[AnalysisMetric],
    traffic: Option<Result<(f64, u64), String>>,
) -> (Verdict, String) {
    let failed: Vec<&AnalysisMetric> = metrics
        .iter()
        .filter(|m| m.verdict == Verdict::Failed)
        .collect();
    if let Some(first) = failed.first() {
        let more = if failed.len() > 1 {
            format!(
                " (and {} more failed check{})",
                failed.len() - 1,
                if failed.len() == 2 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        return (Verdict::Failed, format!("{}{more}", first.reason));
    }
    match traffic {
        Some(Err(why)) => {
            return (
                Verdict::Inconclusive,
                format!(
                    "the canary's traffic could not be read ({why}), so the analysis cannot say it saw any"
                ),
            );
        }
        Some(Ok((requests, least))) if requests < least as f64 => {
            return (
                Verdict::Inconclusive,
                format!(
                    "the canary served {} requests in the window, fewer than --min-requests {least}: too little traffic to judge",
                    number(requests)
                ),
            );
        }
        _ => {}
    }
    if let Some(open) = metrics.iter().find(|m| m.verdict == Verdict::Inconclusive) {
        return (Verdict::Inconclusive, open.reason.clone());
    }
    (
        Verdict::Passed,
        format!(
            "all {} check{} passed: {}",
            metrics.len(),
            if metrics.len() == 1 { "" } else { "s" },
            metrics
                .iter()
                .map(|m| m.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(values: &[Option<f64>]) -> Vec<Observed> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Observed {
                timestamp: format!("t{i}"),
                reading: v
                    .map(|value| Reading {
                        value,
                        counts: None,
                    })
                    .ok_or_else(|| "the query returned no data".to_owned()),
            })
            .collect()
    }

    fn counted(counts: &[(f64, f64)]) -> Vec<Observed> {
        counts
            .iter()
            .map(|&(top, bottom)| Observed {
                timestamp: "t".into(),
                reading: Ok(Reading {
                    value: top / bottom,
                    counts: Some((top, bottom)),
                }),
            })
            .collect()
    }

    const LIMITS: Limits = Limits {
        samples: 5,
        min_samples: 5,
        failure_limit: 0,
    };

    fn record(check: Check, canary: Vec<Observed>, baseline: Vec<Observed>) -> MetricRecord {
        MetricRecord {
            name: "m".into(),
            query: "q".into(),
            checks: vec![check],
            canary,
            baseline,
            ..Default::default()
        }
    }

    #[test]
    fn absolute_limits_count_failed_samples_against_the_failure_limit() {
        let one_bad = observed(&[Some(0.0), Some(0.2), Some(0.0), Some(0.0), Some(0.0)]);
        let strict = record(Check::Max(0.1), one_bad.clone(), vec![]).judge(LIMITS);
        assert_eq!(strict[0].verdict, Verdict::Failed);
        assert_eq!(strict[0].failed_samples, 1);
        assert!(
            strict[0].reason.contains("1 of 5 samples (worst 0.2)"),
            "{}",
            strict[0].reason
        );
        let tolerant = Limits {
            failure_limit: 1,
            ..LIMITS
        };
        assert_eq!(
            record(Check::Max(0.1), one_bad, vec![]).judge(tolerant)[0].verdict,
            Verdict::Passed
        );
        let low = record(Check::Min(0.99), observed(&[Some(0.995); 5]), vec![]).judge(LIMITS);
        assert_eq!(low[0].verdict, Verdict::Passed, "{}", low[0].reason);
    }

    #[test]
    fn missing_samples_are_inconclusive_never_passed() {
        let gaps = observed(&[Some(0.0), None, Some(0.0), None, Some(0.0)]);
        let judged = record(Check::Max(0.1), gaps, vec![]).judge(LIMITS);
        assert_eq!(judged[0].verdict, Verdict::Inconclusive);
        assert!(judged[0].reason.contains("only 3 of 5") && judged[0].reason.contains("no data"));
        let nothing = record(Check::Max(0.1), observed(&[None; 5]), vec![]).judge(LIMITS);
        assert_eq!(nothing[0].verdict, Verdict::Inconclusive);
        assert_eq!(nothing[0].value, None);
        // ...but a failure already seen still fails: fail-closed either way.
        let bad_then_gone = observed(&[Some(0.5), None, None, None, None]);
        assert_eq!(
            record(Check::Max(0.1), bad_then_gone, vec![]).judge(LIMITS)[0].verdict,
            Verdict::Failed
        );
    }

    #[test]
    fn a_ratio_canary_fails_only_beyond_the_tolerance_and_significantly() {
        let canary = counted(&[(10.0, 200.0); 5]);
        let clean = counted(&[(0.0, 200.0); 5]);
        let judged = record(Check::MaxRatio(1.5), canary.clone(), clean).judge(LIMITS);
        assert_eq!(judged[0].verdict, Verdict::Failed, "{}", judged[0].reason);
        assert_eq!(judged[0].value, Some(0.05));
        assert_eq!(judged[0].baseline_value, Some(0.0));
        assert_eq!(
            judged[0].test.as_ref().unwrap().name,
            "two-proportion z-test"
        );
        // The same error ratio in both: within the tolerance.
        let same = record(Check::MaxRatio(1.5), canary.clone(), canary.clone()).judge(LIMITS);
        assert_eq!(same[0].verdict, Verdict::Passed, "{}", same[0].reason);
        // Twice the baseline's errors, but 2 against 1 in 1000: beyond 1.5× yet not significant.
        let few = record(
            Check::MaxRatio(1.5),
            counted(&[(2.0, 1000.0)]),
            counted(&[(1.0, 1000.0)]),
        )
        .judge(Limits {
            samples: 1,
            min_samples: 1,
            failure_limit: 0,
        });
        assert_eq!(few[0].verdict, Verdict::Passed);
        assert!(
            few[0].reason.contains("not significantly"),
            "{}",
            few[0].reason
        );
    }

    #[test]
    fn latency_is_compared_sample_by_sample_with_mann_whitney() {
        let baseline = observed(&[
            Some(0.010),
            Some(0.011),
            Some(0.010),
            Some(0.012),
            Some(0.010),
        ]);
        let slower = observed(&[
            Some(0.012),
            Some(0.013),
            Some(0.012),
            Some(0.014),
            Some(0.012),
        ]);
        let judged = record(Check::MaxRatio(1.5), slower.clone(), baseline.clone()).judge(LIMITS);
        assert_eq!(judged[0].verdict, Verdict::Passed, "{}", judged[0].reason);
        assert_eq!(judged[0].test.as_ref().unwrap().name, "Mann-Whitney U test");
        let judged = record(Check::MaxRatio(1.1), slower, baseline).judge(LIMITS);
        assert_eq!(judged[0].verdict, Verdict::Failed, "{}", judged[0].reason);
        // min-ratio: a business metric that dropped.
        let paid = observed(&[Some(0.99); 5]);
        let dropped = observed(&[Some(0.80), Some(0.81), Some(0.79), Some(0.80), Some(0.82)]);
        let judged = record(Check::MinRatio(0.95), dropped, paid).judge(LIMITS);
        assert_eq!(judged[0].verdict, Verdict::Failed, "{}", judged[0].reason);
    }

    #[test]
    fn a_baseline_gap_counts_against_the_comparison() {
        let canary = observed(&[Some(1.0); 5]);
        let baseline = observed(&[Some(1.0), None, Some(1.0), Some(1.0), Some(1.0)]);
        let judged = record(Check::MaxRatio(1.2), canary, baseline).judge(LIMITS);
        assert_eq!(judged[0].verdict, Verdict::Inconclusive);
    }

    #[test]
    fn the_overall_verdict_is_fail_closed() {
        let passed = AnalysisMetric {
            verdict: Verdict::Passed,
            reason: "ok".into(),
            ..Default::default()
        };
        let open = AnalysisMetric {
            verdict: Verdict::Inconclusive,
            reason: "gap".into(),
            ..Default::default()
        };
        let failed = AnalysisMetric {
            verdict: Verdict::Failed,
            reason: "bad".into(),
            ..Default::default()
        };
        assert_eq!(
            overall(std::slice::from_ref(&passed), Some(Ok((100.0, 1)))).0,
            Verdict::Passed
        );
        assert_eq!(
            overall(std::slice::from_ref(&passed), Some(Ok((0.0, 1)))).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            overall(std::slice::from_ref(&passed), Some(Err("down".into()))).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            overall(&[passed.clone(), open.clone()], None).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            overall(&[open, failed.clone()], Some(Ok((0.0, 1)))).0,
            Verdict::Failed
        );
        assert_eq!(overall(&[passed, failed], None).1, "bad");
    }
}
