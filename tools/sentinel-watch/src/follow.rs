//! Following a rollout: poll the provider, turn each change into events, stop when it ends.
//!
//! [`changes`] is a pure function from what was already reported to what the provider says
//! now, so the event logic is tested without processes; [`run`] adds polling, retries,
//! pass-through and the exit code.

use crate::cli::Cli;
use sentinel_core::clock::{format_duration, parse_rfc3339};
use sentinel_core::config::{self, ProviderKind};
use sentinel_core::events::{
    ApprovalDecision, ApprovalRequired, ErrorDetail, Event, Payload, Rollback, RolloutFinished,
    RolloutStatus, StageCompleted, StageFailed, StageSkipped, StageStarted,
};
use sentinel_core::files::StatePaths;
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, progress_bar, stderr_is_terminal};
use sentinel_core::retry::{Backoff, Failure, retry};
use sentinel_core::rollout_id::RolloutId;
use sentinel_core::state_file;
use sentinel_core::stream::pump;
use sentinel_core::{Error, Exit, Result};
use sentinel_provider::{
    self as provider, OverallStatus, Provider, RolloutSnapshot, StageStatus, WaitActionStatus,
};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const SOURCE: &str = "sentinel-watch";

/// What this watcher (or, on a restart, the last watcher's cursor or the state file) has
/// already reported.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Reported {
    pub overall: Option<OverallStatus>,
    pub current_stage: Option<String>,
    pub deployed: Vec<String>,
    pub pending: Vec<String>,
    pub stages: HashMap<String, StageStatus>,
    pub actions: HashMap<String, WaitActionStatus>,
}

/// The file beside a rollout's engine status (or remote record) where watchers keep what
/// they have written and flushed: `.sentinel/rollouts/<id>/watch-cursor.json`.
pub const CURSOR_FILE: &str = "watch-cursor.json";

impl Reported {
    /// What the last watcher of this rollout wrote and flushed, if one kept a cursor.
    pub fn from_cursor(paths: &StatePaths, rollout_id: &str) -> Option<Reported> {
        let id = RolloutId::parse(rollout_id, "rollout id").ok()?;
        let text =
            sentinel_core::nofollow::read_to_string(&paths.rollout_dir(&id).join(CURSOR_FILE))
                .ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Keep what has been written and flushed, so a watcher started after this one dies
    /// reports everything after it as new (at least once: a death between the flush and
    /// this write means those events are written again).
    pub fn save_cursor(&self, paths: &StatePaths, rollout_id: &str) -> Result<()> {
        let id = RolloutId::parse(rollout_id, "rollout id")?;
        let dir = paths.create_rollout_dir(&id, "")?;
        let text = serde_json::to_vec(self).map_err(|e| Error::Internal(e.to_string()))?;
        sentinel_core::atomic::write_atomic(&dir.join(CURSOR_FILE), &text)
    }

    /// What `sentinel-state` recorded for this rollout, if its state file is about it. A
    /// state file this build cannot read is said on stderr (with what to do), and then
    /// nothing counts as reported: events are written again rather than lost.
    pub fn from_state_file(
        paths: &StatePaths,
        rollout_id: &str,
        logger: &Logger,
    ) -> Option<Reported> {
        let state = match state_file::load(paths) {
            Ok(state) => state?,
            Err(e) => {
                logger.warn(&format!(
                    "{e}; so every event of rollout {rollout_id} is reported as new"
                ));
                return None;
            }
        };
        if state.rollout_id.as_deref() != Some(rollout_id) {
            return None;
        }
        let stages = state
            .stages
            .iter()
            .filter(|stage| stage.status != StageStatus::NotStarted)
            .map(|stage| (stage.name.clone(), stage.status))
            .collect();
        let actions = state
            .wait_actions
            .iter()
            .map(|action| (action.action_id.clone(), action.status))
            .collect();
        Some(Reported {
            stages,
            actions,
            ..Reported::default()
        })
    }

    /// Take in what was just reported.
    pub fn absorb(&mut self, snapshot: &RolloutSnapshot) {
        self.overall = Some(snapshot.overall_status);
        self.current_stage = snapshot.current_stage.clone();
        self.deployed = snapshot.deployed_regions();
        self.pending = snapshot.pending_regions();
        for stage in &snapshot.stages {
            self.stages.insert(stage.name.clone(), stage.status);
        }
        for action in &snapshot.wait_actions {
            self.actions.insert(action.action_id.clone(), action.status);
        }
    }
}

/// A rollout the engine calls completed although it skipped stages did not deploy
/// everything: it ends as failed, saying which stages and regions, so a pipeline never takes
/// it for a success (`--allow-skipped-stages` keeps it completed).
pub fn fail_if_stages_were_skipped(mut snapshot: RolloutSnapshot) -> RolloutSnapshot {
    if snapshot.overall_status != OverallStatus::Completed {
        return snapshot;
    }
    let skipped: Vec<String> = snapshot
        .stages
        .iter()
        .filter(|s| s.status == StageStatus::Skipped)
        .map(|s| format!("{} ({})", s.name, s.regions.join(", ")))
        .collect();
    if !skipped.is_empty() {
        snapshot.overall_status = OverallStatus::Failed;
        snapshot.errors.push(ErrorDetail {
            error_code: Some("StageSkipped".into()),
            message: format!(
                "the engine skipped {}: not deployed; pass --allow-skipped-stages to sentinel-watch if skipping is expected",
                skipped.join(", ")
            ),
            stage: None,
        });
    }
    snapshot
}

/// The events that tell the difference between `reported` and `snapshot`, in the order they
/// happened. `replay` marks completions this watcher cannot know were reported before.
pub fn changes(reported: &Reported, snapshot: &RolloutSnapshot, replay: bool) -> Vec<Payload> {
    let mut events = Vec::new();
    let deployed = snapshot.deployed_regions();
    let pending = snapshot.pending_regions();
    for action in &snapshot.wait_actions {
        let before = reported.actions.get(&action.action_id).copied();
        let decision = || ApprovalDecision {
            stage: action.stage.clone(),
            action_id: action.action_id.clone(),
            by: action.decided_by.clone(),
            reason: action.outcome.clone(),
        };
        match (before, action.status) {
            (None, WaitActionStatus::Pending) => events.push(Payload::ApprovalRequired(ApprovalRequired {
                stage: action.stage.clone(),
                action_id: action.action_id.clone(),
                reason: action.reason.clone(),
                instructions: format!(
                    "sentinel-trigger approve --rollout-id {id} --action-id {a}   # or: sentinel-trigger reject --rollout-id {id} --action-id {a} --reason '...'",
                    id = snapshot.rollout_id,
                    a = action.action_id
                ),
            })),
            (b, WaitActionStatus::Approved) if b != Some(WaitActionStatus::Approved) => events.push(Payload::ApprovalGranted(decision())),
            (b, WaitActionStatus::Rejected) if b != Some(WaitActionStatus::Rejected) => events.push(Payload::ApprovalRejected(decision())),
            _ => {}
        }
    }
    for (index, stage) in snapshot.stages.iter().enumerate() {
        let before = reported
            .stages
            .get(&stage.name)
            .copied()
            .unwrap_or_default();
        if before == stage.status {
            continue;
        }
        let started = || {
            Payload::StageStarted(StageStarted {
                stage: stage.name.clone(),
                index: index as u32,
                regions: stage.regions.clone(),
                traffic_percent: stage.traffic_percent,
            })
        };
        match stage.status {
            StageStatus::InProgress if before == StageStatus::NotStarted => events.push(started()),
            StageStatus::Completed => {
                if before == StageStatus::NotStarted && !replay {
                    events.push(started());
                }
                events.push(Payload::StageCompleted(StageCompleted {
                    stage: stage.name.clone(),
                    index: index as u32,
                    regions: stage.regions.clone(),
                    endpoints: stage.endpoints.clone(),
                    duration_ms: elapsed_ms(stage.start_time.as_deref(), stage.end_time.as_deref()),
                    traffic_percent: stage.traffic_percent,
                    replayed: replay,
                }));
            }
            StageStatus::Skipped => events.push(Payload::StageSkipped(StageSkipped {
                stage: stage.name.clone(),
                index: index as u32,
                regions: stage.regions.clone(),
            })),
            StageStatus::Failed => {
                if before == StageStatus::NotStarted && !replay {
                    events.push(started());
                }
                events.push(Payload::StageFailed(StageFailed {
                    stage: stage.name.clone(),
                    index: index as u32,
                    regions: stage.regions.clone(),
                    errors: stage.errors.clone(),
                }));
            }
            _ => {}
        }
    }
    // The status line sums up the stage events before it; the end of the rollout comes last.
    if reported.overall != Some(snapshot.overall_status)
        || reported.current_stage != snapshot.current_stage
        || reported.deployed != deployed
        || reported.pending != pending
    {
        events.push(Payload::RolloutStatus(RolloutStatus {
            overall_status: snapshot.overall_status,
            current_stage: snapshot.current_stage.clone(),
            deployed_regions: deployed.clone(),
            pending_regions: pending,
            resume_command: snapshot
                .resume_command
                .clone()
                .filter(|_| snapshot.overall_status == OverallStatus::Interrupted),
        }));
    }
    let before = reported.overall;
    let now = snapshot.overall_status;
    if before != Some(now) {
        let rollback = || Rollback {
            reason: snapshot.rollback_reason.clone().unwrap_or_default(),
            from_version: None,
            to_version: None,
        };
        let finished = || RolloutFinished {
            overall_status: now,
            duration_ms: elapsed_ms(snapshot.started.as_deref(), snapshot.finished.as_deref()),
            deployed_regions: deployed.clone(),
            errors: snapshot.errors.clone(),
        };
        let rolling_back = before == Some(OverallStatus::RollingBack);
        match now {
            OverallStatus::RollingBack => events.push(Payload::RollbackStarted(rollback())),
            OverallStatus::RolledBack => {
                if !rolling_back {
                    events.push(Payload::RollbackStarted(rollback()));
                }
                events.push(Payload::RollbackCompleted(rollback()));
            }
            OverallStatus::Failed if rolling_back || snapshot.rollback_reason.is_some() => {
                events.push(Payload::RollbackFailed(rollback()));
                events.push(Payload::RolloutFailed(finished()));
            }
            OverallStatus::Completed => events.push(Payload::RolloutCompleted(finished())),
            OverallStatus::Failed => events.push(Payload::RolloutFailed(finished())),
            OverallStatus::Cancelled => events.push(Payload::RolloutCancelled(finished())),
            _ => {}
        }
    }
    events
}

fn elapsed_ms(start: Option<&str>, end: Option<&str>) -> u64 {
    match (
        start.and_then(|s| parse_rfc3339(s).ok()),
        end.and_then(|e| parse_rfc3339(e).ok()),
    ) {
        (Some(start), Some(end)) => end
            .duration_since(start)
            .map_or(0, |d| d.as_millis() as u64),
        _ => 0,
    }
}

/// A line for people reading stderr (CI logs have no progress bar).
fn describe(payload: &Payload) -> Option<String> {
    Some(match payload {
        Payload::StageStarted(s) => format!("stage {} started", s.stage),
        Payload::StageCompleted(s) => format!(
            "stage {} completed in {}",
            s.stage,
            format_duration(Duration::from_millis(s.duration_ms))
        ),
        Payload::StageFailed(s) => format!(
            "stage {} failed: {}",
            s.stage,
            s.errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Payload::ApprovalRequired(a) => {
            format!("approval needed for {}: {}", a.stage, a.instructions)
        }
        Payload::ApprovalGranted(a) => format!("approval {} granted", a.action_id),
        Payload::ApprovalRejected(a) => format!("approval {} rejected", a.action_id),
        Payload::RollbackStarted(r) => format!("rollback started: {}", r.reason),
        Payload::RollbackCompleted(_) => "rollback completed".to_owned(),
        Payload::RollbackFailed(_) => "rollback failed".to_owned(),
        _ => return None,
    })
}

/// The exit code a finished rollout gives (or one that waits, with --stop-at-approval).
pub fn exit_for(status: OverallStatus) -> Exit {
    if matches!(
        status,
        OverallStatus::Completed | OverallStatus::WaitingForApproval
    ) {
        Exit::Success
    } else {
        Exit::CheckFailed
    }
}

/// Settings of one follow.
#[derive(Debug, Clone, Copy)]
pub struct FollowSettings {
    pub interval: Duration,
    pub timeout: Option<Duration>,
    pub max_retries: u32,
    /// Return as soon as the rollout waits for an approval.
    pub stop_at_approval: bool,
    /// `--allow-skipped-stages`: a completed rollout that skipped stages stays completed.
    pub allow_skipped_stages: bool,
}

/// Follow one rollout to its end, emitting events; returns its final status.
#[allow(clippy::too_many_arguments)]
pub fn follow<W: Write>(
    provider: &dyn Provider,
    rollout_id: &str,
    mut reported: Reported,
    replay: bool,
    settings: FollowSettings,
    cursor: Option<&StatePaths>,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<OverallStatus> {
    let started = Instant::now();
    let bar = progress_bar(None, stderr_is_terminal());
    let backoff = Backoff {
        max_retries: settings.max_retries,
        ..Backoff::default()
    };
    let mut first = true;
    loop {
        let snapshot = retry(&backoff, &sentinel_core::clock::SystemClock, |_| {
            provider.status(rollout_id).map_err(|e| match e {
                // The local provider reads a file the engine rewrites; remote providers
                // (EV2, Azure DevOps) already retried their own calls before saying unreachable.
                // A planted symlink stays one: refused at once (exit 5).
                Error::Io { .. } if !sentinel_core::nofollow::is_symlink_refusal(&e) => {
                    Failure::transient(e)
                }
                other => Failure::Permanent(other),
            })
        })
        .map_err(|e| e.into_unreachable(format!("the {} provider", provider.kind().as_str())))?;
        let snapshot = if settings.allow_skipped_stages {
            snapshot
        } else {
            fail_if_stages_were_skipped(snapshot)
        };
        // A signal waits until this poll's events are all written and the cursor kept.
        sentinel_core::signals::working(|| -> Result<()> {
            let events = changes(&reported, &snapshot, replay && first);
            let any = !events.is_empty();
            for payload in events {
                if let Some(line) = describe(&payload) {
                    logger.info(&line);
                }
                out.emit(&Event::new(SOURCE, Some(rollout_id), payload))?;
            }
            reported.absorb(&snapshot);
            if let (Some(paths), true) = (cursor, any || first) {
                match reported.save_cursor(paths, rollout_id) {
                    // Not a file we can lose quietly: someone planted it (exit 5).
                    Err(e) if sentinel_core::nofollow::is_symlink_refusal(&e) => return Err(e),
                    // Without it a later watcher reports these events again: said, not fatal.
                    Err(e) => logger.warn(&format!("cannot keep the watch cursor: {e}")),
                    Ok(()) => {}
                }
            }
            Ok(())
        })?;
        first = false;
        let done = snapshot
            .stages
            .iter()
            .filter(|s| s.status == StageStatus::Completed)
            .count();
        bar.set_message(format!(
            "rollout {rollout_id}: {} · stages {done}/{} · {}",
            snapshot.overall_status.as_str(),
            snapshot.stages.len(),
            snapshot.current_stage.as_deref().unwrap_or("-")
        ));
        if snapshot.overall_status == OverallStatus::Interrupted {
            bar.finish_and_clear();
            let command = snapshot
                .resume_command
                .clone()
                .unwrap_or_else(|| format!("sentinel-trigger resume --rollout-id {rollout_id}"));
            return Err(Error::Unreachable {
                service: format!("the engine of rollout {rollout_id}"),
                attempts: 1,
                source: Box::new(std::io::Error::other(format!(
                    "it stopped before the rollout ended (what it finished stays done); carry the rollout on with: {command}"
                ))),
            });
        }
        if snapshot.overall_status.is_terminal()
            || (settings.stop_at_approval
                && snapshot.overall_status == OverallStatus::WaitingForApproval)
        {
            bar.finish_and_clear();
            return Ok(snapshot.overall_status);
        }
        if let Some(limit) = settings.timeout.filter(|limit| started.elapsed() >= *limit) {
            bar.finish_and_clear();
            return Err(Error::Unreachable {
                service: format!("rollout {rollout_id}"),
                attempts: 1,
                source: Box::new(std::io::Error::other(format!(
                    "it did not end within --timeout {} (still {})",
                    format_duration(limit),
                    snapshot.overall_status.as_str()
                ))),
            });
        }
        sentinel_core::signals::sleep(settings.interval).inspect_err(|_| bar.finish_and_clear())?;
    }
}

/// `sentinel-watch`: follow `--rollout-id`, or each rollout.triggered on stdin.
pub fn run<W: Write>(cli: &Cli, out: &mut Writer<W>, logger: &Logger) -> Result<Exit> {
    let loaded = config::load_here(&cli.config)?;
    loaded.require(&[])?;
    let state_dir = cli.state.dir();
    let paths = StatePaths::new(&state_dir);
    if let Some(interval) = cli.interval.filter(|i| *i < config::MIN_POLLING_INTERVAL) {
        return Err(Error::usage(format!(
            "--interval {} is shorter than {}: the watcher would poll without pause",
            format_duration(interval),
            format_duration(config::MIN_POLLING_INTERVAL)
        )));
    }
    let settings = FollowSettings {
        interval: cli
            .interval
            .unwrap_or_else(|| loaded.config.polling_interval()),
        timeout: cli.timeout,
        max_retries: loaded.config.max_retries(),
        stop_at_approval: cli.stop_at_approval,
        allow_skipped_stages: cli.allow_skipped_stages,
    };
    let follow_one = |rollout_id: &str,
                      provider_kind: Option<ProviderKind>,
                      out: &mut Writer<W>|
     -> Result<Exit> {
        let mut config = loaded.config.clone();
        if provider_kind.is_some() {
            config.provider = provider_kind;
        }
        let mut remote = cli.remote.clone();
        remote.deadline = settings
            .timeout
            .map(|limit| std::time::SystemTime::now() + limit);
        let provider = provider::open(&config, &state_dir, &loaded.dir, &remote, logger)?;
        // What was delivered before: the last watcher's cursor, else what the state file
        // folded. Everything after it is new; --replay writes the whole history again.
        let known = if cli.replay {
            None
        } else {
            Reported::from_cursor(&paths, rollout_id)
                .or_else(|| Reported::from_state_file(&paths, rollout_id, logger))
        };
        // Every watcher keeps a cursor, so with none (and no state) nothing of this rollout
        // was delivered yet: all of it is new.
        let replay = cli.replay;
        logger.info(&format!(
            "following rollout {rollout_id} every {}",
            format_duration(settings.interval)
        ));
        let status = follow(
            provider.as_ref(),
            rollout_id,
            known.unwrap_or_default(),
            replay,
            settings,
            Some(&paths),
            out,
            logger,
        )?;
        if status.is_terminal() {
            logger.info(&format!("rollout {rollout_id} ended: {}", status.as_str()));
        } else {
            logger.info(&format!(
                "rollout {rollout_id} waits for an approval; stopping here (--stop-at-approval)"
            ));
        }
        Ok(exit_for(status))
    };

    if let Some(id) = &cli.rollout_id {
        return follow_one(id, None, out);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::usage_with_hint(
            "which rollout? no --rollout-id and no events on stdin",
            "pass --rollout-id ID, or pipe sentinel-trigger into it: sentinel-trigger | sentinel-watch",
        ));
    }
    let mut worst = Exit::Success;
    let mut followed = 0;
    pump(
        stdin.lock(),
        "standard input",
        out,
        &cli.stream,
        logger,
        |line, out| {
            let Some(Event {
                rollout_id: Some(id),
                payload: Payload::RolloutTriggered(triggered),
                ..
            }) = line.event()
            else {
                return Ok(());
            };
            if triggered.dry_run {
                return Ok(());
            }
            followed += 1;
            if follow_one(&id, Some(triggered.provider), out)? != Exit::Success {
                worst = Exit::CheckFailed;
            }
            Ok(())
        },
    )?;
    if followed == 0 {
        logger.warn("no rollout.triggered event on stdin: nothing to follow");
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentinel_provider::{StageSnapshot, WaitAction};

    #[test]
    fn the_state_file_is_read_typed_and_a_drifted_one_is_said_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let paths = StatePaths::new(dir.path());
        use sentinel_core::state_file::{RolloutState, StageState, WaitAction};
        let stage = |name: &str, status| StageState {
            name: name.into(),
            status,
            ..StageState::default()
        };
        let written = RolloutState {
            rollout_id: Some("r1".into()),
            stages: vec![
                stage("Canary", StageStatus::Completed),
                stage("Prod", StageStatus::NotStarted),
            ],
            wait_actions: vec![WaitAction {
                action_id: "approve-prod".into(),
                status: WaitActionStatus::Approved,
                ..WaitAction::default()
            }],
            ..RolloutState::default()
        };
        let text = serde_json::to_string(&written).unwrap();
        let state =
            |stage_status: &str| text.replace("\"Completed\"", &format!("{stage_status:?}"));
        let (logger, said) = Logger::buffer("sentinel-watch");
        std::fs::write(paths.state(), state("Completed")).unwrap();
        let known = Reported::from_state_file(&paths, "r1", &logger).unwrap();
        assert_eq!(known.stages.get("Canary"), Some(&StageStatus::Completed));
        assert!(
            !known.stages.contains_key("Prod"),
            "not started is not reported"
        );
        assert_eq!(
            known.actions.get("approve-prod"),
            Some(&WaitActionStatus::Approved)
        );
        assert!(Reported::from_state_file(&paths, "r2", &logger).is_none());
        assert!(said.lock().unwrap().is_empty());

        std::fs::write(paths.state(), state("Exploded")).unwrap();
        assert!(Reported::from_state_file(&paths, "r1", &logger).is_none());
        let said = String::from_utf8(said.lock().unwrap().clone()).unwrap();
        assert!(
            said.contains("does not hold a RolloutState") && said.contains("reported as new"),
            "{said}"
        );
    }

    fn snapshot(overall: OverallStatus, stages: &[(&str, StageStatus)]) -> RolloutSnapshot {
        RolloutSnapshot {
            rollout_id: "r1".into(),
            overall_status: overall,
            stages: stages
                .iter()
                .map(|(name, status)| StageSnapshot {
                    name: (*name).into(),
                    status: *status,
                    regions: vec![format!("{name}-region")],
                    endpoints: vec!["http://127.0.0.1:1/".into()],
                    start_time: Some("2026-11-23T10:00:00.000Z".into()),
                    end_time: Some("2026-11-23T10:00:02.500Z".into()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn kinds(events: &[Payload]) -> Vec<&'static str> {
        events.iter().map(Payload::kind).collect()
    }

    #[test]
    fn each_change_is_reported_once_in_order() {
        let mut reported = Reported::default();
        let first = snapshot(
            OverallStatus::InProgress,
            &[
                ("A", StageStatus::InProgress),
                ("B", StageStatus::NotStarted),
            ],
        );
        assert_eq!(
            kinds(&changes(&reported, &first, false)),
            vec!["stage.started", "rollout.status"]
        );
        reported.absorb(&first);
        assert!(
            changes(&reported, &first, false).is_empty(),
            "nothing changed, nothing said"
        );

        // B started and finished between two polls: both are reported.
        let done = snapshot(
            OverallStatus::Completed,
            &[("A", StageStatus::Completed), ("B", StageStatus::Completed)],
        );
        let events = changes(&reported, &done, false);
        assert_eq!(
            kinds(&events),
            vec![
                "stage.completed",
                "stage.started",
                "stage.completed",
                "rollout.status",
                "rollout.completed"
            ]
        );
        let Payload::StageCompleted(a) = &events[0] else {
            panic!()
        };
        assert_eq!(
            (a.duration_ms, a.endpoints.len(), a.replayed),
            (2_500, 1, false)
        );
    }

    #[test]
    fn a_restarted_watcher_replays_completions_it_cannot_know_about() {
        let done = snapshot(
            OverallStatus::InProgress,
            &[
                ("A", StageStatus::Completed),
                ("B", StageStatus::InProgress),
            ],
        );
        let events = changes(&Reported::default(), &done, true);
        assert_eq!(
            kinds(&events),
            vec!["stage.completed", "stage.started", "rollout.status"]
        );
        let Payload::StageCompleted(a) = &events[0] else {
            panic!()
        };
        assert!(a.replayed);

        let mut known = Reported::default();
        known.stages.insert("A".into(), StageStatus::Completed);
        known.stages.insert("B".into(), StageStatus::InProgress);
        let events = changes(&known, &done, false);
        assert_eq!(
            kinds(&events),
            vec!["rollout.status"],
            "nothing the state already recorded is repeated"
        );
    }

    #[test]
    fn approvals_failures_and_rollbacks_become_their_events() {
        let mut waiting = snapshot(
            OverallStatus::WaitingForApproval,
            &[("Prod", StageStatus::NotStarted)],
        );
        waiting.wait_actions.push(WaitAction {
            action_id: "Prod-approval".into(),
            stage: "Prod".into(),
            status: WaitActionStatus::Pending,
            ..Default::default()
        });
        let events = changes(&Reported::default(), &waiting, false);
        let Payload::ApprovalRequired(required) = &events[0] else {
            panic!("{events:?}")
        };
        assert!(
            required
                .instructions
                .contains("sentinel-trigger approve --rollout-id r1 --action-id Prod-approval")
        );
        assert!(required.instructions.contains("sentinel-trigger reject"));

        let mut reported = Reported::default();
        reported.absorb(&waiting);
        let mut failed = snapshot(OverallStatus::Failed, &[("Prod", StageStatus::Failed)]);
        failed.wait_actions = waiting.wait_actions.clone();
        failed.wait_actions[0].status = WaitActionStatus::Approved;
        failed.errors.push(ErrorDetail {
            error_code: None,
            message: "boom".into(),
            stage: None,
        });
        assert_eq!(
            kinds(&changes(&reported, &failed, false)),
            vec![
                "approval.granted",
                "stage.started",
                "stage.failed",
                "rollout.status",
                "rollout.failed"
            ]
        );

        let mut reported = Reported::default();
        reported.absorb(&snapshot(
            OverallStatus::Completed,
            &[("Prod", StageStatus::Completed)],
        ));
        let rolled_back = snapshot(
            OverallStatus::RolledBack,
            &[("Prod", StageStatus::RolledBack)],
        );
        assert_eq!(
            kinds(&changes(&reported, &rolled_back, false)),
            vec!["rollout.status", "rollback.started", "rollback.completed"]
        );
        assert_eq!(exit_for(OverallStatus::RolledBack), Exit::CheckFailed);
        assert_eq!(exit_for(OverallStatus::Completed), Exit::Success);
    }
}
