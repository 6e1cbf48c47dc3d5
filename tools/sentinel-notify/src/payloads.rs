//! Shaping a message for each channel: Teams (Workflows Adaptive Card 1.4, or the flat JSON
//! Power Automate flows parse), Slack (text + blocks), Discord (content + one embed).

use crate::cli::Status;
use crate::message::NotificationMessage;
use serde_json::{Value, json};

/// Teams Workflows reject cards over 28 KB.
pub const TEAMS_MAX_BYTES: usize = 28 * 1024;

/// How much of each text a Teams card may hold; [`teams_card`] tries these from the most
/// generous down until the card fits [`TEAMS_MAX_BYTES`]. The last always fits: its texts
/// are a few hundred bytes at most.
#[derive(Debug, Clone, Copy)]
struct Budget {
    /// Characters of the title and of the body.
    title: usize,
    body: usize,
    /// Facts shown, and characters of each value.
    facts: usize,
    fact: usize,
    /// Items of a list (regions) before "… and N more".
    items: usize,
    /// Errors shown, and characters of each.
    errors: usize,
    error: usize,
}

const BUDGETS: [Budget; 5] = [
    Budget {
        title: 500,
        body: 4000,
        facts: 20,
        fact: 1000,
        items: 50,
        errors: 10,
        error: 1000,
    },
    Budget {
        title: 300,
        body: 2000,
        facts: 15,
        fact: 400,
        items: 20,
        errors: 5,
        error: 400,
    },
    Budget {
        title: 200,
        body: 800,
        facts: 10,
        fact: 200,
        items: 10,
        errors: 3,
        error: 200,
    },
    Budget {
        title: 150,
        body: 300,
        facts: 6,
        fact: 100,
        items: 5,
        errors: 1,
        error: 150,
    },
    Budget {
        title: 100,
        body: 100,
        facts: 3,
        fact: 50,
        items: 2,
        errors: 0,
        error: 0,
    },
];

/// `items` joined with ", ", the first `keep` of them, then "… and N more".
fn summarised(items: &[String], keep: usize) -> String {
    let mut shown = items
        .iter()
        .take(keep)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > keep {
        if !shown.is_empty() {
            shown.push_str(", ");
        }
        shown.push_str(&format!("… and {} more", items.len() - keep));
    }
    shown
}

/// A URL as RFC 3986 allows it in a URI: every byte outside its unreserved and reserved
/// characters percent-encoded, so a literal `|`, space or `"` cannot make the Adaptive Card
/// schema (or Slack) reject the whole message. A `%` stays only where it starts an escape;
/// `[` `]` stay only in the host (an IPv6 literal), and `#` only once (it starts the fragment).
pub fn uri(url: &str) -> String {
    let bytes = url.as_bytes();
    let authority = url.find("://").map_or(0..0, |scheme_end| {
        let start = scheme_end + 3;
        let end = url[start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| start + i);
        start..end
    });
    let mut out = String::with_capacity(url.len());
    let mut in_fragment = false;
    for (at, &b) in bytes.iter().enumerate() {
        let allowed = match b {
            b'%' => bytes
                .get(at + 1..at + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
            b'[' | b']' => authority.contains(&at),
            b'#' => !std::mem::replace(&mut in_fragment, true),
            _ => b.is_ascii_alphanumeric() || b"-._~:/?@!$&'()*+,;=".contains(&b),
        };
        if allowed {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn facts(message: &NotificationMessage) -> Vec<(String, String)> {
    facts_within(message, usize::MAX)
}

/// The facts, regions summarised after `items` of them.
fn facts_within(message: &NotificationMessage, items: usize) -> Vec<(String, String)> {
    let mut facts = message.facts.clone();
    let mut add = |k: &str, v: &Option<String>| {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            facts.push((k.to_owned(), v.clone()));
        }
    };
    add("Service", &message.service_group_name);
    add("Environment", &message.environment);
    add("Version", &message.artifact_version);
    add("Duration", &message.duration);
    if !message.deployed_regions.is_empty() {
        facts.push((
            "Regions".into(),
            summarised(&message.deployed_regions, items),
        ));
    }
    facts.push(("Time".into(), message.timestamp.clone()));
    facts
}

/// The error list, cut to `keep` entries with "... N more".
fn errors(message: &NotificationMessage, keep: usize) -> Vec<String> {
    let mut list: Vec<String> = message.error_summary.iter().take(keep).cloned().collect();
    if message.error_summary.len() > keep {
        list.push(format!("... {} more", message.error_summary.len() - keep));
    }
    list
}

fn adaptive_color(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Succeeded) => "Good",
        Some(Status::Failed) => "Attention",
        Some(Status::Warning) => "Warning",
        _ => "Default",
    }
}

/// The Workflows `message` envelope around an Adaptive Card 1.4 (1.5 cards render as errors
/// in Workflows; the retired Office 365 connector MessageCard is not sent). Whatever the
/// input, the body stays under [`TEAMS_MAX_BYTES`]: long texts are cut with "…", long lists
/// summarised ("… and 650 more"), at the most generous [`BUDGETS`] entry that fits.
pub fn teams_card(message: &NotificationMessage) -> Value {
    for budget in &BUDGETS[..BUDGETS.len() - 1] {
        let card = teams_card_with(message, budget);
        if card.to_string().len() <= TEAMS_MAX_BYTES {
            return card;
        }
    }
    teams_card_with(message, &BUDGETS[BUDGETS.len() - 1])
}

fn teams_card_with(message: &NotificationMessage, budget: &Budget) -> Value {
    let mut body = vec![
        json!({"type": "TextBlock", "text": truncate(&message.title, budget.title), "size": "Large", "weight": "Bolder", "wrap": true, "color": adaptive_color(message.status)}),
    ];
    if !message.body.is_empty() {
        body.push(json!({"type": "TextBlock", "text": truncate(&message.body, budget.body), "wrap": true}));
    }
    let all = facts_within(message, budget.items);
    let mut facts: Vec<Value> = all
        .iter()
        .take(budget.facts)
        .map(|(title, value)| json!({"title": truncate(title, 100), "value": truncate(value, budget.fact)}))
        .collect();
    if all.len() > budget.facts {
        facts
            .push(json!({"title": "…", "value": format!("and {} more", all.len() - budget.facts)}));
    }
    body.push(json!({"type": "FactSet", "facts": facts}));
    if !message.error_summary.is_empty() {
        let mut lines: Vec<String> = message
            .error_summary
            .iter()
            .take(budget.errors)
            .map(|e| format!("- {}", truncate(e, budget.error)))
            .collect();
        if message.error_summary.len() > budget.errors {
            lines.push(format!(
                "… and {} more",
                message.error_summary.len() - budget.errors
            ));
        }
        body.push(json!({"type": "TextBlock", "text": "Errors", "weight": "Bolder", "color": "Attention"}));
        body.push(json!({"type": "TextBlock", "text": lines.join("\n"), "wrap": true}));
    }
    let mut content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some(url) = message.dashboard_url.as_deref().filter(|u| u.len() <= 2048) {
        content["actions"] =
            json!([{"type": "Action.OpenUrl", "title": "Open dashboard", "url": uri(url)}]);
    }
    json!({
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": content}]
    })
}

/// The flat JSON of the original specification's Power Automate flows.
pub fn teams_flow(message: &NotificationMessage, event: &serde_json::Map<String, Value>) -> Value {
    let errors: Vec<Value> = message
        .error_summary
        .iter()
        .map(|e| json!({"stage": event.get("stage").cloned().unwrap_or(Value::Null), "message": e}))
        .collect();
    let mut flow = json!({
        "title": message.title,
        "status": message.status.map(|s| format!("{s:?}")),
        "rolloutId": message.rollout_id,
        "service": message.service_group_name,
        "artifactVersion": message.artifact_version,
        "stageMapVersion": message.stage_map_version,
        "regions": message.deployed_regions,
        "timestamp": message.timestamp,
        "errors": errors,
        "actionUrl": message.dashboard_url.as_deref().map(uri),
    });
    if event.get("kind").and_then(Value::as_str) == Some("stress.result") {
        let keys = [
            "endpointUrl",
            "errorRate",
            "p95ResponseTime",
            "p99ResponseTime",
            "requestsPerSecond",
            "violations",
            "passed",
        ];
        let stress: serde_json::Map<String, Value> = keys
            .iter()
            .filter_map(|k| event.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        flow["stressTestResults"] = Value::Object(stress);
    }
    flow
}

/// Slack: `text` for notifications and old clients, blocks for the message itself.
pub fn slack(message: &NotificationMessage) -> Value {
    // Every text from input is escaped for mrkdwn: a title "<!channel>" must not notify
    // the channel, a value "<http://evil|click me>" must not become a disguised link.
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": truncate(&message.title, 150), "emoji": true}}),
    ];
    if !message.body.is_empty() {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": slack_text(&message.body, 3000)}}));
    }
    let fields: Vec<Value> = facts(message)
        .into_iter()
        .take(10)
        .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{}*\n{}", slack_text(&k, 100), slack_text(&v, 1900))}))
        .collect();
    blocks.push(json!({"type": "section", "fields": fields}));
    let errors = errors(message, 10);
    if !errors.is_empty() {
        let list: Vec<String> = errors
            .iter()
            .map(|e| format!("• {}", slack_escape(e)))
            .collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": cut_escaped(&format!("*Errors*\n{}", list.join("\n")), 3000)}}));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("Deploy Sentinel · {}", slack_escape(&message.event_kind))}]}));
    // Slack refuses a button URL over 3000 characters, and one that is not a URI.
    if let Some(url) = message
        .dashboard_url
        .as_deref()
        .map(uri)
        .filter(|u| u.len() <= 3000)
    {
        blocks.push(json!({"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open dashboard"}, "url": url}]}));
    }
    json!({"text": slack_text(&message.title, 3000), "blocks": blocks})
}

/// Slack's mrkdwn escaping: `&`, `<` and `>` as entities, so no text can become a mention,
/// a channel ping or a link.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escaped, then cut to `max` characters without leaving half an entity.
fn slack_text(text: &str, max: usize) -> String {
    cut_escaped(&slack_escape(text), max)
}

fn cut_escaped(escaped: &str, max: usize) -> String {
    let mut cut = truncate(escaped, max);
    if cut.ends_with('…') {
        let body = &cut[..cut.len() - '…'.len_utf8()];
        // "&am…": drop the broken entity.
        if let Some(amp) = body.rfind('&').filter(|&i| !body[i..].contains(';')) {
            cut = format!("{}…", &body[..amp]);
        }
    }
    cut
}

/// Discord: `content` plus one embed with fields and a colour.
pub fn discord(message: &NotificationMessage) -> Value {
    let color = match message.status {
        Some(Status::Succeeded) => 0x2e_a0_43,
        Some(Status::Failed) => 0xd1_24_2f,
        Some(Status::Warning) => 0xbf_87_00,
        _ => 0x09_69_da,
    };
    let mut fields: Vec<Value> = facts(message)
        .into_iter()
        .take(20)
        .map(|(k, v)| json!({"name": k, "value": truncate(&v, 1000), "inline": true}))
        .collect();
    let errors = errors(message, 10);
    if !errors.is_empty() {
        fields.push(
            json!({"name": "Errors", "value": truncate(&errors.join("\n"), 1000), "inline": false}),
        );
    }
    let mut embed = json!({
        "title": truncate(&message.title, 256),
        "description": truncate(&message.body, 4000),
        "color": color,
        "fields": fields,
        "timestamp": message.timestamp,
    });
    if let Some(url) = &message.dashboard_url {
        embed["url"] = json!(uri(url));
    }
    // No @everyone, @here, role or user mention from any text: Discord parses none.
    json!({"content": truncate(&message.title, 2000), "embeds": [embed], "allowed_mentions": {"parse": []}})
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_teams_card_stays_under_28_kb_whatever_the_input() {
        let regions: Vec<String> = (0..700)
            .map(|n| format!("region-{n:04}-westeurope"))
            .collect();
        let huge = NotificationMessage {
            title: "t".repeat(50_000),
            body: format!("Stage failed in {}", regions.join(", ")),
            deployed_regions: regions,
            facts: (0..100)
                .map(|n| (format!("k{n}"), "v".repeat(5_000)))
                .collect(),
            error_summary: vec!["x".repeat(100_000)],
            ..message(0)
        };
        let card = teams_card(&huge);
        let size = card.to_string().len();
        assert!(size <= TEAMS_MAX_BYTES, "{size} bytes");
        let text = card.to_string();
        assert!(
            text.contains(" more\""),
            "long lists are summarised: {}",
            &text[..500]
        );
        // 700 regions alone: listed once, the first 50 and "… and 650 more".
        let many = NotificationMessage {
            deployed_regions: (0..700).map(|n| format!("r{n}")).collect(),
            ..message(0)
        };
        let card = teams_card(&many).to_string();
        assert!(card.contains("r49, … and 650 more"), "{card}");
        assert_eq!(card.matches("r1,").count(), 1, "regions are listed once");
        // One over-long error is cut with an ellipsis, not replaced by "… 1 more".
        let one_long = NotificationMessage {
            error_summary: vec!["y".repeat(100_000)],
            ..message(0)
        };
        let errors = teams_card(&one_long).to_string();
        assert!(errors.contains("yyy…"), "{}", errors.len());
        assert!(!errors.contains("1 more"));
    }

    #[test]
    fn a_dashboard_url_becomes_a_valid_uri() {
        assert_eq!(
            uri("https://dash.example/r?a=1|2&b=x y\"z<"),
            "https://dash.example/r?a=1%7C2&b=x%20y%22z%3C"
        );
        assert_eq!(uri("https://dash.example/ü"), "https://dash.example/%C3%BC");
        let card = teams_card(&NotificationMessage {
            dashboard_url: Some("https://dash.example/a|b".into()),
            ..message(0)
        });
        let actions = &card["attachments"][0]["content"]["actions"][0];
        assert_eq!(actions["url"], "https://dash.example/a%7Cb");
        for (given, encoded) in [
            (
                "http://[::1]:8080/a[0]?q=100%#top#x",
                "http://[::1]:8080/a%5B0%5D?q=100%25#top%23x",
            ),
            ("https://d.example/a%20b c", "https://d.example/a%20b%20c"),
            ("https://d.example/é", "https://d.example/%C3%A9"),
        ] {
            assert_eq!(uri(given), encoded);
        }
    }

    #[test]
    fn no_text_from_input_becomes_slack_markup_or_a_discord_mention() {
        let hostile = NotificationMessage {
            title: "Release 1.5.0 <!channel>".into(),
            body: "503 <Service Unavailable> & retry".into(),
            facts: vec![("Reason".into(), "<http://evil.example|click me>".into())],
            error_summary: vec!["<@U123> broke it".into()],
            ..message(0)
        };
        // Every text Slack parses as mrkdwn (the top-level text and "mrkdwn" objects); the
        // header is plain_text, shown as written and never parsed for mentions or links.
        fn mrkdwn(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if map.get("type") == Some(&json!("mrkdwn")) {
                        out.push(map["text"].as_str().unwrap_or_default().to_owned());
                    }
                    map.values().for_each(|v| mrkdwn(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| mrkdwn(v, out)),
                _ => {}
            }
        }
        let payload = slack(&hostile);
        let mut texts = vec![payload["text"].as_str().unwrap().to_owned()];
        mrkdwn(&payload, &mut texts);
        let parsed = texts.join("\n");
        for raw in ["<!channel>", "<Service", "<http://evil", "<@U123>", " & "] {
            assert!(
                !parsed.contains(raw),
                "{raw} reached Slack unescaped: {parsed}"
            );
        }
        assert!(
            parsed.contains("&lt;!channel&gt;") && parsed.contains("&amp; retry"),
            "{parsed}"
        );
        let discord = discord(&hostile);
        assert_eq!(discord["allowed_mentions"], json!({"parse": []}));
        assert_eq!(cut_escaped("ab &amp; cd", 6), "ab …");
    }

    fn message(errors: usize) -> NotificationMessage {
        NotificationMessage {
            title: "❌ Deployment failed".into(),
            status: Some(Status::Failed),
            body: "stopped".into(),
            service_group_name: Some("Contoso.Orders".into()),
            error_summary: (0..errors)
                .map(|i| format!("error number {i} {}", "x".repeat(200)))
                .collect(),
            timestamp: "2026-11-23T18:04:05.123Z".into(),
            dashboard_url: Some("https://dashboard.example/r1".into()),
            event_kind: "rollout.failed".into(),
            ..Default::default()
        }
    }

    #[test]
    fn teams_card_is_an_adaptive_card_1_4_in_the_workflows_envelope() {
        let card = teams_card(&message(2));
        assert_eq!(card["type"], "message");
        let attachment = &card["attachments"][0];
        assert_eq!(
            attachment["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        let content = &attachment["content"];
        assert_eq!(
            (content["type"].as_str(), content["version"].as_str()),
            (Some("AdaptiveCard"), Some("1.4"))
        );
        assert_eq!(content["body"][0]["text"], "❌ Deployment failed");
        assert_eq!(content["body"][0]["color"], "Attention");
        assert_eq!(content["body"][2]["type"], "FactSet");
        assert_eq!(content["actions"][0]["type"], "Action.OpenUrl");
    }

    #[test]
    fn a_long_error_list_is_cut_to_fit_28_kb() {
        let card = teams_card(&message(500));
        let text = card.to_string();
        assert!(text.len() <= TEAMS_MAX_BYTES, "{} bytes", text.len());
        assert!(text.contains("more"), "the cut says how many are left out");
    }

    #[test]
    fn teams_flow_is_the_flat_json_power_automate_parses() {
        let mut m = message(1);
        m.rollout_id = Some("r1".into());
        m.artifact_version = Some("1.4.2".into());
        m.deployed_regions = vec!["eastus".into()];
        let event: serde_json::Map<String, Value> = serde_json::from_str(
            r#"{"kind":"stress.result","stage":"Canary","endpointUrl":"http://127.0.0.1:1/","errorRate":5.2,"p95ResponseTime":12.0,"passed":false,"histogram":"HISTFAAAA"}"#,
        )
        .unwrap();
        let flow = teams_flow(&m, &event);
        for key in [
            "title",
            "status",
            "rolloutId",
            "service",
            "artifactVersion",
            "stageMapVersion",
            "regions",
            "timestamp",
            "errors",
            "actionUrl",
        ] {
            assert!(flow.get(key).is_some(), "{key} missing: {flow}");
        }
        assert_eq!(flow["status"], "Failed");
        assert_eq!(flow["errors"][0]["stage"], "Canary");
        assert_eq!(flow["stressTestResults"]["errorRate"], 5.2);
        assert!(
            flow["stressTestResults"].get("histogram").is_none(),
            "only the numbers a flow shows"
        );
    }

    #[test]
    fn slack_and_discord_shapes() {
        let slack = slack(&message(1));
        assert_eq!(slack["text"], "❌ Deployment failed");
        assert_eq!(slack["blocks"][0]["type"], "header");
        assert!(
            slack["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["type"] == "actions")
        );
        let discord = discord(&message(1));
        assert_eq!(discord["embeds"][0]["color"], 0xd1242f);
        assert_eq!(discord["embeds"][0]["url"], "https://dashboard.example/r1");
    }
}
