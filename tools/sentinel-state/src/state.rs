//! The fold that turns events into the rollout's state (the model, [`RolloutState`], is
//! `sentinel_core::state_file`'s, since sentinel-watch reads the state file too).
//!
//! The fold is deterministic: every time it records comes from the event's `ts`, never from
//! the clock, so folding the same journal twice gives the same state.

use sentinel_core::events::{AnalysisResult, ErrorDetail, Event, Payload, StressTestResult};
use sentinel_core::ndjson::Line;
pub use sentinel_core::state_file::{
    GateRecord, Phase, RolloutState, SCHEMA_VERSION, StageState, WaitAction,
};
pub use sentinel_core::status::{OverallStatus, StageStatus, WaitActionStatus};
use sentinel_core::{Error, Result};

/// Whether an environment name is production, for the release phase.
pub fn is_production(environment: &str) -> bool {
    let lower = environment.to_ascii_lowercase();
    lower == "prod"
        || lower == "production"
        || lower.starts_with("prod-")
        || lower.starts_with("production-")
}

/// The fold, on the state model that `sentinel-core` defines (watch reads it too).
pub trait Fold {
    /// Fold one journal line. Unknown kinds are ignored. An event of another rollout while
    /// this one is unfinished is refused, unless it is that rollout's `rollout.triggered`
    /// after this one ended.
    fn fold_line(&mut self, line: &Line) -> Result<()>;

    /// Fold one typed event.
    fn fold(&mut self, event: &Event);
}

impl Fold for RolloutState {
    fn fold_line(&mut self, line: &Line) -> Result<()> {
        if let (Some(incoming), Some(current)) = (line.rollout_id(), self.rollout_id.as_deref()) {
            let is_trigger = line.kind() == Some("rollout.triggered");
            if incoming != current && self.is_unfinished() {
                return Err(Error::usage_with_hint(
                    format!(
                        "line {}: event {} belongs to rollout {incoming}, but rollout {current} is still {} in this state directory",
                        line.number,
                        line.kind().unwrap_or("(no kind)"),
                        self.overall_status.as_str()
                    ),
                    "finish or cancel the running rollout first, or use a separate --state-dir per rollout",
                ));
            }
            if incoming != current && !is_trigger {
                // A late event of a rollout that already ended elsewhere: journaled, not folded.
                self.events_applied += 1;
                return Ok(());
            }
        }
        let is_trigger = line.kind() == Some("rollout.triggered");
        if let (Some(incoming), None, false) =
            (line.rollout_id(), self.rollout_id.as_deref(), is_trigger)
        {
            // A watcher started with --rollout-id sends no rollout.triggered: its events name
            // the rollout, and a restarted watcher needs the state to know which one it was.
            self.rollout_id = Some(incoming.to_owned());
            if self.overall_status == OverallStatus::NotStarted {
                self.overall_status = OverallStatus::InProgress;
            }
        }
        if let Some(event) = line.event() {
            self.fold(&event);
        }
        self.events_applied += 1;
        Ok(())
    }

    fn fold(&mut self, event: &Event) {
        let ts = event.ts.clone();
        match &event.payload {
            Payload::RolloutTriggered(t) => {
                let same_rollout = self.rollout_id.is_some() && self.rollout_id == event.rollout_id;
                if !same_rollout {
                    let carried = self
                        .rollout_id
                        .is_none()
                        .then(|| (self.gates.clone(), self.stress_results.clone()));
                    let events_applied = self.events_applied;
                    *self = RolloutState {
                        events_applied,
                        start_time: Some(ts.clone()),
                        ..RolloutState::default()
                    };
                    // Pre-flight gates and the baseline come before any rollout; keep them.
                    if let Some((gates, stress)) = carried {
                        self.gates = gates;
                        self.stress_results = stress;
                    }
                    self.stages = t
                        .stages
                        .iter()
                        .map(|s| StageState {
                            name: s.name.clone(),
                            status: StageStatus::NotStarted,
                            regions: s.regions.clone(),
                            ..Default::default()
                        })
                        .collect();
                    self.pending_regions =
                        unique(t.stages.iter().flat_map(|s| s.regions.iter().cloned()));
                }
                self.rollout_id = event.rollout_id.clone();
                self.service_group_name = Some(t.service_group_name.clone());
                self.service_id = Some(t.service_id.clone());
                self.environment = Some(t.environment.clone());
                self.stage_map_name = Some(t.stage_map_name.clone());
                self.stage_map_version = Some(t.stage_map_version.clone());
                self.artifact_version = Some(t.artifact_version.clone());
                self.provider = Some(t.provider);
                self.dashboard_url = t.dashboard_url.clone();
                if self.overall_status == OverallStatus::NotStarted {
                    self.overall_status = OverallStatus::InProgress;
                }
                self.phase = if is_production(&t.environment) {
                    Phase::Production
                } else {
                    Phase::Staging
                };
            }
            Payload::RolloutStatus(s) => {
                self.overall_status = s.overall_status;
                self.current_stage = s.current_stage.clone();
                self.deployed_regions = s.deployed_regions.clone();
                self.pending_regions = s.pending_regions.clone();
            }
            Payload::StageStarted(s) => {
                let stage = stage_mut(self, &s.stage);
                stage.status = StageStatus::InProgress;
                stage.start_time = Some(ts.clone());
                if !s.regions.is_empty() {
                    stage.regions = s.regions.clone();
                }
                self.current_stage = Some(s.stage.clone());
                if !self.overall_status.is_terminal() {
                    self.overall_status = OverallStatus::InProgress;
                }
            }
            Payload::StageCompleted(s) => {
                let stage = stage_mut(self, &s.stage);
                stage.status = StageStatus::Completed;
                stage.end_time = Some(ts.clone());
                if !s.regions.is_empty() {
                    stage.regions = s.regions.clone();
                }
                for region in &s.regions {
                    if !self.deployed_regions.contains(region) {
                        self.deployed_regions.push(region.clone());
                    }
                }
                self.pending_regions.retain(|r| !s.regions.contains(r));
            }
            Payload::StageSkipped(s) => {
                let stage = stage_mut(self, &s.stage);
                stage.status = StageStatus::Skipped;
                stage.end_time = Some(ts.clone());
            }
            Payload::StageFailed(s) => {
                let stage = stage_mut(self, &s.stage);
                stage.status = StageStatus::Failed;
                stage.end_time = Some(ts.clone());
                for error in &s.errors {
                    let mut error = error.clone();
                    error.stage.get_or_insert_with(|| s.stage.clone());
                    push_error(&mut self.errors, error);
                }
            }
            Payload::ApprovalRequired(a) => {
                let action = wait_action_mut(self, &a.action_id);
                action.stage = a.stage.clone();
                action.reason = a.reason.clone();
                action.status = WaitActionStatus::Pending;
                action.waiting_since = ts.clone();
                self.overall_status = OverallStatus::WaitingForApproval;
            }
            Payload::ApprovalGranted(a) | Payload::ApprovalRejected(a) => {
                let granted = matches!(event.payload, Payload::ApprovalGranted(_));
                let action = wait_action_mut(self, &a.action_id);
                if action.stage.is_empty() {
                    action.stage = a.stage.clone();
                }
                action.status = if granted {
                    WaitActionStatus::Approved
                } else {
                    WaitActionStatus::Rejected
                };
                action.decided_by = a.by.clone();
                if granted && self.overall_status == OverallStatus::WaitingForApproval {
                    self.overall_status = OverallStatus::InProgress;
                }
            }
            Payload::StressResult(result) => {
                let mut result = (**result).clone();
                result.histogram.clear();
                for class in result.latency_by_status_class.values_mut() {
                    class.histogram.clear();
                }
                let same = |r: &StressTestResult| {
                    r.endpoint_url == result.endpoint_url && r.timestamp == result.timestamp
                };
                match self.stress_results.iter_mut().find(|r| same(r)) {
                    Some(existing) => *existing = result,
                    None => self.stress_results.push(result),
                }
            }
            Payload::AnalysisResult(result) => {
                // One analysis is one (stage, start): the same event applied twice is kept once.
                let same = |r: &AnalysisResult| {
                    r.stage == result.stage && r.started_at == result.started_at
                };
                match self.analysis_results.iter_mut().find(|r| same(r)) {
                    Some(existing) => *existing = (**result).clone(),
                    None => self.analysis_results.push((**result).clone()),
                }
            }
            Payload::GatePassed(g) | Payload::GateFailed(g) => {
                let record = GateRecord {
                    gate: g.gate.clone(),
                    passed: matches!(event.payload, Payload::GatePassed(_)),
                    reason: g.reason.clone(),
                    time: ts.clone(),
                };
                push_unique(&mut self.gates, record);
            }
            Payload::BranchCreated(b) => self.branch_name = Some(b.branch_name.clone()),
            Payload::TagCreated(t) => self.release_tag = Some(t.tag.clone()),
            Payload::RolloutCompleted(f)
            | Payload::RolloutFailed(f)
            | Payload::RolloutCancelled(f) => {
                self.overall_status = match event.payload {
                    Payload::RolloutCompleted(_) => OverallStatus::Completed,
                    Payload::RolloutFailed(_) => OverallStatus::Failed,
                    _ => OverallStatus::Cancelled,
                };
                if !f.deployed_regions.is_empty() {
                    self.deployed_regions = f.deployed_regions.clone();
                }
                for error in &f.errors {
                    push_error(&mut self.errors, error.clone());
                }
                self.end_time = Some(ts.clone());
                if self.overall_status == OverallStatus::Completed {
                    self.phase = match self.phase {
                        Phase::Staging => Phase::Soaking,
                        Phase::Production => Phase::Verifying,
                        other => other,
                    };
                }
            }
            Payload::RollbackStarted(_) => {}
            Payload::RollbackCompleted(_) => {
                self.overall_status = OverallStatus::RolledBack;
                self.phase = Phase::RolledBack;
                self.end_time = Some(ts.clone());
            }
            Payload::RollbackFailed(r) => push_error(
                &mut self.errors,
                ErrorDetail {
                    error_code: Some("RollbackFailed".into()),
                    message: r.reason.clone(),
                    stage: None,
                },
            ),
            Payload::HealthPassed(_)
            | Payload::HealthFailed(_)
            | Payload::BranchDeleted(_)
            | Payload::NotifySent(_)
            | Payload::NotifyFailed(_)
            | Payload::Log(_) => {}
        }
        self.last_update_time = Some(ts);
    }
}

fn stage_mut<'a>(state: &'a mut RolloutState, name: &str) -> &'a mut StageState {
    if let Some(index) = state.stages.iter().position(|s| s.name == name) {
        return &mut state.stages[index];
    }
    state.stages.push(StageState {
        name: name.to_owned(),
        status: StageStatus::NotStarted,
        ..Default::default()
    });
    let last = state.stages.len() - 1;
    &mut state.stages[last]
}

fn wait_action_mut<'a>(state: &'a mut RolloutState, action_id: &str) -> &'a mut WaitAction {
    if let Some(index) = state
        .wait_actions
        .iter()
        .position(|a| a.action_id == action_id)
    {
        return &mut state.wait_actions[index];
    }
    state.wait_actions.push(WaitAction {
        action_id: action_id.to_owned(),
        ..Default::default()
    });
    let last = state.wait_actions.len() - 1;
    &mut state.wait_actions[last]
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Providers repeat a stage's errors in the rollout's final event, often without the stage:
/// the same code and message is one error.
fn push_error(errors: &mut Vec<ErrorDetail>, error: ErrorDetail) {
    let same = |e: &ErrorDetail| {
        e.message == error.message
            && e.error_code == error.error_code
            && (e.stage == error.stage || e.stage.is_none() || error.stage.is_none())
    };
    if !errors.iter().any(same) {
        errors.push(error);
    }
}

fn unique(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    for item in items {
        push_unique(&mut out, item);
    }
    out
}

/// Fold journal lines from an empty state (tests and reconciliation use this).
pub fn fold_all<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Result<RolloutState> {
    let mut state = RolloutState::default();
    for line in lines {
        state.fold_line(line)?;
    }
    Ok(state)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use sentinel_core::events::Verdict;
    use sentinel_core::ndjson::{Item, Reader};

    /// Parse NDJSON text into lines the way `apply` reads them.
    pub(crate) fn lines(text: &str) -> Vec<Line> {
        let mut reader = Reader::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(item) = reader.next_item().unwrap() {
            match item {
                Item::Valid(line) => out.push(line),
                Item::Invalid(bad) => {
                    panic!("test input line {} is invalid: {}", bad.number, bad.reason)
                }
            }
        }
        out
    }

    pub(crate) fn event(kind: &str, rollout: &str, ts: &str, fields: &str) -> String {
        format!(
            r#"{{"v":1,"kind":"{kind}","ts":"{ts}","source":"test","rolloutId":"{rollout}",{fields}}}"#
        )
    }

    pub(crate) fn triggered(rollout: &str, ts: &str, environment: &str) -> String {
        event(
            "rollout.triggered",
            rollout,
            ts,
            &format!(
                r#""serviceGroupName":"Contoso.Orders","serviceId":"x","environment":"{environment}","stageMapName":"m","stageMapVersion":"1","artifactVersion":"1.0.0","provider":"local","stages":[{{"name":"Staging","regions":["westus"]}},{{"name":"Prod","regions":["eastus","westeurope"]}}],"resumed":false"#
            ),
        )
    }

    fn journal() -> String {
        [
            triggered("r1", "2026-11-23T10:00:00.000Z", "Staging"),
            event("stage.started", "r1", "2026-11-23T10:00:01.000Z", r#""stage":"Staging","index":0,"regions":["westus"]"#),
            event("canary.promoted", "r1", "2026-11-23T10:00:02.000Z", r#""x":1"#),
            event("stage.completed", "r1", "2026-11-23T10:00:03.000Z", r#""stage":"Staging","index":0,"regions":["westus"],"endpoints":[],"durationMs":2000"#),
            event("approval.required", "r1", "2026-11-23T10:00:04.000Z", r#""stage":"Prod","actionId":"a1","reason":"prod","instructions":"sentinel-trigger approve""#),
            event("stage.failed", "r1", "2026-11-23T10:00:05.000Z", r#""stage":"Prod","index":1,"regions":[],"errors":[{"message":"deploy exited 1"}]"#),
            event("rollout.failed", "r1", "2026-11-23T10:00:06.000Z", r#""overallStatus":"Failed","durationMs":6000,"deployedRegions":["westus"],"errors":[{"message":"deploy exited 1"}]"#),
        ]
        .join("\n")
    }

    #[test]
    fn folds_a_rollout_and_ignores_unknown_kinds() {
        let state = fold_all(&lines(&journal())).unwrap();
        assert_eq!(state.rollout_id.as_deref(), Some("r1"));
        assert_eq!(state.overall_status, OverallStatus::Failed);
        assert_eq!(
            state.events_applied, 7,
            "unknown kinds count as applied journal lines"
        );
        assert_eq!(state.stages[0].status, StageStatus::Completed);
        assert_eq!(
            state.stages[0].end_time.as_deref(),
            Some("2026-11-23T10:00:03.000Z")
        );
        assert_eq!(state.stages[1].status, StageStatus::Failed);
        assert_eq!(state.deployed_regions, vec!["westus"]);
        assert_eq!(state.pending_regions, vec!["eastus", "westeurope"]);
        assert_eq!(state.wait_actions[0].status, WaitActionStatus::Pending);
        assert_eq!(
            state.errors.len(),
            1,
            "the same error from stage.failed and rollout.failed is kept once"
        );
        assert_eq!(
            state.last_update_time.as_deref(),
            Some("2026-11-23T10:00:06.000Z")
        );
    }

    #[test]
    fn analysis_results_are_kept_once_each_in_order() {
        let analysis = |stage: &str, verdict: &str| {
            event(
                "analysis.result",
                "r1",
                "2026-11-23T10:00:02.500Z",
                &format!(
                    r#""stage":"{stage}","verdict":"{verdict}","reason":"r","startedAt":"2026-11-23T10:00:02.000Z","metrics":[{{"name":"errors","comparison":"max-ratio","limit":1.5,"value":0.05,"verdict":"{verdict}","samples":[{{"timestamp":"t","value":0.05}}]}}]"#
                ),
            )
        };
        let text = [
            triggered("r1", "2026-11-23T10:00:00.000Z", "Prod"),
            analysis("Canary", "failed"),
            analysis("Canary", "failed"),
            analysis("Half", "inconclusive"),
        ]
        .join("\n");
        let state = fold_all(&lines(&text)).unwrap();
        let kept: Vec<(&str, Verdict)> = state
            .analysis_results
            .iter()
            .map(|a| (a.stage.as_str(), a.verdict))
            .collect();
        assert_eq!(
            kept,
            [("Canary", Verdict::Failed), ("Half", Verdict::Inconclusive)]
        );
        assert_eq!(state.analysis_results[0].metrics[0].value, Some(0.05));
    }

    #[test]
    fn folding_the_same_journal_twice_gives_the_same_state() {
        let first = fold_all(&lines(&journal())).unwrap();
        let second = fold_all(&lines(&journal())).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn another_rollout_is_refused_while_one_is_unfinished() {
        let mut state = fold_all(&lines(&triggered(
            "r1",
            "2026-11-23T10:00:00.000Z",
            "Staging",
        )))
        .unwrap();
        let intruder = lines(&event(
            "stage.started",
            "r2",
            "2026-11-23T10:00:01.000Z",
            r#""stage":"X","index":0,"regions":[]"#,
        ));
        let error = state.fold_line(&intruder[0]).unwrap_err();
        assert_eq!(error.exit().code(), 2);
        assert!(
            error
                .to_string()
                .contains("belongs to rollout r2, but rollout r1 is still InProgress"),
            "{error}"
        );
        let second_trigger = lines(&triggered("r2", "2026-11-23T10:00:01.000Z", "Prod"));
        assert!(
            state.fold_line(&second_trigger[0]).is_err(),
            "a new trigger while r1 runs is refused too"
        );
    }

    #[test]
    fn a_new_rollout_after_the_old_one_ended_starts_a_fresh_state() {
        let mut text = journal();
        text.push('\n');
        text.push_str(&triggered("r2", "2026-11-23T11:00:00.000Z", "Prod"));
        let state = fold_all(&lines(&text)).unwrap();
        assert_eq!(state.rollout_id.as_deref(), Some("r2"));
        assert_eq!(state.overall_status, OverallStatus::InProgress);
        assert!(state.errors.is_empty() && state.wait_actions.is_empty());
        assert_eq!(state.phase, Phase::Production);
    }

    #[test]
    fn preflight_gates_before_the_first_rollout_are_kept() {
        let text = [
            r#"{"v":1,"kind":"gate.passed","ts":"2026-11-23T09:59:00.000Z","source":"test","gate":"approved","reason":"ok"}"#.to_owned(),
            triggered("r1", "2026-11-23T10:00:00.000Z", "Staging"),
        ]
        .join("\n");
        let state = fold_all(&lines(&text)).unwrap();
        assert_eq!(state.gates.len(), 1);
        assert_eq!(state.phase, Phase::Staging);
    }

    #[test]
    fn a_watchers_events_without_a_trigger_adopt_their_rollout() {
        let text = event(
            "stage.completed",
            "r7",
            "2026-11-23T10:00:03.000Z",
            r#""stage":"Canary","index":0,"regions":["eastus"],"endpoints":[],"durationMs":1"#,
        );
        let state = fold_all(&lines(&text)).unwrap();
        assert_eq!(state.rollout_id.as_deref(), Some("r7"));
        assert_eq!(state.overall_status, OverallStatus::InProgress);
        assert_eq!(state.stages[0].status, StageStatus::Completed);
    }

    #[test]
    fn completion_moves_the_release_phase_on() {
        let text = [
            triggered("r1", "2026-11-23T10:00:00.000Z", "Staging"),
            event(
                "rollout.completed",
                "r1",
                "2026-11-23T10:01:00.000Z",
                r#""overallStatus":"Completed","durationMs":1,"deployedRegions":[],"errors":[]"#,
            ),
        ]
        .join("\n");
        assert_eq!(fold_all(&lines(&text)).unwrap().phase, Phase::Soaking);
        let rolled_back = format!(
            "{text}\n{}",
            event(
                "rollback.completed",
                "r1",
                "2026-11-23T10:02:00.000Z",
                r#""reason":"PDV failure""#
            )
        );
        let state = fold_all(&lines(&rolled_back)).unwrap();
        assert_eq!(
            (state.overall_status, state.phase),
            (OverallStatus::RolledBack, Phase::RolledBack)
        );
    }
}
