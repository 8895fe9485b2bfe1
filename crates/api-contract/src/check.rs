//! Responses and requests held to the specification, with exactly the listed deviations.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::deviations::{Deviation, Deviations};
use crate::error::{Error, Result};
use crate::schema::json_schema;
use crate::spec::{Operation, Parameter, Spec};

/// Longest error text kept per violation (a `required` error quotes the whole item).
const MAX_MESSAGE: usize = 300;

/// Validates response bodies of one operation against its schema, converted by
/// [`json_schema`] with closed objects, so an undocumented field counts too.
///
/// A value that breaks the schema, or a field the schema does not document, is accepted
/// only at a path a [`Deviation`] of this operation lists, and only when it matches that
/// deviation's `allow` schema.
pub struct ResponseCheck<'d> {
    operation: String,
    list: bool,
    validator: jsonschema::Validator,
    deviations: Vec<(&'d Deviation, jsonschema::Validator)>,
}

impl std::fmt::Debug for ResponseCheck<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCheck")
            .field("operation", &self.operation)
            .field("deviations", &self.deviations.len())
            .finish_non_exhaustive()
    }
}

/// What one or more checked bodies showed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// (operation, field path, broken rule) → (times, first message).
    broken: BTreeMap<(String, String, String), (usize, String)>,
    /// The (operation, path) pairs of the deviations the bodies used.
    pub deviations_seen: BTreeSet<(String, String)>,
}

impl Outcome {
    /// One line per (operation, field path, broken rule), with a count when it happened more
    /// than once and the first instance's message; empty when the bodies met the contract.
    pub fn violations(&self) -> Vec<String> {
        self.broken
            .iter()
            .map(|((op, field, rule), (count, message))| {
                let field = if field.is_empty() { "(item)" } else { field };
                let times = if *count > 1 {
                    format!(" ({count} times)")
                } else {
                    String::new()
                };
                format!("{op} {field}: {rule}{times}: {message}")
            })
            .collect()
    }

    /// Adds another outcome (of the same or another operation) to this one.
    pub fn merge(&mut self, other: Outcome) {
        for (key, (count, message)) in other.broken {
            self.broken.entry(key).or_insert((0, message)).0 += count;
        }
        self.deviations_seen.extend(other.deviations_seen);
    }
}

impl<'d> ResponseCheck<'d> {
    /// The check of `operation`'s successful response, allowing `deviations`' entries for it.
    ///
    /// # Errors
    /// An unknown operation, one without a JSON response schema, or a schema the conversion
    /// or the validator refuses.
    pub fn new(spec: &Spec, deviations: &'d Deviations, operation: &str) -> Result<Self> {
        let op = spec.require(operation)?;
        let schema_error = |message: String| Error::Schema {
            operation: operation.to_owned(),
            message,
        };
        let schema = op
            .response_schema()
            .ok_or_else(|| schema_error("no JSON response schema".into()))?;
        let converted = json_schema(schema, spec.document(), true).map_err(schema_error)?;
        let validator = validator(&converted).map_err(schema_error)?;
        let deviations = deviations
            .of_operation(operation)
            .map(|d| Ok((d, validator_for(&d.allow).map_err(schema_error)?)))
            .collect::<Result<_>>()?;
        Ok(ResponseCheck {
            operation: operation.to_owned(),
            list: op.is_list(),
            validator,
            deviations,
        })
    }

    /// Checks one response body.
    pub fn check(&self, body: &Value) -> Outcome {
        let mut broken = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for error in self.validator.iter_errors(body) {
            let pointer = error.instance_path().as_str().to_owned();
            // Where the broken rule is (a missing or undocumented field: the field itself), and
            // whether a deviation may excuse it: a missing required field never.
            let (rule, at, excusable) = match error.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => (
                    "undocumented field",
                    unexpected
                        .iter()
                        .map(|name| format!("{pointer}/{}", escape(name)))
                        .collect(),
                    true,
                ),
                ValidationErrorKind::Required { property } => (
                    "required",
                    vec![format!(
                        "{pointer}/{}",
                        escape(property.as_str().unwrap_or_default())
                    )],
                    false,
                ),
                kind => (kind.keyword(), vec![pointer], true),
            };
            for pointer in at {
                let value = body.pointer(&pointer).unwrap_or(&Value::Null);
                let field = field_path(body, &pointer, self.list);
                let allowed = self
                    .deviations
                    .iter()
                    .filter(|_| excusable)
                    .find(|(d, v)| d.paths.contains(&field) && v.is_valid(value));
                if let Some((d, _)) = allowed {
                    seen.insert((d.operation.clone(), field));
                    continue;
                }
                let message = if rule == "undocumented field" {
                    format!("{pointer}: undocumented field = {value}")
                } else {
                    format!("{pointer}: {error}")
                };
                broken
                    .entry((self.operation.clone(), field, rule.to_owned()))
                    .or_insert((0, truncate(&message)))
                    .0 += 1;
            }
        }
        Outcome {
            broken,
            deviations_seen: seen,
        }
    }
}

fn validator(schema: &Value) -> std::result::Result<jsonschema::Validator, String> {
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| e.to_string())
}

fn validator_for(schema: &Value) -> std::result::Result<jsonschema::Validator, String> {
    validator(schema).map_err(|e| format!("deviation schema {schema}: {e}"))
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn truncate(message: &str) -> String {
    if message.chars().count() <= MAX_MESSAGE {
        return message.to_owned();
    }
    let mut out: String = message.chars().take(MAX_MESSAGE).collect();
    out.push('…');
    out
}

/// The field path (`usageHistory[].ts`) of the value at JSON `pointer` in `body`; a list
/// response's own index is left out.
fn field_path(body: &Value, pointer: &str, list: bool) -> String {
    let mut current = Some(body);
    let mut path = String::new();
    let mut at_root = true;
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        match current {
            Some(Value::Array(items)) => {
                if !(at_root && list) {
                    path.push_str("[]");
                }
                current = segment.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&segment);
                current = other.and_then(|v| v.get(&segment));
            }
        }
        at_root = false;
    }
    path
}

/// Every field path of a JSON value (an item of a response, or a model serialized): objects
/// are walked into, arrays of objects become `name[]` and are walked into (every element);
/// anything else (scalars, `null`, arrays of scalars, empty arrays) is a leaf.
pub fn field_paths(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_paths(value, "", &mut out);
    out
}

fn collect_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    match value {
        Value::Object(map) => {
            for (name, v) in map {
                match v {
                    Value::Object(_) => collect_paths(v, &join(name), out),
                    Value::Array(items) if items.iter().any(Value::is_object) => {
                        for item in items {
                            collect_paths(item, &format!("{}[]", join(name)), out);
                        }
                    }
                    _ => {
                        out.insert(join(name));
                    }
                }
            }
        }
        _ if !prefix.is_empty() => {
            out.insert(prefix.to_owned());
        }
        _ => {}
    }
}

/// The values at field `path` of `item` (`usage.sent`; `usageHistory[].ts` gives one value
/// per element); none where the item lacks it.
pub fn field_values<'v>(item: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current = vec![item];
    for part in path.split('.') {
        let (name, into_items) = match part.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (part, false),
        };
        current = current.into_iter().filter_map(|v| v.get(name)).collect();
        if into_items {
            current = current
                .into_iter()
                .filter_map(Value::as_array)
                .flatten()
                .collect();
        }
    }
    current
}

/// Sets field `path` of `item` to `value` (in every element of the arrays on the way),
/// creating the objects on the way that are missing.
pub fn set_field(item: &mut Value, path: &str, value: &Value) {
    let Some((first, rest)) = path.split_once('.') else {
        if let Some(map) = item.as_object_mut() {
            map.insert(path.to_owned(), value.clone());
        }
        return;
    };
    let (name, into_items) = match first.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (first, false),
    };
    let Some(map) = item.as_object_mut() else {
        return;
    };
    let child = map
        .entry(name.to_owned())
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if into_items {
        for element in child.as_array_mut().into_iter().flatten() {
            set_field(element, rest, value);
        }
    } else {
        set_field(child, rest, value);
    }
}

/// What [`check_request`] found in one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestReport {
    /// The operation the request went to, when the specification has one for it.
    pub operation: Option<String>,
    /// The documented query parameters it carried (array parameters without `[]`).
    pub parameters: BTreeSet<String>,
    /// Everything undocumented or out of the documented limits; empty when none.
    pub violations: Vec<String>,
}

/// Checks one request against the specification: `method`, `path` relative to the API's base
/// URL (`/networks/N_1/clients`) and the raw `query`, sent when the server's clock read `now`.
///
/// Every query parameter must be documented for the operation (array parameters sent as
/// `name[]`, others once and without brackets); each value must be of its documented type and
/// within its schema (`enum`, `minimum`, `maximum`) and its description's limits (`perPage`
/// ranges, `t0` at most the look-back before `now`, `t1` at most so many days after `t0`);
/// parameters documented as exclusive (`timespan` with `t0`) must not come together; required
/// ones must be there.
pub fn check_request(
    spec: &Spec,
    method: &str,
    path: &str,
    query: Option<&str>,
    now: Timestamp,
) -> RequestReport {
    let Some(op) = spec.operation_for(method, path) else {
        return RequestReport {
            violations: vec![format!("{method} {path}: no documented operation")],
            ..RequestReport::default()
        };
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut report = RequestReport {
        operation: Some(op.id().to_owned()),
        ..RequestReport::default()
    };
    let mut violation = |m: String| report.violations.push(format!("{} {m}", op.id()));
    let mut values: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (key, value) in &pairs {
        let (name, bracketed) = match key.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (key.as_str(), false),
        };
        let Some(param) = op.query_parameter(name) else {
            violation(format!("sends undocumented parameter {key}={value}"));
            continue;
        };
        if param.is_array() != bracketed {
            let form = if param.is_array() { "name[]" } else { "name" };
            violation(format!("sends {key}: the parameter is sent as {form}"));
        }
        values.entry(param.name).or_default().push(value);
    }
    let mut times: BTreeMap<&str, Timestamp> = BTreeMap::new();
    for (&name, sent) in &values {
        let Some(param) = op.query_parameter(name) else {
            continue;
        };
        if !param.is_array() && sent.len() > 1 {
            violation(format!("sends {name} {} times", sent.len()));
        }
        for value in sent {
            if let Err(m) = check_value(spec, &param, value) {
                violation(format!("{name}={value}: {m}"));
            }
            if let Some(t) = parse_time(value).filter(|_| param.schema["type"] == "string") {
                times.insert(name, t);
            }
        }
        for other in param.excludes() {
            if values.contains_key(other.as_str()) {
                violation(format!("sends {name} together with {other}"));
            }
        }
    }
    check_times(&op, &values, &times, now, &mut violation);
    for param in op.parameters() {
        if param.location == "query" && param.required && !values.contains_key(param.name) {
            violation(format!("lacks required parameter {}", param.name));
        }
    }
    report.parameters = values.keys().map(|k| (*k).to_owned()).collect();
    report
}

/// Type, schema and description limits of one value.
fn check_value(spec: &Spec, param: &Parameter<'_>, raw: &str) -> std::result::Result<(), String> {
    let schema = if param.is_array() {
        &param.schema["items"]
    } else {
        param.schema
    };
    let value = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "not an integer".to_owned())?,
        Some("number") => raw
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::from)
            .ok_or_else(|| "not a number".to_owned())?,
        Some("boolean") => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err("not true or false".into()),
        },
        _ => Value::from(raw),
    };
    let converted = json_schema(schema, spec.document(), false)?;
    let validator = validator(&converted)?;
    if let Some(e) = validator.iter_errors(&value).next() {
        return Err(e.to_string());
    }
    let limits = param.limits();
    if let Some(n) = value.as_f64()
        && (limits.minimum.is_some_and(|lo| n < lo) || limits.maximum.is_some_and(|hi| n > hi))
    {
        return Err(format!("outside the documented {limits}"));
    }
    Ok(())
}

/// `t0` within its look-back of `now`, `t1` within its span after `t0`.
fn check_times(
    op: &Operation<'_>,
    values: &BTreeMap<&str, Vec<&str>>,
    times: &BTreeMap<&str, Timestamp>,
    now: Timestamp,
    violation: &mut impl FnMut(String),
) {
    for &name in values.keys() {
        let Some(param) = op.query_parameter(name) else {
            continue;
        };
        let limits = param.limits();
        let days = |n: u32| SignedDuration::from_hours(24 * i64::from(n));
        if let Some(n) = limits.lookback_days {
            match times.get(name) {
                None => violation(format!("{name}: not a timestamp")),
                Some(t) if now.duration_since(*t) > days(n) => violation(format!(
                    "{name}={t} is more than the documented {n} days before {now}"
                )),
                Some(_) => {}
            }
        }
        if let Some(n) = limits.days_after_t0 {
            match (times.get("t0"), times.get(name)) {
                (Some(t0), Some(t1)) if t1.duration_since(*t0) > days(n) => violation(format!(
                    "{name}={t1} is more than the documented {n} days after t0={t0}"
                )),
                (_, None) => violation(format!("{name}: not a timestamp")),
                _ => {}
            }
        }
    }
}

/// A timestamp as the API takes it: RFC 3339, or epoch seconds.
fn parse_time(raw: &str) -> Option<Timestamp> {
    raw.parse::<Timestamp>().ok().or_else(|| {
        raw.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite())
            .and_then(|s| Timestamp::from_nanosecond((s * 1e9) as i128).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-03-10T12:00:00Z".parse().expect("timestamp")
    }

    fn violations(path: &str, query: &str) -> Vec<String> {
        check_request(&Spec::committed(), "GET", path, Some(query), now()).violations
    }

    #[test]
    fn documented_requests_within_the_limits_pass() {
        for (path, query) in [
            ("/organizations", "perPage=9000"),
            ("/networks/N_1/clients", "perPage=3&t0=2026-02-07T12:00:00Z"),
            ("/networks/N_1/clients", "perPage=5000&timespan=2678400"),
            ("/devices/Q/clients", "t0=1770465600"),
            (
                "/organizations/1/devices",
                "perPage=5000&productTypes[]=appliance&productTypes[]=wireless&tagsFilterType=withAllTags",
            ),
            (
                "/networks/N_1/clients/usageHistories",
                "clients=k1,k2&perPage=1000",
            ),
        ] {
            assert_eq!(
                violations(path, query),
                Vec::<String>::new(),
                "{path}?{query}"
            );
        }
    }

    #[test]
    fn every_kind_of_breach_is_named() {
        for (path, query, expect) in [
            (
                "/organizations",
                "perPage=9001",
                "perPage=9001: outside the documented 3 to 9000",
            ),
            (
                "/networks/N_1/clients",
                "perPage=2",
                "outside the documented 3 to 5000",
            ),
            ("/networks/N_1/clients", "perPage=ten", "not an integer"),
            ("/networks/N_1/clients", "timespan=2678401", "2678401"),
            (
                "/networks/N_1/clients",
                "t0=2026-02-07T11:59:59Z",
                "more than the documented 31 days",
            ),
            (
                "/networks/N_1/clients",
                "t0=yesterday",
                "t0: not a timestamp",
            ),
            (
                "/networks/N_1/clients",
                "t0=2026-03-01T00:00:00Z&timespan=60",
                "timespan together with t0",
            ),
            (
                "/networks/N_1/clients",
                "window=60",
                "undocumented parameter window=60",
            ),
            (
                "/networks/N_1/clients",
                "perPage=5&perPage=6",
                "perPage 2 times",
            ),
            (
                "/organizations/1/devices",
                "productTypes=appliance",
                "sent as name[]",
            ),
            (
                "/organizations/1/devices",
                "tags[]=a&serial[]=x",
                "serial[]: the parameter is sent as name",
            ),
            (
                "/organizations/1/devices",
                "productTypes[]=toaster",
                "productTypes=toaster",
            ),
            (
                "/networks/N_1/clients/usageHistories",
                "perPage=3",
                "lacks required parameter clients",
            ),
            (
                "/networks/N_1/clients/usageHistories",
                "clients=k1&t0=2026-02-08T00:00:00Z&t1=2026-03-11T00:00:01Z",
                "t1=2026-03-11T00:00:01Z is more than the documented 31 days after t0",
            ),
        ] {
            let found = violations(path, query);
            assert!(
                found.iter().any(|v| v.contains(expect)),
                "{path}?{query}: expected {expect:?} in {found:?}"
            );
        }
        let unknown = check_request(&Spec::committed(), "GET", "/nowhere", None, now());
        assert_eq!(unknown.operation, None);
        assert_eq!(
            unknown.violations,
            ["GET /nowhere: no documented operation"]
        );
    }

    #[test]
    fn responses_allow_exactly_the_listed_deviations() {
        let spec = Spec::committed();
        let deviations = Deviations::committed();
        let check = ResponseCheck::new(&spec, &deviations, "getNetworkClients").expect("check");
        let ok = check.check(&json!([
            {"id": "k1", "vlan": 20, "firstSeen": "2025-02-22T10:15:00Z", "ssid": null,
             "usage": {"sent": 1.5, "recv": 2.0, "total": 3.5}},
            {"id": "k2", "vlan": "30", "firstSeen": 1_518_365_681, "status": "Online"},
        ]));
        assert_eq!(ok.violations(), Vec::<String>::new());
        let seen: Vec<&str> = ok.deviations_seen.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(seen, ["firstSeen", "ssid", "usage.total", "vlan"]);
        // At the right path but not the allowed shape; or the shape at another path; or an
        // undocumented field nobody listed; or a documented enum broken.
        let bad = check.check(&json!([
            {"id": "k1", "firstSeen": "last tuesday", "vlan": 2.5, "mac": 7,
             "usage": {"sent": 1, "peak": 9}, "status": "Away"},
            {"id": null, "firstSeen": true},
        ]));
        let violations = bad.violations();
        let fields: Vec<&str> = violations
            .iter()
            .map(|v| v.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(
            fields,
            [
                "getNetworkClients firstSeen",
                "getNetworkClients id",
                "getNetworkClients mac",
                "getNetworkClients status",
                "getNetworkClients usage.peak",
                "getNetworkClients vlan",
            ],
            "{bad:#?}"
        );
        assert!(bad.deviations_seen.is_empty());
    }

    #[test]
    fn repeated_breaches_are_counted_once_per_field() {
        let spec = Spec::committed();
        let deviations = Deviations::default();
        let check =
            ResponseCheck::new(&spec, &deviations, "getNetworkWirelessSsids").expect("check");
        let slot = json!({"number": 0, "name": "a", "enabled": true});
        let out = check.check(&json!([slot, slot, slot]));
        // 15 required fields missing from 3 items: one line per field.
        let violations = out.violations();
        assert_eq!(violations.len(), 15, "{out:#?}");
        assert!(
            violations
                .iter()
                .any(|v| v.starts_with("getNetworkWirelessSsids minBitrate: required (3 times)")),
            "{out:#?}"
        );
    }

    #[test]
    fn a_missing_required_field_is_never_excused() {
        let spec = Spec::parse(
            r#"{"openapi": "3.0.1", "paths": {"/x": {"get": {"operationId": "getX",
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "type": "array", "items": {"type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}}}}}}}}}}}}"#,
            "x.json",
        )
        .expect("spec");
        let deviations = Deviations::parse(
            r#"[[deviation]]
            operation = "getX"
            paths = ["name"]
            documented = "string"
            live = "null"
            allow = '{"type": "null"}'
            sample = "null"
            evidence = ["a test"]"#,
            "d.toml",
        )
        .expect("deviations");
        let check = ResponseCheck::new(&spec, &deviations, "getX").expect("check");
        assert!(
            check
                .check(&json!([{"name": null}]))
                .violations()
                .is_empty()
        );
        let violations = check.check(&json!([{}])).violations();
        assert_eq!(violations.len(), 1, "{violations:#?}");
        assert!(
            violations[0].starts_with("getX name: required: "),
            "{violations:#?}"
        );
    }

    #[test]
    fn fields_are_read_and_set_through_objects_and_arrays() {
        let mut item = json!({"usage": {"sent": 1}, "h": [{"ts": "a"}, {"ts": "b"}]});
        assert_eq!(field_values(&item, "h[].ts"), [&json!("a"), &json!("b")]);
        assert!(field_values(&item, "usage.recv").is_empty());
        set_field(&mut item, "usage.recv", &json!(2));
        set_field(&mut item, "h[].sent", &json!(0));
        set_field(&mut item, "api.enabled", &json!(true));
        assert_eq!(
            item,
            json!({"usage": {"sent": 1, "recv": 2}, "api": {"enabled": true},
                   "h": [{"ts": "a", "sent": 0}, {"ts": "b", "sent": 0}]})
        );
    }

    #[test]
    fn field_paths_walk_objects_and_arrays_of_objects() {
        let paths = field_paths(&json!({
            "id": "k", "tags": ["a"], "empty": [], "none": null,
            "usage": {"sent": 1}, "history": [{"ts": "t"}, {"sent": 2}],
        }));
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "empty",
                "history[].sent",
                "history[].ts",
                "id",
                "none",
                "tags",
                "usage.sent"
            ]
        );
    }
}
