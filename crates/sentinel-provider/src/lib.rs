//! `sentinel-provider`: rollout providers behind one interface — the embedded `local` engine
//! (a detached process, [`rollout_engine`]), EV2 (through its MCP server: [`mcp`] is the
//! client, [`vscode_mcp`] reads `.vscode/mcp.json`) and Azure DevOps — and version discovery
//! from git tags. Only `sentinel-trigger` (starts and steers rollouts) and `sentinel-watch`
//! (reads their status) use it, so the other tools do not link git2, libgit2 or an MCP client.

pub mod ado;
pub mod ev2;
pub mod git_tags;
pub mod local;
pub mod mcp;
pub mod record;
pub mod rollout_engine;
pub mod vscode_mcp;

use sentinel_core::config::ProviderKind;
use sentinel_core::error::{Error, Result};
use sentinel_core::events::{ErrorDetail, RolloutTriggered};
use serde::{Deserialize, Serialize};

/// A wait action (approval) as a provider reports it: the same record the state file keeps.
pub use sentinel_core::state_file::WaitAction;
pub use sentinel_core::status::{OverallStatus, StageStatus, WaitActionStatus};

/// One stage as a provider reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageSnapshot {
    pub name: String,
    pub status: StageStatus,
    pub regions: Vec<String>,
    /// URLs to verify once the stage is deployed.
    pub endpoints: Vec<String>,
    pub traffic_percent: Option<u32>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub errors: Vec<ErrorDetail>,
}

/// Everything a watcher needs to know about a rollout at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutSnapshot {
    pub rollout_id: String,
    pub overall_status: OverallStatus,
    pub current_stage: Option<String>,
    pub stages: Vec<StageSnapshot>,
    pub wait_actions: Vec<WaitAction>,
    pub errors: Vec<ErrorDetail>,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub last_update_time: Option<String>,
    /// The reason a rollback was asked for, once one was.
    pub rollback_reason: Option<String>,
    /// Local engine only: its pid and last sign of life.
    pub pid: Option<u32>,
    pub heartbeat: Option<String>,
    /// Local engine only: the deploy or rollback command running now, in its own process
    /// group, so a resumed engine can tell whether a killed engine's command goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<RunningCommand>,
    /// With [`OverallStatus::Interrupted`]: the command that carries the rollout on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_command: Option<String>,
}

/// A stage command the local engine started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningCommand {
    /// The process group (its leader's pid): the command and everything it started.
    pub pgid: u32,
    /// `deploy` or `rollback`.
    pub what: String,
    pub stage: String,
    pub region: String,
    pub started: String,
}

/// What `resume` does about a stage command that a stopped engine left running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orphans {
    /// Wait for it to end, saying so.
    Wait,
    /// End its process group (SIGTERM, then SIGKILL after 10 s).
    Kill,
}

impl RolloutSnapshot {
    /// Regions of completed stages.
    pub fn deployed_regions(&self) -> Vec<String> {
        let mut regions = Vec::new();
        for stage in self
            .stages
            .iter()
            .filter(|s| s.status == StageStatus::Completed)
        {
            for region in &stage.regions {
                if !regions.contains(region) {
                    regions.push(region.clone());
                }
            }
        }
        regions
    }

    /// Regions not deployed yet.
    pub fn pending_regions(&self) -> Vec<String> {
        let deployed = self.deployed_regions();
        let mut regions = Vec::new();
        for stage in &self.stages {
            for region in &stage.regions {
                if !deployed.contains(region) && !regions.contains(region) {
                    regions.push(region.clone());
                }
            }
        }
        regions
    }
}

/// What a provider needs to start a rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartRequest {
    pub service_group_name: String,
    pub service_id: String,
    pub environment: String,
    pub stage_map_name: String,
    pub stage_map_version: String,
    pub artifact_version: String,
    pub selection_scope: Vec<String>,
    pub exclusion_scope: Vec<String>,
    /// `--strategy`: which of the config's stages a local rollout deploys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
}

/// Versions found by discovery, and where they came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    pub artifact_version: String,
    /// `flag`, `config`, `git-tag` or `provider`.
    pub artifact_version_source: String,
    pub stage_map_version: String,
}

/// A rollout engine: the local one, EV2 or Azure DevOps.
pub trait Provider {
    /// `local`, `ev2` or `ado`.
    fn kind(&self) -> ProviderKind;
    /// The artifact and stage-map versions to deploy when none was given.
    fn discover(&self, request: &StartRequest) -> Result<Discovered>;
    /// Start a rollout; returns its id.
    fn start(&self, request: &StartRequest) -> Result<String>;
    /// The rollout's current status.
    fn status(&self, rollout_id: &str) -> Result<RolloutSnapshot>;
    /// Approve a pending wait action.
    fn approve(&self, rollout_id: &str, action_id: &str, by: &str) -> Result<()>;
    /// Reject a pending wait action; the rollout is cancelled.
    fn reject(&self, rollout_id: &str, action_id: &str, reason: &str) -> Result<()>;
    /// Stop the rollout before its next step.
    fn cancel(&self, rollout_id: &str, reason: &str) -> Result<()>;
    /// Undo the deployed stages in reverse order. Remote engines (EV2, Azure DevOps) have no
    /// such call: by default this says so and how to roll forward instead.
    fn rollback(&self, rollout_id: &str, reason: &str) -> Result<()> {
        let _ = reason;
        Err(record::remote_only(self.kind(), "rollback", rollout_id))
    }
    /// Restart a rollout whose engine stopped, at its first unfinished step. Remote engines
    /// carry on by themselves: by default this says so.
    fn resume(&self, rollout_id: &str, orphans: Orphans) -> Result<()> {
        let _ = orphans;
        Err(record::remote_only(self.kind(), "restart", rollout_id))
    }
    /// Where a remote engine's provider keeps what it started
    /// (`.sentinel/rollouts/<id>/record.json`); the local engine keeps its own status instead.
    fn records(&self) -> Option<&record::RecordStore> {
        None
    }
    /// Unfinished rollouts of this service and environment (for idempotent triggering): by
    /// default the recorded ones the engine still reports running.
    fn unfinished(&self, service_group_name: &str, environment: &str) -> Result<Vec<String>> {
        self.recorded()?
            .still_running(self.kind(), service_group_name, environment, |id| {
                self.status(id)
            })
    }
    /// What was started: the `rollout.triggered` payload of an existing rollout (by default
    /// from its record).
    fn describe(&self, rollout_id: &str) -> Result<RolloutTriggered> {
        self.recorded()?.triggered(rollout_id)
    }
    /// [`Provider::records`], for the defaults that need them.
    #[doc(hidden)]
    fn recorded(&self) -> Result<&record::RecordStore> {
        self.records().ok_or_else(|| {
            Error::Internal(format!(
                "the {} provider keeps no rollout records",
                self.kind().as_str()
            ))
        })
    }
}

/// The program that runs local engines: `sentinel-trigger`, found beside the running tool.
pub fn engine_program() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|_| "sentinel-trigger".into());
    if exe.file_name().is_some_and(|n| n == "sentinel-trigger") {
        exe
    } else {
        exe.with_file_name("sentinel-trigger")
    }
}

/// Flags that say how to reach a remote provider (`sentinel-trigger`, `sentinel-watch`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProviderArgs {
    /// Command that starts the EV2 MCP server, e.g. 'dnx Ev2.Mcp.Server --yes' [default: the
    /// config's ev2.mcpCommand, else .vscode/mcp.json].
    #[arg(long, value_name = "COMMAND")]
    pub mcp_command: Option<String>,

    /// The entry of .vscode/mcp.json to start [default: the one whose name contains "ev2"].
    #[arg(long, value_name = "NAME")]
    pub mcp_server: Option<String>,

    /// No remote call is retried past this moment (sentinel-watch --timeout sets it), so a
    /// throttling service cannot stretch a bounded watch.
    #[arg(skip)]
    pub deadline: Option<std::time::SystemTime>,
}

/// Open the provider the config names, for the rollouts of `state_dir`; deploy commands of
/// the local provider run in `workdir`, where `.vscode/mcp.json` is also looked for.
pub fn open(
    config: &sentinel_core::config::DeploymentConfig,
    state_dir: &std::path::Path,
    workdir: &std::path::Path,
    flags: &ProviderArgs,
    logger: &sentinel_core::output::Logger,
) -> Result<Box<dyn Provider>> {
    match config.provider() {
        ProviderKind::Local => Ok(Box::new(local::LocalProvider::new(
            state_dir,
            config,
            engine_program(),
            workdir.to_owned(),
            logger,
        ))),
        ProviderKind::Ev2 => {
            let server = crate::ev2::find_server(
                flags.mcp_command.as_deref(),
                flags.mcp_server.as_deref(),
                config.ev2.as_ref(),
                workdir,
                &|name: &str| std::env::var(name).ok(),
            )?;
            Ok(Box::new(
                ev2::Ev2Provider::new(server, config, state_dir, logger)
                    .with_deadline(flags.deadline),
            ))
        }
        ProviderKind::Ado => Ok(Box::new(
            ado::AdoProvider::from_config(
                config,
                state_dir,
                &|name: &str| std::env::var(name).ok(),
                logger,
            )?
            .with_deadline(flags.deadline),
        )),
    }
}

/// Fail unless `action_id` is a pending wait action of the rollout (naming the pending ones).
pub(crate) fn require_pending(snapshot: &RolloutSnapshot, action_id: &str) -> Result<()> {
    match snapshot
        .wait_actions
        .iter()
        .find(|a| a.action_id == action_id)
    {
        Some(action) if action.status == WaitActionStatus::Pending => Ok(()),
        Some(action) => Err(Error::CheckFailed(format!(
            "wait action {action_id} was already {:?}",
            action.status
        ))),
        None => {
            let pending: Vec<&str> = snapshot
                .wait_actions
                .iter()
                .filter(|a| a.status == WaitActionStatus::Pending)
                .map(|a| a.action_id.as_str())
                .collect();
            Err(Error::usage(format!(
                "rollout {} has no wait action {action_id:?}; pending: {}",
                snapshot.rollout_id,
                if pending.is_empty() {
                    "none".to_owned()
                } else {
                    pending.join(", ")
                }
            )))
        }
    }
}

/// Man page sections of the tools that drive providers (`sentinel-trigger`, `sentinel-watch`).
/// Kept in `man/sections.txt` beside this crate: `## TITLE` lines, each followed by its text.
pub const MAN_SECTIONS: &str = include_str!("../man/sections.txt");
