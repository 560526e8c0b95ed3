//! The variables of an RFC 6570 URI template, checked at compile time. (The runtime
//! parses the template fully to match URIs; this only needs names and syntax.)

/// The variable names of `template`, in order, or what is wrong with it.
pub fn variables(template: &str) -> Result<Vec<String>, String> {
    let mut vars = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        if rest.as_bytes()[i] == b'}' {
            return Err("unmatched `}` in the URI template".into());
        }
        let close = rest[i..]
            .find('}')
            .ok_or("unclosed `{` in the URI template")?
            + i;
        let body = &rest[i + 1..close];
        let list = body
            .strip_prefix(['+', '#', '.', '/', ';', '?', '&'])
            .unwrap_or(body);
        for spec in list.split(',') {
            let name = spec.trim_end_matches('*');
            let name = name.split_once(':').map_or(name, |(n, _)| n);
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "invalid variable `{spec}` in `{{{body}}}`: a variable is a name of letters, digits and `_`, optionally after an operator (`{{+path}}`, `{{?query}}`)"
                ));
            }
            if vars.iter().any(|v| v == name) {
                return Err(format!(
                    "the variable `{name}` appears twice in the URI template"
                ));
            }
            vars.push(name.to_owned());
        }
        rest = &rest[close + 1..];
    }
    if !template.contains("://") && !template.contains(':') {
        return Err(format!(
            "`{template}` is not a URI: it needs a scheme, e.g. `notes://{{id}}`"
        ));
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::variables;

    #[test]
    fn reads_variables() {
        assert_eq!(variables("notes://{id}").unwrap(), ["id"]);
        assert_eq!(
            variables("file:///{+path}{?q,lang}").unwrap(),
            ["path", "q", "lang"]
        );
        assert_eq!(variables("x://static").unwrap(), Vec::<String>::new());
        assert!(variables("x://{id").is_err());
        assert!(variables("x://{a-b}").is_err());
        assert!(variables("x://{a}/{a}").is_err());
        assert!(variables("no-scheme").is_err());
    }
}
