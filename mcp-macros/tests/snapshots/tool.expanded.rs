/// Add two integers.
pub async fn add(a: i64, b: Option<i64>, ctx: Context) -> Result<i64, String> {
    let _ = ctx;
    Ok(a + b.unwrap_or(0))
}
#[doc(hidden)]
#[allow(non_upper_case_globals, dead_code)]
const __two_tools_in_this_module_are_named_add: () = ();
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
            i64,
        >::new())
            .tool_param_schema(&mut __mcp_gen)
        {
            __mcp_input
                .property(
                    "a",
                    schema,
                    required,
                    ::mcp_runtime::__private::Some("The left operand."),
                );
        }
        __mcp_needs.extend((&&&__Probe::<i64>::new()).tool_param_requirement());
        if let ::mcp_runtime::__private::Some((schema, required)) = (&&&__Probe::<
            Option<i64>,
        >::new())
            .tool_param_schema(&mut __mcp_gen)
        {
            __mcp_input
                .property(
                    "b",
                    schema,
                    required,
                    ::mcp_runtime::__private::Some("The right operand; 0 when absent."),
                );
        }
        __mcp_needs.extend((&&&__Probe::<Option<i64>>::new()).tool_param_requirement());
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
            read_only_hint: ::mcp_runtime::__private::Some(true),
            destructive_hint: ::mcp_runtime::__private::None,
            idempotent_hint: ::mcp_runtime::__private::None,
            open_world_hint: ::mcp_runtime::__private::None,
        };
        let tool = ::mcp_runtime::__private::Tool {
            name: ::mcp_runtime::__private::String::from("add"),
            title: ::mcp_runtime::__private::Some(
                ::mcp_runtime::__private::String::from("Add"),
            ),
            description: ::mcp_runtime::__private::Some(
                ::mcp_runtime::__private::String::from("Add two integers."),
            ),
            input_schema: __mcp_input.finish(),
            output_schema: (&&&&__Probe::<Result<i64, String>>::new())
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
                        let __mcp_arg_0: i64 = match (&&&__Probe::<i64>::new())
                            .tool_param(&__mcp_ctx, &mut __mcp_args, "a")
                        {
                            ::mcp_runtime::__private::Ok(v) => v,
                            ::mcp_runtime::__private::Err(e) => {
                                return ::mcp_runtime::__private::ToolOutcome::error(e);
                            }
                        };
                        let __mcp_arg_1: Option<i64> = match (&&&__Probe::<
                            Option<i64>,
                        >::new())
                            .tool_param(&__mcp_ctx, &mut __mcp_args, "b")
                        {
                            ::mcp_runtime::__private::Ok(v) => v,
                            ::mcp_runtime::__private::Err(e) => {
                                return ::mcp_runtime::__private::ToolOutcome::error(e);
                            }
                        };
                        let __mcp_arg_2: Context = match (&&&__Probe::<Context>::new())
                            .tool_param(&__mcp_ctx, &mut __mcp_args, "ctx")
                        {
                            ::mcp_runtime::__private::Ok(v) => v,
                            ::mcp_runtime::__private::Err(e) => {
                                return ::mcp_runtime::__private::ToolOutcome::error(e);
                            }
                        };
                        let __mcp_out = add(__mcp_arg_0, __mcp_arg_1, __mcp_arg_2).await;
                        let __mcp_convert = (&&&&__Probe::<Result<i64, String>>::new())
                            .tool_output();
                        __mcp_convert(__mcp_out)
                    })
                },
            )
            .with_requirements(__mcp_needs)
    }
    fn __mcp_key() -> ::mcp_runtime::__private::TypeId {
        ::mcp_runtime::__private::key_of(&add)
    }
    ::mcp_runtime::__private::inventory::submit! {
        ::mcp_runtime::__private::ToolRegistration { key : __mcp_key, package :
        ::mcp_runtime::__private::Package { name : ::core::env!("CARGO_PKG_NAME"),
        version : ::core::env!("CARGO_PKG_VERSION"), description :
        ::core::env!("CARGO_PKG_DESCRIPTION"), }, def : __mcp_def, }
    }
};
