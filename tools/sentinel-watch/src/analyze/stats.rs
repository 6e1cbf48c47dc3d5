//! The statistics behind a canary-against-baseline verdict (sentinel-watch(1), ANALYSIS):
//! one-sided tests of "the canary is worse than the baseline", each giving a p-value.
//!
//! - Counts (a `ratio()` metric: errors out of requests): Fisher's exact test when any
//!   expected cell count is below 5, else the pooled two-proportion z-test.
//! - Per-interval samples (latency, any other value): the Mann-Whitney U test, as Kayenta
//!   judges, exact when both cohorts are small and untied, else the normal approximation
//!   with tie and continuity corrections.
//!
//! A p-value near 0 says the canary is worse; 1 says there is no evidence at all (all
//! values equal, no counts). What counts as worse *enough* (the effect size) is the judge's
//! business, not a test's.

/// The result of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    pub name: &'static str,
    pub statistic: f64,
    pub p_value: f64,
}

/// The significance level every comparison uses: a canary fails only when the chance that a
/// difference this large arose by luck is below 5%.
pub const ALPHA: f64 = 0.05;

/// Below this expected count in any cell of the 2×2 table, the normal approximation is poor
/// and Fisher's exact test is used (the usual rule of thumb, Cochran 1954).
const MIN_EXPECTED_COUNT: f64 = 5.0;

/// Exact Mann-Whitney U up to this many samples per cohort (the counting table is
/// `n_a × n_b × (n_a·n_b)/2` numbers).
const EXACT_U_LIMIT: usize = 25;

/// One-sided test that the canary's proportion `canary_hits / canary_total` is greater than
/// the baseline's. Totals of 0 give no evidence (p = 1).
pub fn proportion_greater(
    canary_hits: u64,
    canary_total: u64,
    baseline_hits: u64,
    baseline_total: u64,
) -> TestOutcome {
    let (x1, n1, x2, n2) = (
        canary_hits.min(canary_total),
        canary_total,
        baseline_hits.min(baseline_total),
        baseline_total,
    );
    if n1 == 0 || n2 == 0 {
        return TestOutcome {
            name: "two-proportion z-test",
            statistic: 0.0,
            p_value: 1.0,
        };
    }
    let n = (n1 + n2) as f64;
    let hits = (x1 + x2) as f64;
    let misses = n - hits;
    let smallest_expected = [n1 as f64, n2 as f64]
        .into_iter()
        .flat_map(|row| [row * hits / n, row * misses / n])
        .fold(f64::INFINITY, f64::min);
    if smallest_expected < MIN_EXPECTED_COUNT {
        return fisher_exact_greater(x1, n1, x2, n2);
    }
    let pooled = hits / n;
    let spread = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    let difference = x1 as f64 / n1 as f64 - x2 as f64 / n2 as f64;
    let z = if spread > 0.0 {
        difference / spread
    } else {
        0.0
    };
    TestOutcome {
        name: "two-proportion z-test",
        statistic: z,
        p_value: if spread > 0.0 {
            normal_upper_tail(z)
        } else {
            1.0
        },
    }
}

/// Fisher's exact test, one-sided: the chance of at least `x1` canary hits among all
/// `x1 + x2` hits, were the hits spread over both cohorts at random (hypergeometric).
fn fisher_exact_greater(x1: u64, n1: u64, x2: u64, n2: u64) -> TestOutcome {
    let hits = x1 + x2;
    let n = n1 + n2;
    let log_choose = |n: u64, k: u64| ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k);
    let denominator = log_choose(n, hits);
    let most = hits.min(n1);
    let p: f64 = (x1..=most)
        .filter(|k| hits - k <= n2)
        .map(|k| (log_choose(n1, k) + log_choose(n2, hits - k) - denominator).exp())
        .sum();
    TestOutcome {
        name: "Fisher's exact test",
        // The odds ratio, as R's fisher.test reports (its conditional MLE aside).
        statistic: odds_ratio(x1, n1, x2, n2),
        p_value: p.clamp(0.0, 1.0),
    }
}

fn odds_ratio(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    let (a, b, c, d) = (x1 as f64, (n1 - x1) as f64, x2 as f64, (n2 - x2) as f64);
    if b * c == 0.0 {
        if a * d == 0.0 { 1.0 } else { f64::INFINITY }
    } else {
        a * d / (b * c)
    }
}

/// One-sided Mann-Whitney U test that the canary's values tend to be greater than the
/// baseline's. The statistic is the canary's U. Fewer than one sample on a side, or every
/// value equal, gives no evidence (p = 1).
pub fn mann_whitney_greater(canary: &[f64], baseline: &[f64]) -> TestOutcome {
    const NAME: &str = "Mann-Whitney U test";
    let (n1, n2) = (canary.len(), baseline.len());
    if n1 == 0 || n2 == 0 {
        return TestOutcome {
            name: NAME,
            statistic: 0.0,
            p_value: 1.0,
        };
    }
    let mut all: Vec<(f64, bool)> = canary
        .iter()
        .map(|&v| (v, true))
        .chain(baseline.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Average ranks over ties; and Σ(t³ − t) over tie groups, for the variance.
    let mut canary_rank_sum = 0.0;
    let mut tie_term = 0.0;
    let mut start = 0;
    while start < all.len() {
        let mut end = start + 1;
        while end < all.len() && all[end].0 == all[start].0 {
            end += 1;
        }
        let rank = (start + end + 1) as f64 / 2.0;
        let in_canary = all[start..end].iter().filter(|(_, c)| *c).count();
        canary_rank_sum += rank * in_canary as f64;
        let t = (end - start) as f64;
        tie_term += t * t * t - t;
        start = end;
    }
    let u = canary_rank_sum - (n1 * (n1 + 1)) as f64 / 2.0;
    let tied = tie_term > 0.0;
    let p_value = if !tied && n1 <= EXACT_U_LIMIT && n2 <= EXACT_U_LIMIT {
        exact_u_upper_tail(n1, n2, u.round() as usize)
    } else {
        let n = (n1 + n2) as f64;
        let variance = (n1 * n2) as f64 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)).max(1.0));
        if variance <= 0.0 {
            1.0
        } else {
            let mean = (n1 * n2) as f64 / 2.0;
            normal_upper_tail((u - mean - 0.5) / variance.sqrt())
        }
    };
    TestOutcome {
        name: NAME,
        statistic: u,
        p_value: p_value.clamp(0.0, 1.0),
    }
}

/// P(U ≥ u) for untied samples of sizes `n1`, `n2`: the number of arrangements with each U,
/// counted by the recurrence f(m, n, u) = f(m−1, n, u−n) + f(m, n−1, u), over all of them.
fn exact_u_upper_tail(n1: usize, n2: usize, u: usize) -> f64 {
    let most = n1 * n2;
    if u > most {
        return 0.0;
    }
    // ways[m][n] is the distribution of U for sizes m, n; built up one row of m at a time.
    let mut previous: Vec<Vec<f64>> = (0..=n2).map(|_| vec![1.0]).collect();
    for m in 1..=n1 {
        let mut row: Vec<Vec<f64>> = Vec::with_capacity(n2 + 1);
        row.push(vec![1.0]);
        for n in 1..=n2 {
            let mut counts = vec![0.0; m * n + 1];
            // The largest value is the canary's (adds n to U) or the baseline's (adds 0).
            for (shift, ways) in previous[n].iter().enumerate() {
                counts[shift + n] += ways;
            }
            for (shift, ways) in row[n - 1].iter().enumerate() {
                counts[shift] += ways;
            }
            row.push(counts);
        }
        previous = row;
    }
    let distribution = &previous[n2];
    let total: f64 = distribution.iter().sum();
    distribution[u..].iter().sum::<f64>() / total
}

/// P(Z ≥ z) for a standard normal Z.
pub fn normal_upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function, to about 1.2e-7 everywhere (Numerical Recipes' erfcc,
/// a Chebyshev fit).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let polynomial = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * polynomial.exp();
    if x >= 0.0 { value } else { 2.0 - value }
}

/// ln(n!), exactly summed for small n and by Stirling's series beyond (error below 1e-10).
fn ln_factorial(n: u64) -> f64 {
    if n < 256 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x * x)
}

/// The median of some values (the mean of the middle two for an even count); `None` for none.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 0 {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn the_normal_tail_matches_tables() {
        assert!(close(normal_upper_tail(0.0), 0.5, 1e-7));
        assert!(close(normal_upper_tail(1.644_853_6), 0.05, 1e-6));
        assert!(close(normal_upper_tail(-1.959_964), 0.975, 1e-6));
        assert!(close(normal_upper_tail(3.0), 0.001_349_9, 1e-6));
    }

    #[test]
    fn ln_factorial_is_continuous_where_the_method_changes() {
        let exact: f64 = (2..=300u64).map(|k| (k as f64).ln()).sum();
        assert!(close(ln_factorial(300), exact, 1e-8));
        assert!(close(
            ln_factorial(255) + 256f64.ln(),
            ln_factorial(256),
            1e-8
        ));
        assert_eq!(ln_factorial(0), 0.0);
        assert_eq!(ln_factorial(1), 0.0);
    }

    #[test]
    fn fisher_matches_r_for_a_small_table() {
        // scipy.stats.fisher_exact([[3,1],[1,3]], alternative="greater"): 9.0, 0.2428571.
        let outcome = proportion_greater(3, 4, 1, 4);
        assert_eq!(outcome.name, "Fisher's exact test");
        assert!(close(outcome.p_value, 0.242_857_1, 1e-6), "{outcome:?}");
        assert_eq!(outcome.statistic, 9.0);
    }

    #[test]
    fn five_percent_errors_against_none_is_significant_by_either_test() {
        // Few errors (an expected count of 4): Fisher. 8 of 200 against 0 of 200 is
        // C(200,8)/C(400,8); scipy.stats.fisher_exact([[8,192],[0,200]],
        // alternative="greater") = 0.00363728.
        let small = proportion_greater(8, 200, 0, 200);
        assert_eq!(small.name, "Fisher's exact test");
        assert!(close(small.p_value, 0.003_637_28, 1e-8), "{small:?}");
        // Many: the z-test.
        let large = proportion_greater(500, 10_000, 0, 10_000);
        assert_eq!(large.name, "two-proportion z-test");
        assert!(large.p_value < 1e-12 && large.statistic > 20.0, "{large:?}");
    }

    #[test]
    fn equal_proportions_and_empty_cohorts_give_no_evidence() {
        let same = proportion_greater(100, 10_000, 100, 10_000);
        assert!(close(same.p_value, 0.5, 1e-6), "{same:?}");
        let none = proportion_greater(0, 10_000, 0, 10_000);
        assert_eq!(none.p_value, 1.0, "all zeros: {none:?}");
        assert_eq!(proportion_greater(5, 0, 0, 100).p_value, 1.0);
        assert_eq!(proportion_greater(5, 100, 0, 0).p_value, 1.0);
        // Fewer canary errors than the baseline's: evidence of better, not worse.
        assert!(proportion_greater(0, 10_000, 50, 10_000).p_value > 0.99);
    }

    #[test]
    fn mann_whitney_exact_matches_r() {
        // scipy.stats.mannwhitneyu([5,6,7,8], [1,2,3,4], alternative="greater"): 16, 1/70.
        let outcome = mann_whitney_greater(&[5.0, 6.0, 7.0, 8.0], &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(outcome.statistic, 16.0);
        assert!(close(outcome.p_value, 0.014_285_71, 1e-7), "{outcome:?}");
        // Interleaved: scipy gives U = 8, p = 39/70.
        let mixed = mann_whitney_greater(&[1.0, 4.0, 5.0, 8.0], &[2.0, 3.0, 6.0, 7.0]);
        assert_eq!(mixed.statistic, 8.0);
        assert!(close(mixed.p_value, 0.557_142_9, 1e-7), "{mixed:?}");
    }

    #[test]
    fn mann_whitney_with_ties_uses_the_corrected_normal_approximation() {
        // scipy.stats.mannwhitneyu([0.05]*10, [0]*10, alternative="greater",
        // method="asymptotic", use_continuity=True): U = 100, p = 7.968956e-06.
        let outcome = mann_whitney_greater(&[0.05; 10], &[0.0; 10]);
        assert_eq!(outcome.statistic, 100.0);
        assert!(close(outcome.p_value, 7.968_956e-6, 1e-8), "{outcome:?}");
    }

    #[test]
    fn mann_whitney_edge_cases() {
        // All values equal: no evidence either way.
        assert_eq!(mann_whitney_greater(&[1.0; 5], &[1.0; 5]).p_value, 1.0);
        // One sample each: the best it can say is p = 1/2.
        assert!(close(
            mann_whitney_greater(&[2.0], &[1.0]).p_value,
            0.5,
            1e-12
        ));
        assert_eq!(mann_whitney_greater(&[], &[1.0]).p_value, 1.0);
        assert_eq!(mann_whitney_greater(&[1.0], &[]).p_value, 1.0);
        // Canary better than baseline: no evidence of worse.
        assert!(mann_whitney_greater(&[1.0, 2.0, 3.0], &[7.0, 8.0, 9.0]).p_value > 0.9);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
