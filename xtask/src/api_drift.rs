//! `cargo xtask api-drift FILE`: what changed, between the committed subset of Meraki's
//! OpenAPI specification and FILE (a newer `spec3.json`, or a subset of it), in the part of
//! the API usagestats uses.
//!
//! Compared: every operation of `fixtures/openapi/used.toml` (removed, moved, newly or no
//! longer deprecated, a list response turned into an object or back), all of its parameters
//! (added, removed, location, type, required, and the limits their schemas and descriptions
//! state: `perPage` ranges and defaults, `timespan` maxima, `t0` look-backs, exclusive
//! parameters), and the response fields it lists (removed, type changed, newly or no longer
//! required). Prints "no change" and succeeds when nothing changed; otherwise prints one line
//! per change and fails, so a newer specification is read before it replaces the subset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use api_contract::{Operation, Parameter, Spec, UsedApi};

/// Runs the task: `args` is `[FILE]`.
pub fn run(args: &[String]) -> Result<()> {
    let [file] = args else {
        bail!("usage: cargo xtask api-drift FILE   (a newer spec3.json, or a subset of it)");
    };
    let path = invoked_path(file);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let newer = Spec::parse(&text, file).map_err(|e| anyhow::anyhow!("{e}"))?;
    let committed = Spec::committed();
    let used = UsedApi::committed();
    let changes = compare(&committed, &newer, &used);
    let scope = format!(
        "{} operations and {} fields usagestats uses",
        used.operations.len(),
        used.operations
            .iter()
            .map(|o| o.fields.len())
            .sum::<usize>()
    );
    if changes.is_empty() {
        println!(
            "no change: the {scope} are the same in {file} (version {}) as in the committed subset (version {})",
            newer.version(),
            committed.version()
        );
        return Ok(());
    }
    for change in &changes {
        println!("{change}");
    }
    bail!(
        "{} change(s) in the {scope} between the committed subset (version {}) and {file} (version {})",
        changes.len(),
        committed.version(),
        newer.version()
    )
}

/// `file` as the user meant it: xtask runs in the workspace root, so a relative path is taken
/// from the directory `cargo xtask` was started in (the shell's `PWD`).
fn invoked_path(file: &str) -> PathBuf {
    let path = Path::new(file);
    match std::env::var_os("PWD") {
        Some(dir) if path.is_relative() => Path::new(&dir).join(path),
        _ => path.to_path_buf(),
    }
}

/// One line per change, `operationId: what changed`, in the order of `used`.
pub fn compare(committed: &Spec, newer: &Spec, used: &UsedApi) -> Vec<String> {
    let mut changes = Vec::new();
    for u in &used.operations {
        let mut change = |what: String| changes.push(format!("{}: {what}", u.id));
        let Some(old) = committed.operation(&u.id) else {
            change("not in the committed subset (used.toml names it)".into());
            continue;
        };
        let Some(new) = newer.operation(&u.id) else {
            change("operation removed".into());
            continue;
        };
        compare_operation(&old, &new, &mut change);
        compare_parameters(&old, &new, &u.parameters, &mut change);
        for field in &u.fields {
            match (old.field(field), new.field(field)) {
                (Some(_), None) => change(format!("field {field} removed")),
                (Some(a), Some(b)) => {
                    if a.describe() != b.describe() {
                        change(format!(
                            "field {field}: type changed from {} to {}",
                            a.describe(),
                            b.describe()
                        ));
                    }
                    if a.required != b.required {
                        change(format!("field {field}: {}", now_required(b.required)));
                    }
                }
                (None, _) => change(format!("field {field} is not in the committed subset")),
            }
        }
    }
    changes
}

fn now_required(required: bool) -> &'static str {
    if required {
        "now required"
    } else {
        "no longer required"
    }
}

fn compare_operation(old: &Operation<'_>, new: &Operation<'_>, change: &mut impl FnMut(String)) {
    if (old.method(), old.path()) != (new.method(), new.path()) {
        change(format!(
            "moved from {} {} to {} {}",
            old.method().to_uppercase(),
            old.path(),
            new.method().to_uppercase(),
            new.path()
        ));
    }
    if old.deprecated() != new.deprecated() {
        change(
            if new.deprecated() {
                "now deprecated"
            } else {
                "no longer deprecated"
            }
            .into(),
        );
    }
    if old.is_list() != new.is_list() {
        change(format!(
            "the response is now {}",
            if new.is_list() { "a list" } else { "an object" }
        ));
    }
}

fn by_name<'a>(op: &Operation<'a>) -> BTreeMap<String, Parameter<'a>> {
    op.parameters()
        .into_iter()
        .map(|p| (p.name.to_owned(), p))
        .collect()
}

fn compare_parameters(
    old: &Operation<'_>,
    new: &Operation<'_>,
    sent: &[String],
    change: &mut impl FnMut(String),
) {
    let (before, after) = (by_name(old), by_name(new));
    let note = |name: &str| {
        if sent.iter().any(|s| s == name) {
            " (the client sends it)"
        } else {
            ""
        }
    };
    for (name, a) in &before {
        let Some(b) = after.get(name) else {
            change(format!("parameter {name} removed{}", note(name)));
            continue;
        };
        let mut differs = |what: &str, x: String, y: String| {
            if x != y {
                change(format!(
                    "parameter {name}{}: {what} changed from \"{x}\" to \"{y}\"",
                    note(name)
                ));
            }
        };
        differs("location", a.location.to_owned(), b.location.to_owned());
        differs("type", a.describe(), b.describe());
        differs("limits", a.limits().to_string(), b.limits().to_string());
        differs(
            "exclusive parameters",
            format!("{:?}", a.excludes()),
            format!("{:?}", b.excludes()),
        );
        if a.required != b.required {
            change(format!(
                "parameter {name}{}: {}",
                note(name),
                now_required(b.required)
            ));
        }
    }
    for (name, b) in &after {
        if !before.contains_key(name) {
            let required = if b.required { " (required)" } else { "" };
            change(format!("parameter {name} added{required}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn committed_json() -> Value {
        serde_json::from_str(api_contract::SUBSET_JSON).expect("the subset is JSON")
    }

    fn changes_in(doc: &Value) -> Vec<String> {
        let newer = Spec::parse(&doc.to_string(), "newer.json").expect("a specification");
        compare(&Spec::committed(), &newer, &UsedApi::committed())
    }

    /// The `get` operation at `path` of `doc`.
    fn op<'a>(doc: &'a mut Value, path: &str) -> &'a mut Value {
        &mut doc["paths"][path]["get"]
    }

    fn item_properties<'a>(doc: &'a mut Value, path: &str) -> &'a mut Value {
        &mut op(doc, path)["responses"]["200"]["content"]["application/json"]["schema"]["items"]["properties"]
    }

    fn parameter<'a>(doc: &'a mut Value, path: &str, name: &str) -> &'a mut Value {
        op(doc, path)["parameters"]
            .as_array_mut()
            .expect("parameters")
            .iter_mut()
            .find(|p| p["name"] == name)
            .expect("the parameter")
    }

    #[test]
    fn the_committed_subset_against_itself_is_no_change() {
        assert_eq!(changes_in(&committed_json()), Vec::<String>::new());
        // A newer document carrying more operations than the subset changes nothing either.
        let mut doc = committed_json();
        doc["paths"]["/networks/{networkId}/traffic"] =
            json!({"get": {"operationId": "getNetworkTraffic", "responses": {}}});
        doc["info"]["version"] = json!("1.74.0");
        assert_eq!(changes_in(&doc), Vec::<String>::new());
    }

    #[test]
    fn each_kind_of_change_is_named() {
        let mut doc = committed_json();
        let clients = "/networks/{networkId}/clients";
        let props = item_properties(&mut doc, clients);
        props["firstSeen"] = json!({"type": "string", "format": "date-time"});
        props.as_object_mut().expect("properties").remove("ssid");
        parameter(&mut doc, clients, "perPage")["description"] = json!(
            "The number of entries per page returned. Acceptable range is 3 - 1000. Default is 10."
        );
        parameter(&mut doc, clients, "timespan")["schema"]["maximum"] = json!(1_209_600);
        op(&mut doc, clients)["parameters"]
            .as_array_mut()
            .expect("parameters")
            .push(json!({"name": "band", "in": "query", "required": true, "schema": {"type": "string"}}));
        op(&mut doc, "/devices/{serial}/clients")["deprecated"] = json!(true);
        doc["paths"]
            .as_object_mut()
            .expect("paths")
            .remove("/networks/{networkId}/wireless/ssids");
        let orgs = op(&mut doc, "/organizations");
        orgs["responses"]["200"]["content"]["application/json"]["schema"]["items"]["required"] =
            json!(["id"]);
        let vlans = op(&mut doc, "/networks/{networkId}/appliance/vlans").take();
        doc["paths"]["/networks/{networkId}/appliance/vlanList"] = json!({"get": vlans});

        let changes = changes_in(&doc);
        for expected in [
            "getNetworkClients: field firstSeen: type changed from integer to string (date-time)",
            "getNetworkClients: field ssid removed",
            "getNetworkClients: parameter perPage (the client sends it): limits changed from \"3 to 5000, default 10\" to \"3 to 1000, default 10\"",
            "getNetworkClients: parameter timespan (the client sends it): limits changed from \"at most 2678400\" to \"at most 1209600\"",
            "getNetworkClients: parameter band added (required)",
            "getDeviceClients: now deprecated",
            "getNetworkWirelessSsids: operation removed",
            "getOrganizations: field id: now required",
            "getNetworkApplianceVlans: moved from GET /networks/{networkId}/appliance/vlans to GET /networks/{networkId}/appliance/vlanList",
        ] {
            assert!(
                changes.iter().any(|c| c == expected),
                "missing {expected:?} in {changes:#?}"
            );
        }
        assert_eq!(changes.len(), 9, "{changes:#?}");
    }

    #[test]
    fn the_task_fails_on_a_change_and_on_a_bad_file() {
        let dir = std::env::temp_dir().join(format!("api-drift-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let same = dir.join("same.json");
        std::fs::write(&same, api_contract::SUBSET_JSON).expect("written");
        let arg = |p: &Path| vec![p.display().to_string()];
        run(&arg(&same)).expect("no change");

        let mut doc = committed_json();
        op(&mut doc, "/organizations")["deprecated"] = json!(true);
        let changed = dir.join("changed.json");
        std::fs::write(&changed, doc.to_string()).expect("written");
        let err = run(&arg(&changed)).expect_err("a change").to_string();
        assert!(err.starts_with("1 change(s) in the 9 operations"), "{err}");

        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{\"swagger\": \"2.0\"}").expect("written");
        let err = run(&arg(&bad)).expect_err("not OpenAPI 3").to_string();
        assert!(err.contains("not an OpenAPI 3 document"), "{err}");
        assert!(run(&[]).is_err());
        assert!(run(&arg(&dir.join("missing.json"))).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
