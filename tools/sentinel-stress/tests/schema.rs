//! `--output json` matches the committed JSON Schema (schema/stress-result.schema.json).
//! The validator below covers the subset of JSON Schema that file uses: type, required,
//! properties, additionalProperties, items, minimum, maximum.

use sentinel_test_support::{SampleService, tool};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_sentinel-stress");

fn type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        _ => false,
    }
}

/// Every way `value` breaks `schema`, as `path: reason`.
fn violations(schema: &Value, value: &Value, path: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(expected) = schema.get("type").and_then(Value::as_str) {
        if !type_matches(expected, value) {
            return vec![format!("{path}: expected {expected}, found {value}")];
        }
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) {
        if n < min {
            found.push(format!("{path}: {n} is below {min}"));
        }
    }
    if let (Some(max), Some(n)) = (
        schema.get("maximum").and_then(Value::as_f64),
        value.as_f64(),
    ) {
        if n > max {
            found.push(format!("{path}: {n} is above {max}"));
        }
    }
    if let Some(object) = value.as_object() {
        for key in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = key.as_str().unwrap();
            if !object.contains_key(key) {
                found.push(format!("{path}: missing {key}"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, child) in object {
            let child_path = format!("{path}.{key}");
            match (
                properties.and_then(|p| p.get(key)),
                schema.get("additionalProperties"),
            ) {
                (Some(sub), _) => found.extend(violations(sub, child, &child_path)),
                (None, Some(Value::Bool(false))) => {
                    found.push(format!("{child_path}: not allowed"))
                }
                (None, Some(sub)) if sub.is_object() => {
                    found.extend(violations(sub, child, &child_path))
                }
                _ => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            found.extend(violations(items, item, &format!("{path}[{i}]")));
        }
    }
    found
}

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/stress-result.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn json_output_matches_the_committed_schema() {
    let service = SampleService::start(&["--error-rate", "10"]);
    let url = format!("{}?token=abc", service.url());
    let service_port = service.port;
    let run = tool(BIN)
        .args([
            "-n",
            "200",
            "--max-error-rate",
            "5",
            "--max-p99",
            "1s",
            "--min-rps",
            "1",
            "--output",
            "json",
            &url,
        ])
        .run();
    drop(service);
    let result: Value = serde_json::from_str(&run.stdout).unwrap();
    let problems = violations(&schema(), &result, "$");
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        result["endpointUrl"],
        format!("http://127.0.0.1:{}/?token=***", service_port),
        "the query value is not kept"
    );
}

#[test]
fn json_output_for_several_endpoints_is_an_array_of_schema_valid_results() {
    let (a, b) = (SampleService::start(&[]), SampleService::start(&[]));
    let run = tool(BIN)
        .args(["-n", "40", "--output", "json", &a.url(), &b.url()])
        .run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let results: Value = serde_json::from_str(&run.stdout).unwrap();
    let results = results.as_array().expect("an array for two endpoints");
    assert_eq!(results.len(), 2);
    for (index, result) in results.iter().enumerate() {
        let problems = violations(&schema(), result, &format!("$[{index}]"));
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

#[test]
fn the_validator_catches_what_the_schema_forbids() {
    let schema = schema();
    let mut result: Value =
        serde_json::to_value(sentinel_core::events::StressTestResult::default()).unwrap();
    assert!(violations(&schema, &result, "$").is_empty());
    result["errorRate"] = Value::from(120.0);
    result["extra"] = Value::from(1);
    result["statusCodes"] = serde_json::json!({"200": "many"});
    result.as_object_mut().unwrap().remove("passed");
    let problems = violations(&schema, &result, "$");
    assert_eq!(problems.len(), 4, "{problems:#?}");
}
