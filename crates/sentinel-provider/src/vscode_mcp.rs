//! `.vscode/mcp.json`: where VS Code (and so most EV2 users) keeps MCP servers. JSONC
//! (comments, trailing commas), `${workspaceFolder}`, `${userHome}` and `${env:NAME}` are
//! understood; `${input:…}` prompts are refused with a hint; only stdio servers are usable.

use crate::mcp::ServerCommand;
use sentinel_core::error::{Error, Result};
use serde_json::Value;
use std::path::Path;

/// The file VS Code (and so most EV2 users) keeps MCP servers in.
pub const VSCODE_MCP_FILE: &str = ".vscode/mcp.json";

/// The server entry `wanted` (or the one named like "ev2") of a `.vscode/mcp.json` text.
pub fn server_from_vscode(
    text: &str,
    file: &Path,
    wanted: Option<&str>,
    workspace: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ServerCommand> {
    let origin = file.display().to_string();
    let parsed: Value = serde_json::from_str(&strip_jsonc(text)).map_err(|e| {
        Error::usage_with_hint(
            format!("{origin}: {e}"),
            "it is JSON (comments allowed) of the form {\"servers\": {\"ev2\": {\"command\": ..., \"args\": [...]}}}",
        )
    })?;
    let servers = parsed
        .get("servers")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            Error::usage(format!(
                "{origin} has no \"servers\" object: add the EV2 MCP server under \"servers\""
            ))
        })?;
    let names: Vec<&String> = servers.keys().collect();
    let listed = || {
        names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = match wanted {
        Some(wanted) => servers
            .keys()
            .find(|n| n.as_str() == wanted)
            .ok_or_else(|| {
                Error::usage(format!(
                    "{origin} has no server named {wanted:?}; it has: {}",
                    listed()
                ))
            })?,
        None => {
            let ev2: Vec<&String> = names
                .iter()
                .copied()
                .filter(|n| n.to_ascii_lowercase().contains("ev2"))
                .collect();
            match ev2.as_slice() {
                [one] => *one,
                [] => {
                    return Err(Error::usage_with_hint(
                        format!(
                            "{origin} has no server whose name contains \"ev2\"; it has: {}",
                            listed()
                        ),
                        "pass --mcp-server NAME (or set ev2.mcpServer in the config)",
                    ));
                }
                several => {
                    return Err(Error::usage_with_hint(
                        format!(
                            "{origin} has {} servers named like ev2: {}",
                            several.len(),
                            several
                                .iter()
                                .map(|n| n.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        "pass --mcp-server NAME (or set ev2.mcpServer in the config) to choose one",
                    ));
                }
            }
        }
    };
    let entry = &servers[name.as_str()];
    let at = format!("{origin} servers.{name}");
    if let Some(kind) = entry.get("type").and_then(Value::as_str) {
        if kind != "stdio" {
            return Err(Error::usage(format!(
                "{at} is a {kind:?} server; only stdio servers (\"command\") are supported"
            )));
        }
    }
    let expand = |value: &str, field: &str| {
        expand_vscode_variables(value, workspace, env)
        .map_err(|why| Error::usage_with_hint(
            format!("{at}.{field}: {why}"),
            "VS Code asks for ${input:...} values itself; here set them through \"env\" with ${env:VARIABLE} instead",
        ))
    };
    let program = entry
        .get("command")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::usage(format!(
                "{at} has no \"command\" (the program that starts the server)"
            ))
        })?;
    let mut args = Vec::new();
    for arg in entry
        .get("args")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let arg = arg
            .as_str()
            .ok_or_else(|| Error::usage(format!("{at}.args holds {arg}, which is not a string")))?;
        args.push(expand(arg, "args")?);
    }
    let mut vars = Vec::new();
    for (key, value) in entry
        .get("env")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let value = value
            .as_str()
            .ok_or_else(|| Error::usage(format!("{at}.env.{key} is not a string")))?;
        vars.push((key.clone(), expand(value, &format!("env.{key}"))?));
    }
    Ok(ServerCommand {
        name: name.clone(),
        program: expand(program, "command")?,
        args,
        env: vars,
        origin: at,
    })
}

/// Replace `${workspaceFolder}`, `${userHome}` and `${env:NAME}` as VS Code does.
fn expand_vscode_variables(
    value: &str,
    workspace: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            return Err(format!("unclosed ${{ in {value:?}"));
        };
        let variable = &rest[start + 2..start + len];
        match variable {
            "workspaceFolder" => out.push_str(&workspace.to_string_lossy()),
            "userHome" => out.push_str(&env("HOME").unwrap_or_default()),
            v if v.starts_with("env:") => out.push_str(&env(&v[4..]).unwrap_or_default()),
            v => return Err(format!("${{{v}}} cannot be filled in outside VS Code")),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// JSON with comments (VS Code's settings dialect) as plain JSON: `//` and `/* */` comments and
/// commas before `}` or `]` are removed; strings are left alone.
pub fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    // Keep line numbers right for parse errors.
                    if c == '\n' {
                        out.push('\n');
                    }
                    last = c;
                }
            }
            ']' | '}' => {
                let trimmed = out.trim_end().len();
                if out[..trimmed].ends_with(',') {
                    out.remove(trimmed - 1);
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn jsonc_comments_and_trailing_commas_are_removed_but_strings_kept() {
        let text =
            "{\n // a comment\n \"a\": \"http://x//y\", /* block\n comment */ \"b\": [1, 2,],\n}";
        let value: Value = serde_json::from_str(&strip_jsonc(text)).unwrap();
        assert_eq!(value, json!({"a": "http://x//y", "b": [1, 2]}));
    }

    pub(crate) const VSCODE: &str = r#"{
      // VS Code keeps MCP servers here
      "inputs": [{"type": "promptString", "id": "token"}],
      "servers": {
        "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"},
        "ev2-mcp-server": {
          "type": "stdio",
          "command": "dnx",
          "args": ["Ev2.Mcp.Server", "--root", "${workspaceFolder}/ev2"],
          "env": {"EV2_TENANT": "${env:TENANT}", "DEBUG": "1"},
        },
      }
    }"#;

    #[test]
    fn the_vscode_entry_named_like_ev2_is_chosen_and_its_variables_filled_in() {
        let env = |name: &str| (name == "TENANT").then(|| "contoso".to_owned());
        let server = server_from_vscode(
            VSCODE,
            Path::new("/w/.vscode/mcp.json"),
            None,
            Path::new("/w"),
            &env,
        )
        .unwrap();
        assert_eq!(server.name, "ev2-mcp-server");
        assert_eq!(server.program, "dnx");
        assert_eq!(server.args, vec!["Ev2.Mcp.Server", "--root", "/w/ev2"]);
        assert_eq!(
            server.env,
            vec![
                ("EV2_TENANT".to_owned(), "contoso".to_owned()),
                ("DEBUG".to_owned(), "1".to_owned())
            ]
        );
    }

    #[test]
    fn a_vscode_file_without_a_usable_entry_says_what_it_has() {
        let path = Path::new("/w/.vscode/mcp.json");
        let wrong = server_from_vscode(VSCODE, path, Some("ev3"), Path::new("/w"), &no_env)
            .unwrap_err()
            .to_string();
        assert!(wrong.contains("no server named \"ev3\""), "{wrong}");
        assert!(wrong.contains("github, ev2-mcp-server"), "{wrong}");
        let http = server_from_vscode(VSCODE, path, Some("github"), Path::new("/w"), &no_env)
            .unwrap_err()
            .to_string();
        assert!(http.contains("only stdio servers"), "{http}");
        let none = server_from_vscode(
            r#"{"servers": {"a": {"command": "x"}, "b": {"command": "y"}}}"#,
            path,
            None,
            Path::new("/w"),
            &no_env,
        )
        .unwrap_err();
        assert_eq!(none.exit(), sentinel_core::Exit::Usage);
        assert!(none.to_string().contains("it has: a, b"), "{none}");
        let prompt = server_from_vscode(
            r#"{"servers": {"ev2": {"command": "x", "env": {"T": "${input:token}"}}}}"#,
            path,
            None,
            Path::new("/w"),
            &no_env,
        )
        .unwrap_err();
        assert!(prompt.to_string().contains("servers.ev2.env.T"), "{prompt}");
    }
}
