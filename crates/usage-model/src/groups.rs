//! User groups: named lists of subnet / VLAN rules, parsed from the original `-g` syntax.
//!
//! # Syntax
//!
//! ```text
//! groups := group (';' group)*
//! group  := name '=' item (',' item)*
//! item   := rule | scope+ ' ' rule
//! rule   := 'sub:' CIDR | ('vid:' | 'vlanid:') 1..4094 | ('vname:' | 'vlanname:') name
//!         | 'ssid:' (0..14 | name)
//! scope  := '@org:' name | '@net:' name | '@tag:' tag        (each at most once per item)
//! ```
//!
//! `ssid:` rules match the SSID a wireless client is associated with: by name, or by slot
//! number (0–14, resolved to a name through the network's SSID list). A value made only of
//! digits is a number, so an SSID whose name is only digits cannot be matched by name. Only the
//! network-level client list carries SSIDs, so `ssid:` rules need the `network` source
//! ([`crate::Source`]).
//!
//! Whitespace around `;`, `=`, `,` and `:` is ignored. Rule keywords are case-insensitive;
//! names, tags and VLAN names are compared exactly (case-sensitive).
//!
//! ## How names containing spaces are delimited
//!
//! Organization and network names often contain spaces (`@org:Meraki Inc sub:10.0.0.0/8`), so a
//! space alone cannot end a scope. The rule is:
//!
//! * An item that does not start with `@` is a rule in its entirety.
//! * In an item that starts with `@`, the rule begins at the **first** whitespace that is
//!   followed by a rule keyword and a colon (`sub:`, `vid:`, `vlanid:`, `vname:`, `vlanname:`,
//!   `ssid:`).
//!   Everything before it is the scope part, split on `@` into `key:value` prefixes.
//!
//! Consequences: a scope value may contain spaces but not `@`, `,`, `;`, or a whitespace
//! directly followed by a rule keyword and colon (`@org:Acme vid:2 Ltd` cannot be written). A
//! VLAN or SSID name may contain spaces and `@`, but not `,` or `;`. A group name may not contain `;`,
//! `=` (quoting does not help: the first `=` always ends the name) or a control character such
//! as a newline or a tab (it would break the report layouts). The original script had the same
//! separators and an even narrower rule (it found the rule by the *last* colon, so no value could
//! contain `:`).
//!
//! Subnets must be written with their host bits clear (`10.0.0.0/8`, not `10.1.2.3/8`) — a set
//! host bit is almost always a typo, and Python's `ipaddress.IPv4Network`, which the original
//! used, rejects it too. A bare address means a single host (`/32` or `/128`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnetwork::IpNetwork;

/// Position of a group in definition order; the classifier's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupIndex(pub usize);

/// The organization / network / network-tag restriction of one rule.
///
/// A rule applies to a network only when **every** present field matches it (org name equal,
/// network name equal, tag among the network's tags). All fields `None` means "everywhere".
///
/// The original script OR-ed the prefixes (a rule with `@org:A@net:B` applied to every network
/// of org A *and* every network named B anywhere); we AND them, which is what writing two
/// prefixes on one rule is naturally read as ("network B of org A").
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// `@org:` — exact organization name.
    pub org: Option<String>,
    /// `@net:` — exact network name.
    pub net: Option<String>,
    /// `@tag:` — one network tag, matched exactly against each of the network's tags.
    pub tag: Option<String>,
}

impl Scope {
    /// True when the scope has no restriction.
    pub fn is_global(&self) -> bool {
        self.org.is_none() && self.net.is_none() && self.tag.is_none()
    }

    /// Whether a rule with this scope applies to the given network.
    pub fn applies_to(&self, org_name: &str, net_name: &str, net_tags: &[String]) -> bool {
        self.org.as_deref().is_none_or(|o| o == org_name)
            && self.net.as_deref().is_none_or(|n| n == net_name)
            && self
                .tag
                .as_deref()
                .is_none_or(|t| net_tags.iter().any(|nt| nt == t))
    }
}

/// What a rule matches on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleKind {
    /// `sub:<CIDR>` — an IPv4 or IPv6 subnet (host bits clear).
    Subnet(IpNetwork),
    /// `vid:<id>` / `vlanid:<id>` — a VLAN id, 1..=4094.
    VlanId(u16),
    /// `vname:<name>` / `vlanname:<name>` — a VLAN name, resolved through the network's VLAN list.
    VlanName(String),
    /// `ssid:<name>` / `ssid:<number>` — the SSID a wireless client is associated with.
    Ssid(SsidRef),
}

/// How an `ssid:` rule names its SSID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SsidRef {
    /// `ssid:<0..14>` — a slot number, resolved to the SSID's name through the network's SSID
    /// list (`GET /networks/{id}/wireless/ssids`).
    Number(u8),
    /// `ssid:<name>` — the SSID's broadcast name, compared exactly (case-sensitive).
    Name(String),
}

/// Highest SSID slot number on a Meraki network (slots are 0–14).
pub const MAX_SSID_NUMBER: u8 = 14;

impl fmt::Display for SsidRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SsidRef::Number(n) => write!(f, "{n}"),
            SsidRef::Name(name) => f.write_str(name),
        }
    }
}

/// One rule of a group: what it matches, and where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    /// Where the rule applies.
    pub scope: Scope,
    /// What the rule matches.
    pub kind: RuleKind,
}

/// A named group of rules. A client belongs to the first group with a matching rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    /// The group's name as shown in reports.
    pub name: String,
    /// The group's rules, in definition order (order inside a group does not affect matching).
    pub rules: Vec<Rule>,
}

/// An ordered, non-empty list of uniquely named, non-empty groups.
///
/// Build one with [`Groups::parse`] (or [`str::parse`]), [`Groups::new`] or
/// [`Groups::overall_default`]. `Display` prints the canonical string, which parses back to an
/// equal value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Groups(Vec<Group>);

/// Why a groups definition was rejected. Every variant names the offending text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupsError {
    /// The whole definition was empty.
    #[error("no groups defined: expected Name=rule,rule;Name=rule")]
    Empty,
    /// An empty definition between two `;` (or a trailing `;`).
    #[error("empty group definition in {0:?} (two ';' in a row or a trailing ';'?)")]
    EmptyDefinition(String),
    /// A group definition without `=`.
    #[error("group definition {0:?} has no '=': expected Name=rule,rule")]
    MissingEquals(String),
    /// A group definition with nothing before `=`.
    #[error("group definition {0:?} has an empty name")]
    EmptyName(String),
    /// Two groups with the same name.
    #[error("group {0:?} is defined more than once")]
    DuplicateGroup(String),
    /// A group without any rule.
    #[error("group {0:?} has no rules: add sub:<CIDR>, vid:<id> or vname:<name>")]
    EmptyGroup(String),
    /// An empty rule between two commas.
    #[error("group {0:?} has an empty rule (two ',' in a row or a trailing ','?)")]
    EmptyRule(String),
    /// A `sub:` value that is not a valid CIDR subnet.
    #[error("invalid subnet {text:?}: {reason}")]
    InvalidSubnet {
        /// The subnet text as written.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `vid:` value that is not a number from 1 to 4094.
    #[error("invalid VLAN id {0:?}: expected a whole number from 1 to 4094")]
    InvalidVlanId(String),
    /// A `vname:` rule with an empty name.
    #[error("empty VLAN name in {0:?}")]
    EmptyVlanName(String),
    /// An `ssid:` rule with an empty value.
    #[error("empty SSID in {0:?}: expected ssid:<name> or ssid:<number 0-14>")]
    EmptySsid(String),
    /// An `ssid:` value made of digits that is not a slot number from 0 to 14.
    #[error(
        "invalid SSID number {0:?}: SSIDs are numbered 0 to 14 (a value made only of digits is a number)"
    )]
    InvalidSsidNumber(String),
    /// A rule that is not `sub:`, `vid:`, `vlanid:`, `vname:`, `vlanname:` or `ssid:`.
    #[error(
        "unknown rule {0:?}: expected sub:<CIDR>, vid:<1-4094>, vname:<name> or ssid:<name or 0-14> (aliases vlanid:, vlanname:)"
    )]
    UnknownRuleKind(String),
    /// The same scope prefix twice on one rule.
    #[error(
        "scope @{kind}: appears twice in {text:?}: each of @org:, @net:, @tag: may appear once"
    )]
    RepeatedScope {
        /// `org`, `net` or `tag`.
        kind: &'static str,
        /// The whole rule text.
        text: String,
    },
    /// A prefix other than `@org:`, `@net:`, `@tag:`.
    #[error("unknown scope {0:?}: expected @org:<name>, @net:<name> or @tag:<tag>")]
    UnknownScope(String),
    /// A scope prefix with an empty value.
    #[error("empty scope value in {0:?}")]
    EmptyScope(String),
    /// A name or value that the `-g` syntax cannot express (so it could not round-trip), e.g.
    /// a group name containing `=` in an init file.
    #[error("{text:?} cannot be used as {what}: {reason}")]
    Unrepresentable {
        /// The offending name or value.
        text: String,
        /// What it was meant to be (group name, scope value, VLAN name, ...).
        what: &'static str,
        /// Why it cannot be written in the groups syntax.
        reason: &'static str,
    },
    /// A group name containing `=`, which always separates a group's name from its rules.
    #[error(
        "group name {0:?} contains '=': a group name cannot contain '=' (the first '=' ends the name{quotes})",
        quotes = if .0.starts_with('"') || .0.starts_with('\'') { "; quotes do not change that" } else { "" }
    )]
    EqualsInName(String),
    /// A group name containing a control character (a newline, a tab, ...) or a Unicode line
    /// or paragraph separator.
    #[error(
        "group name {name:?} contains the control character {ch:?}: group names must be printable on one line"
    )]
    ControlCharacterInName {
        /// The group name.
        name: String,
        /// The first control character found.
        ch: char,
    },
    /// Scope prefixes not followed by a rule.
    #[error(
        "{0:?} has no rule after its scope: leave one space between the last scope and the rule, e.g. \"@org:Acme sub:10.0.0.0/8\""
    )]
    MissingRule(String),
}

const RULE_KEYWORDS: [&str; 6] = ["sub", "vid", "vlanid", "vname", "vlanname", "ssid"];

fn starts_with_rule_keyword(s: &str) -> bool {
    s.split_once(':').is_some_and(|(kw, _)| {
        RULE_KEYWORDS
            .iter()
            .any(|k| kw.trim_end().eq_ignore_ascii_case(k))
    })
}

fn representable(text: &str, what: &'static str, forbidden: &[char]) -> Result<(), GroupsError> {
    let bad = |reason| {
        Err(GroupsError::Unrepresentable {
            text: text.to_string(),
            what,
            reason,
        })
    };
    if text.trim().is_empty() {
        return bad("it is empty");
    }
    if text.trim() != text {
        return bad("it has leading or trailing whitespace");
    }
    if text.contains(forbidden) {
        return bad("it contains a separator character of the groups syntax");
    }
    Ok(())
}

/// Checks that a group name can be written in the `-g` syntax and shown in a report:
/// non-empty, trimmed, no `;`, no `=`, no control character.
pub(crate) fn check_group_name(name: &str) -> Result<(), GroupsError> {
    // Line and paragraph separators are not `Cc` but end a line just the same.
    if let Some(ch) = name
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(GroupsError::ControlCharacterInName {
            name: name.to_string(),
            ch,
        });
    }
    if name.contains('=') {
        return Err(GroupsError::EqualsInName(name.to_string()));
    }
    representable(name, "a group name", &[';', '='])
}

/// When the first item of a group's rules holds an `=` before any rule keyword
/// (`"A=B"=sub:10.0.0.0/8` splits into the name `"A` and the item `B"=sub:10.0.0.0/8`), the
/// user meant a name containing `=`: returns that whole name so the error can say so.
fn name_with_equals(name: &str, rules_text: &str) -> Option<String> {
    let first = rules_text.split(',').next()?.trim_start();
    if first.starts_with('@') {
        return None;
    }
    // The part of the item that would be the rule keyword: up to its first ':'.
    let keyword_part = first.split_once(':').map_or(first, |(k, _)| k);
    let cut = keyword_part.rfind('=')?;
    Some(format!("{name}={}", first[..cut].trim_end()))
}

/// `name`, shortened to at most `max_chars` characters with a trailing `…` when it is longer.
/// For quoting user-chosen names (groups, networks) in warnings, where a very long name would
/// bury the message; the full name stays in reports and errors.
///
/// ```
/// assert_eq!(usage_model::shorten_name("Corporate", 8), "Corpora…");
/// assert_eq!(usage_model::shorten_name("Voice", 8), "Voice");
/// ```
pub fn shorten_name(name: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    match name.char_indices().nth(max_chars) {
        None => name.into(),
        Some(_) => {
            let keep = max_chars.saturating_sub(1);
            let end = name.char_indices().nth(keep).map_or(name.len(), |(i, _)| i);
            format!("{}…", &name[..end]).into()
        }
    }
}

/// How many characters of a group name warnings quote (see [`shorten_name`]).
pub const WARNING_NAME_CHARS: usize = 48;

/// Checks that a rule can be written in the `-g` syntax and parses back to itself.
pub(crate) fn check_rule(rule: &Rule) -> Result<(), GroupsError> {
    for value in [&rule.scope.org, &rule.scope.net, &rule.scope.tag]
        .into_iter()
        .flatten()
    {
        representable(value, "a scope value", &['@', ',', ';'])?;
        let starts_rule = value
            .char_indices()
            .any(|(i, c)| c.is_whitespace() && starts_with_rule_keyword(value[i..].trim_start()));
        if starts_rule {
            return Err(GroupsError::Unrepresentable {
                text: value.clone(),
                what: "a scope value",
                reason: "a space followed by a rule keyword and ':' would start the rule there",
            });
        }
    }
    match &rule.kind {
        RuleKind::Subnet(net) if net.network() != net.ip() => Err(GroupsError::InvalidSubnet {
            text: net.to_string(),
            reason: format!(
                "host bits are set; did you mean {}/{}?",
                net.network(),
                net.prefix()
            ),
        }),
        RuleKind::VlanId(id) if !(1..=4094).contains(id) => {
            Err(GroupsError::InvalidVlanId(id.to_string()))
        }
        RuleKind::VlanName(name) => representable(name, "a VLAN name", &[',', ';']),
        RuleKind::Ssid(SsidRef::Number(n)) if *n > MAX_SSID_NUMBER => {
            Err(GroupsError::InvalidSsidNumber(n.to_string()))
        }
        RuleKind::Ssid(SsidRef::Name(name)) => {
            representable(name, "an SSID name", &[',', ';'])?;
            if name.bytes().all(|b| b.is_ascii_digit()) {
                return Err(GroupsError::Unrepresentable {
                    text: name.clone(),
                    what: "an SSID name",
                    reason: "a value made only of digits is read as an SSID number",
                });
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

impl Rule {
    /// Parses one rule item such as `sub:10.0.0.0/8` or `@org:Meraki Inc@tag:branch vid:20`.
    pub fn parse(item: &str) -> Result<Rule, GroupsError> {
        let item = item.trim();
        if !item.starts_with('@') {
            return Ok(Rule {
                scope: Scope::default(),
                kind: RuleKind::parse(item)?,
            });
        }
        let split = item.char_indices().find_map(|(i, c)| {
            let rest = item[i..].trim_start();
            (c.is_whitespace() && starts_with_rule_keyword(rest)).then_some((&item[..i], rest))
        });
        let Some((scope_text, rule_text)) = split else {
            return Err(GroupsError::MissingRule(item.to_string()));
        };
        Ok(Rule {
            scope: Scope::parse_prefixes(scope_text, item)?,
            kind: RuleKind::parse(rule_text)?,
        })
    }
}

impl Scope {
    /// Parses `@org:A@net:B@tag:C` (any order, each at most once). `whole` is the text quoted
    /// in errors.
    pub(crate) fn parse_prefixes(text: &str, whole: &str) -> Result<Scope, GroupsError> {
        let mut scope = Scope::default();
        let body = text.trim().strip_prefix('@').unwrap_or(text);
        for segment in body.split('@') {
            let Some((key, value)) = segment.split_once(':') else {
                return Err(GroupsError::UnknownScope(format!("@{}", segment.trim())));
            };
            let value = value.trim();
            let (slot, kind) = match key.trim().to_ascii_lowercase().as_str() {
                "org" => (&mut scope.org, "org"),
                "net" => (&mut scope.net, "net"),
                "tag" => (&mut scope.tag, "tag"),
                _ => return Err(GroupsError::UnknownScope(format!("@{}", segment.trim()))),
            };
            if value.is_empty() {
                return Err(GroupsError::EmptyScope(whole.to_string()));
            }
            if slot.is_some() {
                return Err(GroupsError::RepeatedScope {
                    kind,
                    text: whole.to_string(),
                });
            }
            *slot = Some(value.to_string());
        }
        Ok(scope)
    }
}

impl RuleKind {
    /// Parses an unscoped rule: `sub:<CIDR>`, `vid:`/`vlanid:<id>`, `vname:`/`vlanname:<name>`,
    /// `ssid:<name or number>`.
    pub fn parse(text: &str) -> Result<RuleKind, GroupsError> {
        let text = text.trim();
        let Some((kw, value)) = text.split_once(':') else {
            return Err(GroupsError::UnknownRuleKind(text.to_string()));
        };
        let value = value.trim();
        match kw.trim().to_ascii_lowercase().as_str() {
            "sub" => parse_subnet(value).map(RuleKind::Subnet),
            "vid" | "vlanid" => parse_vlan_id(value).map(RuleKind::VlanId),
            "vname" | "vlanname" => {
                if value.is_empty() {
                    Err(GroupsError::EmptyVlanName(text.to_string()))
                } else {
                    Ok(RuleKind::VlanName(value.to_string()))
                }
            }
            "ssid" => parse_ssid(value, text).map(RuleKind::Ssid),
            _ => Err(GroupsError::UnknownRuleKind(text.to_string())),
        }
    }
}

fn parse_subnet(value: &str) -> Result<IpNetwork, GroupsError> {
    let invalid = |reason: String| GroupsError::InvalidSubnet {
        text: value.to_string(),
        reason,
    };
    if value.is_empty() {
        return Err(invalid("empty subnet".to_string()));
    }
    let net: IpNetwork = value.parse().map_err(|_| {
        invalid("expected an IPv4 or IPv6 subnet such as 10.0.0.0/8 or 2001:db8::/32".to_string())
    })?;
    if net.network() != net.ip() {
        return Err(invalid(format!(
            "host bits are set; did you mean {}/{}?",
            net.network(),
            net.prefix()
        )));
    }
    Ok(net)
}

fn parse_ssid(value: &str, text: &str) -> Result<SsidRef, GroupsError> {
    if value.is_empty() {
        return Err(GroupsError::EmptySsid(text.to_string()));
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(SsidRef::Name(value.to_string()));
    }
    match value.parse::<u8>() {
        Ok(n) if n <= MAX_SSID_NUMBER => Ok(SsidRef::Number(n)),
        _ => Err(GroupsError::InvalidSsidNumber(value.to_string())),
    }
}

fn parse_vlan_id(value: &str) -> Result<u16, GroupsError> {
    let bad = || GroupsError::InvalidVlanId(value.to_string());
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match value.parse::<u16>() {
        Ok(id) if (1..=4094).contains(&id) => Ok(id),
        _ => Err(bad()),
    }
}

impl Groups {
    /// Parses the `-g` syntax, e.g. `"Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors"`.
    pub fn parse(text: &str) -> Result<Groups, GroupsError> {
        if text.trim().is_empty() {
            return Err(GroupsError::Empty);
        }
        let mut groups = Vec::new();
        for def in text.split(';') {
            let def = def.trim();
            if def.is_empty() {
                return Err(GroupsError::EmptyDefinition(text.trim().to_string()));
            }
            let Some((name, rules_text)) = def.split_once('=') else {
                return Err(GroupsError::MissingEquals(def.to_string()));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(GroupsError::EmptyName(def.to_string()));
            }
            if rules_text.trim().is_empty() {
                return Err(GroupsError::EmptyGroup(name.to_string()));
            }
            if let Some(full) = name_with_equals(name, rules_text) {
                return Err(GroupsError::EqualsInName(full));
            }
            let rules = rules_text
                .split(',')
                .map(|item| {
                    if item.trim().is_empty() {
                        Err(GroupsError::EmptyRule(name.to_string()))
                    } else {
                        Rule::parse(item)
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            groups.push(Group {
                name: name.to_string(),
                rules,
            });
        }
        Groups::new(groups)
    }

    /// Builds groups from parts, checking the invariants: at least one group, unique names, at
    /// least one rule per group, and every name and value expressible in the `-g` syntax (so
    /// `Display` always parses back to an equal value).
    pub fn new(groups: Vec<Group>) -> Result<Groups, GroupsError> {
        if groups.is_empty() {
            return Err(GroupsError::Empty);
        }
        let mut seen = std::collections::HashSet::new();
        for g in &groups {
            if g.name.trim().is_empty() {
                return Err(GroupsError::EmptyName(g.name.clone()));
            }
            check_group_name(&g.name)?;
            if !seen.insert(g.name.as_str()) {
                return Err(GroupsError::DuplicateGroup(g.name.clone()));
            }
            if g.rules.is_empty() {
                return Err(GroupsError::EmptyGroup(g.name.clone()));
            }
            g.rules.iter().try_for_each(check_rule)?;
        }
        Ok(Groups(groups))
    }

    /// The default when no groups are given: one group `Overall` matching every IPv4 and every
    /// IPv6 client (`Overall=sub:0.0.0.0/0,sub:::/0`).
    pub fn overall_default() -> Groups {
        let any4 = IpNetwork::new(IpAddr::from([0u8; 4]), 0);
        let any6 = IpNetwork::new(IpAddr::from([0u16; 8]), 0);
        let rules = [any4, any6]
            .into_iter()
            .flatten()
            .map(|net| Rule {
                scope: Scope::default(),
                kind: RuleKind::Subnet(net),
            })
            .collect();
        Groups(vec![Group {
            name: "Overall".to_string(),
            rules,
        }])
    }

    /// The groups in definition order.
    pub fn iter(&self) -> std::slice::Iter<'_, Group> {
        self.0.iter()
    }

    /// The groups with their indices, in definition order.
    pub fn indexed(&self) -> impl Iterator<Item = (GroupIndex, &Group)> {
        self.0.iter().enumerate().map(|(i, g)| (GroupIndex(i), g))
    }

    /// Number of groups (never zero).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: `Groups` holds at least one group. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The group at `index`, if any.
    pub fn get(&self, index: GroupIndex) -> Option<&Group> {
        self.0.get(index.0)
    }

    /// The index of the group named `name`.
    pub fn position(&self, name: &str) -> Option<GroupIndex> {
        self.0.iter().position(|g| g.name == name).map(GroupIndex)
    }

    /// The groups as a slice.
    pub fn as_slice(&self) -> &[Group] {
        &self.0
    }

    /// True when any rule is a `vname:` rule, i.e. the sync must fetch the network's VLAN list.
    ///
    /// `vid:` rules match on the client's own VLAN id and do not need it, though the
    /// classifier also uses the VLAN list, when given, to match `vid:` rules by subnet.
    pub fn needs_vlan_table(&self) -> bool {
        self.0
            .iter()
            .flat_map(|g| &g.rules)
            .any(|r| matches!(r.kind, RuleKind::VlanName(_)))
    }

    /// True when any rule is an `ssid:<number>` rule, i.e. the sync must fetch the network's
    /// SSID list to learn the names of the numbered slots.
    pub fn needs_ssid_list(&self) -> bool {
        self.0
            .iter()
            .flat_map(|g| &g.rules)
            .any(|r| matches!(r.kind, RuleKind::Ssid(SsidRef::Number(_))))
    }

    /// The first `ssid:` rule, with its group: such rules need the network-level source (only
    /// the network's client list reports SSIDs).
    pub fn first_ssid_rule(&self) -> Option<(&Group, &Rule)> {
        self.0.iter().find_map(|g| {
            g.rules
                .iter()
                .find(|r| matches!(r.kind, RuleKind::Ssid(_)))
                .map(|r| (g, r))
        })
    }
}

impl<'a> IntoIterator for &'a Groups {
    type Item = &'a Group;
    type IntoIter = std::slice::Iter<'a, Group>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromStr for Groups {
    type Err = GroupsError;
    fn from_str(s: &str) -> Result<Groups, GroupsError> {
        Groups::parse(s)
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleKind::Subnet(net) => write!(f, "sub:{net}"),
            RuleKind::VlanId(id) => write!(f, "vid:{id}"),
            RuleKind::VlanName(name) => write!(f, "vname:{name}"),
            RuleKind::Ssid(ssid) => write!(f, "ssid:{ssid}"),
        }
    }
}

/// Canonical form: `@org:..@net:..@tag:.. ` (only those present, in that order) then the rule.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.scope;
        for (key, value) in [("org", &s.org), ("net", &s.net), ("tag", &s.tag)] {
            if let Some(v) = value {
                write!(f, "@{key}:{v}")?;
            }
        }
        if !s.is_global() {
            f.write_str(" ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=", self.name)?;
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{rule}")?;
        }
        Ok(())
    }
}

/// The canonical `-g` string: `Name=rule,rule;Name=rule`, no optional spaces, short keywords.
impl fmt::Display for Groups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, g) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{g}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Groups {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Groups {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Groups, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Groups::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNetwork {
        s.parse().unwrap()
    }

    #[test]
    fn manual_command_line_example_means_two_groups() {
        let g = Groups::parse("Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors")
            .unwrap();
        assert_eq!(g.len(), 2);
        let corp = g.get(GroupIndex(0)).unwrap();
        assert_eq!(corp.name, "Corporate");
        assert_eq!(
            corp.rules
                .iter()
                .map(|r| r.kind.clone())
                .collect::<Vec<_>>(),
            vec![RuleKind::Subnet(net("10.10.0.0/16")), RuleKind::VlanId(20)]
        );
        let contractors = g.get(GroupIndex(1)).unwrap();
        assert_eq!(contractors.name, "Contractors");
        assert_eq!(
            contractors.rules[0].kind,
            RuleKind::VlanName("contractors".into())
        );
        assert!(g.needs_vlan_table());
        assert_eq!(
            g.to_string(),
            "Corporate=sub:10.10.0.0/16,vid:20;Contractors=vname:contractors"
        );
    }

    #[test]
    fn script_help_example_with_scope() {
        let g = Groups::parse(
            "Corp=sub:192.168.10.0/24,sub:10.10.10.0/24,vname:Corp;Guest=sub:172.16.0.0/12,@org:Myorg vid:10",
        )
        .unwrap();
        let guest = g.get(GroupIndex(1)).unwrap();
        assert_eq!(guest.rules[1].scope.org.as_deref(), Some("Myorg"));
        assert_eq!(guest.rules[1].kind, RuleKind::VlanId(10));
        assert!(guest.rules[0].scope.is_global());
    }

    #[test]
    fn scope_names_with_spaces_end_at_the_rule_keyword() {
        let r = Rule::parse("@org:Meraki Inc@tag:branch sub:10.0.0.0/8").unwrap();
        assert_eq!(r.scope.org.as_deref(), Some("Meraki Inc"));
        assert_eq!(r.scope.tag.as_deref(), Some("branch"));
        assert_eq!(r.scope.net, None);
        assert_eq!(r.kind, RuleKind::Subnet(net("10.0.0.0/8")));

        let r = Rule::parse("@net:Main Office  Branch @org:A B vname:Guest WiFi").unwrap();
        assert_eq!(r.scope.net.as_deref(), Some("Main Office  Branch"));
        assert_eq!(r.scope.org.as_deref(), Some("A B"));
        assert_eq!(r.kind, RuleKind::VlanName("Guest WiFi".into()));
        assert_eq!(
            r.to_string(),
            "@org:A B@net:Main Office  Branch vname:Guest WiFi"
        );
    }

    #[test]
    fn ssid_rules_by_name_and_number_scoped_like_the_others() {
        let g = Groups::parse(
            "Guests=ssid:Guest Wi-Fi,ssid:3;Staff=@tag:hq ssid:Corp @ HQ, sub:10.0.0.0/8;IoT=SSID: 0",
        )
        .unwrap();
        let kinds: Vec<RuleKind> = g
            .iter()
            .flat_map(|g| &g.rules)
            .map(|r| r.kind.clone())
            .collect();
        assert_eq!(
            kinds,
            vec![
                RuleKind::Ssid(SsidRef::Name("Guest Wi-Fi".into())),
                RuleKind::Ssid(SsidRef::Number(3)),
                RuleKind::Ssid(SsidRef::Name("Corp @ HQ".into())),
                RuleKind::Subnet(net("10.0.0.0/8")),
                RuleKind::Ssid(SsidRef::Number(0)),
            ]
        );
        let staff = g.get(GroupIndex(1)).unwrap();
        assert_eq!(staff.rules[0].scope.tag.as_deref(), Some("hq"));
        assert_eq!(
            g.to_string(),
            "Guests=ssid:Guest Wi-Fi,ssid:3;Staff=@tag:hq ssid:Corp @ HQ,sub:10.0.0.0/8;IoT=ssid:0"
        );
        assert_eq!(Groups::parse(&g.to_string()).unwrap(), g);
        assert!(g.needs_ssid_list());
        assert!(!g.needs_vlan_table());
        let (group, rule) = g.first_ssid_rule().unwrap();
        assert_eq!(
            (group.name.as_str(), rule.to_string().as_str()),
            ("Guests", "ssid:Guest Wi-Fi")
        );
        let by_name = Groups::parse("G=ssid:Corp").unwrap();
        assert!(!by_name.needs_ssid_list());
        assert!(
            Groups::parse("G=sub:10.0.0.0/8")
                .unwrap()
                .first_ssid_rule()
                .is_none()
        );
        // A scope value may no longer hide " ssid:" (it starts the rule there).
        let r = Rule::parse("@org:Acme ssid:Guest").unwrap();
        assert_eq!(r.scope.org.as_deref(), Some("Acme"));
    }

    #[test]
    fn bad_ssid_rules_are_explained() {
        for (input, needle) in [
            ("G=ssid:", "empty SSID"),
            ("G=ssid:15", "0 to 14"),
            ("G=ssid:99999999999", "0 to 14"),
        ] {
            let err = Groups::parse(input).expect_err(input).to_string();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
        // Leading zeros inside the range are still numbers.
        assert_eq!(
            Groups::parse("G=ssid:03").unwrap().as_slice()[0].rules[0].kind,
            RuleKind::Ssid(SsidRef::Number(3))
        );
        let digits = Groups::new(vec![Group {
            name: "G".into(),
            rules: vec![Rule {
                scope: Scope::default(),
                kind: RuleKind::Ssid(SsidRef::Name("42".into())),
            }],
        }]);
        assert!(
            matches!(&digits, Err(GroupsError::Unrepresentable { reason, .. }) if reason.contains("digits")),
            "{digits:?}"
        );
        let over = Groups::new(vec![Group {
            name: "G".into(),
            rules: vec![Rule {
                scope: Scope::default(),
                kind: RuleKind::Ssid(SsidRef::Number(15)),
            }],
        }]);
        assert_eq!(over, Err(GroupsError::InvalidSsidNumber("15".into())));
    }

    #[test]
    fn aliases_and_case_insensitive_keywords() {
        let a = Groups::parse("G=vlanid:7,vlanname:x,SUB:10.0.0.0/8").unwrap();
        let b = Groups::parse("G=vid:7,vname:x,sub:10.0.0.0/8").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn default_matches_v4_and_v6_everything() {
        let d = Groups::overall_default();
        assert_eq!(d.to_string(), "Overall=sub:0.0.0.0/0,sub:::/0");
        assert_eq!(Groups::parse(&d.to_string()).unwrap(), d);
    }

    #[test]
    fn ipv6_subnets() {
        let g = Groups::parse("V6=sub:2001:db8::/32").unwrap();
        assert_eq!(
            g.get(GroupIndex(0)).unwrap().rules[0].kind,
            RuleKind::Subnet(net("2001:db8::/32"))
        );
    }

    #[test]
    fn errors_name_the_offending_text() {
        let cases: &[(&str, &str)] = &[
            ("A=sub:10.0.0.0/8;A=vid:2", "\"A\""),
            ("A=", "\"A\""),
            ("A=sub:10.0.0.0/33", "10.0.0.0/33"),
            ("A=sub:10.1.0.0/8", "did you mean 10.0.0.0/8"),
            ("A=vid:abc", "\"abc\""),
            ("A=vid:4095", "\"4095\""),
            ("A=vid:0", "\"0\""),
            ("A=vlan:3", "vlan:3"),
            ("A=@org:X@org:Y sub:10.0.0.0/8", "@org:"),
            ("=sub:10.0.0.0/8", "=sub:10.0.0.0/8"),
            ("A=@site:X sub:10.0.0.0/8", "@site:X"),
            ("A=@org:X", "@org:X"),
            ("A=@org: sub:10.0.0.0/8", "@org: sub"),
            ("A sub:10.0.0.0/8", "A sub:10.0.0.0/8"),
            ("A=vname:", "vname:"),
            ("A=sub:10.0.0.0/8,,vid:2", "\"A\""),
            ("A=sub:10.0.0.0/8;;B=vid:2", "two ';'"),
            ("", "no groups"),
        ];
        for (input, needle) in cases {
            let err = Groups::parse(input).expect_err(input).to_string();
            assert!(err.contains(needle), "{input:?}: {err:?} lacks {needle:?}");
        }
    }

    #[test]
    fn a_quoted_name_with_equals_is_explained_not_an_unknown_rule() {
        let err = Groups::parse("\"A=B\"=sub:10.0.0.0/8").unwrap_err();
        assert_eq!(err, GroupsError::EqualsInName("\"A=B\"".into()));
        let text = err.to_string();
        assert!(text.contains("cannot contain '='"), "{text}");
        assert!(text.contains("quotes"), "{text}");
        assert!(!text.contains("unknown rule"), "{text}");
        // Unquoted, after a valid first group, and before a scoped or keyword-less item.
        for (input, name) in [
            ("A=B=vid:3", "A=B"),
            ("X=vid:2;Long = name = sub:10.0.0.0/8", "Long=name"),
            ("A=B=@org:X sub:10.0.0.0/8", "A=B"),
            ("A=B=C", "A=B"),
        ] {
            assert_eq!(
                Groups::parse(input),
                Err(GroupsError::EqualsInName(name.into())),
                "{input:?}"
            );
        }
        // '=' inside a VLAN name or a scope value stays allowed.
        assert!(Groups::parse("A=vname:x=y").is_ok());
        assert!(Groups::parse("A=@org:X=Y sub:10.0.0.0/8").is_ok());
        assert!(Groups::parse("A=sub:10.0.0.0/8,vname:a=b").is_ok());
    }

    #[test]
    fn control_characters_in_group_names_are_refused_naming_the_group() {
        for (input, ch) in [
            ("Two\nLines=sub:10.0.0.0/8", '\n'),
            ("Tab\there=vid:3", '\t'),
            ("Bell\u{7}=vid:3", '\u{7}'),
            ("Ok=vid:2;Del\u{7f}=vid:3", '\u{7f}'),
            ("C1\u{85}x=vid:3", '\u{85}'),
            ("Sep\u{2028}x=vid:3", '\u{2028}'),
        ] {
            let err = Groups::parse(input).expect_err(input);
            assert!(
                matches!(&err, GroupsError::ControlCharacterInName { ch: c, .. } if *c == ch),
                "{input:?}: {err:?}"
            );
            let text = err.to_string();
            let name = input.rsplit(';').next().unwrap().split('=').next().unwrap();
            assert!(text.contains(&format!("{name:?}")), "{text} names {name:?}");
            assert!(
                !text.contains('\n'),
                "the message stays on one line: {text:?}"
            );
        }
        // Whitespace around the name is still trimmed, not refused.
        assert!(Groups::parse("\tA\n=vid:3").is_ok());
        let built = Groups::new(vec![Group {
            name: "a\rb".into(),
            rules: vec![Rule::parse("vid:3").unwrap()],
        }]);
        assert!(matches!(
            built,
            Err(GroupsError::ControlCharacterInName { ch: '\r', .. })
        ));
    }

    #[test]
    fn shorten_name_cuts_long_names_on_character_boundaries() {
        assert_eq!(shorten_name("abc", 3), "abc");
        assert_eq!(shorten_name("abcd", 3), "ab…");
        assert_eq!(shorten_name("東京東京東京", 4), "東京東…");
        assert_eq!(shorten_name("東京東京東京", 4).chars().count(), 4);
        assert_eq!(shorten_name("", 0), "");
        assert_eq!(shorten_name("a", 0), "…");
    }

    #[test]
    fn new_rejects_what_the_syntax_cannot_express() {
        let rule = |scope: Scope, kind: RuleKind| Rule { scope, kind };
        let sub = RuleKind::Subnet(net("10.0.0.0/8"));
        let group = |name: &str, rules: Vec<Rule>| {
            Groups::new(vec![Group {
                name: name.into(),
                rules,
            }])
        };
        let cases = [
            group("a=b", vec![rule(Scope::default(), sub.clone())]),
            group(" a", vec![rule(Scope::default(), sub.clone())]),
            group(
                "a",
                vec![rule(
                    Scope {
                        org: Some("x,y".into()),
                        ..Scope::default()
                    },
                    sub.clone(),
                )],
            ),
            group(
                "a",
                vec![rule(
                    Scope {
                        net: Some("x@y".into()),
                        ..Scope::default()
                    },
                    sub.clone(),
                )],
            ),
            group(
                "a",
                vec![rule(
                    Scope {
                        tag: Some("x vid:1".into()),
                        ..Scope::default()
                    },
                    sub.clone(),
                )],
            ),
            group(
                "a",
                vec![rule(Scope::default(), RuleKind::VlanName("a;b".into()))],
            ),
            group("a", vec![rule(Scope::default(), RuleKind::VlanId(0))]),
            group(
                "a",
                vec![rule(
                    Scope::default(),
                    RuleKind::Subnet(IpNetwork::new([10, 1, 2, 3].into(), 8).unwrap()),
                )],
            ),
        ];
        for c in cases {
            assert!(c.is_err(), "{c:?}");
        }
    }
}
