//! Event text for this crate's integration tests.
#![allow(dead_code)]

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_sentinel-state");

pub(crate) fn event(kind: &str, rollout: &str, ts: &str, fields: &str) -> String {
    format!(
        r#"{{"v":1,"kind":"{kind}","ts":"{ts}","source":"test","rolloutId":"{rollout}",{fields}}}"#
    )
}

pub(crate) fn triggered(rollout: &str, ts: &str) -> String {
    event(
        "rollout.triggered",
        rollout,
        ts,
        r#""serviceGroupName":"Contoso.Orders","serviceId":"8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b","environment":"Staging","stageMapName":"m","stageMapVersion":"1","artifactVersion":"1.0.0","provider":"local","stages":[{"name":"Staging","regions":["westus"]}],"resumed":false"#,
    )
}

/// `stage.started` of stage `S<n>`, distinct per `n` so the journal never sees a duplicate.
pub(crate) fn numbered(rollout: &str, n: u64) -> String {
    let ts = format!(
        "2026-11-23T10:{:02}:{:02}.{:03}Z",
        (n / 60_000) % 60,
        (n / 1000) % 60,
        n % 1000
    );
    event(
        "stage.started",
        rollout,
        &ts,
        &format!(r#""stage":"S{n}","index":{n},"regions":[]"#),
    )
}

pub(crate) fn completed(rollout: &str, ts: &str) -> String {
    event(
        "rollout.completed",
        rollout,
        ts,
        r#""overallStatus":"Completed","durationMs":5,"deployedRegions":["westus"],"errors":[]"#,
    )
}

pub(crate) fn lines(items: &[String]) -> String {
    let mut text = items.join("\n");
    text.push('\n');
    text
}

pub(crate) fn state_json(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(".deploy-sentinel-state.json"))
        .expect("state file exists");
    serde_json::from_str(&text).expect("state file parses")
}

/// Run `sentinel-state ARGS --state-dir DIR` with `input` on stdin.
pub(crate) fn state_with_input(
    dir: &std::path::Path,
    args: &[&str],
    input: &str,
) -> sentinel_test_support::Run {
    sentinel_test_support::tool(BIN)
        .args(args)
        .arg("--state-dir")
        .arg(dir)
        .stdin(input.to_owned())
        .run()
}
