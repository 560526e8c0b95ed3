fn forecast(city: String) -> String {
    city
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
    fn __mcp_def() -> ::mcp_runtime::__private::Result<
        ::mcp_runtime::__private::ResourceDef,
        ::mcp_runtime::__private::TemplateError,
    > {
        let mut __mcp_needs = ::mcp_runtime::__private::Vec::new();
        let mut __mcp_completers = ::mcp_runtime::__private::Vec::new();
        let mut __mcp_gen = ::mcp_runtime::__private::SchemaGen::default();
        if let ::mcp_runtime::__private::Some(values) = (&&&__Probe::<String>::new())
            .enum_values(&mut __mcp_gen)
        {
            __mcp_completers
                .push((
                    ::mcp_runtime::__private::String::from("city"),
                    ::mcp_runtime::__private::Completer::Values(values),
                ));
        }
        let info = ::mcp_runtime::__private::ResourceInfo {
            name: ::mcp_runtime::__private::String::from("forecast"),
            title: ::mcp_runtime::__private::None,
            description: ::mcp_runtime::__private::None,
            mime_type: ::mcp_runtime::__private::None,
            meta: ::mcp_runtime::__private::None,
        };
        ::mcp_runtime::__private::ResourceDef::new(
                "weather://{city}",
                info,
                |__mcp_ctx, __mcp_req| {
                    ::mcp_runtime::__private::Box::pin(async move {
                        let _ = &__mcp_ctx;
                        let __mcp_arg_0: String = (&&&__Probe::<String>::new())
                            .uri_var(&__mcp_req.vars, "city")?;
                        let __mcp_out = forecast(__mcp_arg_0);
                        let __mcp_convert = (&&&&__Probe::<String>::new())
                            .resource_output();
                        __mcp_convert(
                            __mcp_out,
                            &__mcp_req.uri,
                            ::mcp_runtime::__private::None,
                        )
                    })
                },
            )
            .map(|d| {
                d
                    .with_requirements(__mcp_needs)
                    .with_completers(__mcp_completers)
                    .with_cache(::mcp_runtime::__private::CacheHint {
                        ttl_ms: 60000u64,
                        scope: ::mcp_runtime::__private::CacheScope::Public,
                    })
            })
    }
    fn __mcp_key() -> ::mcp_runtime::__private::TypeId {
        ::mcp_runtime::__private::key_of(&forecast)
    }
    ::mcp_runtime::__private::inventory::submit! {
        ::mcp_runtime::__private::ResourceRegistration { key : __mcp_key, package :
        ::mcp_runtime::__private::Package { name : ::core::env!("CARGO_PKG_NAME"),
        version : ::core::env!("CARGO_PKG_VERSION"), description :
        ::core::env!("CARGO_PKG_DESCRIPTION"), }, def : __mcp_def, }
    }
};
