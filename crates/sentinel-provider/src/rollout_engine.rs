//! The local rollout engine: a detached process that carries out one rollout's plan and
//! survives the death of whoever started or watches it.
//!
//! For each stage in order: wait for approval when the stage asks for it, run `deploy` for
//! each region (`sh -c`, in the directory `sentinel-trigger` was started in, with
//! `{version} {stage} {region} {percent}` substituted as quoted shell words and also given as
//! `SENTINEL_VERSION`, `SENTINEL_STAGE`, `SENTINEL_REGION`, `SENTINEL_PERCENT`,
//! `SENTINEL_ROLLOUT_ID`), wait for `healthUrl` to answer 2xx,
//! complete the stage, hold its `soak`. Control requests (approve, reject, cancel, rollback)
//! are files in `control/`, checked every 200 ms. Deploy and rollback commands must be
//! idempotent: a resumed engine re-runs the stage it was in.

use super::local::{LocalPlan, read_json, write_json};
use super::{
    OverallStatus, RolloutSnapshot, StageSnapshot, StageStatus, WaitAction, WaitActionStatus,
};
use fs2::FileExt;
use sentinel_core::clock::now_rfc3339;
use sentinel_core::error::{Error, Result};
use sentinel_core::events::ErrorDetail;
use sentinel_core::output::{Logger, OutputArgs};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How often the engine looks at its control files and writes a heartbeat.
const TICK: Duration = Duration::from_millis(200);
/// How long a stage's health check may take when the stage does not say.
const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of a failed command's output quoted in the error.
const TAIL_LINES: usize = 20;

/// Why the deploy loop stopped early.
enum Stop {
    Cancelled(String),
    Rollback,
    Failed,
}

struct Engine {
    dir: PathBuf,
    plan: LocalPlan,
    status: RolloutSnapshot,
    logger: Logger,
    last_save: Instant,
}

/// Run the engine for the rollout in `dir` until the rollout ends.
pub fn run_engine(dir: &Path) -> Result<()> {
    // One engine per rollout: a second one (a resume racing a rollback) waits its turn.
    let lock_path = dir.join("engine.lock");
    let lock = sentinel_core::nofollow::open(
        sentinel_core::nofollow::options()
            .create(true)
            .truncate(false)
            .write(true),
        &lock_path,
        "opening",
    )?;
    lock.lock_exclusive()
        .map_err(|e| Error::io("locking", &lock_path, e))?;

    let plan: LocalPlan = read_json(&dir.join("plan.json"))?;
    check_plan(&plan)?;
    let status = match read_json::<RolloutSnapshot>(&dir.join("status.json")) {
        Ok(status) => status,
        Err(_) => initial_status(&plan),
    };
    let mut engine = Engine {
        dir: dir.to_owned(),
        plan,
        status,
        logger: Logger::for_tool("sentinel-engine", &OutputArgs::default()),
        last_save: Instant::now(),
    };
    engine.status.pid = Some(std::process::id());
    engine.save()?;
    engine.logger.info(&format!(
        "engine started for rollout {}",
        engine.plan.rollout_id
    ));

    loop {
        if engine.take_request("rollback").is_some() {
            engine.rollback()?;
        } else if !engine.status.overall_status.is_terminal() {
            match engine.deploy() {
                Ok(()) => {}
                Err(Stop::Rollback) => continue,
                Err(Stop::Cancelled(reason)) => engine.finish_cancelled(&reason)?,
                Err(Stop::Failed) => {}
            }
        }
        // Say we are leaving before the last look at the control files: a rollback asked for
        // after this moment finds no live engine and starts a new one.
        engine.status.pid = None;
        engine.save()?;
        if engine.dir.join("control/rollback").exists() {
            engine.status.pid = Some(std::process::id());
            continue;
        }
        engine.logger.info(&format!(
            "engine finished: {}",
            engine.status.overall_status.as_str()
        ));
        return Ok(());
    }
}

/// The engine runs the plan's commands, so it checks what `sentinel-trigger` checked before
/// writing it: a plan file edited by hand (or by an attacker) gets no further than a
/// trigger would.
fn check_plan(plan: &LocalPlan) -> Result<()> {
    sentinel_core::versions::check_version(
        &plan.request.artifact_version,
        sentinel_core::versions::VersionSource::Config,
    )?;
    let config = sentinel_core::config::DeploymentConfig {
        stages: plan.stages.clone(),
        ..Default::default()
    };
    let problems = config.problems(&[]);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "the plan of rollout {} is not valid: {}",
            plan.rollout_id,
            problems.join("; ")
        )))
    }
}

fn initial_status(plan: &LocalPlan) -> RolloutSnapshot {
    RolloutSnapshot {
        rollout_id: plan.rollout_id.clone(),
        overall_status: OverallStatus::InProgress,
        stages: plan
            .stages
            .iter()
            .map(|s| StageSnapshot {
                name: s.name.clone(),
                regions: s.regions.clone(),
                endpoints: s.endpoints.clone(),
                traffic_percent: s.traffic_percent,
                ..Default::default()
            })
            .collect(),
        started: Some(now_rfc3339()),
        ..Default::default()
    }
}

impl Engine {
    fn save(&mut self) -> Result<()> {
        let now = now_rfc3339();
        self.status.heartbeat = Some(now.clone());
        self.status.last_update_time = Some(now);
        self.last_save = Instant::now();
        write_json(&self.dir.join("status.json"), &self.status)
    }

    fn save_or_fail(&mut self) -> std::result::Result<(), Stop> {
        self.save().map_err(|e| {
            self.logger.error(&format!("cannot write status: {e}"));
            Stop::Failed
        })
    }

    /// Read and remove a control request.
    fn take_request(&self, name: &str) -> Option<String> {
        let path = self.dir.join("control").join(name);
        let content = sentinel_core::nofollow::read_to_string(&path).ok()?;
        let _ = std::fs::rename(&path, self.dir.join("control").join(format!("{name}.done")));
        Some(content)
    }

    /// Between steps: act on cancel and rollback requests, keep the heartbeat fresh.
    fn checkpoint(&mut self) -> std::result::Result<(), Stop> {
        if self.dir.join("control/rollback").exists() {
            return Err(Stop::Rollback);
        }
        if let Some(reason) = self.take_request("cancel") {
            return Err(Stop::Cancelled(if reason.is_empty() {
                "cancelled".into()
            } else {
                reason
            }));
        }
        if self.last_save.elapsed() >= Duration::from_secs(1) {
            self.save_or_fail()?;
        }
        Ok(())
    }

    fn wait(&mut self, duration: Duration) -> std::result::Result<(), Stop> {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            self.checkpoint()?;
            std::thread::sleep(TICK.min(until.saturating_duration_since(Instant::now())));
        }
        Ok(())
    }

    fn deploy(&mut self) -> std::result::Result<(), Stop> {
        for index in 0..self.plan.stages.len() {
            if self.status.stages[index].status == StageStatus::Completed {
                continue;
            }
            self.checkpoint()?;
            let stage = self.plan.stages[index].clone();
            if stage.approval {
                self.await_approval(index)?;
            }
            self.status.overall_status = OverallStatus::InProgress;
            self.status.current_stage = Some(stage.name.clone());
            let snapshot = &mut self.status.stages[index];
            snapshot.status = StageStatus::InProgress;
            snapshot.start_time = Some(now_rfc3339());
            snapshot.end_time = None;
            snapshot.errors.clear();
            self.save_or_fail()?;
            self.logger.info(&format!("stage {} started", stage.name));

            let regions = if stage.regions.is_empty() {
                vec![String::new()]
            } else {
                stage.regions.clone()
            };
            if let Some(deploy) = &stage.deploy {
                for region in &regions {
                    self.checkpoint()?;
                    if let Err(message) = self.run_command(
                        "deploy",
                        deploy,
                        &stage.name,
                        region,
                        stage.traffic_percent,
                    ) {
                        return self.fail_stage(index, "DeployFailed", message);
                    }
                }
            }
            if let Some(url) = &stage.health_url {
                let limit = stage.health_timeout.map_or(DEFAULT_HEALTH_TIMEOUT, |d| d.0);
                if let Err(message) = self.await_health(url, limit)? {
                    return self.fail_stage(index, "HealthCheckFailed", message);
                }
            }
            let snapshot = &mut self.status.stages[index];
            snapshot.status = StageStatus::Completed;
            snapshot.end_time = Some(now_rfc3339());
            self.save_or_fail()?;
            self.logger.info(&format!("stage {} completed", stage.name));
            if let Some(soak) = stage.soak {
                self.wait(soak.0)?;
            }
        }
        self.status.overall_status = OverallStatus::Completed;
        self.status.finished = Some(now_rfc3339());
        self.save_or_fail()
    }

    fn fail_stage(
        &mut self,
        index: usize,
        code: &str,
        message: String,
    ) -> std::result::Result<(), Stop> {
        let stage_name = self.status.stages[index].name.clone();
        let error = ErrorDetail {
            error_code: Some(code.into()),
            message,
            stage: Some(stage_name.clone()),
        };
        self.logger
            .error(&format!("stage {stage_name} failed: {}", error.message));
        let snapshot = &mut self.status.stages[index];
        snapshot.status = StageStatus::Failed;
        snapshot.end_time = Some(now_rfc3339());
        snapshot.errors.push(error.clone());
        self.status.errors.push(error);
        self.status.overall_status = OverallStatus::Failed;
        self.status.finished = Some(now_rfc3339());
        self.save_or_fail()?;
        Err(Stop::Failed)
    }

    fn await_approval(&mut self, index: usize) -> std::result::Result<(), Stop> {
        let stage = self.plan.stages[index].name.clone();
        let action_id = self.plan.stages[index].approval_action_id();
        match self
            .status
            .wait_actions
            .iter()
            .find(|a| a.action_id == action_id)
        {
            Some(action) if action.status == WaitActionStatus::Approved => return Ok(()),
            Some(_) => {}
            None => self.status.wait_actions.push(WaitAction {
                action_id: action_id.clone(),
                stage: stage.clone(),
                reason: format!("stage {stage} needs approval before it deploys"),
                status: WaitActionStatus::Pending,
                waiting_since: now_rfc3339(),
                decided_by: None,
                outcome: None,
            }),
        }
        self.status.overall_status = OverallStatus::WaitingForApproval;
        self.status.current_stage = Some(stage.clone());
        self.save_or_fail()?;
        loop {
            self.checkpoint()?;
            let approved = self.take_request(&format!("approve-{action_id}"));
            let rejected = self.take_request(&format!("reject-{action_id}"));
            if approved.is_some() || rejected.is_some() {
                let Some(action) = self
                    .status
                    .wait_actions
                    .iter_mut()
                    .find(|a| a.action_id == action_id)
                else {
                    return Err(Stop::Failed);
                };
                if let Some(by) = approved {
                    action.status = WaitActionStatus::Approved;
                    action.decided_by = Some(by);
                    self.status.overall_status = OverallStatus::InProgress;
                    self.save_or_fail()?;
                    return Ok(());
                }
                action.status = WaitActionStatus::Rejected;
                let reason = rejected.unwrap_or_default();
                return Err(Stop::Cancelled(format!(
                    "approval {action_id} rejected: {reason}"
                )));
            }
            std::thread::sleep(TICK);
        }
    }

    /// `Ok(Ok(()))` healthy, `Ok(Err(why))` not within `limit`, `Err` stopped by a request.
    fn await_health(
        &mut self,
        url: &str,
        limit: Duration,
    ) -> std::result::Result<std::result::Result<(), String>, Stop> {
        let accept = |status: u16, _: &str| {
            if (200..300).contains(&status) {
                Ok(())
            } else {
                Err(format!("HTTP {status}"))
            }
        };
        let probe =
            sentinel_core::http::probe(url, limit, Duration::from_secs(1), accept, |delay| {
                self.wait(delay)
            })?;
        Ok(match probe.failure {
            None => Ok(()),
            Some(last) => Err(format!(
                "health check {} did not answer 2xx within {} ({} attempts; last: {last})",
                sentinel_core::redact::redact_url(url),
                sentinel_core::clock::format_duration(limit),
                probe.attempts
            )),
        })
    }

    /// Run a stage command for one region; its output goes to a log file whose last lines
    /// become the error when it fails.
    fn run_command(
        &mut self,
        what: &str,
        template: &str,
        stage: &str,
        region: &str,
        percent: Option<u32>,
    ) -> std::result::Result<(), String> {
        let percent_text = percent.unwrap_or(100).to_string();
        let command = sentinel_core::shell::substitute(
            template,
            &[
                ("version", &self.plan.request.artifact_version),
                ("stage", stage),
                ("region", region),
                ("percent", &percent_text),
            ],
        );
        let safe = |s: &str| {
            s.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>()
        };
        let log_path = self
            .dir
            .join(format!("{what}-{}-{}.log", safe(stage), safe(region)));
        self.logger
            .info(&format!("{what} {stage} {region}: {command}"));
        // A file, not a pipe: a command that leaves a server running in the background would
        // hold a pipe open and make us wait for that server to exit.
        let output =
            sentinel_core::nofollow::create(&log_path, "creating").map_err(|e| e.to_string())?;
        let output_err = output.try_clone().map_err(|e| e.to_string())?;
        // Its own process group, recorded in the status: should this engine be killed, a
        // resumed one can see that the command (and whatever it started) still runs.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(&self.plan.workdir)
            .env("SENTINEL_ROLLOUT_ID", &self.plan.rollout_id)
            .env("SENTINEL_VERSION", &self.plan.request.artifact_version)
            .env("SENTINEL_STAGE", stage)
            .env("SENTINEL_REGION", region)
            .env("SENTINEL_PERCENT", &percent_text)
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(output_err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("{what} command for {stage} could not start: {e}"))?;
        self.status.running = Some(super::RunningCommand {
            pgid: child.id(),
            what: what.to_owned(),
            stage: stage.to_owned(),
            region: region.to_owned(),
            started: now_rfc3339(),
        });
        if let Err(e) = self.save() {
            self.logger
                .warn(&format!("cannot record the running command: {e}"));
        }
        let status = child
            .wait()
            .map_err(|e| format!("waiting for the {what} command for {stage}: {e}"))?;
        self.status.running = None;
        if let Err(e) = self.save() {
            self.logger
                .warn(&format!("cannot record the finished command: {e}"));
        }
        if status.success() {
            return Ok(());
        }
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
        let place = if region.is_empty() {
            String::new()
        } else {
            format!(" in {region}")
        };
        Err(format!(
            "{what} command for stage {stage}{place} exited with {}{}",
            status
                .code()
                .map_or_else(|| "a signal".to_owned(), |c| format!("status {c}")),
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        ))
    }

    fn finish_cancelled(&mut self, reason: &str) -> Result<()> {
        self.logger.warn(&format!("rollout cancelled: {reason}"));
        self.status.overall_status = OverallStatus::Cancelled;
        self.status.finished = Some(now_rfc3339());
        self.status.errors.push(ErrorDetail {
            error_code: Some("Cancelled".into()),
            message: reason.to_owned(),
            stage: self.status.current_stage.clone(),
        });
        for stage in &mut self.status.stages {
            if stage.status == StageStatus::NotStarted {
                stage.status = StageStatus::Cancelled;
            }
        }
        self.save()
    }

    /// Run the rollback commands of every stage that deployed anything, last first.
    fn rollback(&mut self) -> Result<()> {
        let reason =
            std::fs::read_to_string(self.dir.join("control/rollback.done")).unwrap_or_default();
        self.logger.warn(&format!("rolling back: {reason}"));
        self.status.rollback_reason = Some(reason);
        self.status.overall_status = OverallStatus::RollingBack;
        self.save()?;
        for index in (0..self.status.stages.len()).rev() {
            let deployed = matches!(
                self.status.stages[index].status,
                StageStatus::Completed | StageStatus::Failed | StageStatus::InProgress
            );
            if !deployed {
                continue;
            }
            let stage = self.plan.stages[index].clone();
            if let Some(rollback) = &stage.rollback {
                let regions = if stage.regions.is_empty() {
                    vec![String::new()]
                } else {
                    stage.regions.clone()
                };
                for region in regions.iter().rev() {
                    if let Err(message) = self.run_command(
                        "rollback",
                        rollback,
                        &stage.name,
                        region,
                        stage.traffic_percent,
                    ) {
                        self.status.errors.push(ErrorDetail {
                            error_code: Some("RollbackFailed".into()),
                            message,
                            stage: Some(stage.name.clone()),
                        });
                        self.status.overall_status = OverallStatus::Failed;
                        self.status.finished = Some(now_rfc3339());
                        return self.save();
                    }
                }
            }
            self.status.stages[index].status = StageStatus::RolledBack;
            self.save()?;
        }
        self.status.overall_status = OverallStatus::RolledBack;
        self.status.finished = Some(now_rfc3339());
        self.save()
    }
}
