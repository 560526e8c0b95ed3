/// Rebuild the index.
async fn rebuild(ctx: Context) -> String {
    ctx.continue_as_task().await;
    String::new()
}
#[doc(hidden)]
#[allow(non_upper_case_globals, dead_code)]
const __two_tools_in_this_module_are_named_rebuild: () = ();
const _: () = {
    use ::mcp_runtime::__private::glue::{
        Probe as __Probe, ToolParamExtractor as _, ToolParamOptional as _,
        ToolParamList as _, ToolParamArgument as _, ToolOutputContent as _,
        ToolOutputContentResult as _, ToolOutputStructuredResult as _,
        ToolOutputStructured as _,
    };
    fn __mcp_def() -> ::mcp_runtime::__private::ToolDef {
        let mut __mcp_gen = ::mcp_runtime::__private::SchemaGen::default();
        let mut __mcp_input = ::mcp_runtime::__private::InputSchema::default();
        let mut __mcp_needs = ::mcp_runtime::__private::Vec::new();
        if let ::mcp_runtime::__private::Some((schema, required)) = (&&&__Probe::<
            Context,
        >::new())
            .tool_param_schema(&mut __mcp_gen)
        {
            __mcp_input
                .property("ctx", schema, required, ::mcp_runtime::__private::None);
        }
        __mcp_needs.extend((&&&__Probe::<Context>::new()).tool_param_requirement());
        let annotations = ::mcp_runtime::__private::ToolAnnotations {
            title: ::mcp_runtime::__private::None,
            read_only_hint: ::mcp_runtime::__private::None,
            destructive_hint: ::mcp_runtime::__private::None,
            idempotent_hint: ::mcp_runtime::__private::None,
            open_world_hint: ::mcp_runtime::__private::None,
        };
        let tool = ::mcp_runtime::__private::Tool {
            name: ::mcp_runtime::__private::String::from("rebuild"),
            title: ::mcp_runtime::__private::None,
            description: ::mcp_runtime::__private::Some(
                ::mcp_runtime::__private::String::from("Rebuild the index."),
            ),
            input_schema: __mcp_input.finish(),
            output_schema: (&&&&__Probe::<String>::new())
                .tool_output_schema(&mut __mcp_gen),
            annotations: if annotations.is_empty() {
                ::mcp_runtime::__private::None
            } else {
                ::mcp_runtime::__private::Some(annotations)
            },
            meta: ::mcp_runtime::__private::None,
        };
        ::mcp_runtime::__private::ToolDef::new(
                tool,
                |__mcp_ctx, mut __mcp_args| {
                    ::mcp_runtime::__private::Box::pin(async move {
                        let __mcp_arg_0: Context = match (&&&__Probe::<Context>::new())
                            .tool_param(&__mcp_ctx, &mut __mcp_args, "ctx")
                        {
                            ::mcp_runtime::__private::Ok(v) => v,
                            ::mcp_runtime::__private::Err(e) => {
                                return ::mcp_runtime::__private::ToolOutcome::error(e);
                            }
                        };
                        let __mcp_out = rebuild(__mcp_arg_0).await;
                        let __mcp_convert = (&&&&__Probe::<String>::new()).tool_output();
                        __mcp_convert(__mcp_out)
                    })
                },
            )
            .with_requirements(__mcp_needs)
            .with_task_support(::mcp_runtime::__private::TaskSupport::Required)
    }
    fn __mcp_key() -> ::mcp_runtime::__private::TypeId {
        ::mcp_runtime::__private::key_of(&rebuild)
    }
    ::mcp_runtime::__private::inventory::submit! {
        ::mcp_runtime::__private::ToolRegistration { key : __mcp_key, package :
        ::mcp_runtime::__private::Package { name : ::core::env!("CARGO_PKG_NAME"),
        version : ::core::env!("CARGO_PKG_VERSION"), description :
        ::core::env!("CARGO_PKG_DESCRIPTION"), }, def : __mcp_def, }
    }
};
