//! The committed files hold together: the subset is Meraki's file unchanged, its examples meet
//! its schemas, every deviation and every used operation, parameter and field fits it.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{
    Deviations, ResponseCheck, SUBSET_JSON, SUBSET_SHA256, Spec, UsedApi, json_schema, set_field,
};

const README: &str = include_str!("../../../fixtures/openapi/README.md");

#[test]
fn the_subset_is_merakis_file_unchanged_and_its_readme_says_which() {
    let digest = Sha256::digest(SUBSET_JSON.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex, SUBSET_SHA256,
        "usage-subset.json changed: it is Meraki's file, replaced whole by a newer specification \
         (update SUBSET_SHA256 and the README's version line then), never edited"
    );
    let spec = Spec::committed();
    assert!(README.contains(SUBSET_SHA256), "README lacks the SHA-256");
    assert!(
        README.contains(&format!("version {}", spec.version())),
        "README lacks `version {}`",
        spec.version()
    );
}

#[test]
fn every_example_meets_its_own_schema_with_closed_objects() {
    // Tests the conversion on Meraki's own data: no example of the subset uses a field its
    // schema does not document, or a value its schema refuses.
    let spec = Spec::committed();
    let none = Deviations::default();
    let ops = spec.operations();
    assert_eq!(ops.len(), 14);
    for op in ops {
        let example = op
            .example()
            .unwrap_or_else(|| panic!("{op:?} has no example"));
        let out = ResponseCheck::new(&spec, &none, op.id())
            .expect("check")
            .check(example);
        assert_eq!(out.violations(), Vec::<String>::new(), "{op:?}");
    }
}

/// The first item of an operation's example (the example itself for an object response).
fn example_item(spec: &Spec, id: &str) -> Value {
    let op = spec.require(id).expect("operation");
    let example = op.example().expect("example");
    if op.is_list() {
        example[0].clone()
    } else {
        example.clone()
    }
}

/// A response body of one item: the operation's first example item with `value` at `path`.
fn example_with(spec: &Spec, id: &str, path: &str, value: &Value) -> Value {
    let mut item = example_item(spec, id);
    set_field(&mut item, path, value);
    if spec.require(id).expect("operation").is_list() {
        Value::Array(vec![item])
    } else {
        item
    }
}

#[test]
fn each_deviation_is_needed_and_allowed_exactly_where_listed() {
    let spec = Spec::committed();
    let deviations = Deviations::committed();
    let none = Deviations::default();
    for d in deviations.iter() {
        let op = spec
            .require(&d.operation)
            .expect("the deviation's operation");
        let strict = ResponseCheck::new(&spec, &none, op.id()).expect("check");
        let lenient = ResponseCheck::new(&spec, &deviations, op.id()).expect("check");
        for path in &d.paths {
            let parent = path.rsplit_once('.').map(|(p, _)| p);
            assert!(
                op.field(path).is_some() || parent.is_none_or(|p| op.field(p).is_some()),
                "{} {path}: neither the field nor its parent object is documented",
                d.operation
            );
            let body = example_with(&spec, op.id(), path, &d.sample);
            let without = strict.check(&body);
            assert!(
                !without.violations().is_empty(),
                "{} {path}: the specification already allows {}: the entry is not needed",
                d.operation,
                d.sample
            );
            let with = lenient.check(&body);
            assert_eq!(
                with.violations(),
                Vec::<String>::new(),
                "{} {path}",
                d.operation
            );
            assert!(
                with.deviations_seen
                    .contains(&(d.operation.clone(), path.clone())),
                "{} {path}",
                d.operation
            );
        }
    }
    // Each allowance is its operation's only: the same value at the same path of another
    // operation that documents that path and lists no such deviation is still refused.
    let mut refused_elsewhere = 0;
    for d in deviations.iter() {
        for other in spec.operations() {
            let listed = |path: &String| {
                deviations
                    .of_operation(other.id())
                    .any(|o| o.allow == d.allow && o.paths.contains(path))
            };
            // Where the other operation documents the field with a schema the sample meets
            // (`usage.total` is a number in the top-clients summary), there is nothing to refuse.
            let refuses = |path: &String| {
                other.field(path).is_some_and(|f| {
                    let schema = json_schema(f.schema, spec.document(), true).expect("converts");
                    !jsonschema::draft4::is_valid(&schema, &d.sample)
                })
            };
            let paths = d
                .paths
                .iter()
                .filter(|p| other.id() != d.operation && refuses(p) && !listed(p));
            for path in paths {
                let body = example_with(&spec, other.id(), path, &d.sample);
                let out = ResponseCheck::new(&spec, &deviations, other.id())
                    .expect("check")
                    .check(&body);
                assert!(
                    !out.violations().is_empty(),
                    "{} {path} = {} passed although only {} lists it",
                    other.id(),
                    d.sample,
                    d.operation
                );
                refused_elsewhere += 1;
            }
        }
    }
    assert!(refused_elsewhere > 0);
}

#[test]
fn the_used_operations_parameters_and_fields_are_documented() {
    let spec = Spec::committed();
    let used = UsedApi::committed();
    assert!(!used.operations.is_empty());
    for u in &used.operations {
        let op = spec.require(&u.id).expect("a used operation");
        for p in &u.parameters {
            assert!(op.query_parameter(p).is_some(), "{} {p}", u.id);
        }
        assert!(!u.fields.is_empty(), "{}", u.id);
        for f in &u.fields {
            assert!(
                op.field(f).is_some(),
                "{} field {f} is not documented",
                u.id
            );
        }
        assert!(
            !op.deprecated() || u.id == "getNetworkDevices",
            "{} is deprecated by Meraki: deprecate the client call and list it here",
            u.id
        );
    }
}

#[test]
fn parameter_schemas_convert() {
    // Every parameter schema of the subset is one the request check can validate against.
    let spec = Spec::committed();
    for op in spec.operations() {
        for p in op.parameters() {
            json_schema(p.schema, spec.document(), false)
                .unwrap_or_else(|e| panic!("{op:?} {}: {e}", p.name));
        }
    }
}
