/// Ask for a review.
fn review(code: String, focus: Option<String>) -> String {
    format!("{code} {focus:?}")
}
#[doc(hidden)]
#[allow(non_upper_case_globals, dead_code)]
const __two_prompts_in_this_module_are_named_review_dash_code: () = ();
const _: () = {
    use ::mcp_runtime::__private::glue::{
        Probe as __Probe, PromptParamExtractor as _, PromptParamOptionalSerde as _,
        PromptParamOptional as _, PromptParamRequiredSerde as _,
        PromptParamRequired as _, PromptOutputValue as _, PromptOutputRpcResult as _,
        PromptOutputDisplayResult as _, PromptOutputOther as _, CompleteNow as _,
        CompleteLater as _, CompleteOther as _, EnumValuesOptional as _,
        EnumValuesSchema as _, EnumValuesNone as _,
    };
    fn __mcp_def() -> ::mcp_runtime::__private::PromptDef {
        let mut __mcp_arguments = ::mcp_runtime::__private::Vec::new();
        let mut __mcp_needs = ::mcp_runtime::__private::Vec::new();
        let mut __mcp_completers = ::mcp_runtime::__private::Vec::new();
        let mut __mcp_gen = ::mcp_runtime::__private::SchemaGen::default();
        if let ::mcp_runtime::__private::Some((required, hint)) = (&&&&__Probe::<
            String,
        >::new())
            .prompt_param_shape(&mut __mcp_gen)
        {
            __mcp_arguments
                .push(::mcp_runtime::__private::PromptArgument {
                    name: ::mcp_runtime::__private::String::from("code"),
                    title: ::mcp_runtime::__private::None,
                    description: ::mcp_runtime::__private::glue::prompt_arg_description(
                        ::mcp_runtime::__private::Some(
                            ::mcp_runtime::__private::String::from("The code to review."),
                        ),
                        hint,
                    ),
                    required: ::mcp_runtime::__private::Some(required),
                });
        }
        __mcp_needs.extend((&&&&__Probe::<String>::new()).prompt_param_requirement());
        if let ::mcp_runtime::__private::Some((required, hint)) = (&&&&__Probe::<
            Option<String>,
        >::new())
            .prompt_param_shape(&mut __mcp_gen)
        {
            __mcp_arguments
                .push(::mcp_runtime::__private::PromptArgument {
                    name: ::mcp_runtime::__private::String::from("focus"),
                    title: ::mcp_runtime::__private::None,
                    description: ::mcp_runtime::__private::glue::prompt_arg_description(
                        ::mcp_runtime::__private::None,
                        hint,
                    ),
                    required: ::mcp_runtime::__private::Some(required),
                });
        }
        __mcp_needs
            .extend((&&&&__Probe::<Option<String>>::new()).prompt_param_requirement());
        if let ::mcp_runtime::__private::Some(values) = (&&&__Probe::<String>::new())
            .enum_values(&mut __mcp_gen)
        {
            __mcp_completers
                .push((
                    ::mcp_runtime::__private::String::from("code"),
                    ::mcp_runtime::__private::Completer::Values(values),
                ));
        }
        if let ::mcp_runtime::__private::Some(values) = (&&&__Probe::<
            Option<String>,
        >::new())
            .enum_values(&mut __mcp_gen)
        {
            __mcp_completers
                .push((
                    ::mcp_runtime::__private::String::from("focus"),
                    ::mcp_runtime::__private::Completer::Values(values),
                ));
        }
        let prompt = ::mcp_runtime::__private::Prompt {
            name: ::mcp_runtime::__private::String::from("review-code"),
            title: ::mcp_runtime::__private::None,
            description: ::mcp_runtime::__private::Some(
                ::mcp_runtime::__private::String::from("Ask for a review."),
            ),
            arguments: ::mcp_runtime::__private::Some(__mcp_arguments),
            meta: ::mcp_runtime::__private::None,
        };
        ::mcp_runtime::__private::PromptDef::new(
                prompt,
                |__mcp_ctx, __mcp_args| {
                    ::mcp_runtime::__private::Box::pin(async move {
                        let _ = (&__mcp_ctx, &__mcp_args);
                        let __mcp_arg_0: String = (&&&&__Probe::<String>::new())
                            .prompt_param(&__mcp_ctx, &__mcp_args, "code")?;
                        let __mcp_arg_1: Option<String> = (&&&&__Probe::<
                            Option<String>,
                        >::new())
                            .prompt_param(&__mcp_ctx, &__mcp_args, "focus")?;
                        let __mcp_out = review(__mcp_arg_0, __mcp_arg_1);
                        let __mcp_convert = (&&&&__Probe::<String>::new())
                            .prompt_output();
                        __mcp_convert(__mcp_out, "", ::mcp_runtime::__private::None)
                    })
                },
            )
            .with_requirements(__mcp_needs)
            .with_completers(__mcp_completers)
    }
    fn __mcp_key() -> ::mcp_runtime::__private::TypeId {
        ::mcp_runtime::__private::key_of(&review)
    }
    ::mcp_runtime::__private::inventory::submit! {
        ::mcp_runtime::__private::PromptRegistration { key : __mcp_key, package :
        ::mcp_runtime::__private::Package { name : ::core::env!("CARGO_PKG_NAME"),
        version : ::core::env!("CARGO_PKG_VERSION"), description :
        ::core::env!("CARGO_PKG_DESCRIPTION"), }, def : __mcp_def, }
    }
};
