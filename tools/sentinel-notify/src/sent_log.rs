//! What was already delivered, so a re-run of the same pipeline, a retry after a slow answer
//! or a resumed rollout does not send the same notice twice: `.sentinel/notifications-sent.ndjson`
//! in the state directory, one line per delivered message and channel.
//!
//! A message's id is stable: it comes from the rollout id, the event kind, what in the event
//! tells it from the other events of that kind (its stage, action id, endpoint or gate), and
//! the channel. It is also the Standard Webhooks `webhook-id`, so a receiver can deduplicate
//! on its own.

use sentinel_core::output::Logger;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// The ids delivered so far, and the file that keeps them.
#[derive(Debug)]
pub struct SentLog {
    path: PathBuf,
    sent: Mutex<HashSet<String>>,
    /// The file ends in a torn line (a crash mid-append): the next record starts a new line.
    torn: std::sync::atomic::AtomicBool,
}

/// The key of an event's notice, when it belongs to a rollout (events without one are
/// never deduplicated: nothing says two of them are the same notice).
pub fn event_key(event: &Map<String, Value>) -> Option<String> {
    let rollout = event.get("rolloutId")?.as_str()?;
    let kind = event
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let which = [
        "stage",
        "actionId",
        "endpointUrl",
        "gate",
        "url",
        "tag",
        "branchName",
    ]
    .iter()
    .find_map(|field| event.get(*field).and_then(Value::as_str))
    .unwrap_or_default();
    // A load test result is one test: the same endpoint tested again (the next phase, a
    // verification after a resume) is a new notice; the same line passed on again is not.
    let when = event
        .get("timestamp")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Some(format!("{rollout}\n{kind}\n{which}\n{when}"))
}

/// The id of the notice with `key` on one channel (kind and URL).
pub fn message_id(key: &str, channel_kind: &str, url: &str) -> String {
    let digest = Sha256::digest(format!("{key}\n{channel_kind}\n{url}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

impl SentLog {
    /// Read the ids in `path` (a missing file is an empty log; torn or foreign lines are
    /// passed over).
    pub fn open(path: PathBuf) -> SentLog {
        let text = sentinel_core::nofollow::read_to_string(&path).unwrap_or_default();
        let sent = text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter_map(|record| record.get("id")?.as_str().map(str::to_owned))
            .collect();
        let torn = !text.is_empty() && !text.ends_with('\n');
        SentLog {
            path,
            sent: Mutex::new(sent),
            torn: std::sync::atomic::AtomicBool::new(torn),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(id)
    }

    /// Remember a delivered message. A failure to write is logged, never fatal: notifying
    /// must not stop the deployment.
    pub fn record(
        &self,
        id: &str,
        channel: &str,
        event_kind: &str,
        rollout_id: Option<&str>,
        logger: &Logger,
    ) {
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_owned());
        let line = json!({
            "id": id,
            "channel": channel,
            "eventKind": event_kind,
            "rolloutId": rollout_id,
            "ts": sentinel_core::clock::now_rfc3339(),
        });
        let newline_first = self.torn.swap(false, std::sync::atomic::Ordering::SeqCst);
        let written =
            sentinel_core::nofollow::open_append_in_new_dir(&self.path, "opening the sent log")
                .and_then(|mut file| {
                    let start = if newline_first { "\n" } else { "" };
                    writeln!(file, "{start}{line}")
                        .and_then(|()| file.sync_data())
                        .map_err(|e| sentinel_core::Error::io("appending to", &self.path, e))
                });
        if let Err(e) = written {
            logger.warn(&format!(
                "could not record the delivery in {}: {}",
                self.path.display(),
                sentinel_core::error::chain(&e)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(text: &str) -> Map<String, Value> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_same_notice_of_a_rollout_has_the_same_id_whenever_it_is_written() {
        let first = event(
            r#"{"kind":"stage.completed","ts":"2026-11-23T10:00:00.000Z","rolloutId":"r1","stage":"Canary"}"#,
        );
        let again = event(
            r#"{"kind":"stage.completed","ts":"2026-11-23T11:30:00.000Z","rolloutId":"r1","stage":"Canary"}"#,
        );
        let other = event(
            r#"{"kind":"stage.completed","ts":"2026-11-23T10:00:00.000Z","rolloutId":"r1","stage":"Full"}"#,
        );
        let key = |e| event_key(e).unwrap();
        assert_eq!(key(&first), key(&again));
        assert_ne!(key(&first), key(&other));
        let id = message_id(
            &key(&first),
            "slack",
            "https://hooks.slack.com/services/T/B/X",
        );
        assert_eq!(
            id,
            message_id(
                &key(&again),
                "slack",
                "https://hooks.slack.com/services/T/B/X"
            )
        );
        assert_ne!(id, message_id(&key(&first), "teams", "https://x.example/w"));
        assert!(event_key(&event(r#"{"kind":"manual","title":"t"}"#)).is_none());
        let test_at = |t: &str| {
            event_key(&event(&format!(
                r#"{{"kind":"stress.result","rolloutId":"r1","endpointUrl":"http://e/","timestamp":"{t}"}}"#
            )))
        };
        assert_ne!(
            test_at("10:00"),
            test_at("10:05"),
            "another test of the endpoint"
        );
    }

    #[test]
    fn the_log_survives_a_torn_line_and_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".sentinel/notifications-sent.ndjson");
        let (logger, _) = Logger::buffer("sentinel-notify");
        let log = SentLog::open(path.clone());
        log.record("msg_a", "slack", "stage.completed", Some("r1"), &logger);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"id\":\"msg_b")
            .unwrap();
        let reopened = SentLog::open(path.clone());
        assert!(reopened.contains("msg_a"));
        assert!(!reopened.contains("msg_b"));
        reopened.record("msg_c", "slack", "stage.completed", Some("r1"), &logger);
        assert!(
            SentLog::open(path).contains("msg_c"),
            "a record after a torn line is kept"
        );
    }
}
