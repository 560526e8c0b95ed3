//! The URI-template parser and matcher: the first line of the input is a template, the
//! rest a URI. Neither parsing nor matching panics, and a match names only the
//! template's variables.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_runtime::define::UriTemplate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (template, uri) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(template) = UriTemplate::parse(template) else {
        return;
    };
    let names: Vec<&str> = template.variables().collect();
    if let Some(bound) = template.matches(uri) {
        for (name, _) in &bound {
            assert!(
                names.contains(&name.as_str()),
                "{name} is not a variable of {}",
                template.as_str()
            );
        }
    }
    if template.is_static() {
        assert!(
            template.matches(template.as_str()).is_some(),
            "a static template matches itself"
        );
    }
});
