use mcp_runtime::prelude::*;

fn main() {
    /// A tool declared inside a function body.
    #[tool]
    fn local(x: i32) -> i32 {
        x * 2
    }

    /// A prompt declared inside a function body.
    #[prompt]
    fn local_prompt(topic: String) -> String {
        topic
    }

    /// A resource declared inside a function body.
    #[resource("local://thing")]
    fn local_resource() -> String {
        String::new()
    }

    Server::builder()
        .tool(local)
        .prompt(local_prompt)
        .resource(local_resource)
        .build()
        .unwrap();
}
