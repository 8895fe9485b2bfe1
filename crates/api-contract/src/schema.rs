//! OpenAPI 3.0 Schema Objects to JSON Schema: the one conversion between the two.
//!
//! An OpenAPI 3.0 Schema Object is an extended subset of JSON Schema draft 4, so the schemas
//! are validated as draft 4 after converting exactly what OpenAPI changes:
//!
//! - `nullable: true` becomes `null` in `type` (and in `enum` when there is one), which is what
//!   OpenAPI 3.0.3 defines it to mean; `nullable` alone is no JSON Schema keyword and would be
//!   ignored, rejecting the nulls the specification allows.
//! - `$ref` to `#/components/…` is replaced by the referenced schema, converted in turn (the
//!   validator is given one self-contained schema); any other reference is an error.
//! - OpenAPI-only annotations (`example`, `deprecated`, `readOnly`, `writeOnly`, `xml`,
//!   `externalDocs`, `discriminator`, `x-…` extensions) are dropped: they validate nothing.
//!
//! Optionally, and only ever tighter: with `closed`, an object schema that lists `properties`
//! and says nothing of others gets `additionalProperties: false`, so a field the specification
//! does not document is reported (the checks then accept it only as a listed deviation).
//! A schema combining subschemas (`allOf`, `anyOf`, `oneOf`) is left open, where closing each
//! part would reject the others' properties.

use serde_json::{Map, Value};

/// Deepest `$ref` nesting followed before giving up (a recursive schema).
const MAX_REF_DEPTH: usize = 64;

/// Keywords that are OpenAPI annotations with no JSON Schema meaning.
const OPENAPI_ANNOTATIONS: &[&str] = &[
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "discriminator",
];

/// `schema` (an OpenAPI 3.0 Schema Object taken from `document`) as a JSON Schema draft 4
/// schema; `closed` adds `additionalProperties: false` to plain object schemas (see the module
/// documentation).
///
/// # Errors
/// A schema that is not an object, a `$ref` outside `#/components/` or to nothing, or
/// references nested deeper than 64 (a recursive schema).
pub fn json_schema(schema: &Value, document: &Value, closed: bool) -> Result<Value, String> {
    convert(schema, document, closed, 0)
}

fn convert(schema: &Value, document: &Value, closed: bool, depth: usize) -> Result<Value, String> {
    let Some(obj) = schema.as_object() else {
        return Err(format!("a schema must be an object, got {schema}"));
    };
    if let Some(target) = obj.get("$ref") {
        if depth >= MAX_REF_DEPTH {
            return Err(format!("$ref nested deeper than {MAX_REF_DEPTH}: {target}"));
        }
        return convert(resolve(target, document)?, document, closed, depth + 1);
    }
    let mut out = Map::new();
    for (key, value) in obj {
        if OPENAPI_ANNOTATIONS.contains(&key.as_str()) || key.starts_with("x-") {
            continue;
        }
        let converted = match key.as_str() {
            "nullable" => continue,
            "properties" => Value::Object(
                value
                    .as_object()
                    .ok_or_else(|| format!("properties must be an object, got {value}"))?
                    .iter()
                    .map(|(name, s)| Ok((name.clone(), convert(s, document, closed, depth)?)))
                    .collect::<Result<Map<_, _>, String>>()?,
            ),
            "items" | "not" => convert(value, document, closed, depth)?,
            "additionalProperties" if value.is_object() => convert(value, document, closed, depth)?,
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .ok_or_else(|| format!("{key} must be an array, got {value}"))?
                    .iter()
                    .map(|s| convert(s, document, closed, depth))
                    .collect::<Result<_, _>>()?,
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if obj.get("nullable") == Some(&Value::Bool(true)) {
        add_null(&mut out);
    }
    let combined = ["allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| out.contains_key(*k));
    if closed && out.contains_key("properties") && !combined {
        out.entry("additionalProperties")
            .or_insert(Value::Bool(false));
    }
    Ok(Value::Object(out))
}

fn add_null(schema: &mut Map<String, Value>) {
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            schema.insert("type".into(), serde_json::json!([t, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&Value::from("null")) => {
            types.push(Value::from("null"));
        }
        _ => {}
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

fn resolve<'d>(target: &Value, document: &'d Value) -> Result<&'d Value, String> {
    let pointer = target
        .as_str()
        .and_then(|t| t.strip_prefix('#'))
        .filter(|p| p.starts_with("/components/"))
        .ok_or_else(|| format!("unsupported $ref {target}: only #/components/… is resolved"))?;
    document
        .pointer(pointer)
        .ok_or_else(|| format!("$ref {target} points to nothing"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conv(schema: Value, closed: bool) -> Value {
        json_schema(&schema, &json!({}), closed).expect("converts")
    }

    #[test]
    fn nullable_adds_null_to_the_type_and_the_enum() {
        let s = conv(
            json!({"type": "string", "enum": ["a"], "nullable": true, "example": "a"}),
            false,
        );
        assert_eq!(s, json!({"type": ["string", "null"], "enum": ["a", null]}));
        // Not nullable: unchanged but for the annotation.
        let s = conv(
            json!({"type": "integer", "nullable": false, "x-stage": 1}),
            false,
        );
        assert_eq!(s, json!({"type": "integer"}));
    }

    #[test]
    fn nested_schemas_are_converted_and_property_names_kept() {
        // A property named like an annotation keyword is a property, not an annotation.
        let s = conv(
            json!({"type": "array", "items": {"type": "object", "properties": {
                "example": {"type": "string", "nullable": true},
                "m": {"type": "object", "additionalProperties": {"type": "integer", "nullable": true}},
            }}}),
            false,
        );
        assert_eq!(
            s["items"]["properties"]["example"],
            json!({"type": ["string", "null"]})
        );
        assert_eq!(
            s["items"]["properties"]["m"]["additionalProperties"],
            json!({"type": ["integer", "null"]})
        );
    }

    #[test]
    fn closed_objects_reject_undocumented_fields_only_when_asked() {
        let open = conv(json!({"type": "object", "properties": {"a": {}}}), false);
        assert!(open.get("additionalProperties").is_none());
        let closed = conv(json!({"type": "object", "properties": {"a": {}}}), true);
        assert_eq!(closed["additionalProperties"], json!(false));
        // A documented map of values stays a map; a combination stays open.
        let map = conv(
            json!({"type": "object", "properties": {}, "additionalProperties": {"type": "string"}}),
            true,
        );
        assert_eq!(map["additionalProperties"], json!({"type": "string"}));
        let all = conv(
            json!({"allOf": [{"properties": {"a": {}}}], "properties": {"b": {}}}),
            true,
        );
        assert!(all.get("additionalProperties").is_none());
        assert_eq!(all["allOf"][0]["additionalProperties"], json!(false));
    }

    #[test]
    fn component_references_are_inlined_and_others_refused() {
        let doc = json!({"components": {"schemas": {
            "Vlan": {"type": "object", "properties": {"id": {"$ref": "#/components/schemas/Id"}}},
            "Id": {"type": "string", "nullable": true},
            "Loop": {"$ref": "#/components/schemas/Loop"},
        }}});
        let s = json_schema(
            &json!({"type": "array", "items": {"$ref": "#/components/schemas/Vlan"}}),
            &doc,
            false,
        )
        .expect("converts");
        assert_eq!(
            s["items"]["properties"]["id"],
            json!({"type": ["string", "null"]})
        );
        for bad in [
            json!({"$ref": "https://example.com/s.json"}),
            json!({"$ref": "#/components/schemas/Nope"}),
            json!({"$ref": "#/components/schemas/Loop"}),
            json!(true),
        ] {
            assert!(json_schema(&bad, &doc, false).is_err(), "{bad}");
        }
    }
}
