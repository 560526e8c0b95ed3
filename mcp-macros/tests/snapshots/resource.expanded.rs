/// A note, by id.
fn note(id: u32, notes: State<Notes>) -> Result<String, NotFound> {
    notes.get(id)
}
const _: () = {
    use ::mcp_runtime::__private::glue::{
        Probe as __Probe, UriVarOptionalSerde as _, UriVarOptional as _,
        UriVarRequiredSerde as _, UriVarRequired as _, ResourceOutputValue as _,
        ResourceOutputRpcResult as _, ResourceOutputDisplayResult as _,
        ResourceOutputOther as _, CompleteNow as _, CompleteLater as _,
        CompleteOther as _, EnumValuesOptional as _, EnumValuesSchema as _,
        EnumValuesNone as _,
    };
    #[diagnostic::on_unimplemented(
        message = "parameter `notes` is neither a variable of the URI template nor an extractor",
        label = "no `{{notes}}` in \"notes://{{id}}\", and `{Self}` is not an extractor",
        note = "the variables of \"notes://{{id}}\" are `id`",
        note = "to bind `notes` from the URI, add `{{notes}}` to the template; to inject it, take an extractor such as `Context` or `State<T>`"
    )]
    #[allow(non_camel_case_types)]
    trait __mcp_extractor_notes: ::mcp_runtime::__private::FromContext {}
    impl<T: ::mcp_runtime::__private::FromContext> __mcp_extractor_notes for T {}
    fn __mcp_extract_1<T: __mcp_extractor_notes>(
        ctx: &::mcp_runtime::__private::Context,
    ) -> ::mcp_runtime::__private::Result<T, ::mcp_runtime::__private::ErrorObject> {
        ::mcp_runtime::__private::glue::resource_extractor::<T>(ctx)
    }
    fn __mcp_requirement_1<T: __mcp_extractor_notes>() -> ::mcp_runtime::__private::Option<
        ::mcp_runtime::__private::Requirement,
    > {
        ::mcp_runtime::__private::glue::extractor_requirement::<T>()
    }
    fn __mcp_def() -> ::mcp_runtime::__private::Result<
        ::mcp_runtime::__private::ResourceDef,
        ::mcp_runtime::__private::TemplateError,
    > {
        let mut __mcp_needs = ::mcp_runtime::__private::Vec::new();
        let mut __mcp_completers = ::mcp_runtime::__private::Vec::new();
        let mut __mcp_gen = ::mcp_runtime::__private::SchemaGen::default();
        __mcp_needs.extend(__mcp_requirement_1::<State<Notes>>());
        if let ::mcp_runtime::__private::Some(values) = (&&&__Probe::<u32>::new())
            .enum_values(&mut __mcp_gen)
        {
            __mcp_completers
                .push((
                    ::mcp_runtime::__private::String::from("id"),
                    ::mcp_runtime::__private::Completer::Values(values),
                ));
        }
        let info = ::mcp_runtime::__private::ResourceInfo {
            name: ::mcp_runtime::__private::String::from("note"),
            title: ::mcp_runtime::__private::None,
            description: ::mcp_runtime::__private::Some(
                ::mcp_runtime::__private::String::from("A note, by id."),
            ),
            mime_type: ::mcp_runtime::__private::Some(
                ::mcp_runtime::__private::String::from("text/markdown"),
            ),
            meta: ::mcp_runtime::__private::None,
        };
        ::mcp_runtime::__private::ResourceDef::new(
                "notes://{id}",
                info,
                |__mcp_ctx, __mcp_req| {
                    ::mcp_runtime::__private::Box::pin(async move {
                        let _ = &__mcp_ctx;
                        let __mcp_arg_0: u32 = (&&&__Probe::<u32>::new())
                            .uri_var(&__mcp_req.vars, "id")?;
                        let __mcp_arg_1: State<Notes> = __mcp_extract_1::<
                            State<Notes>,
                        >(&__mcp_ctx)?;
                        let __mcp_out = note(__mcp_arg_0, __mcp_arg_1);
                        let __mcp_convert = (&&&&__Probe::<
                            Result<String, NotFound>,
                        >::new())
                            .resource_output();
                        __mcp_convert(
                            __mcp_out,
                            &__mcp_req.uri,
                            ::mcp_runtime::__private::Some("text/markdown"),
                        )
                    })
                },
            )
            .map(|d| d.with_requirements(__mcp_needs).with_completers(__mcp_completers))
    }
    fn __mcp_key() -> ::mcp_runtime::__private::TypeId {
        ::mcp_runtime::__private::key_of(&note)
    }
    ::mcp_runtime::__private::inventory::submit! {
        ::mcp_runtime::__private::ResourceRegistration { key : __mcp_key, package :
        ::mcp_runtime::__private::Package { name : ::core::env!("CARGO_PKG_NAME"),
        version : ::core::env!("CARGO_PKG_VERSION"), description :
        ::core::env!("CARGO_PKG_DESCRIPTION"), }, def : __mcp_def, }
    }
};
