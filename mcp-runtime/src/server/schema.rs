//! JSON Schema generation (schemars, draft 2020-12) for tool inputs and outputs.
//!
//! Schemas are inlined: popular clients drop tools whose schemas use `$ref`/`$defs`. Only a
//! recursive type cannot be: its schema refers to itself through `$defs`, which then sit at
//! the root of the tool's schema, where the references resolve.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// Generates inlined draft 2020-12 schemas.
pub struct SchemaGen(SchemaGenerator);

impl Default for SchemaGen {
    fn default() -> Self {
        let settings = SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true);
        SchemaGen(settings.into_generator())
    }
}

/// JSON Schema 2020-12 defines no integer formats: schemars' `int32`, `uint64`, `uint`,
/// `double`, ... make validators warn (`unknown format "uint32" ignored`). They go, and the
/// range a Rust integer type adds is written as `minimum`/`maximum` where it says
/// something (unsigned types, widths up to 32 bits), unless the schema states its own.
/// (schemars applies its transforms to root schemas only, not to `subschema_for`'s, so
/// this walks every schema the generator hands out.)
fn standard_integer_formats(value: &mut Value) {
    match value {
        Value::Object(schema) => {
            for sub in schema.values_mut() {
                standard_integer_formats(sub);
            }
            integer_format_to_range(schema);
        }
        Value::Array(items) => items.iter_mut().for_each(standard_integer_formats),
        _ => {}
    }
}

fn integer_format_to_range(schema: &mut Map<String, Value>) {
    let numeric = |t: &Value| t == "integer" || t == "number";
    match schema.get("type") {
        Some(Value::Array(types)) if !types.iter().any(numeric) => return,
        Some(t @ Value::String(_)) if !numeric(t) => return,
        _ => {}
    }
    let Some(format) = schema.get("format").and_then(Value::as_str) else {
        return;
    };
    let range: (Option<i64>, Option<i64>) = match format {
        "int8" => (Some(i8::MIN.into()), Some(i8::MAX.into())),
        "int16" => (Some(i16::MIN.into()), Some(i16::MAX.into())),
        "int32" => (Some(i32::MIN.into()), Some(i32::MAX.into())),
        "uint8" => (Some(0), Some(u8::MAX.into())),
        "uint16" => (Some(0), Some(u16::MAX.into())),
        "uint32" => (Some(0), Some(u32::MAX.into())),
        "uint" | "uint64" | "uint128" => (Some(0), None),
        "int" | "int64" | "int128" | "float" | "double" => (None, None),
        _ => return,
    };
    schema.remove("format");
    let keep = |schema: &Map<String, Value>, key: &str, exclusive: &str| {
        schema.contains_key(key) || schema.contains_key(exclusive)
    };
    if let Some(min) = range.0
        && !keep(schema, "minimum", "exclusiveMinimum")
    {
        schema.insert("minimum".into(), min.into());
    }
    if let Some(max) = range.1
        && !keep(schema, "maximum", "exclusiveMaximum")
    {
        schema.insert("maximum".into(), max.into());
    }
}

impl SchemaGen {
    /// The schema of `T`, inlined, without `$schema`. The definitions its `$ref`s need (a
    /// recursive type's) come along under `$defs`, for [`InputSchema::property`] to move
    /// to the root.
    pub fn schema_for<T: JsonSchema + ?Sized>(&mut self) -> Map<String, Value> {
        let schema: Schema = self.0.subschema_for::<T>();
        let mut value = schema.to_value();
        standard_integer_formats(&mut value);
        let mut map = into_object(value);
        map.remove("$schema");
        let defs = referenced_definitions(&map, self.0.definitions());
        if !defs.is_empty() {
            let mut defs = Value::Object(defs);
            standard_integer_formats(&mut defs);
            map.insert("$defs".into(), defs);
        }
        map
    }

    /// The root schema of `T`, with `$defs` only if a recursive type needs them.
    pub fn root_schema_for<T: JsonSchema + ?Sized>(&mut self) -> Map<String, Value> {
        // A generator of its own: the definitions collected for a tool's arguments are not
        // part of its output.
        let schema: Schema = SchemaGen::default().0.into_root_schema_for::<T>();
        let mut value = schema.to_value();
        standard_integer_formats(&mut value);
        let mut map = into_object(value);
        map.remove("$schema");
        // schemars titles a root schema with the type's name (`Bookmark`,
        // `Array_of_Bookmark`, `uint`): a Rust detail, not a title. A title the type
        // states itself (`#[schemars(title = "...")]`) differs from it and stays.
        if map.get("title").and_then(Value::as_str) == Some(&*T::schema_name()) {
            map.remove("title");
        }
        map
    }
}

/// The entries of `all` that `schema` refers to, directly or through one another.
fn referenced_definitions(
    schema: &Map<String, Value>,
    all: &Map<String, Value>,
) -> Map<String, Value> {
    let mut found = Map::new();
    let mut queue = Vec::new();
    collect_definition_refs(schema, &mut queue);
    while let Some(name) = queue.pop() {
        if found.contains_key(&name) {
            continue;
        }
        if let Some(Value::Object(def)) = all.get(&name) {
            collect_definition_refs(def, &mut queue);
            found.insert(name, Value::Object(def.clone()));
        }
    }
    found
}

/// The names behind every `"$ref": "#/$defs/<name>"` in `schema`.
fn collect_definition_refs(schema: &Map<String, Value>, names: &mut Vec<String>) {
    for (key, value) in schema {
        match value {
            Value::String(target) if key == "$ref" => {
                if let Some(name) = target.strip_prefix("#/$defs/") {
                    let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
                    names.push(name.replace("~1", "/").replace("~0", "~"));
                }
            }
            Value::Object(sub) => collect_definition_refs(sub, names),
            Value::Array(items) => {
                for sub in items.iter().filter_map(Value::as_object) {
                    collect_definition_refs(sub, names);
                }
            }
            _ => {}
        }
    }
}

fn into_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        // `true` accepts anything: the empty schema says the same.
        Value::Bool(true) => Map::new(),
        other => {
            let mut map = Map::new();
            map.insert("not".into(), json!({}));
            map.insert("x-schema".into(), other);
            map
        }
    }
}

/// Builds the `inputSchema` of a tool: one property per argument.
#[derive(Default)]
pub struct InputSchema {
    properties: Map<String, Value>,
    required: Vec<Value>,
    /// Definitions of recursive argument types, shared by all arguments.
    defs: Map<String, Value>,
}

impl InputSchema {
    /// Adds an argument.
    pub fn property(
        &mut self,
        name: &str,
        mut schema: Map<String, Value>,
        required: bool,
        description: Option<&str>,
    ) {
        // `#/$defs/...` references resolve from the root of the input schema.
        if let Some(Value::Object(defs)) = schema.remove("$defs") {
            for (name, mut def) in defs {
                if let Value::Object(def) = &mut def {
                    strip_optional_nulls(def);
                }
                self.defs.entry(name).or_insert(def);
            }
        }
        strip_optional_nulls(&mut schema);
        if let Some(d) = description {
            schema.insert("description".into(), Value::String(d.to_owned()));
        }
        self.properties
            .insert(name.to_owned(), Value::Object(schema));
        if required {
            self.required.push(Value::String(name.to_owned()));
        }
    }

    /// Mirrors argument `property`, added before, in the HTTP header `Mcp-Param-{name}`
    /// (`x-mcp-header`, MCP 2026-07-28). The name is checked when the server is built.
    pub fn header(&mut self, property: &str, name: &str) {
        if let Some(Value::Object(schema)) = self.properties.get_mut(property) {
            schema.insert("x-mcp-header".into(), Value::String(name.to_owned()));
        }
    }

    /// The finished schema: `{"type": "object", "properties": ..., "required": [...]}`.
    pub fn finish(self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("type".into(), json!("object"));
        map.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            map.insert("required".into(), Value::Array(self.required));
        }
        // Arguments are checked by name: one the tool does not take is an error, not ignored.
        map.insert("additionalProperties".into(), Value::Bool(false));
        if !self.defs.is_empty() {
            map.insert("$defs".into(), Value::Object(self.defs));
        }
        map
    }
}

/// An `outputSchema` must have an object root: other schemas are wrapped as `{"result": ...}`.
pub fn output_schema(mut schema: Map<String, Value>) -> (Map<String, Value>, bool) {
    if schema.get("type").and_then(Value::as_str) == Some("object") {
        return (schema, false);
    }
    // A recursive type refers to itself as `#` and to its parts as `#/$defs/...`: once
    // wrapped, it lives at `#/properties/result`, and its definitions move to the root.
    let defs = schema.remove("$defs");
    let mut wrapped = Map::new();
    wrapped.insert("type".into(), json!("object"));
    wrapped.insert(
        "properties".into(),
        json!({ "result": Value::Object(schema) }),
    );
    wrapped.insert("required".into(), json!(["result"]));
    if let Some(defs) = defs {
        wrapped.insert("$defs".into(), defs);
    }
    retarget_root_refs(&mut wrapped, "#/properties/result");
    (wrapped, true)
}

/// Points every `$ref` to the old root (`#`, `#/...` other than `#/$defs/...`) at `new_root`.
fn retarget_root_refs(schema: &mut Map<String, Value>, new_root: &str) {
    for (key, value) in schema.iter_mut() {
        match value {
            Value::String(target) if key == "$ref" => {
                if target == "#" {
                    *target = new_root.to_owned();
                } else if let Some(rest) = target.strip_prefix('#')
                    && rest.starts_with('/')
                    && !rest.starts_with("/$defs/")
                {
                    *target = format!("{new_root}{rest}");
                }
            }
            Value::Object(sub) => retarget_root_refs(sub, new_root),
            Value::Array(items) => {
                for sub in items.iter_mut().filter_map(Value::as_object_mut) {
                    retarget_root_refs(sub, new_root);
                }
            }
            _ => {}
        }
    }
}

/// In argument schemas, a property that need not be given is described by its inner type:
/// `{"type": "string"}` rather than `{"type": ["string", "null"]}`. Clients show and validate
/// the simpler form better, and leaving the property out means the same as `null` to serde.
fn strip_optional_nulls(schema: &mut Map<String, Value>) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            if let Value::Object(prop) = prop {
                if !required.contains(name) {
                    drop_null(prop);
                }
                strip_optional_nulls(prop);
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(Value::Object(sub)) = schema.get_mut(key) {
            strip_optional_nulls(sub);
        }
    }
    for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subs)) = schema.get_mut(key) {
            for sub in subs.iter_mut().filter_map(Value::as_object_mut) {
                strip_optional_nulls(sub);
            }
        }
    }
}

/// Removes `null` from one schema's `type` array or `anyOf`.
pub(crate) fn drop_null(schema: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            schema.insert("type".into(), only);
        }
    }
    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
    let collapsed = match schema.get_mut("anyOf") {
        Some(Value::Array(variants)) if variants.iter().any(is_null) => {
            variants.retain(|v| !is_null(v));
            (variants.len() == 1).then(|| variants.remove(0))
        }
        _ => None,
    };
    if let Some(Value::Object(only)) = collapsed {
        schema.remove("anyOf");
        for (k, v) in only {
            schema.entry(k).or_insert(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        a: Option<u8>,
        b: String,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
        list: Vec<Inner>,
    }

    #[test]
    fn inlines_and_strips_optional_nulls() {
        let mut generator = SchemaGen::default();
        let mut input = InputSchema::default();
        input.property("o", generator.schema_for::<Outer>(), true, Some("doc"));
        let schema = Value::Object(input.finish());
        let text = schema.to_string();
        assert!(!text.contains("$ref") && !text.contains("$defs"), "{text}");
        assert!(!text.contains("null"), "{text}");
        assert_eq!(schema["properties"]["o"]["description"], "doc");
        assert_eq!(
            schema["properties"]["o"]["properties"]["inner"]["properties"]["a"]["type"],
            "integer"
        );
    }

    /// A tree: recursive, so it cannot be inlined.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Tree {
        label: Option<String>,
        children: Vec<Tree>,
    }

    /// A recursive enum: wrapped when it is an output.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    enum Expr {
        Num(i64),
        Neg(Box<Expr>),
    }

    #[test]
    fn recursive_arguments_bring_their_definitions_to_the_root() {
        let mut generator = SchemaGen::default();
        let mut input = InputSchema::default();
        input.property("tree", generator.schema_for::<Tree>(), true, None);
        input.property("other", generator.schema_for::<Vec<Tree>>(), false, None);
        let schema = Value::Object(input.finish());
        let tree = &schema["properties"]["tree"];
        assert!(tree.get("$defs").is_none(), "{schema}");
        assert_eq!(
            tree["properties"]["children"]["items"]["$ref"],
            "#/$defs/Tree"
        );
        assert_eq!(
            schema["$defs"]["Tree"]["properties"]["children"]["items"]["$ref"],
            "#/$defs/Tree"
        );
        assert_eq!(
            schema["$defs"]["Tree"]["properties"]["label"]["type"],
            "string"
        );
        assert_eq!(schema["$defs"].as_object().map(Map::len), Some(1));
    }

    #[test]
    fn outputs_do_not_inherit_the_definitions_of_arguments() {
        let mut generator = SchemaGen::default();
        generator.schema_for::<Tree>();
        let output = Value::Object(generator.root_schema_for::<i64>());
        assert!(output.get("$defs").is_none(), "{output}");
    }

    #[test]
    fn wrapped_recursive_outputs_still_refer_to_themselves() {
        let mut generator = SchemaGen::default();
        let (schema, wrapped) = output_schema(generator.root_schema_for::<Expr>());
        assert!(wrapped);
        let text = Value::Object(schema).to_string();
        assert!(text.contains(r##""$ref":"#/properties/result""##), "{text}");
        assert!(!text.contains(r##""$ref":"#""##), "{text}");
    }

    #[test]
    fn wraps_non_object_outputs() {
        let mut generator = SchemaGen::default();
        let (schema, wrapped) = output_schema(generator.root_schema_for::<i64>());
        assert!(wrapped);
        assert_eq!(schema["properties"]["result"]["type"], "integer");
        let (schema, wrapped) = output_schema(generator.root_schema_for::<Outer>());
        assert!(!wrapped);
        assert_eq!(schema["type"], "object");
    }

    /// Integer widths, a range of one's own, and a format JSON Schema defines.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Widths {
        a: u8,
        b: i16,
        c: u32,
        d: u64,
        e: i64,
        f: f64,
        #[schemars(range(min = 1, max = 10))]
        g: u32,
        h: usize,
        #[schemars(extend("format" = "date-time"))]
        when: String,
    }

    /// A bookmark.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Bookmark {
        url: String,
    }

    /// Titled by hand.
    #[derive(JsonSchema)]
    #[schemars(title = "A titled thing")]
    #[allow(dead_code)]
    struct Titled {
        x: bool,
    }

    #[test]
    fn integer_widths_are_ranges_not_formats() {
        let mut generator = SchemaGen::default();
        let props = Value::Object(generator.schema_for::<Widths>())["properties"].clone();
        let range = |p: &str| (props[p]["minimum"].clone(), props[p]["maximum"].clone());
        assert_eq!(range("a"), (json!(0), json!(255)));
        assert_eq!(range("b"), (json!(-32768), json!(32767)));
        assert_eq!(range("c"), (json!(0), json!(4294967295u32)));
        assert_eq!(range("d"), (json!(0), Value::Null));
        assert_eq!(range("e"), (Value::Null, Value::Null));
        assert_eq!(range("f"), (Value::Null, Value::Null));
        assert_eq!(
            range("g"),
            (json!(1), json!(10)),
            "the type's own range wins"
        );
        assert_eq!(range("h"), (json!(0), Value::Null));
        for p in ["a", "b", "c", "d", "e", "f", "g", "h"] {
            assert!(props[p].get("format").is_none(), "{p}: {}", props[p]);
        }
        assert_eq!(
            props["when"]["format"], "date-time",
            "standard formats stay"
        );
        // Also in outputs, and in wrapped outputs.
        let (out, _) = output_schema(generator.root_schema_for::<Vec<u32>>());
        assert!(!Value::Object(out).to_string().contains("format"));
    }

    #[test]
    fn type_names_are_not_titles() {
        let mut generator = SchemaGen::default();
        for schema in [
            generator.root_schema_for::<Bookmark>(),
            output_schema(generator.root_schema_for::<Vec<Bookmark>>()).0,
            output_schema(generator.root_schema_for::<u32>()).0,
        ] {
            assert!(
                !Value::Object(schema.clone()).to_string().contains("title"),
                "{schema:?}"
            );
        }
        let titled = generator.root_schema_for::<Titled>();
        assert_eq!(titled["title"], "A titled thing");
    }
}
