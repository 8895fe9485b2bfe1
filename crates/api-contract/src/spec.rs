//! An OpenAPI 3 document: its operations, their parameters and limits, their responses.

use std::fmt;

use serde_json::Value;

use crate::error::{Error, Result, invalid};

/// Deepest chain of `$ref`s followed when reading a schema or parameter.
const MAX_REF_CHAIN: usize = 16;

/// An OpenAPI 3 document (Meraki's `spec3.json` or a subset of it).
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
    source_name: String,
}

impl Spec {
    /// The committed subset, `fixtures/openapi/usage-subset.json` (embedded at build time).
    ///
    /// # Panics
    /// Never for the committed file, which this crate's tests read.
    pub fn committed() -> Spec {
        Spec::parse(crate::SUBSET_JSON, "fixtures/openapi/usage-subset.json")
            .expect("the committed subset is an OpenAPI 3 document")
    }

    /// Reads an OpenAPI 3 document; `source_name` names it in errors.
    ///
    /// # Errors
    /// Not JSON, not OpenAPI 3, no `paths`, or two operations with one `operationId`.
    pub fn parse(text: &str, source_name: &str) -> Result<Spec> {
        let doc: Value = serde_json::from_str(text)
            .map_err(|e| invalid(source_name, format!("not JSON: {e}")))?;
        let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
        if !version.starts_with("3.") {
            return Err(invalid(
                source_name,
                format!("not an OpenAPI 3 document (openapi: {version:?})"),
            ));
        }
        if !doc.get("paths").is_some_and(Value::is_object) {
            return Err(invalid(source_name, "no `paths` object"));
        }
        let spec = Spec {
            doc,
            source_name: source_name.to_owned(),
        };
        let mut ids: Vec<&str> = spec.operations().iter().map(|o| o.id).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(invalid(source_name, format!("operationId {} twice", w[0])));
        }
        Ok(spec)
    }

    /// The name given to [`Spec::parse`].
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// `info.version`, e.g. `1.73.0`.
    pub fn version(&self) -> &str {
        self.doc
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
    }

    /// The whole document.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// Every operation that has an `operationId`, sorted by it.
    pub fn operations(&self) -> Vec<Operation<'_>> {
        let mut ops = Vec::new();
        let paths = self.doc["paths"].as_object().into_iter().flatten();
        for (path, item) in paths {
            let Some(methods) = item.as_object() else {
                continue;
            };
            for (method, op) in methods {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    ops.push(Operation {
                        spec: self,
                        id,
                        method,
                        path,
                        op,
                        path_item: item,
                    });
                }
            }
        }
        ops.sort_by_key(|o| o.id);
        ops
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<Operation<'_>> {
        self.operations().into_iter().find(|o| o.id == id)
    }

    /// Like [`Spec::operation`], as an error naming the id when there is none.
    ///
    /// # Errors
    /// [`Error::UnknownOperation`].
    pub fn require(&self, id: &str) -> Result<Operation<'_>> {
        self.operation(id)
            .ok_or_else(|| Error::UnknownOperation(id.to_owned()))
    }

    /// The operation a concrete request goes to: `method` (any case) and `path` relative to
    /// the API's base URL, e.g. `GET /organizations/123/networks`. Literal segments win over
    /// templated ones (`/networks/{id}/clients/usageHistories` over `…/clients/{clientId}`).
    pub fn operation_for(&self, method: &str, path: &str) -> Option<Operation<'_>> {
        let method = method.to_ascii_lowercase();
        self.operations()
            .into_iter()
            .filter(|o| o.method == method)
            .filter_map(|o| o.literal_segments_matched(path).map(|n| (n, o)))
            .max_by_key(|(n, _)| *n)
            .map(|(_, o)| o)
    }

    /// Follows `$ref` (to `#/…` in this document) until a value that is not a reference.
    pub(crate) fn deref<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_REF_CHAIN {
            let Some(target) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            match target.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                Some(next) => value = next,
                None => return value,
            }
        }
        value
    }
}

/// One operation of a [`Spec`].
#[derive(Clone, Copy)]
pub struct Operation<'a> {
    spec: &'a Spec,
    id: &'a str,
    method: &'a str,
    path: &'a str,
    op: &'a Value,
    path_item: &'a Value,
}

impl fmt::Debug for Operation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} {})",
            self.id,
            self.method.to_uppercase(),
            self.path
        )
    }
}

impl<'a> Operation<'a> {
    /// The `operationId`, e.g. `getNetworkClients`.
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The HTTP method, lower case as in the document.
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The path template, e.g. `/networks/{networkId}/clients`.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// Whether the document marks the operation deprecated.
    pub fn deprecated(&self) -> bool {
        self.op.get("deprecated") == Some(&Value::Bool(true))
    }

    /// Every parameter (path-level ones included, the operation's own winning), in order.
    pub fn parameters(&self) -> Vec<Parameter<'a>> {
        let spec = self.spec;
        let read = |list: Option<&'a Value>| -> Vec<Parameter<'a>> {
            list.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| Parameter::read(spec, spec.deref(p)))
                .collect()
        };
        let own = read(self.op.get("parameters"));
        let mut all: Vec<Parameter<'a>> = read(self.path_item.get("parameters"))
            .into_iter()
            .filter(|p| {
                !own.iter()
                    .any(|o| o.name == p.name && o.location == p.location)
            })
            .collect();
        all.extend(own);
        all
    }

    /// The query parameter called `name`.
    pub fn query_parameter(&self, name: &str) -> Option<Parameter<'a>> {
        self.parameters()
            .into_iter()
            .find(|p| p.location == "query" && p.name == name)
    }

    /// The successful response's `application/json` content object (`200`, else the first
    /// `2xx`).
    fn json_content(&self) -> Option<&'a Value> {
        let responses = self.op.get("responses")?.as_object()?;
        let ok = responses.get("200").or_else(|| {
            responses
                .iter()
                .find(|(code, _)| code.starts_with('2'))
                .map(|(_, r)| r)
        })?;
        self.spec.deref(ok).get("content")?.get("application/json")
    }

    /// The successful response's schema (OpenAPI, not converted).
    pub fn response_schema(&self) -> Option<&'a Value> {
        self.json_content()
            .and_then(|c| c.get("schema"))
            .map(|s| self.spec.deref(s))
    }

    /// The successful response's example, as the document gives it.
    pub fn example(&self) -> Option<&'a Value> {
        let content = self.json_content()?;
        content
            .get("example")
            .or_else(|| self.response_schema()?.get("example"))
    }

    /// Whether the response is a list (a JSON array).
    pub fn is_list(&self) -> bool {
        self.response_schema()
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            == Some("array")
    }

    /// The schema of one item of the response: the array's items for a list, else the
    /// response schema itself.
    pub fn item_schema(&self) -> Option<&'a Value> {
        let schema = self.response_schema()?;
        if self.is_list() {
            schema.get("items").map(|s| self.spec.deref(s))
        } else {
            Some(schema)
        }
    }

    /// The documented field at `path` of one item (`usage.sent`, `usageHistory[].ts`), if the
    /// schema has it.
    pub fn field(&self, path: &str) -> Option<Field<'a>> {
        let mut schema = self.item_schema()?;
        let mut required = true;
        for part in path.split('.') {
            let (name, into_items) = match part.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (part, false),
            };
            let parent = schema;
            schema = self.spec.deref(parent.get("properties")?.get(name)?);
            let listed = parent
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|n| n == name));
            required = required && listed;
            if into_items {
                schema = self.spec.deref(schema.get("items")?);
            }
        }
        Some(Field { schema, required })
    }

    /// How many literal segments of the template `path` matches, or `None` when it does not.
    fn literal_segments_matched(&self, path: &str) -> Option<usize> {
        let template: Vec<&str> = self.path.split('/').filter(|s| !s.is_empty()).collect();
        let concrete: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if template.len() != concrete.len() {
            return None;
        }
        let mut literal = 0;
        for (t, c) in template.iter().zip(&concrete) {
            if t.starts_with('{') && t.ends_with('}') {
                continue;
            }
            if t != c {
                return None;
            }
            literal += 1;
        }
        Some(literal)
    }
}

/// A documented response field: its schema (OpenAPI, references followed) and whether it is
/// required (listed as required at every level of its path).
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The field's schema.
    pub schema: &'a Value,
    /// Whether the response must carry it.
    pub required: bool,
}

impl Field<'_> {
    /// Its type as one comparable line: `integer`, `string (date-time)`,
    /// `string, nullable, one of ["Offline","Online"]`, `array of string`.
    pub fn describe(&self) -> String {
        describe_schema(self.schema)
    }
}

fn describe_schema(schema: &Value) -> String {
    let mut out = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(other) => other.to_string(),
        None => "untyped".to_owned(),
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        out.push_str(&format!(" ({format})"));
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        out.push_str(", nullable");
    }
    if let Some(values) = schema.get("enum") {
        out.push_str(&format!(", one of {values}"));
    }
    if out.starts_with("array")
        && let Some(items) = schema.get("items")
    {
        out.push_str(&format!(" of {}", describe_schema(items)));
    }
    out
}

/// One parameter of an [`Operation`].
#[derive(Debug, Clone, Copy)]
pub struct Parameter<'a> {
    /// Its name, e.g. `perPage` (array parameters are sent as `name[]`).
    pub name: &'a str,
    /// `query`, `path`, `header` or `cookie`.
    pub location: &'a str,
    /// Whether a request must carry it.
    pub required: bool,
    /// Its schema (OpenAPI, not converted).
    pub schema: &'a Value,
    /// Its description, where Meraki writes most limits.
    pub description: &'a str,
}

const NO_SCHEMA: &Value = &Value::Null;

impl<'a> Parameter<'a> {
    fn read(spec: &'a Spec, p: &'a Value) -> Option<Parameter<'a>> {
        Some(Parameter {
            name: p.get("name")?.as_str()?,
            location: p.get("in")?.as_str()?,
            required: p.get("required") == Some(&Value::Bool(true)),
            schema: p.get("schema").map_or(NO_SCHEMA, |s| spec.deref(s)),
            description: p.get("description").and_then(Value::as_str).unwrap_or(""),
        })
    }

    /// Whether it is an array (sent repeated, as `name[]=a&name[]=b`).
    pub fn is_array(&self) -> bool {
        self.schema.get("type").and_then(Value::as_str) == Some("array")
    }

    /// Its type as one comparable line (see [`Field::describe`]).
    pub fn describe(&self) -> String {
        describe_schema(self.schema)
    }

    /// The limits its schema and its description state.
    pub fn limits(&self) -> Limits {
        let d = self.description;
        let number = |key: &str| self.schema.get(key).and_then(Value::as_f64);
        let range = number_after(d, "range is ").zip(range_end(d));
        Limits {
            minimum: number("minimum").or(range.map(|r| r.0)),
            maximum: number("maximum")
                .or(range.map(|r| r.1))
                .or_else(|| number_after(d, "Maximum is ")),
            default: number("default").or_else(|| number_after(d, "Default is ")),
            lookback_days: number_after(d, "lookback period is ").map(|n| n as u32),
            days_after_t0: number_after(d, "can be a maximum of ")
                .filter(|_| d.contains("days after t0"))
                .map(|n| n as u32),
        }
    }

    /// The parameters a request must not send together with this one ("If specifying
    /// timespan, do not specify parameters t0 and t1").
    pub fn excludes(&self) -> Vec<String> {
        let Some((_, rest)) = self.description.split_once("do not specify parameter") else {
            return Vec::new();
        };
        let rest = rest.trim_start_matches('s');
        let clause = rest.split('.').next().unwrap_or("");
        clause
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty() && *w != "and" && *w != "or")
            .map(str::to_owned)
            .collect()
    }
}

/// Limits of a parameter, from its schema (`minimum`, `maximum`, `default`) or, where Meraki
/// writes them only in words, its description ("Acceptable range is 3 - 5000. Default is
/// 10.", "The maximum lookback period is 31 days from today.", "t1 can be a maximum of 31
/// days after t0.").
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// Smallest accepted value.
    pub minimum: Option<f64>,
    /// Largest accepted value.
    pub maximum: Option<f64>,
    /// The value the API uses when the parameter is absent.
    pub default: Option<f64>,
    /// For a start time (`t0`): how many days before now it may lie.
    pub lookback_days: Option<u32>,
    /// For an end time (`t1`): how many days after `t0` it may lie.
    pub days_after_t0: Option<u32>,
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        match (self.minimum, self.maximum) {
            (Some(lo), Some(hi)) => parts.push(format!("{lo} to {hi}")),
            (Some(lo), None) => parts.push(format!("at least {lo}")),
            (None, Some(hi)) => parts.push(format!("at most {hi}")),
            (None, None) => {}
        }
        if let Some(d) = self.default {
            parts.push(format!("default {d}"));
        }
        if let Some(days) = self.lookback_days {
            parts.push(format!("at most {days} days back"));
        }
        if let Some(days) = self.days_after_t0 {
            parts.push(format!("at most {days} days after t0"));
        }
        if parts.is_empty() {
            f.write_str("no limits")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// The number right after `marker` in `text` ("range is 3 - 5000" → 3).
fn number_after(text: &str, marker: &str) -> Option<f64> {
    let (_, rest) = text.split_once(marker)?;
    leading_number(rest)
}

/// The upper end of "range is A - B".
fn range_end(text: &str) -> Option<f64> {
    let (_, rest) = text.split_once("range is ")?;
    let (_, hi) = rest.split_once('-')?;
    leading_number(hi.trim_start())
}

fn leading_number(text: &str) -> Option<f64> {
    let digits: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.trim_end_matches('.').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(op: &str, param: &str) -> Limits {
        Spec::committed()
            .require(op)
            .expect("operation")
            .query_parameter(param)
            .expect("parameter")
            .limits()
    }

    #[test]
    fn limits_come_from_schemas_and_descriptions() {
        let per_page = |lo, hi, default| Limits {
            minimum: Some(lo),
            maximum: Some(hi),
            default,
            ..Limits::default()
        };
        assert_eq!(
            limits("getNetworkClients", "perPage"),
            per_page(3.0, 5000.0, Some(10.0))
        );
        assert_eq!(
            limits("getOrganizationNetworks", "perPage"),
            per_page(3.0, 100_000.0, Some(1000.0))
        );
        assert_eq!(
            limits("getNetworkClientsUsageHistories", "perPage"),
            per_page(3.0, 1000.0, None)
        );
        assert_eq!(
            limits("getDeviceClients", "timespan").maximum,
            Some(2_678_400.0)
        );
        let top = limits("getOrganizationSummaryTopClientsByUsage", "timespan");
        assert_eq!(
            (top.minimum, top.maximum),
            (Some(28_800.0), Some(16_070_400.0))
        );
        assert_eq!(
            limits("getOrganizationSummaryTopClientsByUsage", "quantity").maximum,
            Some(50.0)
        );
        assert_eq!(limits("getNetworkClients", "t0").lookback_days, Some(31));
        assert_eq!(
            limits("getOrganizationApplianceUplinksUsageByNetwork", "t0").lookback_days,
            Some(30)
        );
        assert_eq!(
            limits("getNetworkClientsUsageHistories", "t1").days_after_t0,
            Some(31)
        );
        assert_eq!(limits("getNetworkClients", "mac"), Limits::default());
    }

    #[test]
    fn exclusive_parameters_are_read_from_the_description() {
        let spec = Spec::committed();
        let param = |op: &str| {
            spec.require(op)
                .expect("op")
                .query_parameter("timespan")
                .expect("timespan")
                .excludes()
        };
        assert_eq!(param("getNetworkClients"), ["t0"]);
        assert_eq!(param("getNetworkClientsUsageHistories"), ["t0", "t1"]);
    }

    #[test]
    fn requests_find_their_operation() {
        let spec = Spec::committed();
        let id = |m: &str, p: &str| spec.operation_for(m, p).map(|o| o.id());
        assert_eq!(id("GET", "/organizations"), Some("getOrganizations"));
        assert_eq!(
            id("get", "/networks/N_1/clients/usageHistories"),
            Some("getNetworkClientsUsageHistories")
        );
        assert_eq!(
            id("GET", "/networks/N_1/clients"),
            Some("getNetworkClients")
        );
        assert_eq!(
            id("GET", "/devices/Q2XX-1/clients"),
            Some("getDeviceClients")
        );
        assert_eq!(id("GET", "/networks/N_1"), None);
        assert_eq!(id("POST", "/organizations"), None);
    }

    #[test]
    fn fields_resolve_through_objects_and_arrays() {
        let spec = Spec::committed();
        let op = spec.require("getNetworkClientsUsageHistories").expect("op");
        assert_eq!(
            op.field("usageHistory[].ts").map(|f| f.describe()),
            Some("string (date-time)".to_owned())
        );
        assert!(op.field("usageHistory[].recv").is_none());
        let ssids = spec.require("getNetworkWirelessSsids").expect("op");
        let f = ssids.field("minBitrate").expect("documented");
        assert!(f.required);
        assert_eq!(f.describe(), "number (float)");
        let clients = spec.require("getNetworkClients").expect("op");
        assert_eq!(
            clients.field("status").map(|f| (f.describe(), f.required)),
            Some(("string, one of [\"Offline\",\"Online\"]".to_owned(), false))
        );
        assert_eq!(
            clients.field("firstSeen").map(|f| f.describe()),
            Some("integer".to_owned())
        );
    }

    #[test]
    fn bad_documents_are_refused_with_their_name() {
        for (text, expect) in [
            ("{", "not JSON"),
            (r#"{"openapi": "2.0", "paths": {}}"#, "not an OpenAPI 3"),
            (r#"{"openapi": "3.0.1"}"#, "no `paths`"),
            (
                r#"{"openapi": "3.0.1", "paths": {"/a": {"get": {"operationId": "x"}},
                    "/b": {"get": {"operationId": "x"}}}}"#,
                "operationId x twice",
            ),
        ] {
            let err = Spec::parse(text, "new.json").expect_err(text).to_string();
            assert!(err.starts_with("new.json: "), "{err}");
            assert!(err.contains(expect), "{err}");
        }
    }
}
