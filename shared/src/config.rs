//! DeploymentConfig (README.md, Configuration; sentinel-state(1), FILES): loading, layering and validation.
//!
//! Where a value comes from, strongest first: command-line flags, `SENTINEL_*` environment
//! variables, the config file, built-in defaults. The file is `--config`, else
//! `$SENTINEL_CONFIG`, else `.deploy-sentinel-config.json` in the current directory.
//! Validation messages name the field, the bad value, and where the right value is found.

use crate::clock::{format_duration, parse_duration};
use crate::error::{Error, Result};
use crate::redact::{Secret, mask_url};
use crate::versions::{SemVer, VersionSource, check_version};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The config file looked for in the current directory.
pub const DEFAULT_CONFIG_FILE: &str = ".deploy-sentinel-config.json";
/// The shortest `pollingInterval` accepted: shorter is a busy loop, not a poll.
pub const MIN_POLLING_INTERVAL: Duration = Duration::from_millis(10);

/// The environment variable naming another config file.
pub const CONFIG_ENV: &str = "SENTINEL_CONFIG";

/// Which engine carries out the rollout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// The embedded engine on this machine; needs nothing installed.
    #[default]
    Local,
    /// Azure EV2 through its MCP server.
    Ev2,
    /// Azure DevOps pipelines.
    Ado,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Local => "local",
            ProviderKind::Ev2 => "ev2",
            ProviderKind::Ado => "ado",
        }
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = Error;

    /// A provider's name as config, flags and the environment spell it (any case).
    fn from_str(name: &str) -> Result<Self> {
        [ProviderKind::Local, ProviderKind::Ev2, ProviderKind::Ado]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::usage(format!("{name:?} is not a provider: use local, ev2 or ado"))
            })
    }
}

/// A duration in config: `"30s"`, `"15m"`, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigDuration(pub Duration);

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(f64),
            Text(String),
        }
        let duration = match Raw::deserialize(deserializer)? {
            Raw::Seconds(s) => crate::clock::seconds_to_duration(s)
                .map_err(|why| serde::de::Error::custom(format!("{s} is not a duration: {why}")))?,
            Raw::Text(text) => parse_duration(&text).map_err(serde::de::Error::custom)?,
        };
        Ok(ConfigDuration(duration))
    }
}

impl Serialize for ConfigDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&humantime::format_duration(self.0).to_string())
    }
}

/// Load and thresholds for `sentinel-stress` in pipeline mode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StressTestConfig {
    #[serde(default)]
    pub endpoints: Vec<String>,
    pub requests: Option<u64>,
    pub duration: Option<ConfigDuration>,
    pub concurrency: Option<u32>,
    pub rate: Option<f64>,
    pub max_error_rate: Option<f64>,
    pub max_p95_ms: Option<f64>,
    pub max_p99_ms: Option<f64>,
    pub baseline_file: Option<PathBuf>,
    pub max_latency_ratio: Option<f64>,
    /// Highest error-rate increase over the baseline, in percentage points.
    pub max_error_rate_increase: Option<f64>,
}

/// Where `sentinel-watch analyze` reads metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AnalysisProviderKind {
    /// Read Prometheus text-format `/metrics` endpoints directly: no server needed.
    #[default]
    Scrape,
    /// PromQL over a Prometheus server's HTTP API.
    Prometheus,
}

/// `analysis`: how each phase is judged on metrics of real traffic (sentinel-watch(1),
/// ANALYSIS). Every field can be overridden by the flag of the same name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalysisConfig {
    pub provider: Option<AnalysisProviderKind>,
    /// The Prometheus server, for provider `prometheus`.
    pub address: Option<String>,
    /// The `/metrics` URLs to read, for provider `scrape`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scrape: Vec<String>,
    /// The environment variable holding the `Authorization` header value for Prometheus.
    pub auth_header_env: Option<String>,
    /// The canary cohort: label matchers (`version="{version}"`), or with `scrape` URLs.
    pub canary: Option<String>,
    /// The baseline cohort, as `canary`.
    pub baseline: Option<String>,
    pub interval: Option<ConfigDuration>,
    pub samples: Option<u32>,
    pub min_samples: Option<u32>,
    pub min_requests: Option<u64>,
    pub failure_limit: Option<u32>,
    /// The query counting the canary's requests in the window (for `minRequests`).
    pub traffic: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<AnalysisMetricConfig>,
}

/// One metric of `analysis.metrics`, with its limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalysisMetricConfig {
    pub name: String,
    pub query: String,
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub max_ratio: Option<f64>,
    pub min_ratio: Option<f64>,
}

/// Azure DevOps pipeline to run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipelineConfig {
    pub organization: Option<String>,
    pub project: Option<String>,
    pub pipeline_id: Option<u64>,
    pub branch: Option<String>,
    /// Parameters the pipeline declares; `{version}` and `{environment}` in string values are
    /// filled in.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub template_parameters: BTreeMap<String, serde_json::Value>,
}

/// EV2 settings: how to reach its MCP server, and what each environment means to EV2.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ev2Config {
    /// Command line that starts the EV2 MCP server.
    pub mcp_command: Option<String>,
    /// Which entry of `.vscode/mcp.json` to use.
    pub mcp_server: Option<String>,
    /// Environment name → EV2 endpoint (`"PPE": "Test"`), over the built-in table.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoints: BTreeMap<String, String>,
    /// Environment name → selection scopes used when none are given (flag or `selectionScope`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selection_scopes: BTreeMap<String, Vec<String>>,
    /// Environment name → exclusion scopes used when none are given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exclusion_scopes: BTreeMap<String, Vec<String>>,
    /// How long one MCP call may take (default 120s).
    pub call_timeout: Option<ConfigDuration>,
}

/// One stage of a local-provider rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageConfig {
    pub name: String,
    #[serde(default)]
    pub regions: Vec<String>,
    pub traffic_percent: Option<u32>,
    /// Shell command; `{version}`, `{stage}`, `{region}`, `{percent}` are substituted.
    pub deploy: Option<String>,
    pub rollback: Option<String>,
    pub health_url: Option<String>,
    #[serde(default)]
    pub endpoints: Vec<String>,
    #[serde(default)]
    pub approval: bool,
    pub soak: Option<ConfigDuration>,
    /// How long the local engine waits for `healthUrl` to answer 2xx (default 60s).
    pub health_timeout: Option<ConfigDuration>,
    /// The environments this stage deploys to (case-insensitive); empty: every environment.
    /// One config then describes staging and production.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// The rollout strategies (`--strategy`) this stage belongs to; empty: every strategy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strategies: Vec<String>,
}

impl StageConfig {
    /// The id of the wait action that holds this stage until it is approved. Stage names
    /// that map to the same id are refused at config load ([`DeploymentConfig::problems`]),
    /// so an approval applies to exactly one stage.
    pub fn approval_action_id(&self) -> String {
        approval_action_id(&self.name)
    }

    /// The stage as `rollout.triggered` lists it.
    pub fn info(&self) -> crate::events::StageInfo {
        crate::events::StageInfo {
            name: self.name.clone(),
            regions: self.regions.clone(),
        }
    }

    /// Whether this stage is part of a rollout to `environment` with `strategy`.
    pub fn applies_to(&self, environment: &str, strategy: Option<&str>) -> bool {
        let listed = |list: &[String], wanted: &str| {
            list.is_empty() || list.iter().any(|item| item.eq_ignore_ascii_case(wanted))
        };
        listed(&self.environments, environment)
            && strategy.is_none_or(|strategy| listed(&self.strategies, strategy))
    }
}

/// The user's `.deploy-sentinel-config.json`. Every field is optional in the file; tools ask
/// for what they need through [`DeploymentConfig::require`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentConfig {
    /// Editors' schema hint; ignored.
    #[serde(rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub service_group_name: Option<String>,
    pub service_id: Option<String>,
    pub stage_map_name: Option<String>,
    pub environment: Option<String>,
    pub provider: Option<ProviderKind>,
    #[serde(default)]
    pub selection_scope: Vec<String>,
    #[serde(default)]
    pub exclusion_scope: Vec<String>,
    pub teams_webhook_url: Option<Secret>,
    pub slack_webhook_url: Option<Secret>,
    pub webhook_url: Option<Secret>,
    pub stress_test_config: Option<StressTestConfig>,
    pub pipeline_config: Option<PipelineConfig>,
    pub polling_interval: Option<ConfigDuration>,
    pub max_retries: Option<u32>,
    pub protected_environments: Option<Vec<String>>,
    #[serde(default)]
    pub stages: Vec<StageConfig>,
    pub artifact_version: Option<String>,
    pub stage_map_version: Option<String>,
    pub ev2: Option<Ev2Config>,
    pub analysis: Option<AnalysisConfig>,
    /// Where sentinel-state keeps state, journal and lock: `azblob://ACCOUNT/CONTAINER/PREFIX`
    /// for CI runners that share them, or `local` (the state directory, the default).
    pub state_backend: Option<String>,
    /// Where `artifact_version` came from: the file, or `SENTINEL_ARTIFACT_VERSION`.
    #[serde(skip)]
    pub artifact_version_source: Option<crate::versions::VersionSource>,
}

/// Fields a tool can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ServiceGroupName,
    ServiceId,
    StageMapName,
    Environment,
    Stages,
    PipelineOrganization,
    PipelineProject,
    PipelineId,
}

impl Field {
    /// The JSON path of the field in the config file.
    pub fn json_name(self) -> &'static str {
        match self {
            Field::ServiceGroupName => "serviceGroupName",
            Field::ServiceId => "serviceId",
            Field::StageMapName => "stageMapName",
            Field::Environment => "environment",
            Field::Stages => "stages",
            Field::PipelineOrganization => "pipelineConfig.organization",
            Field::PipelineProject => "pipelineConfig.project",
            Field::PipelineId => "pipelineConfig.pipelineId",
        }
    }

    /// Where a user finds the right value.
    pub fn where_found(self) -> &'static str {
        match self {
            Field::ServiceGroupName => {
                "it is the ServiceGroup in ServiceModel.json (e.g. \"Contoso.Orders\")"
            }
            Field::ServiceId => "it is the ServiceId in ServiceModel.json (a GUID)",
            Field::StageMapName => {
                "it is the Name of the stage map in the rollout's StageMap file (e.g. \"Microsoft.Azure.SDP.Standard\")"
            }
            Field::Environment => {
                "it names the target environment, e.g. \"Staging\", \"PPE\" or \"Prod\""
            }
            Field::Stages => {
                "the local provider deploys the stages listed under \"stages\": name, regions, deploy, healthUrl"
            }
            Field::PipelineOrganization => {
                "it is your organization URL, https://dev.azure.com/<organization> (in a pipeline: $SYSTEM_COLLECTIONURI)"
            }
            Field::PipelineProject => "it is the Azure DevOps project that holds the pipeline",
            Field::PipelineId => {
                "it is the number in the pipeline's URL, ...?definitionId=<pipelineId>"
            }
        }
    }

    /// The flag and environment variable that set it, when there are any.
    fn how_to_set(self) -> &'static str {
        match self {
            Field::ServiceGroupName => " or pass --service-group (SENTINEL_SERVICE_GROUP)",
            Field::ServiceId => " or pass --service-id (SENTINEL_SERVICE_ID)",
            Field::StageMapName => " or pass --stage-map (SENTINEL_STAGE_MAP)",
            Field::Environment => " or pass --environment (SENTINEL_ENVIRONMENT)",
            _ => "",
        }
    }
}

/// Command-line flags that override the config, shared by the tools that read it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// The config file [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json].
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// ServiceGroup name from ServiceModel.json [env: SENTINEL_SERVICE_GROUP].
    #[arg(long, value_name = "NAME", global = true)]
    pub service_group: Option<String>,

    /// ServiceId (GUID) from ServiceModel.json [env: SENTINEL_SERVICE_ID].
    #[arg(long, value_name = "GUID", global = true)]
    pub service_id: Option<String>,

    /// Stage map name [env: SENTINEL_STAGE_MAP].
    #[arg(long, value_name = "NAME", global = true)]
    pub stage_map: Option<String>,

    /// Target environment, e.g. Staging or Prod [env: SENTINEL_ENVIRONMENT].
    #[arg(long, value_name = "NAME", global = true)]
    pub environment: Option<String>,

    /// Rollout provider [env: SENTINEL_PROVIDER] [default: local].
    #[arg(long, value_enum, global = true)]
    pub provider: Option<ProviderKind>,
}

/// A loaded config and the file it came from.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    pub config: DeploymentConfig,
    /// The file read, or `None` when there was none and only flags and defaults apply.
    pub file: Option<PathBuf>,
    /// The directory the config was looked for from (relative paths start here).
    pub dir: PathBuf,
}

impl LoadedConfig {
    /// How to name where values live in messages.
    pub fn origin(&self) -> String {
        match &self.file {
            Some(path) => path.display().to_string(),
            None => DEFAULT_CONFIG_FILE.to_owned(),
        }
    }

    /// Check that `required` fields are present and every present field is valid.
    pub fn require(&self, required: &[Field]) -> Result<()> {
        let problems = self.config.problems(required);
        if problems.is_empty() {
            return Ok(());
        }
        let mut message = match problems.len() {
            1 => format!("configuration ({}): ", self.origin()),
            n => format!("configuration ({}) has {n} problems:\n  - ", self.origin()),
        };
        message.push_str(&problems.join("\n  - "));
        Err(Error::usage_with_hint(
            message,
            format!(
                "edit {} or pass the value as a flag; `man sentinel-trigger` lists every field",
                self.origin()
            ),
        ))
    }
}

/// Load the config: file (if any) < environment < flags.
pub fn load(
    flags: &ConfigArgs,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> Result<LoadedConfig> {
    let (mut config, file) = match resolve_path(flags.config.as_deref(), env, cwd) {
        Some((path, explicit)) => match read_config_file(&path) {
            Ok(text) => (parse(&text, &path)?, Some(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                (DeploymentConfig::default(), None)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::usage_with_hint(
                    format!("config file {} does not exist", path.display()),
                    "check --config / SENTINEL_CONFIG, or create the file (see the example in README.md)",
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(Error::usage_with_hint(
                    format!("config file {}: {e}", path.display()),
                    "--config / SENTINEL_CONFIG names the JSON config file itself, e.g. .deploy-sentinel-config.json",
                ));
            }
            Err(e) => return Err(Error::io("reading config file", &path, e)),
        },
        None => (DeploymentConfig::default(), None),
    };
    config.overlay(from_env(env)?);
    config.overlay(from_flags(flags));
    Ok(LoadedConfig {
        config,
        file,
        dir: cwd.to_owned(),
    })
}

/// Load the config as a tool run by a user sees it: from the current directory and the
/// process environment.
pub fn load_here(flags: &ConfigArgs) -> Result<LoadedConfig> {
    let cwd = std::env::current_dir().map_err(|e| Error::Io {
        context: "reading the current directory".into(),
        source: e,
    })?;
    load(flags, &|name: &str| std::env::var(name).ok(), &cwd)
}

/// The largest config file read; a config is a few kB.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Read the config file: a regular file (not a directory, a FIFO that may never be written,
/// or a device such as /dev/zero) of at most [`MAX_CONFIG_BYTES`]. Anything else is an
/// `InvalidInput` error whose text says what the path is.
/// The config's `stateBackend`, for sentinel-state, which reads nothing else of the config:
/// only that field is looked at, so a config that other tools would refuse for another
/// reason does not stop the state from being read.
pub fn configured_state_backend(
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> Result<Option<crate::backend::StateUrl>> {
    let Some((path, _)) = resolve_path(None, env, cwd) else {
        return Ok(None);
    };
    let Ok(text) = read_config_file(&path) else {
        return Ok(None);
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(None);
    };
    let origin = format!("{}: stateBackend", path.display());
    match value.get("stateBackend") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(url)) => {
            crate::backend::StateUrl::parse(url, &origin).map(Some)
        }
        Some(_) => Err(Error::usage_with_hint(
            format!("{origin} is not a string"),
            "write it as \"stateBackend\": \"azblob://ACCOUNT/CONTAINER/PREFIX\"",
        )),
    }
}

fn read_config_file(path: &Path) -> std::io::Result<String> {
    crate::input_file::read_bounded_text(path, MAX_CONFIG_BYTES, "a config is a few kB")
}

/// The config path and whether the user named it (a named file must exist).
fn resolve_path(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> Option<(PathBuf, bool)> {
    if let Some(path) = flag {
        return Some((cwd.join(path), true));
    }
    if let Some(path) = env(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some((cwd.join(path), true));
    }
    Some((cwd.join(DEFAULT_CONFIG_FILE), false))
}

/// Parse config text; errors name the file, line and column.
pub fn parse(text: &str, path: &Path) -> Result<DeploymentConfig> {
    // Say what editors commonly add that JSON does not allow, instead of "expected value at
    // line 1 column 1".
    if text.starts_with('\u{feff}') {
        return Err(Error::usage_with_hint(
            format!(
                "config file {} starts with a UTF-8 byte order mark, which JSON does not allow",
                path.display()
            ),
            "save the file as UTF-8 without BOM (in PowerShell: Set-Content -Encoding utf8NoBOM)",
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
        let trimmed = line.trim_start();
        let hint = if trimmed.starts_with("//") || trimmed.starts_with("/*") {
            "the config is plain JSON: comments (// or /* */) are not allowed; remove them, or keep notes in a \"$comment\"-style field your tools ignore".to_owned()
        } else {
            "the config is JSON with camelCase field names, e.g. {\"serviceGroupName\": \"Contoso.Orders\", ...}".to_owned()
        };
        Error::usage_with_hint(format!("config file {}: {e}", path.display()), hint)
    })
}

fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<DeploymentConfig> {
    let text = |name: &str| env(name).filter(|v| !v.is_empty());
    let provider = match text("SENTINEL_PROVIDER") {
        None => None,
        Some(p) => Some(
            p.parse::<ProviderKind>()
                .map_err(|e| Error::usage(format!("SENTINEL_PROVIDER: {e}")))?,
        ),
    };
    let polling_interval = match text("SENTINEL_POLLING_INTERVAL") {
        None => None,
        Some(v) => {
            let interval = parse_duration(&v)
                .map_err(|e| Error::usage(format!("SENTINEL_POLLING_INTERVAL: {e}")))?;
            if interval < MIN_POLLING_INTERVAL {
                return Err(Error::usage(format!(
                    "SENTINEL_POLLING_INTERVAL={v:?} is shorter than {}",
                    format_duration(MIN_POLLING_INTERVAL)
                )));
            }
            Some(ConfigDuration(interval))
        }
    };
    let max_retries = match text("SENTINEL_MAX_RETRIES") {
        None => None,
        Some(v) => Some(v.parse::<u32>().map_err(|_| {
            Error::usage(format!(
                "SENTINEL_MAX_RETRIES={v:?} is not a whole number of retries"
            ))
        })?),
    };
    // Values from the environment are checked here, where their variable can be named.
    if let Some(id) = text("SENTINEL_SERVICE_ID").filter(|id| !is_guid(id)) {
        return Err(Error::usage_with_hint(
            format!(
                "SENTINEL_SERVICE_ID={:?} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                crate::output::excerpt(&id, 60)
            ),
            Field::ServiceId.where_found(),
        ));
    }
    for name in [
        "SENTINEL_TEAMS_WEBHOOK",
        "SENTINEL_SLACK_WEBHOOK",
        "SENTINEL_WEBHOOK_URL",
    ] {
        if let Some(url) = text(name).filter(|url| !is_http_url(url)) {
            return Err(Error::usage_with_hint(
                format!(
                    "the environment variable {name} ({}) is not an http(s) URL",
                    mask_url(&url)
                ),
                "copy the URL from the channel's webhook settings",
            ));
        }
    }
    let artifact_version = text("SENTINEL_ARTIFACT_VERSION");
    if let Some(version) = &artifact_version {
        check_version(version, VersionSource::Environment)?;
    }
    let artifact_version_source = artifact_version.is_some();
    Ok(DeploymentConfig {
        service_group_name: text("SENTINEL_SERVICE_GROUP"),
        service_id: text("SENTINEL_SERVICE_ID"),
        stage_map_name: text("SENTINEL_STAGE_MAP"),
        environment: text("SENTINEL_ENVIRONMENT"),
        provider,
        teams_webhook_url: text("SENTINEL_TEAMS_WEBHOOK").map(Secret::new),
        slack_webhook_url: text("SENTINEL_SLACK_WEBHOOK").map(Secret::new),
        webhook_url: text("SENTINEL_WEBHOOK_URL").map(Secret::new),
        polling_interval,
        max_retries,
        artifact_version,
        artifact_version_source: artifact_version_source.then_some(VersionSource::Environment),
        ..Default::default()
    })
}

fn from_flags(flags: &ConfigArgs) -> DeploymentConfig {
    DeploymentConfig {
        service_group_name: flags.service_group.clone(),
        service_id: flags.service_id.clone(),
        stage_map_name: flags.stage_map.clone(),
        environment: flags.environment.clone(),
        provider: flags.provider,
        ..Default::default()
    }
}

impl DeploymentConfig {
    /// Replace this config's values with every value `stronger` sets.
    pub fn overlay(&mut self, stronger: DeploymentConfig) {
        fn take<T>(mine: &mut Option<T>, theirs: Option<T>) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        fn take_list<T>(mine: &mut Vec<T>, theirs: Vec<T>) {
            if !theirs.is_empty() {
                *mine = theirs;
            }
        }
        take(&mut self.service_group_name, stronger.service_group_name);
        take(&mut self.service_id, stronger.service_id);
        take(&mut self.stage_map_name, stronger.stage_map_name);
        take(&mut self.environment, stronger.environment);
        take(&mut self.provider, stronger.provider);
        take_list(&mut self.selection_scope, stronger.selection_scope);
        take_list(&mut self.exclusion_scope, stronger.exclusion_scope);
        take(&mut self.teams_webhook_url, stronger.teams_webhook_url);
        take(&mut self.slack_webhook_url, stronger.slack_webhook_url);
        take(&mut self.webhook_url, stronger.webhook_url);
        take(&mut self.stress_test_config, stronger.stress_test_config);
        take(&mut self.pipeline_config, stronger.pipeline_config);
        take(&mut self.polling_interval, stronger.polling_interval);
        take(&mut self.max_retries, stronger.max_retries);
        take(
            &mut self.protected_environments,
            stronger.protected_environments,
        );
        take_list(&mut self.stages, stronger.stages);
        if stronger.artifact_version.is_some() {
            self.artifact_version_source = stronger.artifact_version_source;
        }
        take(&mut self.artifact_version, stronger.artifact_version);
        take(&mut self.stage_map_version, stronger.stage_map_version);
        take(&mut self.ev2, stronger.ev2);
        take(&mut self.analysis, stronger.analysis);
        take(&mut self.state_backend, stronger.state_backend);
    }

    /// The version to deploy that the config (file or environment) names, and which of the
    /// two named it.
    pub fn artifact_version(&self) -> Option<(String, VersionSource)> {
        let version = self.artifact_version.clone()?;
        Some((
            version,
            self.artifact_version_source
                .unwrap_or(VersionSource::Config),
        ))
    }

    /// The provider, `local` when unset.
    pub fn provider(&self) -> ProviderKind {
        self.provider.unwrap_or_default()
    }

    /// How often watchers poll; 30 s when unset.
    pub fn polling_interval(&self) -> Duration {
        self.polling_interval
            .map_or(Duration::from_secs(30), |d| d.0)
    }

    /// Retries after the first attempt; 3 when unset.
    pub fn max_retries(&self) -> u32 {
        self.max_retries.unwrap_or(3)
    }

    /// Environments that need break-glass confirmation; `["Prod", "Production"]` when unset.
    pub fn protected_environments(&self) -> Vec<String> {
        self.protected_environments
            .clone()
            .unwrap_or_else(|| vec!["Prod".to_owned(), "Production".to_owned()])
    }

    /// Whether `environment` needs break-glass confirmation (case-insensitive).
    pub fn is_protected(&self, environment: &str) -> bool {
        self.protected_environments()
            .iter()
            .any(|p| p.eq_ignore_ascii_case(environment))
    }

    /// Every problem with this config, one sentence each: missing `required` fields, and
    /// invalid values anywhere.
    pub fn problems(&self, required: &[Field]) -> Vec<String> {
        let mut problems = Vec::new();
        for &field in required {
            if self.is_missing(field) {
                problems.push(format!(
                    "{} is missing — {}; set it in the config file{}",
                    field.json_name(),
                    field.where_found(),
                    field.how_to_set()
                ));
            }
        }
        if let Some(id) = &self.service_id {
            if !is_guid(id) {
                problems.push(format!(
                    "serviceId {id:?} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) — {}",
                    Field::ServiceId.where_found()
                ));
            }
        }
        if let Some(url) = &self.state_backend {
            if let Err(e) = crate::backend::StateUrl::parse(url, "stateBackend") {
                problems.push(e.to_string());
            }
        }
        for (name, url) in [
            ("teamsWebhookUrl", &self.teams_webhook_url),
            ("slackWebhookUrl", &self.slack_webhook_url),
            ("webhookUrl", &self.webhook_url),
        ] {
            if let Some(url) = url {
                if !is_http_url(url.expose()) {
                    problems.push(format!(
                        "{name} {} is not an http(s) URL — copy it from the channel's webhook settings",
                        mask_url(url.expose())
                    ));
                }
            }
        }
        if let Some((version, VersionSource::Config)) = self.artifact_version() {
            if SemVer::parse(&version).is_none() {
                problems.push(format!(
                    "artifactVersion {:?} is not a semantic version — use MAJOR.MINOR.PATCH, e.g. \"1.5.0\" or \"v1.5.0-rc.1\"",
                    crate::output::excerpt(&version, 80)
                ));
            }
        }
        if let Some(interval) = self.polling_interval {
            if interval.0 < MIN_POLLING_INTERVAL {
                problems.push(format!(
                    "pollingInterval {} is shorter than {} — a watcher would poll without pause; use e.g. \"30s\"",
                    format_duration(interval.0),
                    format_duration(MIN_POLLING_INTERVAL)
                ));
            }
        }
        if let Some(stress) = &self.stress_test_config {
            problems.extend(stress_problems(stress));
        }
        problems.extend(stage_problems(&self.stages));
        if let Some(pipeline) = &self.pipeline_config {
            // Azure DevOps types template parameters as strings; numbers and booleans are
            // sent as their text, but a structure has no string form it would read.
            for (name, value) in &pipeline.template_parameters {
                if value.is_object() || value.is_array() {
                    problems.push(format!(
                        "pipelineConfig.templateParameters.{name} is {} — Azure DevOps takes strings (numbers and booleans are sent as text)",
                        if value.is_object() { "an object" } else { "an array" }
                    ));
                }
            }
            if let Some(org) = &pipeline.organization {
                if !is_http_url(org) {
                    problems.push(format!(
                        "pipelineConfig.organization {org:?} is not a URL — {}",
                        Field::PipelineOrganization.where_found()
                    ));
                }
            }
        }
        problems
    }

    /// Whether a required field has no (or only a blank) value.
    pub fn is_missing(&self, field: Field) -> bool {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        let pipeline = self.pipeline_config.as_ref();
        match field {
            Field::ServiceGroupName => blank(&self.service_group_name),
            Field::ServiceId => blank(&self.service_id),
            Field::StageMapName => blank(&self.stage_map_name),
            Field::Environment => blank(&self.environment),
            Field::Stages => self.stages.is_empty(),
            Field::PipelineOrganization => pipeline.is_none_or(|p| blank(&p.organization)),
            Field::PipelineProject => pipeline.is_none_or(|p| blank(&p.project)),
            Field::PipelineId => pipeline.is_none_or(|p| p.pipeline_id.is_none()),
        }
    }
}

fn stress_problems(stress: &StressTestConfig) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(rate) = stress.max_error_rate {
        if !(0.0..=100.0).contains(&rate) {
            problems.push(format!(
                "stressTestConfig.maxErrorRate {rate} is not a percentage — use a number from 0 to 100, e.g. 5"
            ));
        }
    }
    for (name, value) in [
        ("stressTestConfig.maxP95Ms", stress.max_p95_ms),
        ("stressTestConfig.maxP99Ms", stress.max_p99_ms),
        ("stressTestConfig.rate", stress.rate),
    ] {
        if let Some(v) = value {
            if !(v > 0.0 && v.is_finite()) {
                problems.push(format!("{name} {v} must be a positive number"));
            }
        }
    }
    if stress.concurrency == Some(0) {
        problems.push("stressTestConfig.concurrency 0 must be at least 1".into());
    }
    if stress.requests == Some(0) {
        problems.push(
            "stressTestConfig.requests 0 must be at least 1 (or set duration instead)".into(),
        );
    }
    if let Some(ratio) = stress.max_latency_ratio {
        if !(ratio >= 1.0 && ratio.is_finite()) {
            problems.push(format!(
                "stressTestConfig.maxLatencyRatio {ratio} must be 1.0 or more (1.1 allows p95 10% above the baseline)"
            ));
        }
    }
    for endpoint in &stress.endpoints {
        if !is_http_url(endpoint) {
            problems.push(format!(
                "stressTestConfig.endpoints: {endpoint:?} is not an http(s) URL"
            ));
        }
    }
    problems
}

fn stage_problems(stages: &[StageConfig]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut action_ids: BTreeMap<String, &str> = BTreeMap::new();
    for (index, stage) in stages.iter().enumerate() {
        let at = format!("stages[{index}]");
        if stage.name.trim().is_empty() {
            problems.push(format!(
                "{at}.name is empty — give every stage a name such as \"Staging\""
            ));
        } else if let Some(problem) = stage_name_problem(&stage.name) {
            problems.push(format!(
                "{at}.name {:?} {problem} — name stages like \"Canary-10\" or \"Phase 1 (10%)\"",
                crate::output::excerpt(&stage.name, 80)
            ));
        } else if !seen.insert(stage.name.to_ascii_lowercase()) {
            problems.push(format!(
                "{at}.name {:?} is used by an earlier stage — stage names must be unique",
                stage.name
            ));
        } else if let Some(other) = action_ids.insert(stage.approval_action_id(), &stage.name) {
            problems.push(format!(
                "{at}.name {:?} and the earlier stage {other:?} both have the approval id {:?} — rename one so that an approval cannot apply to both",
                stage.name,
                stage.approval_action_id()
            ));
        }
        for region in &stage.regions {
            if let Some(problem) = region_name_problem(region) {
                problems.push(format!(
                    "{at}.regions: {:?} {problem}",
                    crate::output::excerpt(region, 80)
                ));
            }
        }
        if let Some(percent) = stage.traffic_percent {
            if percent > 100 {
                problems.push(format!("{at}.trafficPercent {percent} is more than 100"));
            }
        }
        if let Some(url) = &stage.health_url {
            if !is_http_url(url) {
                problems.push(format!("{at}.healthUrl {url:?} is not an http(s) URL"));
            }
        }
        for endpoint in &stage.endpoints {
            if !is_http_url(endpoint) {
                problems.push(format!(
                    "{at}.endpoints: {endpoint:?} is not an http(s) URL"
                ));
            }
        }
        if let Some(soak) = stage.soak {
            if soak.0 > Duration::from_secs(7 * 24 * 3600) {
                problems.push(format!(
                    "{at}.soak {} is longer than a week",
                    format_duration(soak.0)
                ));
            }
        }
    }
    problems
}

/// The wait-action id of stage `name`: its letters and digits, other characters as `-`,
/// then `-approval`.
pub fn approval_action_id(name: &str) -> String {
    format!("{name}-approval")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Why `name` is not a stage name, if it is not: stage names appear in events, file names,
/// action ids and deploy commands, so they are letters, digits, spaces and `-_.()%`
/// (1 to 64 characters, no space at either end).
pub fn stage_name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("is empty")
    } else if name.chars().count() > 64 {
        Some("is longer than 64 characters")
    } else if name.trim() != name {
        Some("starts or ends with a space")
    } else if !name
        .chars()
        .all(|c| c.is_alphanumeric() || " -_.()%".contains(c))
    {
        Some("may hold only letters, digits, spaces and - _ . ( ) %")
    } else {
        None
    }
}

/// Why `region` is not a region name, if it is not: ASCII letters, digits and `-_.`, 1 to
/// 64 characters (`westeurope`, `EastUS2EUAP`, `inst-01`).
pub fn region_name_problem(region: &str) -> Option<&'static str> {
    if region.is_empty() {
        Some("is empty")
    } else if region.len() > 64 {
        Some("is longer than 64 characters")
    } else if !region
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        Some("may hold only ASCII letters, digits and - _ .")
    } else {
        None
    }
}

/// `8-4-4-4-12` hexadecimal digits, as ServiceModel.json writes a ServiceId.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const GOOD_ID: &str = "8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b";

    fn env_from(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn write_config(dir: &Path, text: &str) {
        std::fs::write(dir.join(DEFAULT_CONFIG_FILE), text).unwrap();
    }

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        let dir = tempfile::tempdir().unwrap();
        write_config(
            dir.path(),
            r#"{"serviceGroupName":"FromFile","environment":"FromFile","stageMapName":"FromFile","maxRetries":7}"#,
        );
        let env = env_from(&[
            ("SENTINEL_ENVIRONMENT", "FromEnv"),
            ("SENTINEL_STAGE_MAP", "FromEnv"),
        ]);
        let flags = ConfigArgs {
            stage_map: Some("FromFlag".into()),
            ..Default::default()
        };
        let loaded = load(&flags, &env, dir.path()).unwrap();
        let c = &loaded.config;
        assert_eq!(c.service_group_name.as_deref(), Some("FromFile"));
        assert_eq!(c.environment.as_deref(), Some("FromEnv"));
        assert_eq!(c.stage_map_name.as_deref(), Some("FromFlag"));
        assert_eq!(c.max_retries(), 7);
        assert_eq!(c.polling_interval(), Duration::from_secs(30), "default");
        assert_eq!(c.provider(), ProviderKind::Local, "default");
        assert!(c.is_protected("prod"));
    }

    #[test]
    fn a_config_that_is_not_a_small_json_file_says_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let load_from = |path: &Path| {
            let flags = ConfigArgs {
                config: Some(path.to_owned()),
                ..Default::default()
            };
            load(&flags, &env_from(&[]), dir.path()).unwrap_err()
        };
        let fifo = dir.path().join("fifo");
        let fifo_c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo_c.as_ptr(), 0o600) }, 0);
        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b' '; MAX_CONFIG_BYTES as usize + 1]).unwrap();
        let bom = dir.path().join("bom.json");
        std::fs::write(&bom, "\u{feff}{}").unwrap();
        let commented = dir.path().join("commented.json");
        std::fs::write(
            &commented,
            "{\n  // staging first\n  \"environment\": \"Staging\"\n}",
        )
        .unwrap();
        for (path, expected) in [
            (dir.path().to_owned(), "is a directory"),
            (fifo, "not a regular file"),
            (PathBuf::from("/dev/zero"), "not a regular file"),
            (big, "larger than 1 MiB"),
            (bom, "byte order mark"),
            (commented, "comments"),
        ] {
            let error = load_from(&path);
            let shown = format!("{error} {}", error.hint().unwrap_or_default());
            assert_eq!(
                error.exit(),
                crate::Exit::Usage,
                "{}: {shown}",
                path.display()
            );
            assert!(shown.contains(expected), "{}: {shown}", path.display());
        }
    }

    #[test]
    fn a_duration_too_large_for_its_type_is_an_error_not_a_panic() {
        for text in [
            r#"{"pollingInterval": 2.2e37}"#,
            r#"{"pollingInterval": -1}"#,
        ] {
            let error = parse(text, Path::new("c.json")).unwrap_err();
            assert!(error.to_string().contains("is not a duration"), "{error}");
        }
    }

    #[test]
    fn a_polling_interval_of_zero_is_refused() {
        let config: DeploymentConfig =
            serde_json::from_str(r#"{"pollingInterval": "0s"}"#).unwrap();
        let problems = config.problems(&[]);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("pollingInterval 0ms is shorter")),
            "{problems:?}"
        );
        let fine: DeploymentConfig =
            serde_json::from_str(r#"{"pollingInterval": "100ms"}"#).unwrap();
        assert!(fine.problems(&[]).is_empty());
    }

    #[test]
    fn a_bad_value_from_the_environment_names_its_variable() {
        let dir = tempfile::tempdir().unwrap();
        for (name, value) in [
            ("SENTINEL_SERVICE_ID", "not-a-guid"),
            (
                "SENTINEL_SLACK_WEBHOOK",
                "hooks.slack.com/services/T/B/SECRET",
            ),
            ("SENTINEL_ARTIFACT_VERSION", "1.0;x"),
            ("SENTINEL_POLLING_INTERVAL", "0s"),
        ] {
            let error = load(
                &ConfigArgs::default(),
                &env_from(&[(name, value)]),
                dir.path(),
            )
            .unwrap_err();
            assert_eq!(error.exit(), crate::Exit::Usage);
            assert!(error.to_string().contains(name), "{error}");
            assert!(!error.to_string().contains("SECRET"), "{error}");
        }
    }

    #[test]
    fn config_path_comes_from_flag_then_env_then_current_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), r#"{"environment":"A"}"#).unwrap();
        std::fs::write(dir.path().join("b.json"), r#"{"environment":"B"}"#).unwrap();
        write_config(dir.path(), r#"{"environment":"Default"}"#);
        let with_env = env_from(&[(CONFIG_ENV, "b.json")]);
        let flag = ConfigArgs {
            config: Some("a.json".into()),
            ..Default::default()
        };
        let env_of = |l: LoadedConfig| l.config.environment.unwrap();
        assert_eq!(env_of(load(&flag, &with_env, dir.path()).unwrap()), "A");
        assert_eq!(
            env_of(load(&ConfigArgs::default(), &with_env, dir.path()).unwrap()),
            "B"
        );
        assert_eq!(
            env_of(load(&ConfigArgs::default(), &env_from(&[]), dir.path()).unwrap()),
            "Default"
        );
    }

    #[test]
    fn a_named_config_that_is_missing_is_an_error_but_the_default_is_optional() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load(&ConfigArgs::default(), &env_from(&[]), dir.path()).unwrap();
        assert!(loaded.file.is_none());
        let named = ConfigArgs {
            config: Some("nope.json".into()),
            ..Default::default()
        };
        let error = load(&named, &env_from(&[]), dir.path()).unwrap_err();
        assert_eq!(error.exit().code(), 2);
        assert!(
            error.to_string().contains("nope.json does not exist"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_guid_names_the_field_the_value_and_where_to_find_it() {
        let config = DeploymentConfig {
            service_id: Some("not-a-guid".into()),
            ..Default::default()
        };
        let loaded = LoadedConfig {
            config,
            file: Some("/repo/.deploy-sentinel-config.json".into()),
            dir: "/repo".into(),
        };
        let error = loaded.require(&[]).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("serviceId \"not-a-guid\" is not a GUID"),
            "{text}"
        );
        assert!(
            text.contains("it is the ServiceId in ServiceModel.json"),
            "{text}"
        );
        assert!(
            text.contains("/repo/.deploy-sentinel-config.json"),
            "{text}"
        );
        assert_eq!(error.exit().code(), 2);
    }

    #[test]
    fn missing_required_fields_are_all_listed_with_the_flag_that_sets_them() {
        let loaded = LoadedConfig {
            config: DeploymentConfig {
                service_id: Some(GOOD_ID.into()),
                ..Default::default()
            },
            file: None,
            dir: PathBuf::new(),
        };
        let text = loaded
            .require(&[
                Field::ServiceGroupName,
                Field::ServiceId,
                Field::Environment,
            ])
            .unwrap_err()
            .to_string();
        assert!(text.contains("has 2 problems"), "{text}");
        assert!(
            text.contains(
                "serviceGroupName is missing — it is the ServiceGroup in ServiceModel.json"
            )
        );
        assert!(
            text.contains("--environment (SENTINEL_ENVIRONMENT)"),
            "{text}"
        );
    }

    #[test]
    fn typos_and_syntax_errors_point_at_the_line() {
        let path = Path::new("cfg.json");
        let typo = parse("{\n  \"serviceID\": \"x\"\n}", path)
            .unwrap_err()
            .to_string();
        assert!(
            typo.contains("unknown field `serviceID`") && typo.contains("line 2"),
            "{typo}"
        );
        let syntax = parse("{\"environment\": }", path).unwrap_err().to_string();
        assert!(
            syntax.starts_with("config file cfg.json: ") && syntax.contains("column"),
            "{syntax}"
        );
    }

    #[test]
    fn durations_read_as_text_or_seconds_and_values_are_range_checked() {
        let config = parse(
            r#"{"pollingInterval":"100ms","stages":[{"name":"A","soak":45},{"name":"a","trafficPercent":150}],
                "stressTestConfig":{"maxErrorRate":250,"concurrency":0}}"#,
            Path::new("c.json"),
        )
        .unwrap();
        assert_eq!(config.polling_interval(), Duration::from_millis(100));
        assert_eq!(
            config.stages[0].soak,
            Some(ConfigDuration(Duration::from_secs(45)))
        );
        let problems = config.problems(&[]);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("maxErrorRate 250 is not a percentage"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"a\" is used by an earlier stage"))
        );
    }

    #[test]
    fn webhook_urls_never_appear_in_messages_or_debug_output() {
        let secret_path = "/workflows/abc123secret/triggers/manual/paths/invoke?sig=TOPSECRET";
        let config = parse(
            &format!(r#"{{"teamsWebhookUrl":"ftp://prod.logic.azure.com{secret_path}"}}"#),
            Path::new("c.json"),
        )
        .unwrap();
        let problems = config.problems(&[]).join("\n");
        assert!(problems.contains("teamsWebhookUrl"), "{problems}");
        assert!(
            !problems.contains("TOPSECRET") && !problems.contains("abc123secret"),
            "{problems}"
        );
        assert!(!format!("{config:?}").contains("TOPSECRET"));
    }

    #[test]
    fn environment_values_are_validated_with_their_variable_name() {
        let error = from_env(&env_from(&[("SENTINEL_MAX_RETRIES", "many")])).unwrap_err();
        assert!(
            error.to_string().contains("SENTINEL_MAX_RETRIES=\"many\""),
            "{error}"
        );
        let error = from_env(&env_from(&[("SENTINEL_PROVIDER", "aws")])).unwrap_err();
        assert!(
            error.to_string().contains("use local, ev2 or ado"),
            "{error}"
        );
    }

    #[test]
    fn guid_shape() {
        assert!(is_guid(GOOD_ID));
        assert!(!is_guid("8f3c2a1b4d5e4f609a7b1c2d3e4f5a6b"));
        assert!(!is_guid("8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6g"));
    }
}
