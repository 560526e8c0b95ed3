/// Run a query in a region.
fn execute_sql(region: String, query: String, dry_run: Option<bool>) -> String {
    format!("{region} {query} {dry_run:?}")
}
#[doc(hidden)]
#[allow(non_upper_case_globals, dead_code)]
const __two_tools_in_this_module_are_named_execute_sql: () = ();
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
            String,
        >::new())
            .tool_param_schema(&mut __mcp_gen)
        {
            __mcp_input
                .property("region", schema, required, ::mcp_runtime::__private::None);
        }
        (&&&__Probe::<String>::new()).tool_param_header();
        __mcp_input.header("region", "Region");
        __mcp_needs.extend((&&&__Probe::<String>::new()).tool_param_requirement());
        if let ::mcp_runtime::__private::Some((schema, required)) = (&&&__Probe::<
            String,
        >::new())
            .tool_param_schema(&mut __mcp_gen)
        {
            __mcp_input
                .property("query", schema, required, ::mcp_runtime::__private::None);
        }
        __mcp_needs.extend((&&&__Probe::<String>::new()).tool_param_requirement());
        if let ::mcp_runtime::__private::Some((schema, required)) = (&&&__Probe::<
            Option<bool>,
        >::new())
            .tool_param_schema(&mut __mcp_gen)
        {
            __mcp_input
                .property("dry_run", schema, required, ::mcp_runtime::__private::None);
        }
        (&&&__Probe::<Option<bool>>::new()).tool_param_header();
        __mcp_input.header("dry_run", "Dry-Run");
        __mcp_needs.extend((&&&__Probe::<Option<bool>>::new()).tool_param_requirement());
        let annotations = ::mcp_runtime::__private::ToolAnnotations {
            title: ::mcp_runtime::__private::None,
            read_only_hint: ::mcp_runtime::__private::None,
            destructive_hint: ::mcp_runtime::__private::None,
            idempotent_hint: ::mcp_runtime::__private::None,
            open_world_hint: ::mcp_runtime::__private::None,
        };
        let tool = ::mcp_runtime::__private::Tool {
            name: ::mcp_runtime::__private::String::from("execute_sql"),
            title: ::mcp_runtime::__private::None,
            description: ::mcp_runtime::__private::Some(
                ::mcp_runtime::__private::String::from("Run a query in a region."),
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
                        let __mcp_arg_0: String = match (&&&__Probe::<String>::new())
                            .tool_param(&__mcp_ctx, &mut __mcp_args, "region")
                        {
                            ::mcp_runtime::__private::Ok(v) => v,
                            ::mcp_runtime::__private::Err(e) => {
                                return ::mcp_runtime::__private::ToolOutcome::error(e);
                            }
                        };
                        let __mcp_arg_1: String = match (&&&__Probe::<String>::new())
                            .tool_param(&__mcp_ctx, &mut __mcp_args, "query")
                        {
                            ::mcp_runtime::__private::Ok(v) => v,
                            ::mcp_runtime::__private::Err(e) => {
                                return ::mcp_runtime::__private::ToolOutcome::error(e);
                            }
                        };
                        let __mcp_arg_2: Option<bool> = match (&&&__Probe::<
                            Option<bool>,
                        >::new())
                            .tool_param(&__mcp_ctx, &mut __mcp_args, "dry_run")
                        {
                            ::mcp_runtime::__private::Ok(v) => v,
                            ::mcp_runtime::__private::Err(e) => {
                                return ::mcp_runtime::__private::ToolOutcome::error(e);
                            }
                        };
                        let __mcp_out = execute_sql(
                            __mcp_arg_0,
                            __mcp_arg_1,
                            __mcp_arg_2,
                        );
                        let __mcp_convert = (&&&&__Probe::<String>::new()).tool_output();
                        __mcp_convert(__mcp_out)
                    })
                },
            )
            .with_requirements(__mcp_needs)
    }
    fn __mcp_key() -> ::mcp_runtime::__private::TypeId {
        ::mcp_runtime::__private::key_of(&execute_sql)
    }
    ::mcp_runtime::__private::inventory::submit! {
        ::mcp_runtime::__private::ToolRegistration { key : __mcp_key, package :
        ::mcp_runtime::__private::Package { name : ::core::env!("CARGO_PKG_NAME"),
        version : ::core::env!("CARGO_PKG_VERSION"), description :
        ::core::env!("CARGO_PKG_DESCRIPTION"), }, def : __mcp_def, }
    }
};
