//! The run lock as a blob lease: Azure grants a lease on the `lock` blob to one holder at a
//! time, for 15 to 60 seconds, renewed while held. A runner that crashes stops renewing, so
//! its lock ends by itself; the lease's blob metadata says who holds it (today's LockInfo),
//! so a refused run names the holder, and `--force` / `unlock --id` break the lease.

use crate::client::{BlobClient, Call, Reply};
use sentinel_core::backend::HeldLock;
use sentinel_core::clock::{Clock, format_duration, rfc3339_millis};
use sentinel_core::lock::{LockInfo, LockRequest, STALE_LOCK_WARNING, hostname, user_name};
use sentinel_core::output::Logger;
use sentinel_core::{Error, Result};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The lease's length in seconds (`SENTINEL_AZBLOB_LEASE_SECONDS`, 15–60, default 60: the
/// longest Azure grants short of an infinite lease, which a crash would never end).
pub const LEASE_SECONDS_ENV: &str = "SENTINEL_AZBLOB_LEASE_SECONDS";

/// How often a held lease is polled for while `--wait` queues behind its holder.
const POLL: Duration = Duration::from_millis(500);

/// The lease settings.
#[derive(Debug, Clone, Copy)]
pub struct LeaseSettings {
    pub seconds: u64,
}

impl LeaseSettings {
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let seconds = match env(LEASE_SECONDS_ENV).filter(|v| !v.trim().is_empty()) {
            None => 60,
            Some(text) => match text.trim().parse::<u64>() {
                Ok(n) if (15..=60).contains(&n) => n,
                _ => {
                    return Err(Error::usage_with_hint(
                        format!(
                            "{LEASE_SECONDS_ENV} is {:?}: Azure grants leases of 15 to 60 seconds",
                            sentinel_core::output::excerpt(&text, 20)
                        ),
                        "set a whole number of seconds from 15 to 60, or unset it for 60",
                    ));
                }
            },
        };
        Ok(LeaseSettings { seconds })
    }
}

/// What the lock blob says of itself.
struct LockBlob {
    /// `x-ms-lease-state`: available, leased, expired, breaking, broken.
    lease_state: String,
    holder: Option<LockInfo>,
}

/// A held lease, renewed by a thread of its own until released.
pub struct HeldLease {
    client: BlobClient,
    blob: String,
    lease_id: String,
    info: LockInfo,
    took_over: Option<String>,
    stop: Option<Sender<()>>,
    renewer: Option<std::thread::JoinHandle<()>>,
    /// Set by the renewer when the lease was lost (broken by someone else).
    lost: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for HeldLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldLease")
            .field("blob", &self.blob)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Take the lease on `blob`, or say who holds it.
pub fn acquire(
    client: &BlobClient,
    blob: &str,
    settings: LeaseSettings,
    request: &LockRequest,
    clock: &dyn Clock,
) -> Result<Box<dyn HeldLock>> {
    let info_of = |clock: &dyn Clock| LockInfo {
        id: uuid::Uuid::new_v4().to_string(),
        pid: std::process::id(),
        host: hostname(),
        user: user_name(),
        operation: request.operation.clone(),
        created: rfc3339_millis(clock.now()),
        rollout_id: request.rollout_id.clone(),
    };
    let size: usize = holder_metadata(&info_of(clock))
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if size > MAX_HOLDER_METADATA {
        return Err(Error::usage_with_hint(
            format!(
                "the lock holder's details take {size} bytes; the lock blob's metadata holds {MAX_HOLDER_METADATA}"
            ),
            "give --operation a short name (the host and user names count too)",
        ));
    }
    ensure_lock_blob(client, blob)?;
    let started = clock.now();
    let mut took_over = None;
    let mut broke = false;
    loop {
        let before = read_lock_blob(client, blob)?;
        let lease_id = uuid::Uuid::new_v4().to_string();
        let reply = client.send(&Call {
            method: "PUT",
            blob: Some(blob),
            query: vec![("comp", "lease".into())],
            headers: vec![
                ("x-ms-lease-action", "acquire".into()),
                ("x-ms-lease-duration", settings.seconds.to_string()),
                ("x-ms-proposed-lease-id", lease_id.clone()),
            ],
            body: Vec::new(),
        })?;
        match reply.status {
            200 | 201 => {
                if took_over.is_none() {
                    took_over = match (before.lease_state.as_str(), before.holder.as_ref()) {
                        ("expired", Some(holder)) => Some(format!(
                            "{STALE_LOCK_WARNING} (the lease of {} ended without a release: its runner stopped renewing it). Another process may have crashed. Verify rollout status before continuing.",
                            holder.describe(clock)
                        )),
                        ("broken", Some(holder)) => Some(format!(
                            "took the lock after the lease of {} was broken (unlock --force --id, or lock --force). Verify rollout status before continuing.",
                            holder.describe(clock)
                        )),
                        _ => None,
                    };
                }
                let info = info_of(clock);
                let named = holder_call(client, blob, &lease_id, Some(&info));
                if !matches!(&named, Ok(reply) if reply.status == 200) {
                    // Not left leased and unnamed for a minute: let go at once.
                    let _ = lease_action(client, blob, "release", &lease_id);
                    return Err(match named {
                        Ok(reply) => client.unexpected(&reply, "writing the lock holder's details"),
                        Err(e) => e,
                    });
                }
                return Ok(Box::new(HeldLease::start(
                    client.clone(),
                    blob,
                    lease_id,
                    info,
                    took_over,
                    settings,
                )));
            }
            409 if reply.is("LeaseAlreadyPresent") => {
                let holder = current_holder(client, blob, clock)?;
                if request.force && !broke {
                    break_lease(client, blob)?;
                    broke = true;
                    took_over = Some(format!(
                        "--force broke the live lease of {} on {}, which may still be deploying. Verify rollout status before continuing.",
                        holder
                            .as_ref()
                            .map_or_else(|| "an unnamed holder".to_owned(), |h| h.describe(clock)),
                        client.display_name(Some(blob))
                    ));
                    continue;
                }
                let waited = clock.now().duration_since(started).unwrap_or_default();
                if request.wait.is_some_and(|limit| waited < limit) {
                    clock.sleep(POLL);
                    continue;
                }
                let who = holder.map_or_else(
                    || "another run (it has not written its details yet)".to_owned(),
                    |h| h.describe(clock),
                );
                let after = request
                    .wait
                    .map(|w| format!(" after waiting {}", format_duration(w)))
                    .unwrap_or_default();
                return Err(Error::Locked {
                    message: format!(
                        "locked{after}: {} is leased by {who}",
                        client.display_name(Some(blob))
                    ),
                    hint: Some(
                        "wait for that run to finish, or pass --wait 10m to queue behind it; a crashed runner's lease ends by itself within a minute"
                            .into(),
                    ),
                });
            }
            _ => return Err(client.unexpected(&reply, "taking the lease on the lock")),
        }
    }
}

/// Break a lease whose holder the caller names by id (`unlock --force --id`), or report
/// that there is no live one. A live lease is being renewed, so without the id it stays.
pub fn unlock(
    client: &BlobClient,
    blob: &str,
    id: Option<&str>,
    logger: &Logger,
    clock: &dyn Clock,
) -> Result<()> {
    let lock = match head(client, blob)? {
        Some(reply) => parse_lock_blob(&reply),
        None => {
            logger.info(&format!("no lock in {}", client.display_name(Some(blob))));
            return Ok(());
        }
    };
    let describe = |holder: &Option<LockInfo>| {
        holder
            .as_ref()
            .map_or_else(|| "an unnamed holder".to_owned(), |h| h.describe(clock))
    };
    if lock.lease_state != "leased" {
        logger.info(&format!(
            "no lock is held in {} (lease {}): nothing to remove",
            client.display_name(Some(blob)),
            lock.lease_state
        ));
        return Ok(());
    }
    let id_matches = matches!((&lock.holder, id), (Some(h), Some(id)) if h.id == id);
    if !id_matches {
        return Err(Error::Locked {
            message: format!(
                "refusing to break the lease on {}: it is held by {}, which renews it, so it is alive",
                client.display_name(Some(blob)),
                describe(&lock.holder)
            ),
            hint: Some(
                "wait for it to finish (a crashed holder's lease ends within a minute); to break it anyway pass --id with the holder's id".into(),
            ),
        });
    }
    break_lease(client, blob)?;
    logger.warn(&format!(
        "broke the lease on {} of {}",
        client.display_name(Some(blob)),
        describe(&lock.holder)
    ));
    Ok(())
}

impl HeldLease {
    fn start(
        client: BlobClient,
        blob: &str,
        lease_id: String,
        info: LockInfo,
        took_over: Option<String>,
        settings: LeaseSettings,
    ) -> HeldLease {
        let (stop, stopped) = channel();
        let lost = Arc::new(Mutex::new(None));
        let renewer = {
            let (client, blob, lease_id, lost) = (
                client.clone(),
                blob.to_owned(),
                lease_id.clone(),
                Arc::clone(&lost),
            );
            // A third of the lease: two renewals can fail (a slow network) before it ends.
            let every = Duration::from_secs(settings.seconds / 3);
            std::thread::spawn(move || {
                renew_until_stopped(&client, &blob, &lease_id, every, &stopped, &lost)
            })
        };
        HeldLease {
            client,
            blob: blob.to_owned(),
            lease_id,
            info,
            took_over,
            stop: Some(stop),
            renewer: Some(renewer),
            lost,
        }
    }

    fn release_inner(&mut self) -> Result<()> {
        let Some(stop) = self.stop.take() else {
            return Ok(());
        };
        drop(stop);
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.join();
        }
        let lost = |why: String| Error::Locked {
            message: format!(
                "the lease on {} was lost while it was held ({why}): another run may have held the lock meanwhile",
                self.client.display_name(Some(&self.blob))
            ),
            hint: Some("check the rollout's state (sentinel-state show) before going on".into()),
        };
        if let Some(why) = self.lost.lock().map(|l| l.clone()).unwrap_or_default() {
            return Err(lost(why));
        }
        // The holder's details go first, so a lease that ends by expiry (never released)
        // is the one that still names a holder.
        let cleared = holder_call(&self.client, &self.blob, &self.lease_id, None)?;
        if cleared.status != 200 {
            return Err(lease_lost_or(
                &self.client,
                &cleared,
                "clearing the holder's details",
                lost,
            ));
        }
        let reply = lease_action(&self.client, &self.blob, "release", &self.lease_id)?;
        match reply.status {
            200 => Ok(()),
            _ => Err(lease_lost_or(
                &self.client,
                &reply,
                "releasing the lease",
                lost,
            )),
        }
    }
}

/// A lease call that failed: a 409 or 412 means the lease is not ours any more (broken by
/// `--force` or `unlock --id`, or expired); anything else is the service's error.
fn lease_lost_or(
    client: &BlobClient,
    reply: &Reply,
    doing: &str,
    lost: impl Fn(String) -> Error,
) -> Error {
    match reply.status {
        409 | 412 => lost(format!(
            "{doing} answered HTTP {}{}",
            reply.status,
            client.service_message(reply)
        )),
        _ => client.unexpected(reply, doing),
    }
}

impl HeldLock for HeldLease {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn took_over(&self) -> Option<String> {
        self.took_over.clone()
    }

    fn release(mut self: Box<Self>) -> Result<()> {
        self.release_inner()
    }
}

impl Drop for HeldLease {
    fn drop(&mut self) {
        let _ = self.release_inner();
    }
}

fn renew_until_stopped(
    client: &BlobClient,
    blob: &str,
    lease_id: &str,
    every: Duration,
    stopped: &Receiver<()>,
    lost: &Mutex<Option<String>>,
) {
    loop {
        match stopped.recv_timeout(every) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let renewed = lease_action(client, blob, "renew", lease_id);
        match renewed {
            Ok(reply) if reply.status == 200 => {}
            // Unreachable for now: the next renewal may still come in time.
            Err(_) => {}
            Ok(reply) => {
                if let Ok(mut slot) = lost.lock() {
                    *slot = Some(format!(
                        "renewing it answered HTTP {}{}",
                        reply.status,
                        client.service_message(&reply)
                    ));
                }
                return;
            }
        }
    }
}

/// Renew or release the lease `lease_id` on `blob`: the service's answer, whatever it is.
fn lease_action(client: &BlobClient, blob: &str, action: &str, lease_id: &str) -> Result<Reply> {
    client.send(&Call {
        method: "PUT",
        blob: Some(blob),
        query: vec![("comp", "lease".into())],
        headers: vec![
            ("x-ms-lease-action", action.to_owned()),
            ("x-ms-lease-id", lease_id.to_owned()),
        ],
        body: Vec::new(),
    })
}

/// Create the empty `lock` blob if there is none (losing a race to create it is fine).
fn ensure_lock_blob(client: &BlobClient, blob: &str) -> Result<()> {
    let reply = client.send(&Call {
        method: "PUT",
        blob: Some(blob),
        headers: vec![
            ("x-ms-blob-type", "BlockBlob".into()),
            ("if-none-match", "*".into()),
        ],
        ..Call::default()
    })?;
    match reply.status {
        201 | 409 | 412 => Ok(()),
        _ => Err(client.unexpected(&reply, "creating the lock blob")),
    }
}

fn break_lease(client: &BlobClient, blob: &str) -> Result<()> {
    let reply = client.send(&Call {
        method: "PUT",
        blob: Some(blob),
        query: vec![("comp", "lease".into())],
        headers: vec![
            ("x-ms-lease-action", "break".into()),
            ("x-ms-lease-break-period", "0".into()),
        ],
        body: Vec::new(),
    })?;
    match reply.status {
        202 => Ok(()),
        // Not leased (any more): nothing to break.
        409 => Ok(()),
        _ => Err(client.unexpected(&reply, "breaking the lease on the lock")),
    }
}

fn head(client: &BlobClient, blob: &str) -> Result<Option<Reply>> {
    let reply = client.send(&Call {
        method: "HEAD",
        blob: Some(blob),
        ..Call::default()
    })?;
    match reply.status {
        200 => Ok(Some(reply)),
        // HEAD answers carry no body: a missing container shows only in the header.
        404 if reply.code.as_deref() != Some("ContainerNotFound") => Ok(None),
        _ => Err(client.unexpected(&reply, "reading the lock")),
    }
}

/// Who holds the lease: a holder writes its details just after it takes the lease, so a
/// lease without them is looked at again for up to two seconds before it is called unnamed.
fn current_holder(client: &BlobClient, blob: &str, clock: &dyn Clock) -> Result<Option<LockInfo>> {
    for _ in 0..20 {
        let lock = read_lock_blob(client, blob)?;
        if lock.holder.is_some() || lock.lease_state != "leased" {
            return Ok(lock.holder);
        }
        clock.sleep(Duration::from_millis(100));
    }
    Ok(None)
}

fn read_lock_blob(client: &BlobClient, blob: &str) -> Result<LockBlob> {
    Ok(match head(client, blob)? {
        Some(reply) => parse_lock_blob(&reply),
        None => LockBlob {
            lease_state: "available".into(),
            holder: None,
        },
    })
}

fn parse_lock_blob(reply: &Reply) -> LockBlob {
    let metadata = reply.metadata();
    let field = |name: &str| {
        metadata
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| decode(v))
    };
    let holder = match (field("id"), field("pid").and_then(|p| p.parse().ok())) {
        (Some(id), Some(pid)) => Some(LockInfo {
            id,
            pid,
            host: field("host").unwrap_or_default(),
            user: field("user").unwrap_or_default(),
            operation: field("operation").unwrap_or_default(),
            created: field("created").unwrap_or_default(),
            rollout_id: field("rolloutid"),
        }),
        _ => None,
    };
    LockBlob {
        lease_state: reply
            .header("x-ms-lease-state")
            .unwrap_or("available")
            .to_owned(),
        holder,
    }
}

/// Write (or, with `None`, clear) the holder's details as the lock blob's metadata; the
/// service's answer, whatever it is.
fn holder_call(
    client: &BlobClient,
    blob: &str,
    lease_id: &str,
    info: Option<&LockInfo>,
) -> Result<Reply> {
    let mut headers = vec![("x-ms-lease-id", lease_id.to_owned())];
    if let Some(info) = info {
        headers.extend(holder_metadata(info));
    }
    client.send(&Call {
        method: "PUT",
        blob: Some(blob),
        query: vec![("comp", "metadata".into())],
        headers,
        body: Vec::new(),
    })
}

/// The holder's LockInfo as metadata headers.
fn holder_metadata(info: &LockInfo) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("x-ms-meta-id", encode(&info.id)),
        ("x-ms-meta-pid", info.pid.to_string()),
        ("x-ms-meta-host", encode(&info.host)),
        ("x-ms-meta-user", encode(&info.user)),
        ("x-ms-meta-operation", encode(&info.operation)),
        ("x-ms-meta-created", encode(&info.created)),
    ];
    if let Some(id) = &info.rollout_id {
        headers.push(("x-ms-meta-rolloutid", encode(id)));
    }
    headers
}

/// The most the holder's details may take: Azure allows 8 KiB of metadata in all.
const MAX_HOLDER_METADATA: usize = 2048;

/// A metadata value as a header can carry it: letters, digits and `-._~` as they are, every
/// other byte (a space, a non-ASCII host or user name, a control character) as `%XX`.
fn encode(value: &str) -> String {
    sentinel_core::redact::percent_encode_all(value)
}

fn decode(value: &str) -> String {
    sentinel_core::redact::percent_decode(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_values_survive_any_host_or_user_name() {
        for value in [
            "build-7",
            "Zoë's runner",
            "a b\r\nx-ms-meta-evil: 1",
            "%41",
            "2026-12-01T17:00:00.000Z",
        ] {
            let encoded = encode(value);
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic()), "{encoded}");
            assert_eq!(decode(&encoded), value);
        }
    }

    #[test]
    fn the_lease_length_is_what_azure_grants() {
        let env =
            |v: &'static str| move |name: &str| (name == LEASE_SECONDS_ENV).then(|| v.to_owned());
        assert_eq!(LeaseSettings::from_env(&env("15")).unwrap().seconds, 15);
        assert_eq!(LeaseSettings::from_env(&|_| None).unwrap().seconds, 60);
        for bad in ["14", "61", "-1", "infinite"] {
            assert!(LeaseSettings::from_env(&env(bad)).is_err(), "{bad}");
        }
    }
}
