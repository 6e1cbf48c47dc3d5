//! Acting on a running rollout: approve, reject, cancel, rollback, resume.

use crate::cli::{Action, Cli, Target};
use crate::start::load_config;
use sentinel_core::events::{ApprovalDecision, Event, Payload, Rollback, RolloutFinished};
use sentinel_core::ndjson::Writer;
use sentinel_core::output::Logger;
use sentinel_core::stream::pump;
use sentinel_core::{Error, Exit, Result};
use sentinel_provider::{self as provider, Provider, WaitActionStatus};
use std::io::{IsTerminal, Write};

const SOURCE: &str = "sentinel-trigger";

/// Run a subcommand against its rollout.
pub fn act<W: Write>(
    cli: &Cli,
    action: &Action,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<Exit> {
    let loaded = load_config(cli)?;
    let provider = provider::open(
        &loaded.config,
        &cli.state.dir(),
        &loaded.dir,
        &cli.remote,
        logger,
    )?;
    let target = match action {
        Action::Approve { target, .. }
        | Action::Reject { target, .. }
        | Action::Cancel { target, .. }
        | Action::Rollback { target, .. }
        | Action::Resume { target, .. } => target,
        Action::Engine { .. } | Action::Protected => {
            return Err(Error::Internal(
                "the engine and `protected` do not act on a rollout".into(),
            ));
        }
    };
    let rollout_id = rollout_id(target, out, logger)?;
    let by = sentinel_core::lock::user_name();
    match action {
        Action::Approve { action_id, .. } => decide(
            provider.as_ref(),
            &rollout_id,
            action_id.as_deref(),
            Decision::Approve { by: &by },
            out,
            logger,
        )?,
        Action::Reject {
            action_id, reason, ..
        } => {
            let reason = reason
                .clone()
                .unwrap_or_else(|| format!("rejected by {by}"));
            decide(
                provider.as_ref(),
                &rollout_id,
                action_id.as_deref(),
                Decision::Reject {
                    by: &by,
                    reason: &reason,
                },
                out,
                logger,
            )?
        }
        Action::Cancel { reason, .. } => {
            let reason = reason
                .clone()
                .unwrap_or_else(|| format!("cancelled by {by}"));
            let snapshot = provider.status(&rollout_id)?;
            provider.cancel(&rollout_id, &reason)?;
            logger.info(&format!(
                "asked rollout {rollout_id} to stop before its next step"
            ));
            let request = RolloutFinished {
                overall_status: sentinel_core::status::OverallStatus::CancelRequested,
                duration_ms: 0,
                deployed_regions: snapshot.deployed_regions(),
                errors: vec![sentinel_core::events::ErrorDetail {
                    error_code: Some("Cancelled".into()),
                    message: reason,
                    stage: None,
                }],
            };
            out.emit(&Event::new(
                SOURCE,
                Some(&rollout_id),
                Payload::RolloutCancelled(request),
            ))?;
        }
        Action::Rollback { reason, .. } => {
            let reason = reason
                .clone()
                .unwrap_or_else(|| format!("rollback requested by {by}"));
            let from = provider.describe(&rollout_id)?.artifact_version;
            provider.rollback(&rollout_id, &reason)?;
            logger.info(&format!("rolling back rollout {rollout_id}: {reason}"));
            let rollback = Rollback {
                reason,
                from_version: Some(from),
                to_version: None,
            };
            out.emit(&Event::new(
                SOURCE,
                Some(&rollout_id),
                Payload::RollbackStarted(rollback),
            ))?;
        }
        Action::Resume { kill_orphans, .. } => {
            let orphans = if *kill_orphans {
                sentinel_provider::Orphans::Kill
            } else {
                sentinel_provider::Orphans::Wait
            };
            provider.resume(&rollout_id, orphans)?;
            logger.info(&format!("restarted the engine of rollout {rollout_id}"));
            let mut payload = provider.describe(&rollout_id)?;
            payload.resumed = true;
            out.emit(&Event::new(
                SOURCE,
                Some(&rollout_id),
                Payload::RolloutTriggered(payload),
            ))?;
        }
        Action::Engine { .. } | Action::Protected => {}
    }
    Ok(Exit::Success)
}

/// `--rollout-id`, else the rollout of the events on stdin (passed through as they are read).
fn rollout_id<W: Write>(target: &Target, out: &mut Writer<W>, logger: &Logger) -> Result<String> {
    if let Some(id) = &target.rollout_id {
        return Ok(id.clone());
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::usage_with_hint(
            "which rollout? no --rollout-id and no events on stdin",
            "pass --rollout-id ID, or pipe events: sentinel-state resume | sentinel-trigger approve",
        ));
    }
    let mut found: Option<String> = None;
    pump(
        stdin.lock(),
        "standard input",
        out,
        &target.stream,
        logger,
        |line, _| {
            if let Some(id) = line.rollout_id() {
                if found.is_none() || line.kind() == Some("rollout.triggered") {
                    found = Some(id.to_owned());
                }
            }
            Ok(())
        },
    )?;
    found
        .ok_or_else(|| Error::usage("the events on stdin carry no rolloutId; pass --rollout-id ID"))
}

/// An approver's answer to a wait action.
enum Decision<'a> {
    Approve { by: &'a str },
    Reject { by: &'a str, reason: &'a str },
}

/// Approve or reject the pending wait action (`action_id`, or the only one pending), then
/// write `approval.granted` or `approval.rejected`.
fn decide<W: Write>(
    provider: &dyn Provider,
    rollout_id: &str,
    action_id: Option<&str>,
    decision: Decision<'_>,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<()> {
    let (action_id, stage) = pending_action(provider, rollout_id, action_id)?;
    let (by, why, payload): (&str, Option<&str>, fn(ApprovalDecision) -> Payload) = match decision {
        Decision::Approve { by } => {
            provider.approve(rollout_id, &action_id, by)?;
            logger.info(&format!("approved {action_id} of rollout {rollout_id}"));
            (by, None, Payload::ApprovalGranted)
        }
        Decision::Reject { by, reason } => {
            provider.reject(rollout_id, &action_id, reason)?;
            logger.info(&format!(
                "rejected {action_id} of rollout {rollout_id}: {reason}"
            ));
            (by, Some(reason), Payload::ApprovalRejected)
        }
    };
    let decision = ApprovalDecision {
        stage,
        action_id,
        by: Some(by.to_owned()),
        reason: why.map(str::to_owned),
    };
    out.emit(&Event::new(SOURCE, Some(rollout_id), payload(decision)))
}

/// The wait action to decide: the one named, or the only pending one.
fn pending_action(
    provider: &dyn Provider,
    rollout_id: &str,
    named: Option<&str>,
) -> Result<(String, String)> {
    let snapshot = provider.status(rollout_id)?;
    if snapshot.overall_status.is_terminal() {
        return Err(Error::CheckFailed(format!(
            "rollout {rollout_id} already ended: {}",
            snapshot.overall_status.as_str()
        )));
    }
    if let Some(id) = named {
        let stage = snapshot
            .wait_actions
            .iter()
            .find(|a| a.action_id == id)
            .map(|a| a.stage.clone())
            .unwrap_or_default();
        return Ok((id.to_owned(), stage));
    }
    let pending: Vec<_> = snapshot
        .wait_actions
        .iter()
        .filter(|a| a.status == WaitActionStatus::Pending)
        .collect();
    match pending.as_slice() {
        [only] => Ok((only.action_id.clone(), only.stage.clone())),
        [] => Err(Error::CheckFailed(format!(
            "rollout {rollout_id} is not waiting for an approval"
        ))),
        many => Err(Error::usage(format!(
            "rollout {rollout_id} waits on several approvals; pass --action-id with one of: {}",
            many.iter()
                .map(|a| a.action_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
