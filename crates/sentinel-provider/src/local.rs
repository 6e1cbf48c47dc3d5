//! The `local` provider: rollouts carried out by a detached engine process on this machine
//! (see [`crate::rollout_engine`]), talking through files in `.sentinel/rollouts/<rolloutId>/`:
//! `plan.json` (what to do), `status.json` (written atomically by the engine after every
//! change and every second as a heartbeat), `control/` (approve, reject, cancel, rollback
//! requests the engine acts on within a second) and `engine.log`.

use super::{
    Discovered, Orphans, OverallStatus, Provider, RolloutSnapshot, RunningCommand, StartRequest,
    WaitActionStatus, require_pending,
};
use crate::git_tags::newest_tag_version;
use sentinel_core::atomic::write_atomic;
use sentinel_core::clock::{now_rfc3339, parse_rfc3339};
use sentinel_core::config::{ProviderKind, StageConfig};
use sentinel_core::error::{Error, Result};
use sentinel_core::events::{ErrorDetail, RolloutTriggered};
use sentinel_core::files::StatePaths;
use sentinel_core::lock::{pid_is_alive, process_group_is_alive};
use sentinel_core::output::Logger;
use sentinel_core::rollout_id::RolloutId;
use sentinel_core::versions::{VersionSource, check_version};
use serde::{Deserialize, Serialize};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

/// A heartbeat older than this from a live pid means the engine hangs.
pub const HEARTBEAT_STALE_AFTER: Duration = Duration::from_secs(30);

/// What the engine is asked to do, written once by `start`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalPlan {
    pub rollout_id: String,
    /// What was asked for: service, environment, versions, scopes.
    #[serde(flatten)]
    pub request: StartRequest,
    pub stages: Vec<StageConfig>,
    /// Deploy and rollback commands run here (where `sentinel-trigger` was started).
    pub workdir: PathBuf,
    pub created: String,
}

/// The `local` provider over one state directory.
#[derive(Debug, Clone)]
pub struct LocalProvider {
    paths: StatePaths,
    stages: Vec<StageConfig>,
    artifact_version: Option<(String, VersionSource)>,
    stage_map_version: Option<String>,
    logger: Logger,
    /// The program that runs the engine (`<exe> __engine <rollout dir>`).
    engine_exe: PathBuf,
    workdir: PathBuf,
}

impl LocalProvider {
    /// A provider for `state_dir` with the config's stages; the engine runs as
    /// `engine_exe __engine DIR`.
    pub fn new(
        state_dir: &Path,
        config: &sentinel_core::config::DeploymentConfig,
        engine_exe: PathBuf,
        workdir: PathBuf,
        logger: &Logger,
    ) -> Self {
        LocalProvider {
            paths: StatePaths::new(state_dir),
            stages: config.stages.clone(),
            artifact_version: config.artifact_version(),
            stage_map_version: config.stage_map_version.clone(),
            logger: logger.clone(),
            engine_exe,
            workdir,
        }
    }

    fn existing_dir(&self, rollout_id: &str) -> Result<PathBuf> {
        let id = RolloutId::parse(rollout_id, "rollout id")?;
        let dir = self.paths.existing_rollout_dir(&id)?;
        let Some(dir) = dir.filter(|dir| dir.join("plan.json").exists()) else {
            return Err(Error::usage_with_hint(
                format!(
                    "no local rollout {rollout_id:?} in {}",
                    self.paths
                        .dir
                        .join(sentinel_core::files::ROLLOUTS_DIR)
                        .display()
                ),
                "check --rollout-id and --state-dir (the rollout lives in the state directory it was started from)",
            ));
        };
        Ok(dir)
    }

    /// The plan of a rollout.
    pub fn plan(&self, rollout_id: &str) -> Result<LocalPlan> {
        read_json(&self.existing_dir(rollout_id)?.join("plan.json"))
    }

    fn spawn_engine(&self, dir: &Path) -> Result<u32> {
        let log_path = dir.join("engine.log");
        let log = sentinel_core::nofollow::open_append(&log_path, "opening engine log")?;
        let log_err = log
            .try_clone()
            .map_err(|e| Error::io("opening engine log", &log_path, e))?;
        let mut command = Command::new(&self.engine_exe);
        command
            .arg("__engine")
            .arg(dir)
            .current_dir(&self.workdir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        // SAFETY: setsid is async-signal-safe; it detaches the engine from our session and
        // terminal, so neither Ctrl-C in the pipeline nor a closed terminal stops the rollout.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| Error::io("starting the rollout engine", &self.engine_exe, e))?;
        Ok(child.id())
    }

    /// Start an engine and wait until it has taken over: its pid is in the status, or it
    /// acknowledged a rollback request. Callers that return before this would let a watcher
    /// read the previous engine's status.
    fn spawn_engine_and_wait(
        &self,
        dir: &Path,
        acknowledged: impl Fn(&RolloutSnapshot) -> bool,
    ) -> Result<()> {
        let pid = self.spawn_engine(dir)?;
        let deadline = SystemTime::now() + Duration::from_secs(10);
        loop {
            if let Ok(status) = read_json::<RolloutSnapshot>(&dir.join("status.json")) {
                if status.pid == Some(pid) || acknowledged(&status) {
                    return Ok(());
                }
            }
            if SystemTime::now() > deadline {
                return Err(Error::Internal(format!(
                    "the rollout engine (pid {pid}) did not take over within 10s; see {}",
                    dir.join("engine.log").display()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for_status(&self, dir: &Path) -> Result<()> {
        let deadline = SystemTime::now() + Duration::from_secs(10);
        while !dir.join("status.json").exists() {
            if SystemTime::now() > deadline {
                return Err(Error::Internal(format!(
                    "the rollout engine did not start within 10s; see {}",
                    dir.join("engine.log").display()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn request(&self, rollout_id: &str, name: &str, content: &str) -> Result<PathBuf> {
        let dir = self.existing_dir(rollout_id)?;
        let control = sentinel_core::nofollow::create_dirs(&dir, Path::new("control"))?;
        write_atomic(&control.join(name), content.as_bytes())?;
        Ok(dir)
    }

    fn require_unfinished(&self, rollout_id: &str) -> Result<RolloutSnapshot> {
        let snapshot = self.status(rollout_id)?;
        if snapshot.overall_status.is_terminal() {
            return Err(Error::CheckFailed(format!(
                "rollout {rollout_id} already ended: {}",
                snapshot.overall_status.as_str()
            )));
        }
        Ok(snapshot)
    }

    fn engine_alive(snapshot: &RolloutSnapshot) -> bool {
        snapshot.pid.is_some_and(pid_is_alive)
    }

    /// Approve or reject a pending wait action. A running engine takes the decision at its
    /// next step; wait until it has, so that what runs next (a watcher, a script that approves
    /// the following phase) sees the rollout moving on and not the wait it just left.
    fn decide(&self, rollout_id: &str, action_id: &str, verb: &str, note: &str) -> Result<()> {
        let snapshot = self.require_unfinished(rollout_id)?;
        require_pending(&snapshot, action_id)?;
        let dir = self.request(rollout_id, &format!("{verb}-{action_id}"), note)?;
        if !Self::engine_alive(&snapshot) {
            // `sentinel-trigger resume` starts an engine that finds the decision waiting.
            return Ok(());
        }
        wait_for_engine(&dir, rollout_id, verb, |s| {
            s.overall_status.is_terminal()
                || s.wait_actions
                    .iter()
                    .any(|a| a.action_id == action_id && a.status != WaitActionStatus::Pending)
        })
    }
}

impl LocalProvider {
    /// A stopped engine's deploy or rollback command may still run in its process group:
    /// starting the same step again beside it would deploy one region twice at once. Wait
    /// for it (saying so), or with [`Orphans::Kill`] end the group.
    fn settle_orphan(&self, running: &RunningCommand, orphans: Orphans) -> Result<()> {
        if !process_group_is_alive(running.pgid) {
            return Ok(());
        }
        let what = format!(
            "the {} command of stage {}{} (process group {}, started {}) that the stopped engine left running",
            running.what,
            running.stage,
            if running.region.is_empty() {
                String::new()
            } else {
                format!(" in {}", running.region)
            },
            running.pgid,
            running.started
        );
        match orphans {
            Orphans::Wait => {
                self.logger.warn(&format!(
                    "waiting for {what} to end before resuming (pass --kill-orphans to end it instead)"
                ));
                while process_group_is_alive(running.pgid) {
                    sentinel_core::signals::sleep(Duration::from_millis(200))?;
                }
            }
            Orphans::Kill => {
                self.logger.warn(&format!("ending {what} (--kill-orphans)"));
                let group = -(running.pgid as libc::pid_t);
                // SAFETY: signalling a process group we recorded as our command's.
                unsafe { libc::kill(group, libc::SIGTERM) };
                let deadline = SystemTime::now() + Duration::from_secs(10);
                while process_group_is_alive(running.pgid) && SystemTime::now() < deadline {
                    std::thread::sleep(Duration::from_millis(100));
                }
                if process_group_is_alive(running.pgid) {
                    // SAFETY: as above; it did not end on SIGTERM within 10 s.
                    unsafe { libc::kill(group, libc::SIGKILL) };
                }
            }
        }
        Ok(())
    }
}

/// The command that carries an interrupted rollout on, for messages and events.
pub fn resume_command(paths: &StatePaths, rollout_id: &str) -> String {
    let state_dir = if paths.dir == Path::new(".") {
        String::new()
    } else {
        format!(
            " --state-dir {}",
            sentinel_core::shell::quote(&paths.dir.display().to_string())
        )
    };
    format!("sentinel-trigger resume --rollout-id {rollout_id}{state_dir}")
}

/// Wait (at most 10 s) until the engine's status shows that it took a control request.
fn wait_for_engine(
    dir: &Path,
    rollout_id: &str,
    request: &str,
    taken: impl Fn(&RolloutSnapshot) -> bool,
) -> Result<()> {
    let deadline = SystemTime::now() + Duration::from_secs(10);
    while !read_json::<RolloutSnapshot>(&dir.join("status.json")).is_ok_and(|s| taken(&s)) {
        if SystemTime::now() > deadline {
            return Err(Error::Internal(format!(
                "the engine of rollout {rollout_id} did not take the {request} request within 10s; see {}",
                dir.join("engine.log").display()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

impl Provider for LocalProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Local
    }

    fn discover(&self, _request: &StartRequest) -> Result<Discovered> {
        let (artifact_version, artifact_version_source) = match &self.artifact_version {
            Some((version, source)) => {
                check_version(version, *source)?;
                (version.clone(), source.as_str().to_owned())
            }
            None => match newest_tag_version(&self.workdir, &mut |tag| {
                self.logger.warn(&format!(
                    "skipping git tag {:?}: it is not a clean semantic version (semver.org)",
                    sentinel_core::output::excerpt(tag, 80)
                ))
            }) {
                Some(v) => (v.to_string(), VersionSource::GitTag.as_str().to_owned()),
                None => {
                    return Err(Error::usage_with_hint(
                        "no artifact version to deploy",
                        "pass --artifact-version, set artifactVersion in the config, or tag a release (git tag v1.2.3)",
                    ));
                }
            },
        };
        Ok(Discovered {
            artifact_version,
            artifact_version_source,
            stage_map_version: self
                .stage_map_version
                .clone()
                .unwrap_or_else(|| "local".to_owned()),
        })
    }

    fn start(&self, request: &StartRequest) -> Result<String> {
        if self.stages.is_empty() {
            return Err(Error::usage_with_hint(
                "the local provider has no stages to deploy",
                sentinel_core::config::Field::Stages.where_found(),
            ));
        }
        let stages = stages_for(&self.stages, request)?;
        let id = RolloutId::parse(&uuid::Uuid::new_v4().to_string(), "new rollout id")?;
        let rollout_id = id.to_string();
        let dir = self.paths.create_rollout_dir(&id, "")?;
        self.paths.create_rollout_dir(&id, "control")?;
        let plan = LocalPlan {
            rollout_id: rollout_id.clone(),
            request: request.clone(),
            stages,
            workdir: self.workdir.clone(),
            created: now_rfc3339(),
        };
        write_json(&dir.join("plan.json"), &plan)?;
        self.spawn_engine(&dir)?;
        self.wait_for_status(&dir)?;
        Ok(rollout_id)
    }

    fn status(&self, rollout_id: &str) -> Result<RolloutSnapshot> {
        let dir = self.existing_dir(rollout_id)?;
        let path = dir.join("status.json");
        let mut snapshot: RolloutSnapshot = match read_json(&path) {
            Ok(s) => s,
            // Written before the engine's first status: it is starting. (Nothing at all
            // there: a dangling symlink is not "starting", and read_json refused it.)
            Err(_) if std::fs::symlink_metadata(&path).is_err() => RolloutSnapshot {
                rollout_id: rollout_id.to_owned(),
                ..Default::default()
            },
            Err(e) => return Err(e),
        };
        if !snapshot.overall_status.is_terminal() {
            if let Some(pid) = snapshot.pid.filter(|pid| !pid_is_alive(*pid)) {
                // Not an end: the steps done are done, and resume carries on from there.
                let command = resume_command(&self.paths, rollout_id);
                snapshot.overall_status = OverallStatus::Interrupted;
                snapshot.errors.push(ErrorDetail {
                    error_code: Some("EngineStopped".into()),
                    message: format!(
                        "engine stopped unexpectedly (pid {pid}); carry the rollout on with `{command}`"
                    ),
                    stage: snapshot.current_stage.clone(),
                });
                snapshot.resume_command = Some(command);
            } else if let Some(age) = snapshot
                .heartbeat
                .as_deref()
                .and_then(|h| parse_rfc3339(h).ok())
                .and_then(|h| SystemTime::now().duration_since(h).ok())
                .filter(|age| *age > HEARTBEAT_STALE_AFTER)
            {
                snapshot.errors.push(ErrorDetail {
                    error_code: Some("EngineUnresponsive".into()),
                    message: format!("engine has not reported for {}s", age.as_secs()),
                    stage: snapshot.current_stage.clone(),
                });
            }
        }
        Ok(snapshot)
    }

    fn approve(&self, rollout_id: &str, action_id: &str, by: &str) -> Result<()> {
        self.decide(rollout_id, action_id, "approve", by)
    }

    fn reject(&self, rollout_id: &str, action_id: &str, reason: &str) -> Result<()> {
        self.decide(rollout_id, action_id, "reject", reason)
    }

    fn cancel(&self, rollout_id: &str, reason: &str) -> Result<()> {
        self.require_unfinished(rollout_id)?;
        self.request(rollout_id, "cancel", reason).map(|_| ())
    }

    fn rollback(&self, rollout_id: &str, reason: &str) -> Result<()> {
        let snapshot = self.status(rollout_id)?;
        if matches!(
            snapshot.overall_status,
            OverallStatus::RolledBack | OverallStatus::RollingBack
        ) {
            return Err(Error::CheckFailed(format!(
                "rollout {rollout_id} is already {}",
                snapshot.overall_status.as_str()
            )));
        }
        let dir = self.request(rollout_id, "rollback", reason)?;
        let rolling_back = |s: &RolloutSnapshot| {
            matches!(
                s.overall_status,
                OverallStatus::RollingBack | OverallStatus::RolledBack
            ) || s.rollback_reason.is_some()
        };
        // A finished or dead engine is not there to act on the request: start one that will.
        if !Self::engine_alive(&snapshot) {
            return self.spawn_engine_and_wait(&dir, rolling_back);
        }
        wait_for_engine(&dir, rollout_id, "rollback", rolling_back)
    }

    fn resume(&self, rollout_id: &str, orphans: Orphans) -> Result<()> {
        let dir = self.existing_dir(rollout_id)?;
        let raw: RolloutSnapshot = read_json(&dir.join("status.json")).unwrap_or_default();
        if raw.overall_status.is_terminal() {
            return Err(Error::CheckFailed(format!(
                "rollout {rollout_id} already ended: {}",
                raw.overall_status.as_str()
            )));
        }
        if Self::engine_alive(&raw) {
            return Err(Error::usage(format!(
                "the engine of rollout {rollout_id} is running (pid {}); nothing to resume",
                raw.pid.unwrap_or_default()
            )));
        }
        if let Some(running) = &raw.running {
            self.settle_orphan(running, orphans)?;
        }
        self.spawn_engine_and_wait(&dir, |_| false)
    }

    fn unfinished(&self, service_group_name: &str, environment: &str) -> Result<Vec<String>> {
        let root = self.paths.dir.join(sentinel_core::files::ROLLOUTS_DIR);
        let Ok(entries) = std::fs::read_dir(&root) else {
            return Ok(Vec::new());
        };
        let mut found: Vec<(String, String)> = Vec::new();
        for entry in entries.flatten() {
            let dir = entry.path();
            let (Ok(plan), Ok(status)) = (
                read_json::<LocalPlan>(&dir.join("plan.json")),
                read_json::<RolloutSnapshot>(&dir.join("status.json")),
            ) else {
                continue;
            };
            if plan.request.service_group_name == service_group_name
                && plan.request.environment.eq_ignore_ascii_case(environment)
                && !status.overall_status.is_terminal()
            {
                found.push((plan.created, plan.rollout_id));
            }
        }
        found.sort();
        Ok(found.into_iter().map(|(_, id)| id).collect())
    }

    fn describe(&self, rollout_id: &str) -> Result<RolloutTriggered> {
        let plan = self.plan(rollout_id)?;
        let request = plan.request;
        Ok(RolloutTriggered {
            service_group_name: request.service_group_name,
            service_id: request.service_id,
            environment: request.environment,
            stage_map_name: request.stage_map_name,
            stage_map_version: request.stage_map_version,
            artifact_version: request.artifact_version,
            provider: ProviderKind::Local,
            stages: plan.stages.iter().map(StageConfig::info).collect(),
            dashboard_url: None,
            resumed: false,
            artifact_version_source: None,
            dry_run: false,
        })
    }
}

/// The configured stages that a rollout of `request` deploys: those listing its environment
/// and strategy, or listing none.
pub fn stages_for(stages: &[StageConfig], request: &StartRequest) -> Result<Vec<StageConfig>> {
    let chosen: Vec<StageConfig> = stages
        .iter()
        .filter(|stage| stage.applies_to(&request.environment, request.strategy.as_deref()))
        .cloned()
        .collect();
    if chosen.is_empty() {
        let strategy = request
            .strategy
            .as_deref()
            .map(|s| format!(" with strategy {s}"))
            .unwrap_or_default();
        return Err(Error::usage_with_hint(
            format!(
                "no stage of the config deploys to environment {}{strategy}",
                request.environment
            ),
            "list the environment in a stage's \"environments\" (and the strategy in its \"strategies\"), or leave those lists out so the stage runs everywhere",
        ));
    }
    Ok(chosen)
}

/// Read a JSON file into `T`.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = sentinel_core::nofollow::read_to_string(path)
        .map_err(|e| sentinel_core::nofollow::error("reading", path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Internal(format!(
            "{} is not what this version wrote: {e}",
            path.display()
        ))
    })
}

/// Write `value` as JSON atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}
