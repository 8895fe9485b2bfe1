//! Init config files (`-i`): groups and options in a line-oriented format.
//!
//! ```text
//! # comment (a line whose first non-blank character is '#')
//! [GROUPS]
//! groupname=Corporate
//! subnet=10.10.0.0/16
//! vlanid=20
//! @org:Meraki Inc@tag:branch vlanname=Guest WiFi
//! groupname=Visitors
//! ssid=Guest Wi-Fi
//!
//! [OPTIONS]
//! database=usage.db
//! filter=dtag:statsmachine
//! ```
//!
//! * Sections `[GROUPS]` and `[OPTIONS]` (case-insensitive) may appear in any order.
//! * In `[GROUPS]`: `groupname=<name>` starts a group; the rule lines that follow belong to it:
//!   `subnet=<CIDR>`, `vlanid=`/`vid=<1..4094>`, `vlanname=`/`vname=<name>`,
//!   `ssid=<name or 0..14>` (as `ssid:` in `-g`; needs the network source).
//! * A rule line may carry scope prefixes **before its key**, as in the original script:
//!   `@org:Orgname@net:Netname vlanid=500`. The key is the last whitespace-separated word
//!   before the first `=`; everything before it is the scope (so scope values may contain
//!   spaces but not `@` or `=`). `groupname=` takes no scope.
//! * In `[OPTIONS]`: `database=<file>` and `filter=<filter>` (see [`crate::Filter`]).
//! * A line splits at its first `=`; keys are case-insensitive, values are trimmed.
//! * Unlike the original (which silently ignored unknown keys), unknown keys and sections are
//!   errors, so a typo such as `vlan_id=20` cannot quietly drop a rule.
//!
//! The groups read from a file equal the groups parsed from the equivalent `-g` string.

use crate::filter::{Filter, FilterError};
use crate::groups::{
    Group, Groups, GroupsError, Rule, RuleKind, Scope, check_group_name, check_rule,
};

/// The settings read from an init config file. Absent sections or keys are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InitConfig {
    /// The `[GROUPS]` section, if it defines any group.
    pub groups: Option<Groups>,
    /// `database=` in `[OPTIONS]`.
    pub database: Option<String>,
    /// `filter=` in `[OPTIONS]`.
    pub filter: Option<Filter>,
    /// The `filter=` value as written (for checks that need the written form, such as a
    /// `dtype:` given explicitly: see [`Filter::written_device_items`]).
    pub filter_text: Option<String>,
}

/// A problem in an init file, located by file name and 1-based line number.
///
/// Displays as `<file>:<line>: <problem>: <the line>`, in one line of a few hundred characters
/// at most whatever the file holds: a line longer than 80 characters is quoted by its first 60
/// characters and its length, and a value the problem quotes by its first 60 characters.
///
/// ```
/// let long = format!("[GROUPS]\ngroupname=A\nvlanid={}\n", "9".repeat(1 << 20));
/// let err = usage_model::InitConfig::parse("cfg.txt", &long).unwrap_err();
/// let shown = err.to_string();
/// assert!(shown.starts_with("cfg.txt:3: invalid VLAN id \"999"), "{shown}");
/// assert!(shown.ends_with("… (1048583 characters)"), "{shown}");
/// assert!(shown.len() < 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{source_name}:{line}: {}: {}",
    shorten_quoted(&problem.to_string()),
    excerpt(text)
)]
pub struct InitFileError {
    /// The name the caller gave for the file (usually its path).
    pub source_name: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub problem: InitFileProblem,
    /// The offending line, trimmed.
    pub text: String,
}

/// How many characters of a long line, or of a long value quoted in a problem, an
/// [`InitFileError`] shows.
const EXCERPT_CHARS: usize = 60;

/// The most characters a problem is shown with when even its quoted values are shortened
/// (a reason quoting the value without quotes).
const PROBLEM_CHARS: usize = 300;

/// The line as an error quotes it: whole when it is short, else its first [`EXCERPT_CHARS`]
/// characters and its length.
fn excerpt(line: &str) -> std::borrow::Cow<'_, str> {
    let length = line.chars().count();
    if length <= EXCERPT_CHARS + 20 {
        return line.into();
    }
    let end = line
        .char_indices()
        .nth(EXCERPT_CHARS)
        .map_or(line.len(), |(i, _)| i);
    format!("{}… ({length} characters)", &line[..end]).into()
}

/// `message` with every `"…"`-quoted value longer than [`EXCERPT_CHARS`] characters cut to
/// that many and an ellipsis (the problems quote the values they refuse in Rust's `{:?}`
/// form), and at most [`PROBLEM_CHARS`] characters in all.
fn shorten_quoted(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' {
            continue;
        }
        let (mut kept, mut cut, mut escaped) = (0, false, false);
        for c in chars.by_ref() {
            if c == '"' && !escaped {
                break;
            }
            escaped = c == '\\' && !escaped;
            if kept < EXCERPT_CHARS {
                out.push(c);
                kept += 1;
            } else {
                cut = true;
            }
        }
        if cut {
            out.push('…');
        }
        out.push('"');
    }
    crate::groups::shorten_name(&out, PROBLEM_CHARS).into_owned()
}

/// What is wrong with an init-file line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InitFileProblem {
    /// A setting before any `[SECTION]` line.
    #[error("line outside a section: start the file with [GROUPS] or [OPTIONS]")]
    OutsideSection,
    /// A section other than `[GROUPS]` / `[OPTIONS]`.
    #[error("unknown section: expected [GROUPS] or [OPTIONS]")]
    UnknownSection,
    /// A line without `=`.
    #[error("expected key=value")]
    MissingEquals,
    /// An unknown key in `[GROUPS]`.
    #[error(
        "unknown key {0:?} in [GROUPS]: expected groupname, subnet, vlanid, vid, vlanname, vname or ssid"
    )]
    UnknownGroupKey(String),
    /// An unknown key in `[OPTIONS]`.
    #[error("unknown key {0:?} in [OPTIONS]: expected database or filter")]
    UnknownOptionKey(String),
    /// A rule line before the first `groupname=`.
    #[error("rule before any groupname= line")]
    RuleOutsideGroup,
    /// `groupname=` with scope prefixes.
    #[error("scope prefixes belong on rule lines, not on groupname=")]
    ScopedGroupName,
    /// `database=` or `filter=` given twice.
    #[error("{0}= is given more than once")]
    Repeated(&'static str),
    /// A key with an empty value.
    #[error("empty value")]
    EmptyValue,
    /// An invalid group, rule or scope.
    #[error(transparent)]
    Groups(#[from] GroupsError),
    /// An invalid filter.
    #[error(transparent)]
    Filter(#[from] FilterError),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Groups,
    Options,
}

impl InitConfig {
    /// Parses the text of an init file; `source_name` is used in error messages.
    pub fn parse(source_name: &str, text: &str) -> Result<InitConfig, InitFileError> {
        let mut cfg = InitConfig::default();
        let mut section = Section::None;
        // (group, line number and text of its groupname= line) for error reporting.
        let mut groups: Vec<(Group, usize, String)> = Vec::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);

        for (idx, raw) in text.lines().enumerate() {
            let lineno = idx + 1;
            let line = raw.trim();
            let err = |problem: InitFileProblem| InitFileError {
                source_name: source_name.to_string(),
                line: lineno,
                problem,
                text: line.to_string(),
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') && line.ends_with(']') {
                let name = line[1..line.len() - 1].trim();
                section = if name.eq_ignore_ascii_case("GROUPS") {
                    Section::Groups
                } else if name.eq_ignore_ascii_case("OPTIONS") {
                    Section::Options
                } else {
                    return Err(err(InitFileProblem::UnknownSection));
                };
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(err(InitFileProblem::MissingEquals));
            };
            let key = key.trim();
            let value = value.trim();
            match section {
                Section::None => return Err(err(InitFileProblem::OutsideSection)),
                Section::Options => {
                    if value.is_empty() {
                        return Err(err(InitFileProblem::EmptyValue));
                    }
                    match key.to_ascii_lowercase().as_str() {
                        "database" => {
                            if cfg.database.is_some() {
                                return Err(err(InitFileProblem::Repeated("database")));
                            }
                            cfg.database = Some(value.to_string());
                        }
                        "filter" => {
                            if cfg.filter.is_some() {
                                return Err(err(InitFileProblem::Repeated("filter")));
                            }
                            cfg.filter = Some(Filter::parse(value).map_err(|e| err(e.into()))?);
                            cfg.filter_text = Some(value.to_string());
                        }
                        _ => return Err(err(InitFileProblem::UnknownOptionKey(key.to_string()))),
                    }
                }
                Section::Groups => {
                    let (scope_text, keyword) = if key.starts_with('@') {
                        match key.rfind(char::is_whitespace) {
                            Some(i) => (Some(&key[..i]), key[i..].trim()),
                            None => {
                                return Err(err(GroupsError::MissingRule(key.to_string()).into()));
                            }
                        }
                    } else {
                        (None, key)
                    };
                    let keyword = keyword.to_ascii_lowercase();
                    if keyword == "groupname" {
                        if scope_text.is_some() {
                            return Err(err(InitFileProblem::ScopedGroupName));
                        }
                        if value.is_empty() {
                            return Err(err(GroupsError::EmptyName(line.to_string()).into()));
                        }
                        check_group_name(value).map_err(|e| err(e.into()))?;
                        if groups.iter().any(|(g, _, _)| g.name == value) {
                            return Err(err(GroupsError::DuplicateGroup(value.to_string()).into()));
                        }
                        groups.push((
                            Group {
                                name: value.to_string(),
                                rules: Vec::new(),
                            },
                            lineno,
                            line.to_string(),
                        ));
                        continue;
                    }
                    let rule_keyword = match keyword.as_str() {
                        "subnet" => "sub",
                        "vlanid" | "vid" => "vid",
                        "vlanname" | "vname" => "vname",
                        "ssid" => "ssid",
                        _ => return Err(err(InitFileProblem::UnknownGroupKey(key.to_string()))),
                    };
                    let kind = RuleKind::parse(&format!("{rule_keyword}:{value}"))
                        .map_err(|e| err(e.into()))?;
                    let scope = match scope_text {
                        Some(s) => Scope::parse_prefixes(s, line).map_err(|e| err(e.into()))?,
                        None => Scope::default(),
                    };
                    let Some((group, _, _)) = groups.last_mut() else {
                        return Err(err(InitFileProblem::RuleOutsideGroup));
                    };
                    let rule = Rule { scope, kind };
                    // Values the -g syntax cannot hold (a ',' in a VLAN name, ...) are refused
                    // here, so the groups stored as a -g string read back identically.
                    check_rule(&rule).map_err(|e| err(e.into()))?;
                    group.rules.push(rule);
                }
            }
        }

        if let Some((g, lineno, line)) = groups.iter().find(|(g, _, _)| g.rules.is_empty()) {
            return Err(InitFileError {
                source_name: source_name.to_string(),
                line: *lineno,
                problem: GroupsError::EmptyGroup(g.name.clone()).into(),
                text: line.clone(),
            });
        }
        if !groups.is_empty() {
            let list = groups.into_iter().map(|(g, _, _)| g).collect();
            // Every invariant Groups::new checks was checked above, line by line; this
            // cannot fail, but stays an error rather than a panic.
            let parsed = Groups::new(list).map_err(|e| InitFileError {
                source_name: source_name.to_string(),
                line: 0,
                problem: e.into(),
                text: String::new(),
            })?;
            cfg.groups = Some(parsed);
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANUAL_FORMAT_EXAMPLE: &str = "#This is a comment line
[GROUPS]
groupname=Corporate
subnet=10.0.0.0/8

groupname=Guest
subnet=192.168.0.0/16

[OPTIONS]
filter=dtag:statsmachine
";

    const MANUAL_GROUPS_EXAMPLE: &str = "[GROUPS]
groupname=Corporate
#This is for Sales users
subnet=10.10.0.0/16
#This is for engineering users
vlanid=20
groupname=Contractors
#This is for contractors
vlanname=contractors
";

    #[test]
    fn manual_format_example() {
        let cfg = InitConfig::parse("example.txt", MANUAL_FORMAT_EXAMPLE).unwrap();
        assert_eq!(
            cfg.groups,
            Some(Groups::parse("Corporate=sub:10.0.0.0/8;Guest=sub:192.168.0.0/16").unwrap())
        );
        assert_eq!(
            cfg.filter,
            Some(Filter::parse("dtag:statsmachine").unwrap())
        );
        assert_eq!(cfg.filter_text.as_deref(), Some("dtag:statsmachine"));
        assert_eq!(cfg.database, None);
    }

    #[test]
    fn manual_groups_example_equals_the_command_line_form() {
        let cfg = InitConfig::parse("groups.txt", MANUAL_GROUPS_EXAMPLE).unwrap();
        let cli =
            Groups::parse("Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors")
                .unwrap();
        assert_eq!(cfg.groups, Some(cli));
        assert_eq!(cfg.filter, None);
    }

    #[test]
    fn script_header_example_with_scoped_keys() {
        let text = "[GROUPS]
groupname=First
subnet=10.0.0.0/24
subnet=192.168.0.0/16
vlanid=10
vlanname=Corp

groupname=Second
subnet=10.20.20.0/24
@org:Orgname@net:Netname vlanid=500
@tag:Taggednet vlanname=Guest
[options]
database=my project.db
";
        let cfg = InitConfig::parse("x", text).unwrap();
        let cli = Groups::parse(
            "First=sub:10.0.0.0/24,sub:192.168.0.0/16,vid:10,vname:Corp;\
             Second=sub:10.20.20.0/24,@org:Orgname@net:Netname vid:500,@tag:Taggednet vname:Guest",
        )
        .unwrap();
        assert_eq!(cfg.groups, Some(cli));
        assert_eq!(cfg.database.as_deref(), Some("my project.db"));
    }

    #[test]
    fn ssid_keys_equal_ssid_rules() {
        let text = "[GROUPS]\ngroupname=Visitors\nssid=Guest Wi-Fi\n@tag:hq ssid=2\n\
                    groupname=Wired\nsubnet=10.0.0.0/8\n";
        let cfg = InitConfig::parse("x", text).unwrap();
        let cli =
            Groups::parse("Visitors=ssid:Guest Wi-Fi,@tag:hq ssid:2;Wired=sub:10.0.0.0/8").unwrap();
        assert_eq!(cfg.groups, Some(cli));
        let err = InitConfig::parse("x", "[GROUPS]\ngroupname=V\nssid=20\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.to_string().contains("0 to 14"), "{err}");
    }

    #[test]
    fn scope_values_may_contain_spaces() {
        let cfg = InitConfig::parse(
            "x",
            "[GROUPS]\ngroupname=A\n@org:Meraki Inc @tag:branch subnet=10.0.0.0/8\n",
        )
        .unwrap();
        let g = cfg.groups.unwrap();
        let r = &g.as_slice()[0].rules[0];
        assert_eq!(r.scope.org.as_deref(), Some("Meraki Inc"));
        assert_eq!(r.scope.tag.as_deref(), Some("branch"));
    }

    #[test]
    fn errors_are_file_line_problem_text() {
        let e = InitConfig::parse("cfg.txt", "[GROUPS]\ngroupname=A\nvlanid=5000\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(
            e.to_string(),
            "cfg.txt:3: invalid VLAN id \"5000\": expected a whole number from 1 to 4094: vlanid=5000"
        );
        for (text, line, needle) in [
            ("subnet=10.0.0.0/8", 1, "outside a section"),
            ("[GROUPS]\nsubnet=10.0.0.0/8", 2, "before any groupname"),
            (
                "[GROUPS]\ngroupname=A\n\ngroupname=B\nvid:3",
                5,
                "key=value",
            ),
            ("[GROUPS]\ngroupname=A\ngroupname=B\nvid=3", 2, "no rules"),
            (
                "[GROUPS]\ngroupname=A\nvid=3\ngroupname=A",
                4,
                "more than once",
            ),
            ("[GROUPS]\ngroupname=A\nvlan_id=3", 3, "unknown key"),
            ("[GROUPS]\ngroupname=A\n@org:X@org:Y vid=3", 3, "twice"),
            ("[OPTIONS]\nfilter=dtype:xx", 2, "device type"),
            ("[OPTIONS]\ndatabase=a\ndatabase=b", 3, "more than once"),
            ("[SETTINGS]", 1, "unknown section"),
            (
                "[GROUPS]\ngroupname=name=Second\nsubnet=1.0.0.0/8",
                2,
                "group name",
            ),
            ("[GROUPS]\ngroupname=A\nvname=a,b", 3, "VLAN name"),
            (
                "[GROUPS]\ngroupname=A=B\nsubnet=1.0.0.0/8",
                2,
                "cannot contain '='",
            ),
            (
                "[GROUPS]\ngroupname=Bell\u{7}ring\nsubnet=1.0.0.0/8",
                2,
                "\"Bell\\u{7}ring\" contains the control character",
            ),
            (
                "[GROUPS]\ngroupname=Car\rriage\nsubnet=1.0.0.0/8",
                2,
                "control character",
            ),
            (
                "[GROUPS]\ngroupname=A\n@org:A sub:x subnet=10.0.0.0/8",
                3,
                "scope value",
            ),
        ] {
            let e = InitConfig::parse("f", text).expect_err(text);
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
            assert!(e.to_string().starts_with(&format!("f:{line}: ")), "{e}");
        }
    }

    #[test]
    fn a_long_line_is_quoted_by_an_excerpt_and_its_length() {
        let mib = "x".repeat(1 << 20);
        for (text, line, start) in [
            (
                format!("[GROUPS]\n{mib}"),
                2,
                "f:2: expected key=value: xxx",
            ),
            (
                format!("[GROUPS]\ngroupname=A\n{mib}=1"),
                3,
                "f:3: unknown key \"xxx",
            ),
            (
                format!("[GROUPS]\ngroupname=A\nvlanname={mib},b"),
                3,
                "f:3: ",
            ),
            (format!("[OPTIONS]\nfilter=tag:{mib},tag:b"), 2, "f:2: "),
        ] {
            let e = InitConfig::parse("f", &text).expect_err("refused");
            assert_eq!(e.line, line);
            let shown = e.to_string();
            assert!(
                shown.starts_with(start),
                "{}",
                &shown[..200.min(shown.len())]
            );
            assert!(
                shown.len() < 500,
                "{} bytes: {}",
                shown.len(),
                &shown[..500]
            );
            let length = text.lines().nth(line - 1).unwrap().trim().chars().count();
            assert!(
                shown.ends_with(&format!("… ({length} characters)")),
                "{shown}"
            );
        }
        // A short line is quoted whole, a quoted value of 60 characters too.
        let value = "y".repeat(EXCERPT_CHARS);
        let e = InitConfig::parse("f", &format!("[GROUPS]\ngroupname=A\nvid={value}")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "f:3: invalid VLAN id \"{value}\": expected a whole number from 1 to 4094: \
                 vid={value}"
            )
        );
        assert_eq!(
            shorten_quoted(r#"a "q\"uo\\" b "é""#),
            r#"a "q\"uo\\" b "é""#
        );
        let long = format!("bad \"{}\": why", "z".repeat(100));
        assert_eq!(
            shorten_quoted(&long),
            format!("bad \"{}…\": why", "z".repeat(EXCERPT_CHARS))
        );
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let cfg = InitConfig::parse(
            "x",
            "\u{feff}[GROUPS]\r\ngroupname=A\r\nsubnet=10.0.0.0/8\r\n",
        )
        .unwrap();
        assert_eq!(cfg.groups, Some(Groups::parse("A=sub:10.0.0.0/8").unwrap()));
    }
}
