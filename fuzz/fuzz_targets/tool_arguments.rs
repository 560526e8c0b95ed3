//! Tool-argument decoding on arbitrary text: parsing the arguments object and reading
//! each member into the types tools declare never panics, and agrees with the map form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_runtime::define::ToolArguments;
use serde_json::Value;

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Filter {
    tag: String,
    limit: Option<u32>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(args) = ToolArguments::parse(text) else {
        return;
    };
    let names: Vec<String> = args.names().map(str::to_owned).collect();
    assert_eq!(names.len(), args.len());
    for name in &names {
        let _ = args.get::<i64>(name);
        let _ = args.get::<u8>(name);
        let _ = args.get::<f64>(name);
        let _ = args.get::<String>(name);
        let _ = args.get::<Option<Vec<bool>>>(name);
        let _ = args.get::<Filter>(name);
        // JSON's grammar allows numbers no f64 holds (`1e999`): reading one into a
        // `Value` is an error, never a panic.
        let _ = args.get::<Value>(name);
        assert!(args.raw(name).is_some(), "{name} is listed but has no text");
    }
    // The map form holds the same members.
    let map = args.to_map();
    let again = ToolArguments::from_map(&map);
    assert_eq!(again.len(), map.len());
});
