//! Stage commands run by `sh -c`: placeholders are filled in as single shell words, so no
//! value — a version, a stage or region name, whatever validation let through — can become
//! shell syntax.

use std::borrow::Cow;

/// `value` as one POSIX shell word: unchanged when it holds only characters that are never
/// special to `sh` (as Python's `shlex.quote`), else in single quotes with each `'` written
/// as `'\''`. Leaving plain words unquoted keeps `"v{version}"`-style templates working.
pub fn quote(value: &str) -> Cow<'_, str> {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b));
    if plain {
        return Cow::Borrowed(value);
    }
    Cow::Owned(format!("'{}'", value.replace('\'', r"'\''")))
}

/// Replace each `{name}` of `values` in `template` by the quoted value, in one pass: a value
/// that itself contains `{stage}` is not substituted again. Other braces (`${HOME}`,
/// `{unknown}`) are left as they are.
pub fn substitute(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    'scan: while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        for (name, value) in values {
            let placeholder_len = name.len() + 2;
            if after.len() >= placeholder_len
                && after.as_bytes()[placeholder_len - 1] == b'}'
                && &after[1..placeholder_len - 1] == *name
            {
                out.push_str(&quote(value));
                rest = &after[placeholder_len..];
                continue 'scan;
            }
        }
        out.push('{');
        rest = &after[1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// What `sh -c` prints for `printf '%s\n' WORD`, with WORD from `quote`.
    fn through_sh(value: &str) -> String {
        let command = substitute("printf '%s\\n' {v}", &[("v", value)]);
        let output = Command::new("sh").arg("-c").arg(&command).output().unwrap();
        assert!(output.status.success(), "{command}");
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn hostile_values_reach_the_command_as_one_literal_word() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("PWNED");
        for hostile in [
            format!("9.9.9-$(touch {})", victim.display()),
            format!("1.0.0;touch {}", victim.display()),
            format!("`touch {}`", victim.display()),
            format!("x' ; touch {} ; '", victim.display()),
            "a b\tc\nd".to_owned(),
            "$HOME".to_owned(),
            String::new(),
        ] {
            assert_eq!(through_sh(&hostile), format!("{hostile}\n"));
        }
        assert!(!victim.exists(), "a value ran as a command");
    }

    #[test]
    fn plain_values_are_left_alone_and_substitution_is_one_pass() {
        assert_eq!(quote("1.5.0-rc.1"), "1.5.0-rc.1");
        assert_eq!(quote("eu-west_2"), "eu-west_2");
        assert_eq!(quote("EU West"), "'EU West'");
        assert_eq!(
            substitute(
                "deploy {region} v{version} ${HOME} {other} {",
                &[("version", "{region}"), ("region", "r1")]
            ),
            "deploy r1 v'{region}' ${HOME} {other} {"
        );
    }
}
