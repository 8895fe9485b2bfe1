//! The known deviations of the live API from its specification (`deviations.toml`).

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Result, invalid};

/// One known difference between the live API and the specification, at one or more field
/// paths of one operation's response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Deviation {
    /// The `operationId`.
    pub operation: String,
    /// Field paths of one response item (`usage.total`).
    pub paths: Vec<String>,
    /// What the specification says.
    pub documented: String,
    /// What the live API sends instead.
    pub live: String,
    /// A JSON Schema the live value matches instead of the documented one.
    pub allow: Value,
    /// One such value.
    pub sample: Value,
    /// Where it was seen.
    pub evidence: Vec<String>,
    /// `false` when the evidence calls it possible but unconfirmed.
    pub confirmed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    deviation: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    operation: String,
    paths: Vec<String>,
    documented: String,
    live: String,
    allow: String,
    sample: String,
    evidence: Vec<String>,
    #[serde(default = "confirmed_by_default")]
    confirmed: bool,
}

fn confirmed_by_default() -> bool {
    true
}

/// The list of [`Deviation`]s.
#[derive(Debug, Clone, Default)]
pub struct Deviations {
    entries: Vec<Deviation>,
}

impl Deviations {
    /// The committed `fixtures/openapi/deviations.toml` (embedded at build time).
    ///
    /// # Panics
    /// Never for the committed file, which this crate's tests read.
    pub fn committed() -> Deviations {
        Deviations::parse(crate::DEVIATIONS_TOML, "fixtures/openapi/deviations.toml")
            .expect("the committed deviation list is valid")
    }

    /// Reads a deviation list; `source_name` names it in errors.
    ///
    /// # Errors
    /// Bad TOML, an unknown key, an entry without paths or evidence, an `allow` that is not a
    /// JSON Schema, a `sample` that does not match its `allow`, or one path of one operation
    /// listed twice with the same `allow`.
    pub fn parse(text: &str, source_name: &str) -> Result<Deviations> {
        let file: File = toml::from_str(text).map_err(|e| invalid(source_name, e.to_string()))?;
        let mut entries: Vec<Deviation> = Vec::new();
        for e in file.deviation {
            let at =
                |m: String| invalid(source_name, format!("{} {:?}: {m}", e.operation, e.paths));
            if e.paths.is_empty() || e.evidence.is_empty() {
                return Err(at(
                    "needs at least one path and one piece of evidence".into()
                ));
            }
            let allow: Value = serde_json::from_str(&e.allow)
                .map_err(|err| at(format!("allow is not JSON: {err}")))?;
            let sample: Value = serde_json::from_str(&e.sample)
                .map_err(|err| at(format!("sample is not JSON: {err}")))?;
            let validator =
                jsonschema::draft4::new(&allow).map_err(|err| at(format!("allow: {err}")))?;
            if !validator.is_valid(&sample) {
                return Err(at(format!("sample {sample} does not match allow {allow}")));
            }
            for path in &e.paths {
                let twice = entries.iter().any(|d| {
                    d.operation == e.operation && d.allow == allow && d.paths.contains(path)
                });
                if twice || e.paths.iter().filter(|p| *p == path).count() > 1 {
                    return Err(at(format!("{path} is listed twice with allow {allow}")));
                }
            }
            entries.push(Deviation {
                operation: e.operation,
                paths: e.paths,
                documented: e.documented,
                live: e.live,
                allow,
                sample,
                evidence: e.evidence,
                confirmed: e.confirmed,
            });
        }
        Ok(Deviations { entries })
    }

    /// Every entry, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Deviation> {
        self.entries.iter()
    }

    /// The entries of one operation.
    pub fn of_operation<'a>(
        &'a self,
        operation: &str,
    ) -> impl Iterator<Item = &'a Deviation> + use<'a> {
        let operation = operation.to_owned();
        self.entries
            .iter()
            .filter(move |d| d.operation == operation)
    }

    /// Every (operation, path) pair listed, once each.
    pub fn pairs(&self) -> std::collections::BTreeSet<(String, String)> {
        self.entries
            .iter()
            .flat_map(|d| d.paths.iter().map(|p| (d.operation.clone(), p.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
        [[deviation]]
        operation = "getX"
        paths = ["a"]
        documented = "string"
        live = "null"
        allow = '{"type": "null"}'
        sample = "null"
        evidence = ["seen"]
    "#;

    #[test]
    fn entries_are_read_with_their_schemas() {
        let d = Deviations::parse(ONE, "d.toml").expect("valid");
        let e = d.iter().next().expect("one");
        assert_eq!(e.allow, serde_json::json!({"type": "null"}));
        assert_eq!(e.sample, Value::Null);
        assert!(e.confirmed);
        assert_eq!(d.of_operation("getY").count(), 0);
    }

    #[test]
    fn bad_entries_are_refused_naming_the_entry() {
        let cases = [
            (
                ONE.replace("paths = [\"a\"]", "paths = []"),
                "at least one path",
            ),
            (
                ONE.replace("evidence = [\"seen\"]", "evidence = []"),
                "evidence",
            ),
            (
                ONE.replace("sample = \"null\"", "sample = \"1\""),
                "does not match",
            ),
            (
                ONE.replace("'{\"type\": \"null\"}'", "'{\"type\": 5}'"),
                "allow",
            ),
            (
                ONE.replace("sample = \"null\"", "sample = \"nul\""),
                "not JSON",
            ),
            (format!("{ONE}{ONE}"), "listed twice"),
            (ONE.replace("live =", "alive ="), "unknown field"),
        ];
        for (text, expect) in cases {
            let err = Deviations::parse(&text, "d.toml")
                .expect_err(expect)
                .to_string();
            assert!(err.starts_with("d.toml: "), "{err}");
            assert!(err.contains(expect), "{expect}: {err}");
        }
    }
}
