//! `sentinel-notify`: turn events into Teams, Slack, Discord and webhook messages without ever
//! blocking the deployment.

pub mod cli;
pub mod deliver;
pub mod message;
pub mod payloads;
pub mod sent_log;

pub use cli::{Action, Cli, Status, TeamsFormat};
use deliver::{Channel, ChannelKind, Delivery, deliver, signature_headers};
use message::{Contexts, NotificationMessage, Templates};
use sentinel_core::clock::{SystemClock, now_rfc3339};
use sentinel_core::config;
use sentinel_core::events::{Event, NotifyOutcome, Payload};
use sentinel_core::files::StatePaths;
use sentinel_core::ndjson::Writer;
use sentinel_core::output::{Logger, OutputArgs};
use sentinel_core::redact::{Secret, mask_url};
use sentinel_core::retry::Backoff;
use sentinel_core::stream::pump;
use sentinel_core::{Error, Exit, Result, ToolCli};
use serde_json::{Map, Value, json};
use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::SystemTime;

/// What works in this build: the man page's STATUS section, kept in `man/status.txt` beside
/// this crate.
pub const STATUS: &str = include_str!("../man/status.txt");

/// Extra man page sections: how to get the webhook URLs, and what is sent.
/// Kept in `man/sections.txt` beside this crate: `## TITLE` lines, each followed by its text.
pub const MAN_SECTIONS: &str = include_str!("../man/sections.txt");

const SOURCE: &str = "sentinel-notify";

impl ToolCli for Cli {
    fn output_args(&self) -> &OutputArgs {
        &self.output
    }
}

/// Everything a run needs to send.
struct Sender {
    channels: Vec<Channel>,
    teams_format: TeamsFormat,
    secret: Option<Secret>,
    timeout: std::time::Duration,
    /// Each message's total delivery budget.
    deadline: std::time::Duration,
    policy: Backoff,
    dry_run: bool,
    fallback: std::path::PathBuf,
    /// What was delivered before; `None` with --resend.
    sent: Option<sent_log::SentLog>,
}

/// Run the tool.
pub fn run(cli: Cli) -> Result<Exit> {
    let logger = Logger::for_tool(SOURCE, &cli.output);
    sentinel_core::signals::install(&logger)?;
    let mut out = Writer::new(std::io::stdout());
    let loaded = config::load_here(&cli.config)?;
    loaded.require(&[])?;
    let secret = match &cli.webhook_secret_env {
        Some(var) => {
            let value = std::env::var(var).map_err(|_| {
                Error::usage(format!(
                    "--webhook-secret-env {var}: that environment variable is not set"
                ))
            })?;
            // An empty key signs with nothing a receiver can check: anyone could forge it.
            if value.trim().is_empty() || value.trim() == "whsec_" {
                return Err(Error::usage_with_hint(
                    format!("--webhook-secret-env {var}: that environment variable is empty"),
                    "set it to the signing secret the receiver was given (Standard Webhooks: whsec_ followed by base64)",
                ));
            }
            Some(Secret::new(value))
        }
        None => None,
    };
    let sender = Arc::new(Sender {
        channels: channels(&cli, &loaded.config)?,
        teams_format: cli.teams_format,
        secret,
        timeout: cli.timeout,
        deadline: cli.deadline,
        policy: Backoff {
            max_retries: cli
                .max_retries
                .unwrap_or_else(|| loaded.config.max_retries()),
            ..Backoff::default()
        },
        dry_run: cli.dry_run,
        fallback: StatePaths::new(cli.state.dir()).notify_fallback(),
        sent: (!cli.resend && !cli.dry_run)
            .then(|| sent_log::SentLog::open(StatePaths::new(cli.state.dir()).notify_sent())),
    });
    // Where undelivered messages are kept must exist before one is lost for want of it.
    let state_dir = cli.state.dir();
    if !sender.channels.is_empty() && !sender.dry_run && !state_dir.is_dir() {
        return Err(Error::usage_with_hint(
            format!(
                "the state directory {} is not a directory: messages that cannot be delivered are kept in it",
                state_dir.display()
            ),
            "create it, or pass --state-dir (SENTINEL_STATE_DIR) naming one that exists",
        ));
    }
    let templates: Templates = match &cli.template {
        Some(path) => {
            let text = sentinel_core::input_file::read_named_text(
                path,
                1 << 20,
                "a template is a title and a body per kind",
                "--template",
            )?;
            serde_json::from_str(&text).map_err(|e| {
                Error::usage_with_hint(
                    format!("template {}: {e}", path.display()),
                    r#"a template is JSON by kind: {"rollout.completed": {"title": "{serviceGroupName} is live", "body": "..."}}"#,
                )
            })?
        }
        None => Templates::new(),
    };
    let mut failures = 0;
    match &cli.action {
        Some(Action::Send {
            title,
            status,
            fact,
            link,
        }) => {
            if sender.channels.is_empty() {
                return Err(Error::usage_with_hint(
                    "no channel to send to",
                    "pass --teams, --slack, --discord or --webhook, or set SENTINEL_TEAMS_WEBHOOK / SENTINEL_SLACK_WEBHOOK / SENTINEL_WEBHOOK_URL",
                ));
            }
            let facts = fact
                .iter()
                .map(|f| {
                    f.split_once('=')
                        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                        .ok_or_else(|| Error::usage(format!("--fact {f:?} must be KEY=VALUE")))
                })
                .collect::<Result<Vec<_>>>()?;
            let message = NotificationMessage {
                title: title.clone(),
                status: Some(*status),
                facts,
                dashboard_url: link.clone(),
                timestamp: now_rfc3339(),
                event_kind: "manual".into(),
                ..Default::default()
            };
            // What a generic webhook receives: everything the flags said, not just the title.
            let mut event = json!({
                "v": 1,
                "kind": "manual",
                "ts": message.timestamp,
                "source": SOURCE,
                "title": title,
                "status": status,
                "facts": message
                    .facts
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect::<Map<String, Value>>(),
            });
            if let Some(link) = link {
                event["link"] = json!(link);
            }
            // One unit of work: a signal waits for it (within its budget, retried no more),
            // so the message is sent or kept in the fallback log, never dropped.
            failures += sentinel_core::signals::working(|| {
                send_all(
                    &sender,
                    &message,
                    event.as_object().unwrap_or(&Map::new()),
                    None,
                    SystemTime::now() + sender.deadline,
                    &mut out,
                    &logger,
                )
            })?;
        }
        None => {
            if sender.channels.is_empty() {
                logger.warn("no channel configured: events pass through, nothing is sent");
            }
            let kinds: Vec<String> = if cli.on.is_empty() {
                message::DEFAULT_KINDS
                    .iter()
                    .map(|k| (*k).to_owned())
                    .collect()
            } else {
                cli.on.clone()
            };
            let mut contexts = Contexts::default();
            // Events pass through at once; a worker delivers the messages in order, each
            // within its budget, and writes notify.sent/notify.failed when it is done.
            let queue = Arc::new(Queue::default());
            // Interrupted: the delivery in hand gets one attempt's time to end (it is
            // retried no more), and what is still queued goes to the fallback log.
            {
                let (queue, sender, logger) = (queue.clone(), sender.clone(), logger.clone());
                sentinel_core::signals::before_exit(move || {
                    let grace = sender.timeout + std::time::Duration::from_secs(1);
                    let (never_started, in_hand) = queue.stop(grace);
                    let mut out = Writer::new(std::io::stdout());
                    if let Some(job) = in_hand {
                        let error = "interrupted (SIGINT or SIGTERM) while being sent: it may or may not have arrived";
                        give_up(&sender, &job, error, &mut out, &logger);
                    }
                    for job in never_started {
                        let error = "not sent: the tool was interrupted (SIGINT or SIGTERM) before its turn";
                        give_up(&sender, &job, error, &mut out, &logger);
                    }
                });
            }
            let drain_by: Mutex<Option<SystemTime>> = Mutex::new(None);
            failures += std::thread::scope(|scope| -> Result<usize> {
                let worker =
                    scope.spawn(|| deliver_in_background(&sender, &queue, &drain_by, &logger));
                let pumped = pump(
                    std::io::stdin().lock(),
                    "standard input",
                    &mut out,
                    &cli.stream,
                    &logger,
                    |line, _out| {
                        let event = line.event();
                        if let Some(event) = &event {
                            contexts.learn(event);
                        }
                        let kind = line.kind().unwrap_or_default();
                        if sender.channels.is_empty() || !kinds.iter().any(|k| k == kind) {
                            return Ok(());
                        }
                        let context = contexts.of(line.rollout_id());
                        let rendered = event.as_ref().and_then(|e| message::for_event(e, &context));
                        // A kind asked for with --on that has no message of its own (any kind:
                        // one of another tool, a new one) gets the generic message.
                        let mut message = match rendered {
                            Some(message) => message,
                            None if !cli.on.is_empty() => message::generic(line, &context),
                            None => return Ok(()),
                        };
                        if let Some(template) = templates.get(kind) {
                            if let Some(title) = &template.title {
                                message.title = message::fill(title, &line.object);
                            }
                            if let Some(body) = &template.body {
                                message.body = message::fill(body, &line.object);
                            }
                        }
                        queue.push(Outbound {
                            message,
                            event: line.object.clone(),
                            rollout_id: line.rollout_id().map(str::to_owned),
                        });
                        Ok(())
                    },
                );
                // End of input (or an error): what is still queued gets one budget more.
                *drain_by.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(SystemTime::now() + sender.deadline);
                queue.close();
                let failed = worker.join().unwrap_or(0);
                pumped.map(|_| failed)
            })?;
        }
    }
    Ok(if failures > 0 && cli.strict {
        Exit::CheckFailed
    } else {
        Exit::Success
    })
}

/// Every configured channel: flags first; without flags, the config and environment.
fn channels(cli: &Cli, config: &config::DeploymentConfig) -> Result<Vec<Channel>> {
    let mut channels = Vec::new();
    let mut add = |kind: ChannelKind, urls: &[String], fallback: &Option<Secret>| -> Result<()> {
        let urls: Vec<Secret> = if urls.is_empty() {
            fallback.iter().cloned().collect()
        } else {
            urls.iter().map(Secret::new).collect()
        };
        for url in urls {
            let text = url.expose();
            if !(text.starts_with("https://") || text.starts_with("http://")) {
                return Err(Error::usage(format!(
                    "{} URL {} is not an http(s) URL",
                    kind.as_str(),
                    mask_url(text)
                )));
            }
            channels.push(Channel { kind, url });
        }
        Ok(())
    };
    add(ChannelKind::Teams, &cli.teams, &config.teams_webhook_url)?;
    add(ChannelKind::Slack, &cli.slack, &config.slack_webhook_url)?;
    add(ChannelKind::Discord, &cli.discord, &None)?;
    add(ChannelKind::Webhook, &cli.webhook, &config.webhook_url)?;
    Ok(channels)
}

/// One message on its way to every channel.
#[derive(Clone)]
struct Outbound {
    message: NotificationMessage,
    event: Map<String, Value>,
    rollout_id: Option<String>,
}

/// Messages waiting for the worker, in order, and the one it is delivering. Shared with the
/// signal hook, which takes what is left when the tool is interrupted.
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    changed: Condvar,
    /// Set when the signal hook gave up the delivery in hand (it outlived its grace): what
    /// the worker would still write of it is dropped, so no message is both failed and sent.
    abandoned: std::sync::atomic::AtomicBool,
}

/// The worker's stdout: silent once the queue is abandoned.
struct WorkerStdout<'a>(&'a Queue);

impl Write for WorkerStdout<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.0.abandoned.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(bytes.len());
        }
        std::io::stdout().write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

#[derive(Default)]
struct QueueState {
    waiting: VecDeque<Outbound>,
    /// No more messages will come (input ended, or a signal).
    closed: bool,
    /// The message being delivered.
    in_hand: Option<Outbound>,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, job: Outbound) {
        let mut state = self.lock();
        if !state.closed {
            state.waiting.push_back(job);
            self.changed.notify_all();
        }
    }

    /// No more messages will come; the worker ends once the queue is empty.
    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// The next message to deliver, waiting for one; `None` once the queue is closed and
    /// empty, or the tool was interrupted (what is left is the signal hook's).
    fn next(&self) -> Option<Outbound> {
        let mut state = self.lock();
        loop {
            if sentinel_core::signals::interrupted() {
                return None;
            }
            if let Some(job) = state.waiting.pop_front() {
                state.in_hand = Some(job.clone());
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The message in hand was delivered (or failed, and was kept).
    fn done(&self) {
        self.lock().in_hand = None;
        self.changed.notify_all();
    }

    /// On an interrupted exit: close the queue, give the delivery in hand up to `grace` to
    /// end, and take what was never started, with the one in hand if it did not end.
    fn stop(&self, grace: std::time::Duration) -> (Vec<Outbound>, Option<Outbound>) {
        let mut state = self.lock();
        state.closed = true;
        self.changed.notify_all();
        // In slices, so a second signal cuts the wait short.
        let until = std::time::Instant::now() + grace;
        while state.in_hand.is_some() && !sentinel_core::signals::insisted() {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, left.min(std::time::Duration::from_millis(50)))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let in_hand = state.in_hand.take();
        if in_hand.is_some() {
            self.abandoned
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        (state.waiting.drain(..).collect(), in_hand)
    }
}

/// Deliver queued messages in order until the queue closes, each to every channel within
/// its budget (from when its turn comes, and never past `drain_by` once that is set), and
/// write their notify events to stdout as they end. A message whose turn comes after
/// `drain_by` is not sent: it goes to the fallback log, with notify.failed. Returns how many
/// deliveries failed.
fn deliver_in_background(
    sender: &Sender,
    queue: &Queue,
    drain_by: &Mutex<Option<SystemTime>>,
    logger: &Logger,
) -> usize {
    // Its own writer: each line is one write to stdout, so lines never interleave.
    let mut out = Writer::new(WorkerStdout(queue));
    let mut failures = 0;
    while let Some(job) = queue.next() {
        let now = SystemTime::now();
        let drain = *drain_by.lock().unwrap_or_else(PoisonError::into_inner);
        let deadline = drain.map_or(now + sender.deadline, |d| d.min(now + sender.deadline));
        let sent = if deadline <= now {
            let error = format!(
                "not sent: input ended and the {} left for deliveries under way was spent",
                sentinel_core::clock::format_duration(sender.deadline)
            );
            Ok(give_up(sender, &job, &error, &mut out, logger))
        } else {
            send_all(
                sender,
                &job.message,
                &job.event,
                job.rollout_id.as_deref(),
                deadline,
                &mut out,
                logger,
            )
        };
        queue.done();
        // An error is stdout gone (a broken pipe): keep delivering, nothing more to tell.
        if let Ok(failed) = sent {
            failures += failed;
        }
    }
    failures
}

/// A message that will not be sent (`error` says why): kept in the fallback log for every
/// channel, with notify.failed.
fn give_up<W: Write>(
    sender: &Sender,
    job: &Outbound,
    error: &str,
    out: &mut Writer<W>,
    logger: &Logger,
) -> usize {
    for channel in &sender.channels {
        logger.warn(&format!(
            "could not notify {}: {error}; kept in {}",
            channel.shown(),
            sender.fallback.display()
        ));
        let id = sent_log::event_key(&job.event)
            .map(|key| sent_log::message_id(&key, channel.kind.as_str(), channel.url.expose()))
            .unwrap_or_default();
        keep_in_fallback(
            &sender.fallback,
            channel,
            &job.message,
            b"",
            &id,
            error,
            logger,
        );
        let outcome = NotifyOutcome {
            channel: channel.kind.as_str().to_owned(),
            event_kind: job.message.event_kind.clone(),
            status: None,
            error: Some(error.to_owned()),
            ..Default::default()
        };
        let _ = out.emit(&Event::new(
            SOURCE,
            job.rollout_id.as_deref(),
            Payload::NotifyFailed(outcome),
        ));
    }
    sender.channels.len()
}

/// A channel's request body, extra headers and the message's id.
type Outgoing = (Vec<u8>, Vec<(String, String)>, String);

/// Send one message to every channel in parallel, then write one notify event per channel in
/// channel order. Returns how many channels failed.
fn send_all<W: Write>(
    sender: &Sender,
    message: &NotificationMessage,
    event: &Map<String, Value>,
    rollout_id: Option<&str>,
    deadline: SystemTime,
    out: &mut Writer<W>,
    logger: &Logger,
) -> Result<usize> {
    let policy = Backoff {
        deadline: Some(deadline),
        ..sender.policy
    };
    let key = sent_log::event_key(event);
    let bodies: Vec<Outgoing> = sender
        .channels
        .iter()
        .map(|channel| {
            let payload = match channel.kind {
                ChannelKind::Teams if sender.teams_format == TeamsFormat::Flow => {
                    payloads::teams_flow(message, event)
                }
                ChannelKind::Teams => payloads::teams_card(message),
                ChannelKind::Slack => payloads::slack(message),
                ChannelKind::Discord => payloads::discord(message),
                ChannelKind::Webhook => Value::Object(event.clone()),
            };
            let body = payload.to_string().into_bytes();
            let id = key.as_deref().map_or_else(
                || format!("msg_{}", uuid::Uuid::new_v4().simple()),
                |key| sent_log::message_id(key, channel.kind.as_str(), channel.url.expose()),
            );
            let headers = match (&sender.secret, channel.kind) {
                (Some(secret), ChannelKind::Webhook) => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_secs();
                    signature_headers(secret.expose(), &id, now, &body)
                }
                _ => Vec::new(),
            };
            (body, headers, id)
        })
        .collect();
    if sender.dry_run {
        for (channel, (body, _, _)) in sender.channels.iter().zip(&bodies) {
            logger.write_raw(&format!(
                "dry run: would send to {}:\n{}\n",
                channel.shown(),
                String::from_utf8_lossy(body)
            ));
        }
        return Ok(0);
    }
    // `None`: delivered before, per the sent log; not sent again.
    let deliveries: Vec<Option<Delivery>> = std::thread::scope(|scope| {
        let handles: Vec<_> = sender
            .channels
            .iter()
            .zip(&bodies)
            .map(|(channel, (body, headers, id))| {
                let already =
                    key.is_some() && sender.sent.as_ref().is_some_and(|log| log.contains(id));
                scope.spawn(move || {
                    if already {
                        return None;
                    }
                    Some(deliver(
                        channel,
                        body,
                        headers,
                        sender.timeout,
                        &policy,
                        &SystemClock,
                    ))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or(Some(Delivery {
                    status: None,
                    error: Some("the sender thread failed".into()),
                    attempts: 0,
                }))
            })
            .collect()
    });
    let mut failures = 0;
    for ((channel, (body, _, id)), delivery) in sender.channels.iter().zip(&bodies).zip(deliveries)
    {
        let Some(delivery) = delivery else {
            logger.info(&format!(
                "{} already got {} ({id}): not sent again (--resend sends it anyway)",
                channel.shown(),
                message.event_kind
            ));
            out.emit(&Event::new(
                SOURCE,
                rollout_id,
                Payload::NotifySent(NotifyOutcome {
                    channel: channel.kind.as_str().to_owned(),
                    event_kind: message.event_kind.clone(),
                    message_id: Some(id.clone()),
                    already_sent: true,
                    ..Default::default()
                }),
            ))?;
            continue;
        };
        let outcome = NotifyOutcome {
            channel: channel.kind.as_str().to_owned(),
            event_kind: message.event_kind.clone(),
            status: delivery.status,
            error: delivery.error.clone(),
            message_id: Some(id.clone()),
            already_sent: false,
        };
        if delivery.error.is_none() && key.is_some() {
            if let Some(log) = &sender.sent {
                log.record(
                    id,
                    channel.kind.as_str(),
                    &message.event_kind,
                    rollout_id,
                    logger,
                );
            }
        }
        let payload = match &delivery.error {
            None => Payload::NotifySent(outcome),
            Some(error) => {
                failures += 1;
                logger.warn(&format!(
                    "could not notify {}: {error}; kept in {}",
                    channel.shown(),
                    sender.fallback.display()
                ));
                keep_in_fallback(&sender.fallback, channel, message, body, id, error, logger);
                Payload::NotifyFailed(outcome)
            }
        };
        out.emit(&Event::new(SOURCE, rollout_id, payload))?;
    }
    Ok(failures)
}

/// Append an undelivered message to the fallback log, so nothing is lost. A failure here is
/// only logged: notifying must never stop the deployment.
fn keep_in_fallback(
    path: &std::path::Path,
    channel: &Channel,
    message: &NotificationMessage,
    body: &[u8],
    id: &str,
    error: &str,
    logger: &Logger,
) {
    let record = json!({
        "ts": now_rfc3339(),
        "id": id,
        "channel": channel.kind.as_str(),
        "url": mask_url(channel.url.expose()),
        "eventKind": message.event_kind,
        "title": message.title,
        "error": error,
        "payload": serde_json::from_slice::<Value>(body).unwrap_or(Value::Null),
    });
    let result = sentinel_core::nofollow::open_append_in_new_dir(path, "opening the fallback log")
        .and_then(|mut file| {
            writeln!(file, "{record}")
                .and_then(|()| file.sync_data())
                .map_err(|e| sentinel_core::Error::io("appending to", path, e))
        });
    if let Err(e) = result {
        logger.error(&format!(
            "could not write the fallback log {}: {}",
            path.display(),
            sentinel_core::error::chain(&e)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn parses_channels_and_send() {
        let cli = Cli::try_parse_from([
            "sentinel-notify",
            "--teams",
            "https://a/1",
            "--teams",
            "https://a/2",
            "--on",
            "rollout.failed,stage.failed",
        ])
        .unwrap();
        assert_eq!(cli.teams.len(), 2);
        assert_eq!(cli.on.len(), 2);
        let send = Cli::try_parse_from([
            "sentinel-notify",
            "send",
            "--title",
            "T",
            "--status",
            "failed",
        ])
        .unwrap();
        assert!(matches!(
            send.action,
            Some(Action::Send {
                status: Status::Failed,
                ..
            })
        ));
    }
}
