//! Man pages and shell completions generated from the tools' clap definitions, so `--help`,
//! `man` and tab completion can never disagree.
//!
//! Pages: `man/sentinel-<tool>.1` (and one per subcommand, `sentinel-<tool>-<verb>.1`),
//! `man/sentinel-events.7` from the event table in `sentinel-core`; completions in
//! `man/completions/`.

use clap_complete::Shell;
use roff::{Roff, bold, roman};
use sentinel_core::events::KINDS;
use sentinel_core::exit::Exit;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One tool: its name, its command definition, and what works in this build.
#[derive(Debug)]
pub struct Tool {
    pub name: &'static str,
    pub command: fn() -> clap::Command,
    pub status: &'static str,
    /// Sections of the man page beyond the generated ones: crates' `man/sections.txt`.
    pub extra: &'static [&'static str],
}

/// The six tools of the suite.
pub fn tools() -> Vec<Tool> {
    vec![
        Tool {
            name: "sentinel-trigger",
            command: <sentinel_trigger::Cli as clap::CommandFactory>::command,
            status: sentinel_trigger::STATUS,
            extra: &[sentinel_provider::MAN_SECTIONS],
        },
        Tool {
            name: "sentinel-watch",
            command: <sentinel_watch::Cli as clap::CommandFactory>::command,
            status: sentinel_watch::STATUS,
            extra: &[
                sentinel_provider::MAN_SECTIONS,
                sentinel_watch::MAN_SECTIONS,
            ],
        },
        Tool {
            name: "sentinel-stress",
            command: <sentinel_stress::Cli as clap::CommandFactory>::command,
            status: sentinel_stress::STATUS,
            extra: &[sentinel_stress::MAN_SECTIONS],
        },
        Tool {
            name: "sentinel-notify",
            command: <sentinel_notify::Cli as clap::CommandFactory>::command,
            status: sentinel_notify::STATUS,
            extra: &[sentinel_notify::MAN_SECTIONS],
        },
        Tool {
            name: "sentinel-state",
            command: <sentinel_state::Cli as clap::CommandFactory>::command,
            status: sentinel_state::STATUS,
            extra: &[sentinel_state::MAN_SECTIONS],
        },
        Tool {
            name: "sentinel-branch",
            command: <sentinel_branch::Cli as clap::CommandFactory>::command,
            status: sentinel_branch::STATUS,
            extra: &[],
        },
    ]
}

/// Every generated file, keyed by its path under `man/`.
pub fn render_all() -> std::io::Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for tool in tools() {
        let mut command = (tool.command)().disable_help_subcommand(true);
        command.build();
        render_pages(&command, &tool, true, &mut files)?;
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut (tool.command)(), tool.name, &mut script);
            let file = match shell {
                Shell::Bash => format!("{}.bash", tool.name),
                Shell::Zsh => format!("_{}", tool.name),
                Shell::Fish => format!("{}.fish", tool.name),
                _ => format!("{}.ps1", tool.name),
            };
            files.insert(PathBuf::from("completions").join(file), script);
        }
    }
    files.insert(
        PathBuf::from("sentinel-events.7"),
        events_page().into_bytes(),
    );
    Ok(files)
}

fn render_pages(
    command: &clap::Command,
    tool: &Tool,
    top_level: bool,
    files: &mut BTreeMap<PathBuf, Vec<u8>>,
) -> std::io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_pages(sub, tool, false, files)?;
    }
    let man = clap_mangen::Man::new(command.clone())
        .source(format!("Deploy Sentinel {}", sentinel_core::VERSION))
        .manual("Deploy Sentinel");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if command.has_subcommands() {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some(examples) = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
    {
        page.extend(
            preformatted_section("EXAMPLES", &examples.to_string().replace("Examples:\n", ""))
                .into_bytes(),
        );
    }
    if top_level {
        page.extend(common_sections(tool).into_bytes());
    }
    let name = command
        .get_display_name()
        .unwrap_or_else(|| command.get_name());
    files.insert(PathBuf::from(format!("{name}.1")), page);
    Ok(())
}

fn preformatted_section(title: &str, text: &str) -> String {
    let mut roff = Roff::new();
    roff.control("SH", [title]).control("nf", []);
    for line in text.lines() {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
    roff.to_roff()
}

/// The sections of a `man/sections.txt`: a line `## TITLE` starts one, the lines up to the
/// next such line are its text (one paragraph a line).
pub fn sections(file: &'static str) -> Vec<(&'static str, String)> {
    let mut sections: Vec<(&'static str, String)> = Vec::new();
    for line in file.lines() {
        match (line.strip_prefix("## "), sections.last_mut()) {
            (Some(title), _) => sections.push((title.trim(), String::new())),
            (None, Some((_, text))) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    for (_, text) in &mut sections {
        text.truncate(text.trim_end().len());
    }
    sections
}

fn common_sections(tool: &Tool) -> String {
    let mut roff = Roff::new();
    for (title, text) in tool.extra.iter().flat_map(|file| sections(file)) {
        roff.control("SH", [title]);
        for paragraph in text.lines() {
            roff.text([roman(paragraph)]).control("PP", []);
        }
    }
    roff.control("SH", ["EXIT STATUS"]);
    for exit in Exit::ALL {
        roff.control("TP", [])
            .text([bold(exit.code().to_string())])
            .text([roman(exit.meaning())]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*meaning)]);
    }
    roff.control("SH", ["FILES"]);
    for (name, meaning) in FILES {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*meaning)]);
    }
    roff.control("SH", ["STATUS"])
        .text([roman(tool.status.trim_end())]);
    roff.control("SH", ["SEE ALSO"]);
    let others: Vec<String> = tools()
        .iter()
        .filter(|t| t.name != tool.name)
        .map(|t| format!("{}(1)", t.name))
        .chain(["sentinel-events(7)".to_owned()])
        .collect();
    roff.text([roman(others.join(", "))]);
    roff.to_roff()
}

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "SENTINEL_CONFIG",
        "Path of the config file (instead of ./.deploy-sentinel-config.json).",
    ),
    (
        "SENTINEL_STATE_DIR",
        "The state directory (instead of the current directory).",
    ),
    (
        "SENTINEL_SERVICE_GROUP, SENTINEL_SERVICE_ID, SENTINEL_STAGE_MAP, SENTINEL_ENVIRONMENT, SENTINEL_PROVIDER, SENTINEL_ARTIFACT_VERSION, SENTINEL_POLLING_INTERVAL, SENTINEL_MAX_RETRIES",
        "Override the config file; command-line flags override these.",
    ),
    (
        "SENTINEL_TEAMS_WEBHOOK, SENTINEL_SLACK_WEBHOOK, SENTINEL_WEBHOOK_URL",
        "Notification webhook URLs; they are secrets and are never printed unmasked.",
    ),
    (
        "SENTINEL_STATE_URL",
        "sentinel-state: where state, journal and lock live, as --state-url (azblob://ACCOUNT/CONTAINER/PREFIX).",
    ),
    (
        "AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_ACCOUNT",
        "The azblob state backend's credentials (an account key, or a SAS token) and, if set, the account they are for; secrets, never printed.",
    ),
    (
        "SENTINEL_AZBLOB_ENDPOINT, SENTINEL_AZBLOB_LEASE_SECONDS",
        "The blob service URL (default https://ACCOUNT.blob.core.windows.net; Azurite: http://127.0.0.1:10000/devstoreaccount1) and the lock lease's length, 15 to 60 seconds (default 60).",
    ),
    (
        "NO_COLOR",
        "When set and not empty, no colour (unless --color always).",
    ),
    ("TERM", "dumb turns colour off."),
    (
        "GITHUB_ACTIONS, TF_BUILD",
        "Errors and warnings are also written as GitHub Actions or Azure Pipelines annotations.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        ".deploy-sentinel-config.json",
        "DeploymentConfig, written by the user.",
    ),
    (
        ".deploy-sentinel-state.json",
        "RolloutState, schemaVersion 1.0, written atomically (through a new .deploy-sentinel-state.json.<pid>.<n>.tmp while writing, .deploy-sentinel-state.json.bak the last good copy). None of the suite's files or directories is ever written through a symbolic link: a symlink where one should be is refused (exit 5).",
    ),
    (
        ".deploy-sentinel-events.ndjson",
        "Append-only journal of every event applied.",
    ),
    (
        ".deploy-sentinel.lock",
        "The run lock: id, pid, host, user, operation, created, rolloutId.",
    ),
    (
        ".sentinel/rollouts/<rolloutId>/",
        "The local provider's engine status and approvals.",
    ),
];

const RULES: &[&str] = &[
    "Pass-through. A tool that reads events writes every input line to stdout unchanged and in order, and writes its own events right after the line that caused them (--no-pass-through turns it off). The one exception is sentinel-notify: it passes lines on at once and writes notify.sent/notify.failed when each delivery ends, so they can come after later lines.",
    "Unknown is not an error. Unknown kinds and unknown fields pass through untouched.",
    "Bad input gets a clear error, nothing lost. A line that is not a JSON object — or an event of a kind listed here with a repeated key or a field of the wrong type or range (stage.started with index -1) — is reported on stderr with its line number and a short excerpt; the tool then exits 2 after passing on everything before it. --skip-invalid reports and continues. Unknown kinds may repeat keys (but not \"kind\" itself, which readers would take two ways); they pass untouched.",
    "stdout is data only. Human text goes to stderr; progress bars only when stderr is a terminal; colour obeys NO_COLOR, TERM=dumb and --color.",
    "Broken pipe on stdout ends the tool quietly with exit 0 once its own work is safe.",
    "Signals. SIGINT and SIGTERM end sentinel-state apply, sentinel-notify, sentinel-watch, sentinel-stress and sentinel-branch create with exit 130 after the line in hand is passed on, handled and written (a load test in progress stops and reports what it measured; sentinel-notify gives the delivery in hand one attempt's --timeout to end, retries nothing more, and keeps every message not delivered in its fallback log, each with notify.failed); a tool started with SIGINT ignored (in the background of a non-interactive shell) still stops on SIGINT. A second signal ends the tool at once with 130, without waiting for the work in hand (a load test's requests in flight wait up to their --timeout otherwise). sentinel-state lock forwards them to its command.",
    "Secrets never appear in events, logs or error messages; webhook URLs are shown with path and query masked.",
];

/// `sentinel-events(7)`: the stream contract, from the same table the code uses.
pub fn events_page() -> String {
    let mut roff = Roff::new();
    roff.control(
        "TH",
        [
            "SENTINEL-EVENTS",
            "7",
            "",
            &format!("Deploy Sentinel {}", sentinel_core::VERSION),
            "Deploy Sentinel",
        ],
    );
    roff.control("SH", ["NAME"]).text([roman(
        "sentinel-events \\- the newline-delimited JSON event stream of Deploy Sentinel",
    )]);
    roff.control("SH", ["DESCRIPTION"]).text([roman(
        "The tools exchange one JSON object per line, UTF-8, terminated by a newline and flushed after every line, so a downstream tool sees each event the moment it is written.",
    )]);
    roff.control("SH", ["ENVELOPE"]);
    for (field, meaning) in [
        ("v", "schema version of the envelope, 1"),
        ("kind", "<noun>.<verb>, from the table below"),
        (
            "ts",
            "RFC 3339 UTC with milliseconds, e.g. 2026-11-23T18:04:05.123Z",
        ),
        ("source", "the tool that wrote it, e.g. sentinel-watch"),
        (
            "rolloutId",
            "present whenever the event belongs to a rollout",
        ),
    ] {
        roff.control("TP", [])
            .text([bold(field)])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["KINDS"]);
    for kind in KINDS {
        roff.control("TP", [])
            .text([
                bold(kind.kind),
                roman(format!(" (written by {})", kind.written_by)),
            ])
            .text([roman(format!(
                "{}. Fields: {}.",
                capitalise(kind.meaning),
                kind.payload
            ))]);
    }
    roff.control("SH", ["STATUSES"]);
    use sentinel_core::status::{OverallStatus, StageStatus, WaitActionStatus};
    fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
        all.iter().map(|s| name(*s)).collect::<Vec<_>>().join(", ")
    }
    let in_state =
        "a state file with any other value is refused with the hint to run sentinel-state repair";
    for (field, values, otherwise) in [
        (
            "overallStatus",
            names(OverallStatus::ALL, OverallStatus::as_str),
            "an event with any other value is an invalid line",
        ),
        (
            "stage status (state file)",
            names(StageStatus::ALL, StageStatus::as_str),
            in_state,
        ),
        (
            "wait action status (state file)",
            names(WaitActionStatus::ALL, WaitActionStatus::as_str),
            in_state,
        ),
    ] {
        roff.control("TP", [])
            .text([bold(field)])
            .text([roman(format!("One of {values}; {otherwise}."))]);
    }
    roff.control("SH", ["RULES"]);
    for (number, rule) in RULES.iter().enumerate() {
        roff.control("TP", [])
            .text([bold(format!("{}.", number + 1))])
            .text([roman(*rule)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for exit in Exit::ALL {
        roff.control("TP", [])
            .text([bold(exit.code().to_string())])
            .text([roman(exit.meaning())]);
    }
    roff.control("SH", ["SEE ALSO"]);
    let pages: Vec<String> = tools().iter().map(|t| format!("{}(1)", t.name)).collect();
    roff.text([roman(pages.join(", "))]);
    roff.to_roff()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
