//! What this machine remembers of rollouts it started on a remote engine (EV2, Azure DevOps):
//! `.sentinel/rollouts/<rolloutId>/record.json`. The remote engine is the truth about a
//! rollout's progress; the record keeps what it does not tell back — what was asked for
//! (for `rollout.triggered` on a resume) and which rollouts of a service may still run (for
//! idempotent triggering).

use super::StartRequest;
use super::local::{read_json, write_json};
use sentinel_core::config::ProviderKind;
use sentinel_core::error::{Error, Result};
use sentinel_core::events::{RolloutTriggered, StageInfo};
use sentinel_core::files::{ROLLOUTS_DIR, StatePaths};
use sentinel_core::rollout_id::RolloutId;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The file name of a record in its rollout's directory.
pub const RECORD_FILE: &str = "record.json";

/// One rollout started on a remote engine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutRecord {
    pub rollout_id: String,
    pub provider: ProviderKind,
    #[serde(flatten)]
    pub request: StartRequest,
    /// Where the engine was reached (EV2 endpoint, Azure DevOps organization/project).
    pub endpoint: String,
    /// Stages as far as they are known (from the engine's first status).
    #[serde(default)]
    pub stages: Vec<StageInfo>,
    pub created: String,
    /// Set once a status showed the rollout ended; such rollouts are not asked about again.
    #[serde(default)]
    pub finished: bool,
    /// Azure DevOps: the pipeline the run belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<u64>,
    /// A link to the rollout in the engine's portal, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard_url: Option<String>,
}

impl RolloutRecord {
    /// The `rollout.triggered` payload of this rollout.
    pub fn triggered(&self) -> RolloutTriggered {
        RolloutTriggered {
            service_group_name: self.request.service_group_name.clone(),
            service_id: self.request.service_id.clone(),
            environment: self.request.environment.clone(),
            stage_map_name: self.request.stage_map_name.clone(),
            stage_map_version: self.request.stage_map_version.clone(),
            artifact_version: self.request.artifact_version.clone(),
            provider: self.provider,
            stages: self.stages.clone(),
            dashboard_url: self.dashboard_url.clone(),
            resumed: false,
            artifact_version_source: None,
            dry_run: false,
        }
    }
}

/// The records of one state directory.
#[derive(Debug, Clone)]
pub struct RecordStore {
    paths: StatePaths,
    root: PathBuf,
}

impl RecordStore {
    pub fn new(paths: &StatePaths) -> Self {
        RecordStore {
            paths: paths.clone(),
            root: paths.dir.join(ROLLOUTS_DIR),
        }
    }

    fn path(&self, rollout_id: &str) -> Result<PathBuf> {
        // Ids come from remote engines and the command line: never let one name a path.
        let id = RolloutId::parse(rollout_id, "rollout id")?;
        Ok(self.paths.rollout_dir(&id).join(RECORD_FILE))
    }

    /// Write (or rewrite) a record atomically.
    pub fn save(&self, record: &RolloutRecord) -> Result<()> {
        let id = RolloutId::parse(&record.rollout_id, "rollout id")?;
        let dir = self.paths.create_rollout_dir(&id, "")?;
        write_json(&dir.join(RECORD_FILE), record)
    }

    /// The record of a rollout, if this machine started it.
    pub fn load(&self, rollout_id: &str) -> Option<RolloutRecord> {
        let path = self.path(rollout_id).ok()?;
        path.exists().then(|| read_json(&path).ok()).flatten()
    }

    /// Records of `provider` for this service and environment not known to have ended,
    /// oldest first.
    pub fn unfinished(
        &self,
        provider: ProviderKind,
        service_group_name: &str,
        environment: &str,
    ) -> Vec<RolloutRecord> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut found: Vec<RolloutRecord> = entries
            .flatten()
            .filter_map(|entry| read_json::<RolloutRecord>(&entry.path().join(RECORD_FILE)).ok())
            .filter(|r| {
                r.provider == provider
                    && !r.finished
                    && r.request.service_group_name == service_group_name
                    && r.request.environment.eq_ignore_ascii_case(environment)
            })
            .collect();
        found.sort_by(|a, b| a.created.cmp(&b.created));
        found
    }
}

impl RecordStore {
    /// Recorded rollouts of `provider` for this service and environment that `status` (the
    /// remote engine, the truth) says have not ended.
    pub fn still_running(
        &self,
        provider: ProviderKind,
        service_group_name: &str,
        environment: &str,
        status: impl Fn(&str) -> Result<super::RolloutSnapshot>,
    ) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for record in self.unfinished(provider, service_group_name, environment) {
            if !status(&record.rollout_id)?.overall_status.is_terminal() {
                ids.push(record.rollout_id);
            }
        }
        Ok(ids)
    }

    /// The `rollout.triggered` payload of a rollout started from this state directory.
    pub fn triggered(&self, rollout_id: &str) -> Result<RolloutTriggered> {
        self.load(rollout_id).map(|r| r.triggered()).ok_or_else(|| {
            Error::usage(format!(
                "rollout {rollout_id} was not started from this state directory; pass --state-dir where it was"
            ))
        })
    }
}

/// What `rollback` and `resume` answer for a rollout that runs on a remote engine, which can
/// neither be undone nor restarted from here.
pub fn remote_only(provider: ProviderKind, verb: &str, rollout_id: &str) -> Error {
    let engine = match provider {
        ProviderKind::Ev2 => "EV2",
        ProviderKind::Ado => "Azure DevOps",
        ProviderKind::Local => "the local engine",
    };
    let flag = provider.as_str();
    match verb {
        "rollback" => Error::usage_with_hint(
            format!(
                "{engine} has no rollback call: rollout {rollout_id} cannot be undone from here"
            ),
            format!(
                "roll forward to the last good version instead: sentinel-trigger --provider {flag} --artifact-version LAST_GOOD --new"
            ),
        ),
        _ => Error::usage_with_hint(
            format!(
                "rollout {rollout_id} runs in {engine}, not on this machine: there is no engine to {verb}"
            ),
            format!("follow it with sentinel-watch --provider {flag} --rollout-id {rollout_id}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, environment: &str, created: &str) -> RolloutRecord {
        RolloutRecord {
            rollout_id: id.into(),
            provider: ProviderKind::Ev2,
            request: StartRequest {
                service_group_name: "Contoso.Orders".into(),
                environment: environment.into(),
                artifact_version: "1.4.2".into(),
                ..Default::default()
            },
            endpoint: "Test".into(),
            created: created.into(),
            ..Default::default()
        }
    }

    #[test]
    fn unfinished_records_of_a_service_and_environment_come_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecordStore::new(&StatePaths::new(dir.path()));
        store
            .save(&record("r2", "PPE", "2026-11-23T10:00:00.000Z"))
            .unwrap();
        store
            .save(&record("r1", "ppe", "2026-11-23T09:00:00.000Z"))
            .unwrap();
        store
            .save(&record("r3", "Prod", "2026-11-23T08:00:00.000Z"))
            .unwrap();
        let mut done = record("r4", "PPE", "2026-11-23T07:00:00.000Z");
        done.finished = true;
        store.save(&done).unwrap();
        let ids: Vec<String> = store
            .unfinished(ProviderKind::Ev2, "Contoso.Orders", "PPE")
            .into_iter()
            .map(|r| r.rollout_id)
            .collect();
        assert_eq!(ids, vec!["r1", "r2"]);
        assert!(
            store
                .unfinished(ProviderKind::Ado, "Contoso.Orders", "PPE")
                .is_empty()
        );
        assert_eq!(store.load("r2").unwrap().request.artifact_version, "1.4.2");
        assert_eq!(
            store.load("r2").unwrap().triggered().provider,
            ProviderKind::Ev2
        );
    }

    #[test]
    fn a_rollout_id_cannot_name_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecordStore::new(&StatePaths::new(dir.path()));
        for id in ["../x", "a/b", "", ".hidden"] {
            assert!(store.save(&record(id, "PPE", "t")).is_err(), "{id}");
        }
        assert!(store.load("../../etc").is_none());
    }
}
