//! Running one plan while watching it: a progress bar on a terminal, a warm-up whose numbers
//! are thrown away, the abort windows of `--abort-on-breach`, a signal that stops the load
//! early — then each endpoint's result, judged.

use crate::engine::{self, Plan, Shared};
use crate::judge::{self, Limits};
use crate::settings::{Endpoint, Judging};
use sentinel_core::events::{RampStageResult, StressTestResult, Thresholds};
use sentinel_core::output::{Logger, progress_bar, stderr_is_terminal};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How a run is watched: a warm-up to discard first, and a window to abort on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Watch {
    pub warmup: Option<Duration>,
    /// With `--abort-on-breach`: stop once a window breaches the error-rate or latency limits.
    pub abort_window: Option<Duration>,
}

/// The limits a single window is judged by: the error rate and the latency limits. Not the
/// request rate (a window's rate says little: the first one includes connecting) nor the
/// baseline (it compares whole runs).
fn window_limits(t: &Thresholds) -> Limits {
    Limits {
        thresholds: Thresholds {
            max_error_rate: t.max_error_rate,
            max_p50_ms: t.max_p50_ms,
            max_p95_ms: t.max_p95_ms,
            max_p99_ms: t.max_p99_ms,
            max_avg_ms: t.max_avg_ms,
            ..Thresholds::default()
        },
        baseline: None,
    }
}

/// Run one plan with a progress bar on a terminal, and judge each endpoint's result.
pub(crate) fn load_test(
    plan: &Plan,
    endpoints: &[Endpoint],
    judging: &Judging,
    watch: Watch,
    logger: &Logger,
) -> Vec<StressTestResult> {
    if let Some(warmup) = watch.warmup {
        // Same load for the warm-up's length; its measurements are thrown away.
        let warm = Plan {
            requests: None,
            duration: Some(warmup),
            ..plan.clone()
        };
        let measured = engine::run_combined(&warm, &Shared::default());
        logger.info(&format!(
            "warm-up: {} requests in {:?}, not counted",
            measured.total, warmup
        ));
    }
    let per_window = window_limits(&judging.thresholds);
    let w = &per_window.thresholds;
    let judges_latency = [w.max_p50_ms, w.max_p95_ms, w.max_p99_ms, w.max_avg_ms]
        .iter()
        .any(Option::is_some);
    let shared = if watch.abort_window.is_some() && judges_latency {
        Shared::with_latency_windows(plan.workers())
    } else {
        Shared::default()
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    let method = plan.targets.first().map_or("GET", |t| t.method.as_str());
    let (measured, aborted) = std::thread::scope(|scope| {
        let (shared_ref, done_ref) = (&shared, &done);
        let total = plan.requests.filter(|_| plan.duration.is_none());
        let monitor = scope.spawn(move || {
            let bar = progress_bar(total, stderr_is_terminal());
            let started = Instant::now();
            let mut window_start = (Instant::now(), 0u64, 0u64);
            let mut aborted = None;
            while !done_ref.load(Ordering::Relaxed) {
                // SIGINT/SIGTERM: stop sending; what was measured is reported.
                if sentinel_core::signals::interrupted() && aborted.is_none() {
                    shared_ref.stop.store(true, Ordering::Relaxed);
                    aborted = Some(format!(
                        "interrupted by a signal after {:.1}s",
                        started.elapsed().as_secs_f64()
                    ));
                }
                let finished = shared_ref.done.load(Ordering::Relaxed);
                let failed = shared_ref.failed.load(Ordering::Relaxed);
                bar.set_position(finished);
                bar.set_message(format!(
                    "{:.0} req/s · {failed} errors",
                    finished as f64 / started.elapsed().as_secs_f64().max(0.001)
                ));
                if let Some(window) = watch.abort_window {
                    if window_start.0.elapsed() >= window {
                        let measured = engine::Measurements {
                            histogram: shared_ref.take_window_latency(),
                            total: finished - window_start.1,
                            successful: (finished - window_start.1)
                                .saturating_sub(failed - window_start.2),
                            elapsed: window_start.0.elapsed(),
                            ..engine::Measurements::new()
                        };
                        // A window in which nothing finished is not judged: at a low rate
                        // that is normal, and requests still out are judged when they end.
                        if measured.total > 0 && aborted.is_none() {
                            let verdict = judge::result("", method, &measured, &per_window);
                            if !verdict.passed {
                                shared_ref.stop.store(true, Ordering::Relaxed);
                                aborted = Some(format!(
                                    "aborted after {:.1}s: in the last {:?} window, {}",
                                    started.elapsed().as_secs_f64(),
                                    window,
                                    verdict.violations.join("; ")
                                ));
                            }
                        }
                        window_start = (Instant::now(), finished, failed);
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            bar.finish_and_clear();
            aborted
        });
        let measured = engine::run(plan, &shared);
        done.store(true, Ordering::Relaxed);
        (measured, monitor.join().ok().flatten())
    });
    // The open model's honesty check, for the whole run (the rate is the run's, shared by
    // its endpoints): did requests go out at the rate asked for?
    let mut all = engine::Measurements::new();
    for slot in &measured {
        all.merge(slot);
    }
    // A ramp asks, on average, for its requests over its length.
    let asked_rate = plan.rate.or_else(|| {
        let stages = plan.ramp.as_ref()?;
        Some(engine::ramp_requests(stages) / engine::Schedule::length(plan)?.as_secs_f64())
    });
    let achieved = asked_rate.and_then(|_| judge::achieved_rate(&all));
    let ramp: Vec<RampStageResult> = plan
        .ramp
        .as_deref()
        .map(|stages| {
            stages
                .iter()
                .zip(engine::ramp_stage_requests(stages))
                .enumerate()
                .map(|(index, (stage, asked))| {
                    let sent = all.sent_by_stage.get(index).copied().unwrap_or(0);
                    RampStageResult {
                        rate: stage.rate,
                        duration_ms: stage.duration.as_millis() as u64,
                        asked,
                        sent,
                        achieved_rate: sent as f64 / stage.duration.as_secs_f64(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if let (Some(asked), Some(achieved)) = (asked_rate, achieved) {
        if achieved < asked * 0.9 {
            logger.warn(&format!(
                "requests went out at {achieved:.1}/s, {:.0}% of the {asked}/s asked: the generator could not keep up (every connection busy, or the CPU saturated); raise -c, or lower -q",
                achieved * 100.0 / asked
            ));
        }
    }
    endpoints
        .iter()
        .zip(&measured)
        .map(|(endpoint, measured)| {
            let limits = judging.limits_for(&endpoint.label, &endpoint.method);
            let mut judged = judge::result(&endpoint.label, &endpoint.method, measured, &limits);
            if asked_rate.is_some() {
                judged.target_rate = asked_rate;
                judged.achieved_rate = achieved;
                judged.ramp = ramp.clone();
                judge::judge(&mut judged, &limits);
            }
            // The whole run stopped, so no endpoint got its planned load: none passed.
            if let Some(reason) = &aborted {
                judged.violations.insert(0, reason.clone());
                judged.passed = false;
            }
            logger.info(&format!(
                "{}: {} requests, {:.2}% errors, p95 {:.1} ms, {:.0} req/s — {}",
                judged.endpoint_url,
                judged.total_requests,
                judged.error_rate,
                judged.p95_response_time,
                judged.requests_per_second,
                if judged.passed {
                    "passed".to_owned()
                } else {
                    format!("FAILED: {}", judged.violations.join("; "))
                }
            ));
            judged
        })
        .collect()
}
