use mcp_runtime::define::{ToolDef, ToolOutcome};
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::ErrorObject;
use mcp_runtime::TaskSupport;

/// A task for clients that support them.
#[tool(task)]
async fn crunch(ctx: Context) -> String {
    ctx.continue_as_task().await;
    "done".into()
}

/// The same, said in full.
#[tool(task = "optional")]
async fn crunch_too() -> String {
    "done".into()
}

/// Only as a task; its failure is a protocol error.
#[tool(task = "required")]
async fn batch() -> ToolOutcome {
    ToolOutcome::protocol_error(ErrorObject::internal("the queue is down"))
}

/// Never a task.
#[tool]
fn quick() -> &'static str {
    "now"
}

fn main() {
    let support = |def: Option<ToolDef>| def.unwrap().task_support();
    assert_eq!(support(ToolDef::of(crunch)), TaskSupport::Optional);
    assert_eq!(support(ToolDef::of(crunch_too)), TaskSupport::Optional);
    assert_eq!(support(ToolDef::of(batch)), TaskSupport::Required);
    assert_eq!(support(ToolDef::of(quick)), TaskSupport::Forbidden);
    assert!(ToolDef::of(batch).unwrap().tool().output_schema.is_none());
}
