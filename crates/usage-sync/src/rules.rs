//! Rules that matched nothing in what a sync read, said once after it: an `ssid:<name>` rule
//! whose SSID no client of the networks in its scope was on is empty for the whole sync, most
//! often because the name was typed with a look-alike character (see [`crate::near`]).

use std::collections::BTreeSet;

use usage_model::{Groups, NetworkIdentity, RuleKind, SsidRef};

use crate::near::{lookalike, near_misses};

/// How many SSID names a message lists when none comes close.
const SHOWN: usize = 8;

/// Whether some rule of `groups` names an SSID (`ssid:<name>`), so the SSIDs a sync reads are
/// worth keeping.
pub(crate) fn names_ssids(groups: &Groups) -> bool {
    groups
        .iter()
        .flat_map(|g| &g.rules)
        .any(|r| matches!(r.kind, RuleKind::Ssid(SsidRef::Name(_))))
}

/// One line per `ssid:<name>` rule that no network in its scope, among `seen` (each network
/// read and the SSIDs its clients were on), has a client on: the group, the rule, and the
/// nearest SSID names there (or those there). Rules whose scope holds no network read say
/// nothing: there was nothing to match.
pub(crate) fn ssid_rules_matching_nothing(
    groups: &Groups,
    seen: &[(NetworkIdentity, BTreeSet<String>)],
) -> Vec<String> {
    let mut out = Vec::new();
    for group in groups {
        for rule in &group.rules {
            let RuleKind::Ssid(SsidRef::Name(name)) = &rule.kind else {
                continue;
            };
            let in_scope: Vec<&BTreeSet<String>> = seen
                .iter()
                .filter(|(n, _)| rule.scope.applies_to(&n.org_name, &n.net_name, &n.tags))
                .map(|(_, ssids)| ssids)
                .collect();
            let there: BTreeSet<&str> = in_scope
                .iter()
                .flat_map(|s| s.iter().map(String::as_str))
                .collect();
            if in_scope.is_empty() || there.contains(name.as_str()) {
                continue;
            }
            let mut line = format!(
                "group {:?}: the rule {rule} matched no client: no client of the networks read was \
                 on an SSID of that name",
                group.name
            );
            let near = near_misses(name, there.iter().copied());
            if !near.is_empty() {
                let near: Vec<String> = near
                    .iter()
                    .map(|n| match lookalike(name, n) {
                        Some(which) => format!("{n:?} ({which})"),
                        None => format!("{n:?}"),
                    })
                    .collect();
                line.push_str(&format!(
                    "; did you mean {}? (SSID names are compared exactly, case included)",
                    near.join(" or ")
                ));
            } else if there.is_empty() {
                line.push_str("; no client there was on any SSID");
            } else {
                let shown: Vec<String> =
                    there.iter().take(SHOWN).map(|n| format!("{n:?}")).collect();
                line.push_str(&format!("; SSIDs there: {}", shown.join(", ")));
                if there.len() > SHOWN {
                    line.push_str(&format!(" and {} more", there.len() - SHOWN));
                }
            }
            out.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(name: &str, tags: &[&str], ssids: &[&str]) -> (NetworkIdentity, BTreeSet<String>) {
        (
            NetworkIdentity {
                org_name: "Acme".into(),
                net_name: name.into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
            },
            ssids.iter().map(|s| s.to_string()).collect(),
        )
    }

    #[test]
    fn a_name_no_network_in_scope_has_is_said_with_what_comes_close() {
        let groups = Groups::parse(
            "Visitors=ssid:Guest Wi-Fi;Staff=ssid:Corp,@tag:lab ssid:Lab;Shop=@net:Shop ssid:Till",
        )
        .unwrap();
        let seen = [
            net("HQ", &[], &["Guest Wi\u{2011}Fi", "Corp"]),
            net("Depot", &["lab"], &["Lab 2", "Corp"]),
        ];
        let lines = ssid_rules_matching_nothing(&groups, &seen);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[0],
            "group \"Visitors\": the rule ssid:Guest Wi-Fi matched no client: no client of the \
             networks read was on an SSID of that name; did you mean \"Guest Wi\u{2011}Fi\" \
             (U+2011 where you wrote \"-\")? (SSID names are compared exactly, case included)"
        );
        // Scoped to the tag: only the tagged network's SSIDs count, listed as none is close.
        assert!(
            lines[1].starts_with("group \"Staff\": the rule @tag:lab ssid:Lab matched no client")
                && lines[1].ends_with("; SSIDs there: \"Corp\", \"Lab 2\""),
            "{}",
            lines[1]
        );
        // `ssid:Corp` matched; `@net:Shop` read no network: nothing to say about either.
        assert!(names_ssids(&groups));
        assert!(!names_ssids(&Groups::parse("A=ssid:3;B=vid:20").unwrap()));
    }
}
