//! Elicitation forms from Rust structs: MCP forms are flat objects whose fields are
//! strings, numbers, booleans, enums, or lists of enums.

use crate::server::schema::{SchemaGen, drop_null};
use schemars::JsonSchema;
use serde_json::{Map, Value};

/// The `requestedSchema` for `T`, or why `T` cannot be a form.
pub(crate) fn form_schema<T: JsonSchema>() -> Result<Map<String, Value>, String> {
    let mut schema = SchemaGen::default().root_schema_for::<T>();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err(format!(
            "`{}` must be a struct with named fields",
            std::any::type_name::<T>()
        ));
    }
    let required: Vec<Value> = schema
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(Value::Object(props)) = schema.remove("properties") else {
        return Err(format!("`{}` has no fields", std::any::type_name::<T>()));
    };
    let mut out_props = Map::new();
    for (name, prop) in props {
        let Value::Object(mut prop) = prop else {
            return Err(format!("field `{name}` has no schema"));
        };
        if !required.iter().any(|r| r == name.as_str()) {
            drop_null(&mut prop);
        }
        check_field(&name, &mut prop)?;
        out_props.insert(name, Value::Object(prop));
    }
    let mut form = Map::new();
    form.insert("type".into(), "object".into());
    form.insert("properties".into(), Value::Object(out_props));
    if !required.is_empty() {
        form.insert("required".into(), Value::Array(required));
    }
    Ok(form)
}

fn check_field(name: &str, prop: &mut Map<String, Value>) -> Result<(), String> {
    let ty = prop.get("type").and_then(Value::as_str).map(str::to_owned);
    match ty.as_deref() {
        Some("string") | Some("boolean") => Ok(()),
        Some("integer") | Some("number") => {
            // Forms know `minimum`/`maximum`, not Rust's integer formats.
            prop.remove("format");
            Ok(())
        }
        Some("array") => {
            let items = prop.get("items").and_then(Value::as_object);
            let is_enum = items.is_some_and(|i| {
                i.contains_key("enum") || i.contains_key("anyOf") || i.contains_key("oneOf")
            });
            if is_enum {
                Ok(())
            } else {
                Err(format!(
                    "field `{name}`: a list in a form must be a list of enum values (multi-select)"
                ))
            }
        }
        None if prop.contains_key("oneOf") || prop.contains_key("enum") => {
            prop.entry("type").or_insert_with(|| "string".into());
            Ok(())
        }
        other => Err(format!(
            "field `{name}` is {}: a form field must be a string, number, boolean, enum, or list of enums",
            match other {
                Some("object") => "an object".to_owned(),
                Some("null") | None => "a nested type".to_owned(),
                Some(t) => format!("of type {t}"),
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    enum Size {
        Small,
        Large,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Form {
        /// Your name.
        name: String,
        age: Option<u8>,
        size: Size,
        extras: Vec<Size>,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Nested {
        inner: Form,
    }

    #[test]
    fn flat_structs_become_forms() {
        let form = Value::Object(form_schema::<Form>().unwrap());
        assert_eq!(form["properties"]["name"]["description"], "Your name.");
        assert_eq!(form["properties"]["age"]["type"], "integer");
        assert!(form["properties"]["age"].get("format").is_none());
        assert_eq!(
            form["properties"]["size"]["enum"],
            serde_json::json!(["Small", "Large"])
        );
        assert_eq!(
            form["required"],
            serde_json::json!(["name", "size", "extras"])
        );
        let err = form_schema::<Nested>().unwrap_err();
        assert!(err.contains("inner"), "{err}");
    }
}
