//! Branch names: pattern expansion and git's rules for reference names.

use sentinel_core::{Error, Result};

/// The placeholders a pattern may use.
pub const PLACEHOLDERS: &[&str] = &[
    "environment",
    "serviceGroupName",
    "timestamp",
    "version",
    "rolloutId",
    "rolloutId8",
];

/// Values for the placeholders of one rollout.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub environment: String,
    pub service_group_name: String,
    /// UTC `YYYYMMDD-HHMMSS`.
    pub timestamp: String,
    pub version: String,
    pub rollout_id: String,
}

/// Expand `{placeholder}`s; an unknown one is a usage error.
pub fn expand(pattern: &str, values: &Values) -> Result<String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or_else(|| {
            Error::usage(format!(
                "--pattern {pattern:?} has a {{ without a closing }}"
            ))
        })?;
        let name = &after[..end];
        let value = match name {
            "environment" => values.environment.clone(),
            "serviceGroupName" => values.service_group_name.clone(),
            "timestamp" => values.timestamp.clone(),
            "version" => values.version.clone(),
            "rolloutId" => values.rollout_id.clone(),
            "rolloutId8" => values.rollout_id.chars().take(8).collect(),
            other => {
                return Err(Error::usage(format!(
                    "--pattern uses {{{other}}}, which is not a placeholder; use {}",
                    PLACEHOLDERS
                        .iter()
                        .map(|p| format!("{{{p}}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )));
            }
        };
        if value.is_empty() {
            return Err(Error::usage(format!(
                "--pattern uses {{{name}}} but there is no {name} (pass it as a flag or in the event)"
            )));
        }
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The rule of git-check-ref-format(1) that `name` breaks, if any.
pub fn invalid_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("a branch name cannot be empty");
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return Some("it cannot begin or end with '/' or contain '//'");
    }
    if name.contains("..") {
        return Some("it cannot contain '..'");
    }
    if name.contains("@{") || name == "@" {
        return Some("it cannot contain '@{' or be '@'");
    }
    if name.ends_with('.') {
        return Some("it cannot end with '.'");
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_ascii_control() || " ~^:?*[\\\x7f".contains(*c))
    {
        return Some(match c {
            ' ' => "it cannot contain spaces",
            '~' | '^' | ':' => "it cannot contain '~', '^' or ':'",
            '?' | '*' | '[' => "it cannot contain '?', '*' or '['",
            '\\' => "it cannot contain '\\'",
            _ => "it cannot contain control characters",
        });
    }
    for component in name.split('/') {
        if component.starts_with('.') {
            return Some("no part between slashes can begin with '.'");
        }
        if component.ends_with(".lock") {
            return Some("no part between slashes can end with '.lock'");
        }
    }
    if !git2::Reference::is_valid_name(&format!("refs/heads/{name}")) {
        return Some("git does not accept it as a reference name");
    }
    None
}

/// `YYYYMMDD-HHMMSS` in UTC from an RFC 3339 timestamp (or now).
pub fn timestamp(ts: Option<&str>) -> String {
    let time = ts
        .and_then(|t| sentinel_core::clock::parse_rfc3339(t).ok())
        .unwrap_or_else(std::time::SystemTime::now);
    let text = humantime::format_rfc3339_seconds(time).to_string();
    // 2026-11-23T18:04:05Z → 20261123-180405
    text.chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect::<String>()
        .replace('T', "-")
}

/// Whether `name` matches a glob where `*` is any run of characters and `?` one character.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    fn matches(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => matches(&p[1..], n) || (!n.is_empty() && matches(p, &n[1..])),
            (Some('?'), Some(_)) => matches(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => matches(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    matches(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            environment: "Prod".into(),
            service_group_name: "Contoso.Orders".into(),
            timestamp: "20261123-180405".into(),
            version: "1.4.2".into(),
            rollout_id: "3f2a9c1e-0000-4000-8000-000000000000".into(),
        }
    }

    #[test]
    fn expands_every_placeholder() {
        assert_eq!(
            expand(
                "deploy/{environment}/{serviceGroupName}/{timestamp}",
                &values()
            )
            .unwrap(),
            "deploy/Prod/Contoso.Orders/20261123-180405"
        );
        assert_eq!(
            expand("release/{version}-{rolloutId8}", &values()).unwrap(),
            "release/1.4.2-3f2a9c1e"
        );
        let unknown = expand("x/{branch}", &values()).unwrap_err().to_string();
        assert!(
            unknown.contains("{branch}") && unknown.contains("{rolloutId8}"),
            "{unknown}"
        );
        let missing = expand("x/{version}", &Values::default())
            .unwrap_err()
            .to_string();
        assert!(missing.contains("no version"), "{missing}");
    }

    #[test]
    fn names_the_git_rule_a_name_breaks() {
        assert_eq!(invalid_reason("deploy/Prod/x"), None);
        assert_eq!(
            invalid_reason("deploy/my service"),
            Some("it cannot contain spaces")
        );
        assert_eq!(
            invalid_reason("deploy/../x"),
            Some("it cannot contain '..'")
        );
        assert_eq!(
            invalid_reason("deploy/.hidden"),
            Some("no part between slashes can begin with '.'")
        );
        assert_eq!(
            invalid_reason("deploy/x.lock"),
            Some("no part between slashes can end with '.lock'")
        );
        assert_eq!(
            invalid_reason("a:b"),
            Some("it cannot contain '~', '^' or ':'")
        );
    }

    #[test]
    fn timestamps_are_utc_compact() {
        assert_eq!(
            timestamp(Some("2026-11-23T18:04:05.123Z")),
            "20261123-180405"
        );
    }

    #[test]
    fn globs_match_slashes_too() {
        assert!(glob_matches("feature/*", "feature/login/v2"));
        assert!(glob_matches("release-?", "release-7"));
        assert!(!glob_matches("feature/*", "hotfix/x"));
    }
}
