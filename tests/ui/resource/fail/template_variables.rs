use mcp_runtime::prelude::*;

/// RFC 6570 allows a dot in a name, but a parameter cannot have one.
#[resource("users://{user.id}")]
fn user(user_id: u32) -> String {
    user_id.to_string()
}

/// One variable, one parameter.
#[resource("notes://{id}/{id}")]
fn twice(id: u32) -> String {
    id.to_string()
}

/// A prefix is 1 to 9999 characters.
#[resource("notes://{id:0}")]
fn prefix(id: String) -> String {
    id
}

/// Outside an expression, a template is URI text: no spaces.
#[resource("notes://my notes/{id}")]
fn spaced(id: String) -> String {
    id
}

fn main() {}
