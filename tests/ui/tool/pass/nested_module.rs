use mcp_runtime::prelude::*;

mod api {
    pub mod math {
        use mcp_runtime::prelude::*;

        /// Multiply.
        #[tool]
        pub fn mul(a: i64, b: i64) -> i64 {
            a * b
        }
    }

    /// The same tool name in another module is not a compile error (the server
    /// reports it when both are added).
    #[mcp_runtime::tool(name = "mul")]
    pub fn other_mul(a: i64) -> i64 {
        a
    }
}

fn main() {
    Server::builder().tool(api::math::mul).build().unwrap();
    let both = Server::builder().tool(api::math::mul).tool(api::other_mul).build();
    assert!(both.is_err());
}
