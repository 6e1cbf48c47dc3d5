//! Starting a rollout: config, version discovery, idempotency, break-glass, the event.

use crate::cli::Cli;
use crate::confirm::{Summary, confirm};
use sentinel_core::config::{self, Field, LoadedConfig, ProviderKind, StageConfig};
use sentinel_core::events::{Event, Payload, RolloutTriggered, StageInfo};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::versions::{VersionSource, check_version};
use sentinel_core::{Error, Exit, Result};
use sentinel_provider::{self as provider, Discovered, Provider, StartRequest};
use std::io::Write;
use std::time::{Duration, Instant};

/// Load the config with the flags that override it, and check what starting needs.
pub fn load_config(cli: &Cli) -> Result<LoadedConfig> {
    let mut loaded = config::load_here(&cli.config)?;
    let c = &mut loaded.config;
    if !cli.start.selection_scope.is_empty() {
        c.selection_scope = cli.start.selection_scope.clone();
    }
    if !cli.start.exclusion_scope.is_empty() {
        c.exclusion_scope = cli.start.exclusion_scope.clone();
    }
    if let Some(version) = &cli.start.stage_map_version {
        c.stage_map_version = Some(version.clone());
    }
    Ok(loaded)
}

/// `sentinel-trigger protected`: whether the environment needs break-glass confirmation, as
/// an exit code for scripts (they refuse shortcuts such as skipping gates there).
pub fn protected(cli: &Cli, logger: &Logger) -> Result<Exit> {
    let loaded = load_config(cli)?;
    loaded.require(&[Field::Environment])?;
    let environment = loaded.config.environment.clone().unwrap_or_default();
    let listed = loaded.config.protected_environments().join(", ");
    if loaded.config.is_protected(&environment) {
        logger.info(&format!(
            "{environment} is protected (protectedEnvironments: {listed})"
        ));
        Ok(Exit::Success)
    } else {
        logger.info(&format!(
            "{environment} is not protected (protectedEnvironments: {listed})"
        ));
        Ok(Exit::CheckFailed)
    }
}

fn required_fields(kind: ProviderKind) -> Vec<Field> {
    match kind {
        ProviderKind::Local => vec![Field::ServiceGroupName, Field::Environment, Field::Stages],
        ProviderKind::Ev2 => vec![
            Field::ServiceGroupName,
            Field::ServiceId,
            Field::StageMapName,
            Field::Environment,
        ],
        // The organization may also come from SYSTEM_COLLECTIONURI; the provider checks it.
        ProviderKind::Ado => vec![
            Field::ServiceGroupName,
            Field::Environment,
            Field::PipelineProject,
            Field::PipelineId,
        ],
    }
}

/// `sentinel-trigger` without a subcommand.
pub fn start<W: Write>(cli: &Cli, out: &mut Writer<W>, logger: &Logger) -> Result<Exit> {
    let loaded = load_config(cli)?;
    let config = &loaded.config;
    loaded.require(&required_fields(config.provider()))?;
    let provider = provider::open(config, &cli.state.dir(), &loaded.dir, &cli.remote, logger)?;
    let service = config.service_group_name.clone().unwrap_or_default();
    let environment = config.environment.clone().unwrap_or_default();

    // From "is one running?" to "this one started": one trigger per state directory at a
    // time, so two started at once cannot both find none and start two rollouts.
    let _starting = if cli.start.dry_run {
        None
    } else {
        Some(start_lock(&cli.state.dir(), logger)?)
    };
    if !cli.start.dry_run {
        let unfinished = provider.unfinished(&service, &environment)?;
        if let Some(existing) = unfinished.last() {
            if !cli.start.new {
                return resume_existing(provider.as_ref(), existing, out, logger);
            }
            for id in &unfinished {
                cancel_and_wait(provider.as_ref(), id, logger)?;
            }
        }
    }

    let mut request = StartRequest {
        service_group_name: service.clone(),
        service_id: config.service_id.clone().unwrap_or_default(),
        environment: environment.clone(),
        stage_map_name: config.stage_map_name.clone().unwrap_or_default(),
        selection_scope: config.selection_scope.clone(),
        exclusion_scope: config.exclusion_scope.clone(),
        ..Default::default()
    };
    let discovered = match &cli.start.artifact_version {
        Some(version) => Discovered {
            artifact_version: {
                check_version(version, VersionSource::Flag)?;
                version.clone()
            },
            artifact_version_source: VersionSource::Flag.as_str().into(),
            stage_map_version: provider
                .discover(&request)
                .map(|d| d.stage_map_version)
                .unwrap_or_else(|_| {
                    config
                        .stage_map_version
                        .clone()
                        .unwrap_or_else(|| "local".into())
                }),
        },
        None => provider.discover(&request)?,
    };
    request.artifact_version = discovered.artifact_version.clone();
    request.stage_map_version = discovered.stage_map_version.clone();
    request.strategy = cli.start.strategy.clone();
    let deployed = if provider.kind() == ProviderKind::Local {
        sentinel_provider::local::stages_for(&config.stages, &request)?
    } else {
        config.stages.clone()
    };
    let stages: Vec<StageInfo> = deployed.iter().map(StageConfig::info).collect();
    let payload = RolloutTriggered {
        service_group_name: service.clone(),
        service_id: request.service_id.clone(),
        environment: environment.clone(),
        stage_map_name: request.stage_map_name.clone(),
        stage_map_version: request.stage_map_version.clone(),
        artifact_version: request.artifact_version.clone(),
        provider: provider.kind(),
        stages: stages.clone(),
        dashboard_url: None,
        resumed: false,
        artifact_version_source: Some(discovered.artifact_version_source.clone()),
        dry_run: cli.start.dry_run,
    };

    if cli.start.dry_run {
        logger.info(&format!(
            "dry run: would deploy {service} {} to {environment}; nothing was started",
            request.artifact_version
        ));
        out.emit(&Event::new(
            "sentinel-trigger",
            None,
            Payload::RolloutTriggered(payload),
        ))?;
        return Ok(Exit::Success);
    }
    if config.is_protected(&environment) {
        confirm(
            &Summary {
                service: service.clone(),
                environment: environment.clone(),
                provider: provider.kind(),
                version: request.artifact_version.clone(),
                version_source: discovered.artifact_version_source.clone(),
                stages: stages.iter().map(|s| s.name.clone()).collect(),
            },
            cli.start.confirm.as_deref(),
        )?;
    }
    let rollout_id = provider.start(&request)?;
    let mut payload = payload;
    if provider.kind() != ProviderKind::Local {
        // A remote engine plans the stages itself; its record says what they are.
        if let Ok(described) = provider.describe(&rollout_id) {
            if !described.stages.is_empty() {
                payload.stages = described.stages;
            }
            payload.dashboard_url = described.dashboard_url;
        }
    }
    logger.info(&format!(
        "started rollout {rollout_id}: {service} {} ({}) to {environment}",
        request.artifact_version, discovered.artifact_version_source
    ));
    out.emit(&Event::new(
        "sentinel-trigger",
        Some(&rollout_id),
        Payload::RolloutTriggered(payload),
    ))?;
    Ok(Exit::Success)
}

/// How long a trigger waits for another one that is starting a rollout in the same state
/// directory (an EV2 start may take a few MCP calls).
const START_LOCK_WAIT: Duration = Duration::from_secs(120);

/// Hold `.sentinel/trigger.lock` while checking for an unfinished rollout and starting one.
fn start_lock(state_dir: &std::path::Path, logger: &Logger) -> Result<std::fs::File> {
    let dir = sentinel_core::nofollow::create_dirs(state_dir, std::path::Path::new(".sentinel"))?;
    sentinel_core::lock::hold_flock(&dir.join("trigger.lock"), START_LOCK_WAIT, &|holder| {
        logger.info(&format!(
            "another sentinel-trigger is starting a rollout here ({holder}); waiting for it"
        ))
    })
    .map_err(|e| match e {
        Error::Locked { message, .. } => Error::Locked {
            message: format!("another sentinel-trigger is starting a rollout: {message}"),
            hint: Some(
                "wait for it, then run again: an unfinished rollout is resumed, not started twice"
                    .into(),
            ),
        },
        other => other,
    })
}

fn resume_existing<W: Write>(
    provider: &dyn Provider,
    rollout_id: &str,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<Exit> {
    let snapshot = provider.status(rollout_id)?;
    logger.warn(&format!(
        "rollout {rollout_id} of this service and environment is still {}: resuming it instead of starting another (pass --new to cancel it and start fresh)",
        snapshot.overall_status.as_str()
    ));
    // A rollout whose engine died is picked up again here, as running the workflow again promises.
    if snapshot.pid.is_some()
        && snapshot
            .errors
            .iter()
            .any(|e| e.error_code.as_deref() == Some("EngineStopped"))
    {
        provider.resume(rollout_id, sentinel_provider::Orphans::Wait)?;
        logger.info(&format!("restarted the engine of rollout {rollout_id}"));
    }
    let mut payload = provider.describe(rollout_id)?;
    payload.resumed = true;
    out.emit(&Event::new(
        "sentinel-trigger",
        Some(rollout_id),
        Payload::RolloutTriggered(payload),
    ))?;
    Ok(Exit::Success)
}

fn cancel_and_wait(provider: &dyn Provider, rollout_id: &str, logger: &Logger) -> Result<()> {
    logger.warn(&format!(
        "--new: cancelling unfinished rollout {rollout_id} first"
    ));
    match provider.cancel(rollout_id, "superseded by a new rollout (--new)") {
        Ok(()) | Err(Error::CheckFailed(_)) => {}
        Err(e) => return Err(e),
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let snapshot = provider.status(rollout_id)?;
        if snapshot.overall_status.is_terminal() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::CheckFailed(format!(
                "rollout {rollout_id} did not stop within 30s of being cancelled; not starting another"
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
