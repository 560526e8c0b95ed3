//! MCP methods: from a decoded request to its result. `handle_request` holds the table
//! from each method's name to its typed handler; a request's parameters are decoded in
//! one place ([`decode_params`]), which answers a malformed params object with -32602.

use super::modern::{self, Kind, Modern};
use crate::protocol::{
    AcknowledgedParams, CacheHint, Discover, DiscoverResult, Listen, SubscriptionFilter,
    SubscriptionsAcknowledged,
};
use crate::protocol::{
    CallTool, CallToolParams, CallToolResult, CancelledParams, Complete, CompleteParams,
    CompleteResult, Completion, CompletionReference, EmptyResult, ErrorCode, ErrorObject,
    GetPrompt, GetPromptParams, Initialize, InitializeParams, InitializeResult,
    ListChangedCapability, ListPrompts, ListPromptsResult, ListResourceTemplates,
    ListResourceTemplatesResult, ListResources, ListResourcesResult, ListTools, ListToolsResult,
    Meta, Method, Notification, NotificationMethod, PaginatedParams, Ping, ProtocolVersion,
    ReadResource, ReadResourceResult, Request, ResourcesCapability, Response, ServerCapabilities,
    SetLevel, Subscribe, Unsubscribe, decode_params, raw,
};
use crate::protocol::{Cancelled, Initialized};
use crate::server::Caller;
use crate::server::context::Context;
use crate::server::definitions::arguments::{Members, Spans, ToolArguments};
use crate::server::definitions::output::Outcome;
use crate::server::definitions::tables::Tables;
use crate::server::definitions::{Completer, ResourceRequest, ToolDef};
use crate::server::facts::RequestFacts;
use crate::server::listen;
use crate::server::mrtr::{Arguments, Interrupt, Round, Subject, until_input};
use crate::server::scope::RequestScope;
use crate::server::session::{Change, Forward, InFlight, Session};
use crate::server::tasks::{self, TaskSlot, TaskSupport};
use crate::server::{Server, ServerInner};
use base64::Engine as _;
use futures_util::FutureExt as _;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

type Answered = Result<Box<RawValue>, ErrorObject>;

/// What the server offers, from its tables at `initialize`: a kind with no item is not
/// declared (a server that may add the first tool later should start with one).
fn capabilities(inner: &ServerInner, tables: &Tables) -> ServerCapabilities {
    let list_changed = || ListChangedCapability {
        list_changed: Some(true),
    };
    let has_resources = !(tables.static_resources.is_empty() && tables.templates.is_empty());
    ServerCapabilities {
        logging: Some(Map::new()),
        completions: tables.completable().then(Map::new),
        tools: (!tables.tools.is_empty()).then(list_changed),
        resources: has_resources.then_some(ResourcesCapability {
            subscribe: Some(true),
            list_changed: Some(true),
        }),
        prompts: (!tables.prompts.is_empty()).then(list_changed),
        other: if inner.modern.extensions.is_empty() {
            Map::new()
        } else {
            let mut other = Map::new();
            other.insert(
                "extensions".to_owned(),
                Value::Object(inner.modern.extensions.clone()),
            );
            other
        },
        ..ServerCapabilities::default()
    }
}

/// Answers a request of `M` whose handler needs no waiting: its parameters decoded (or
/// -32602), the handler, its result serialized.
fn answer<M: Method>(
    params: Option<&RawValue>,
    handler: impl FnOnce(M::Params) -> Result<M::Result, ErrorObject>,
) -> Answered {
    handler(decode_params::<M>(params)?).and_then(|result| raw(&result))
}

/// [`answer`] for a handler that waits (it runs user code).
async fn answer_async<M: Method, F>(
    params: Option<&RawValue>,
    handler: impl FnOnce(M::Params) -> F,
) -> Answered
where
    F: Future<Output = Result<M::Result, ErrorObject>>,
{
    let result = handler(decode_params::<M>(params)?).await?;
    raw(&result)
}

impl Server {
    /// Answers one request of `session`, registered in flight. `scope` carries what the
    /// transport knows of the caller and where messages sent during the call go.
    pub(super) async fn handle_request(
        &self,
        session: &Arc<Session>,
        request: Request,
        in_flight: &InFlight,
        scope: RequestScope,
        modern: Option<Box<Modern>>,
    ) -> Option<Response> {
        let Request { id, method, params } = request;
        // One span per request, at debug (so that it costs next to nothing when debug is
        // off); `name` is the tool, prompt or resource the request is about.
        let span = tracing::debug_span!(
            "mcp_request",
            method = method.as_str(),
            id = %id,
            name = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let token = in_flight.token.clone();
        let inner = &*self.inner;
        let tables = self.tables();
        // What the transport attached (for HTTP, the request's headers) moves into the one
        // `Context` a request makes rather than being copied; the outbound sender is cloned
        // so the original lives until the request ends, as the transport expects.
        let RequestScope {
            carrier,
            extensions,
            outbound,
            cancel,
        } = scope;
        // The authenticated caller, when the transport authenticated the request.
        let caller = extensions.get::<Caller>().cloned();
        let caller = caller.as_ref();
        // Lists leave out what the caller may not use, when the server says so.
        let hide_from =
            caller.filter(|_| extensions.get::<crate::auth::HideUnauthorized>().is_some());
        let facts = modern
            .as_ref()
            .map_or_else(|| session.facts(), |m| m.facts.clone());
        let listen_outbound = outbound.clone();
        let ctx = |meta: Option<Meta>, round: Option<Arc<Round>>, task: Option<Arc<TaskSlot>>| {
            Context::new(
                id.clone(),
                meta,
                facts.clone(),
                token.clone(),
                inner.states.clone(),
                RequestScope {
                    carrier,
                    extensions,
                    outbound: outbound.clone(),
                    cancel,
                },
                session.clone(),
                inner.limits.client_request_timeout,
                round,
                task,
            )
        };
        let is_modern = modern.is_some();
        let work = async {
            // The hot path reads its parameters straight into their type.
            if method == CallTool::NAME {
                return call_tool(inner, &tables, params, ctx, modern.as_deref(), &id, caller)
                    .await;
            }
            let params = params.as_deref();
            if is_modern {
                match method.as_str() {
                    Discover::NAME => {
                        return answer::<Discover>(params, |_| Ok(discover(inner, &tables)))
                            .map(Produced::complete);
                    }
                    Listen::NAME => {
                        return Box::pin(listen(
                            inner,
                            &tables,
                            session,
                            &id,
                            params,
                            listen_outbound,
                            &facts,
                        ))
                        .await
                        .map(Produced::complete);
                    }
                    tasks::GET | tasks::UPDATE | tasks::CANCEL => {
                        return Box::pin(task_method(inner, &facts, &method, params, caller))
                            .await
                            .map(Produced::complete);
                    }
                    _ => {}
                }
            }
            let answered = match method.as_str() {
                Initialize::NAME => {
                    answer::<Initialize>(params, |p| initialize(inner, &tables, session, p))
                }
                Ping::NAME => answer::<Ping>(params, |_| Ok(EmptyResult::default())),
                ListTools::NAME => answer::<ListTools>(params, |p| {
                    let (tools, next_cursor) = page::<ListTools, _, _>(
                        inner,
                        &tables.tools,
                        p,
                        |t| t.tool.clone(),
                        |t| &t.scopes,
                        hide_from,
                    )?;
                    Ok(ListToolsResult {
                        tools,
                        next_cursor,
                        meta: None,
                    })
                }),
                ListResources::NAME => answer::<ListResources>(params, |p| {
                    let (resources, next_cursor) = page::<ListResources, _, _>(
                        inner,
                        &tables.static_resources,
                        p,
                        |r| r.as_resource(),
                        |r| &r.scopes,
                        hide_from,
                    )?;
                    Ok(ListResourcesResult {
                        resources,
                        next_cursor,
                        meta: None,
                    })
                }),
                ListResourceTemplates::NAME => answer::<ListResourceTemplates>(params, |p| {
                    let (resource_templates, next_cursor) = page::<ListResourceTemplates, _, _>(
                        inner,
                        &tables.templates,
                        p,
                        |r| r.as_template(),
                        |r| &r.scopes,
                        hide_from,
                    )?;
                    Ok(ListResourceTemplatesResult {
                        resource_templates,
                        next_cursor,
                        meta: None,
                    })
                }),
                ReadResource::NAME => {
                    // Boxed: off the hot path, and its future would make every
                    // request's larger.
                    return Box::pin(async {
                        let p = decode_params::<ReadResource>(params)?;
                        record_name(&p.uri);
                        let subject = Subject {
                            method: ReadResource::NAME,
                            name: p.uri.clone(),
                            arguments: Arguments::None,
                            caller: caller.map(|c| c.subject().to_owned()),
                        };
                        let round = open_round(inner, modern.as_deref(), subject)?;
                        read_resource(inner, &tables, p.uri, ctx, round, caller).await
                    })
                    .await;
                }
                Subscribe::NAME => {
                    let mut change = None;
                    let answered = answer::<Subscribe>(params, |p| {
                        session.subscribe(&p.uri);
                        change = Some(Change::Subscribed(p.uri));
                        Ok(EmptyResult::default())
                    });
                    persisted(session, change).await;
                    answered
                }
                Unsubscribe::NAME => {
                    let mut change = None;
                    let answered = answer::<Unsubscribe>(params, |p| {
                        session.unsubscribe(&p.uri);
                        change = Some(Change::Unsubscribed(p.uri));
                        Ok(EmptyResult::default())
                    });
                    persisted(session, change).await;
                    answered
                }
                ListPrompts::NAME => answer::<ListPrompts>(params, |p| {
                    let (prompts, next_cursor) = page::<ListPrompts, _, _>(
                        inner,
                        &tables.prompts,
                        p,
                        |p| p.prompt.clone(),
                        |p| &p.scopes,
                        hide_from,
                    )?;
                    Ok(ListPromptsResult {
                        prompts,
                        next_cursor,
                        meta: None,
                    })
                }),
                GetPrompt::NAME => {
                    // Boxed: off the hot path, and its future would make every
                    // request's larger.
                    return Box::pin(async {
                        let mut p = decode_params::<GetPrompt>(params)?;
                        record_name(&p.name);
                        let meta = p.meta.take();
                        let arguments = match &p.arguments {
                            Some(a) if modern.is_some() => {
                                Arguments::Value(serde_json::to_value(a).unwrap_or(Value::Null))
                            }
                            _ => Arguments::None,
                        };
                        let subject = Subject {
                            method: GetPrompt::NAME,
                            name: p.name.clone(),
                            arguments,
                            caller: caller.map(|c| c.subject().to_owned()),
                        };
                        let round = open_round(inner, modern.as_deref(), subject)?;
                        get_prompt(inner, &tables, p, ctx(meta, round.clone(), None), round).await
                    })
                    .await;
                }
                SetLevel::NAME => {
                    let mut change = None;
                    let answered = answer::<SetLevel>(params, |p| {
                        session.set_log_level(p.level);
                        change = Some(Change::LogLevel(p.level));
                        Ok(EmptyResult::default())
                    });
                    persisted(session, change).await;
                    answered
                }
                Complete::NAME => {
                    // Boxed: off the hot path, and its future would make every
                    // request's larger.
                    Box::pin(answer_async::<Complete, _>(params, |mut p| {
                        let meta = p.meta.take();
                        complete(&tables, p, ctx(meta, None, None))
                    }))
                    .await
                }
                other => Err(ErrorObject::method_not_found(other)),
            };
            answered.map(Produced::complete)
        };
        let work = tracing::Instrument::instrument(work, span.clone());
        // A cancelled request is dropped where it waits and gets no response; initialize
        // cannot be cancelled.
        let outcome = if method == Initialize::NAME {
            work.await
        } else {
            let outcome = tokio::select! {
                biased;
                outcome = work => Some(outcome),
                () = token.cancelled() => None,
            };
            match outcome {
                Some(outcome) if !token.is_cancelled() => outcome,
                _ => {
                    tracing::debug!(parent: &span, elapsed_ms = elapsed_ms(started), "request cancelled: no response is sent");
                    return None;
                }
            }
        };
        let outcome = match outcome {
            Ok(produced) if is_modern => {
                let hint = produced.hint.or_else(|| cache_hint(inner, &method));
                let kind = produced.kind;
                modern::modernize(
                    &produced.raw,
                    kind,
                    hint.filter(|_| kind == Kind::Complete),
                    &inner.modern.server_info,
                )
                .map(|raw| Produced { raw, ..produced })
            }
            // 2026-07-28 says a resource that does not exist is invalid params.
            Err(mut e) if is_modern && e.code == ErrorCode::RESOURCE_NOT_FOUND => {
                e.code = ErrorCode::INVALID_PARAMS;
                Err(e)
            }
            outcome => outcome,
        };
        match &outcome {
            Ok(produced) => {
                let outcome = match (produced.tool_error, produced.kind) {
                    (_, Kind::InputRequired) => "input required",
                    (_, Kind::Task) => "task created",
                    (true, _) => "tool error",
                    _ => "ok",
                };
                tracing::debug!(parent: &span, outcome, elapsed_ms = elapsed_ms(started), "request handled")
            }
            // Clients of MCP 2026-07-28 try it first and fall back to `initialize`: that
            // is the protocol working, not a failure.
            Err(e) if method == "server/discover" && e.code == ErrorCode::METHOD_NOT_FOUND => {
                tracing::debug!(parent: &span, outcome = "method not found", "request handled")
            }
            Err(e) => {
                // Also with the request's fields: the span is off unless debug is on.
                tracing::warn!(
                    parent: &span,
                    method = method.as_str(),
                    id = %id,
                    code = e.code,
                    error = %e.message,
                    elapsed_ms = elapsed_ms(started),
                    "request failed"
                )
            }
        }
        Some(Response {
            id: Some(id),
            outcome: outcome.map(|produced| produced.raw),
        })
    }

    /// Takes a notification from the client.
    pub(super) fn handle_notification(&self, session: &Session, notification: Notification) {
        match notification.method.as_str() {
            Initialized::NAME => {
                session.mark_initialized();
                if let Some(persisted) = session.persist(Change::Initialized) {
                    tokio::spawn(persisted);
                }
            }
            Cancelled::NAME => match notification.params_of::<Cancelled>() {
                Ok(CancelledParams {
                    request_id: Some(id),
                    ..
                }) => {
                    if !session.cancel(&id) && !session.forward(Forward::Cancel { id: id.clone() })
                    {
                        tracing::debug!(%id, "cancellation for a request not in flight");
                    }
                }
                Ok(_) => tracing::warn!("notifications/cancelled without a requestId"),
                Err(e) => {
                    tracing::warn!(error = %e, "notifications/cancelled without a valid requestId")
                }
            },
            other => tracing::debug!(method = other, "notification ignored"),
        }
    }

    /// Takes the client's answer to a request the server sent (sampling, elicitation,
    /// roots). An answer to nothing we asked is logged, never answered (JSON-RPC forbids it).
    pub(super) fn handle_response(&self, session: &Session, response: Response) {
        let shown = response.id.clone();
        let routed = match response.id {
            Some(id) => match session.take_waiting(&id) {
                Some(tx) => {
                    let _ = tx.send(response.outcome);
                    true
                }
                // Another instance may have sent it (sessions in a shared store).
                None => session.forward(Forward::Answer {
                    id,
                    outcome: response.outcome,
                }),
            },
            None => false,
        };
        if !routed {
            tracing::warn!(id = ?shown, "response to a request the server did not send (or no longer waits for)");
        }
    }
}

/// Writes `change` (when the request made one) to the session's shared store, if it has
/// one, before the request is answered.
async fn persisted(session: &Session, change: Option<Change>) {
    if let Some(write) = change.and_then(|c| session.persist(c)) {
        write.await;
    }
}

/// Milliseconds since `started`, to the microsecond, for logs.
fn elapsed_ms(started: std::time::Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

/// Puts the request's subject (the tool, prompt or resource) on the current request span.
fn record_name(name: &str) {
    tracing::Span::current().record("name", name);
}

fn initialize(
    inner: &ServerInner,
    tables: &Tables,
    session: &Session,
    params: InitializeParams,
) -> Result<InitializeResult, ErrorObject> {
    // 2026-07-28 has no `initialize`: a client that asks for it there gets the newest
    // revision that has one.
    let version = ProtocolVersion::parse(&params.protocol_version)
        .filter(|v| !v.is_modern())
        .unwrap_or(ProtocolVersion::LATEST_LEGACY);
    session.set_facts(RequestFacts {
        protocol_version: version,
        client_info: params.client_info,
        client_capabilities: params.capabilities,
        log_level: None,
    });
    session.establish();
    Ok(InitializeResult {
        protocol_version: version.as_str().to_owned(),
        capabilities: capabilities(inner, tables),
        server_info: inner.info.clone(),
        instructions: inner.instructions.clone(),
        meta: None,
    })
}

/// The page of `items` that `params.cursor` points to, shown by `show`, and the cursor of
/// the next page when there is one.
fn page<M: Method, T, U>(
    inner: &ServerInner,
    items: &[T],
    params: PaginatedParams,
    show: impl Fn(&T) -> U,
    scopes: impl Fn(&T) -> &[String],
    hide_from: Option<&Caller>,
) -> Result<(Vec<U>, Option<String>), ErrorObject> {
    // The items the caller may use, when the server hides the others.
    let filtered: Vec<&T>;
    let items: &[T] = match hide_from {
        None => items,
        Some(caller) => {
            filtered = items
                .iter()
                .filter(|t| caller.missing(scopes(t)).is_empty())
                .collect();
            return page_of::<M, _, _>(inner, &filtered, params, |t| show(t));
        }
    };
    page_of::<M, _, _>(inner, items, params, show)
}

fn page_of<M: Method, T, U>(
    inner: &ServerInner,
    items: &[T],
    params: PaginatedParams,
    show: impl Fn(&T) -> U,
) -> Result<(Vec<U>, Option<String>), ErrorObject> {
    let start = match params.cursor {
        None => 0,
        Some(c) => decode_cursor(&c)
            .filter(|&n| n <= items.len())
            .ok_or_else(|| {
                ErrorObject::invalid_params(format!(
                    "{}: invalid cursor {c:?}: pass back a nextCursor you received",
                    M::NAME
                ))
            })?,
    };
    let end = start
        .saturating_add(inner.limits.page_size)
        .min(items.len());
    let shown = items
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(show)
        .collect();
    Ok((shown, (end < items.len()).then(|| encode_cursor(end))))
}

fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

fn panic_message(panic: Box<dyn Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// The parameters of `tools/call`, read straight from the request's text: the hot path.
/// (A request they do not fit is read again as [`CallToolParams`], to say what is wrong.)
#[derive(serde::Deserialize)]
struct BorrowedCall<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    arguments: Option<Members<'a>>,
    #[serde(default, rename = "_meta")]
    meta: Option<Meta>,
}

/// The tool a `tools/call` names, its arguments and its `_meta`. The parameters are read
/// once, in place: the arguments keep the parameters' text and where each one is in it.
fn read_call(
    tables: &Tables,
    raw_params: Option<Box<RawValue>>,
) -> Result<(&ToolDef, ToolArguments, Option<Meta>), ErrorObject> {
    if let Some(raw) = raw_params.as_deref()
        && let Ok(BorrowedCall {
            name,
            arguments,
            meta,
        }) = serde_json::from_str(raw.get())
        && let Ok(spans) = arguments
            .map(|found| Spans::of(raw.get(), found))
            .transpose()
    {
        let def = find_tool(tables, &name);
        let args = match (spans, raw_params) {
            (Some(spans), Some(raw)) => ToolArguments::from_spans(raw.into(), spans),
            _ => ToolArguments::default(),
        };
        return Ok((def?, args, meta));
    }
    // Missing or malformed parameters: the typed reading says what is wrong (and reads
    // what the borrowed one is stricter about: a `_meta` that is not an object is ignored).
    let CallToolParams {
        name,
        arguments,
        meta,
    } = decode_params::<CallTool>(raw_params.as_deref())?;
    let args = arguments
        .as_ref()
        .map(ToolArguments::from_map)
        .unwrap_or_default();
    Ok((find_tool(tables, &name)?, args, meta))
}

fn find_tool<'t>(tables: &'t Tables, name: &str) -> Result<&'t ToolDef, ErrorObject> {
    tables
        .tool(name)
        .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown tool: {name}")))
}

async fn call_tool(
    inner: &ServerInner,
    tables: &Tables,
    raw_params: Option<Box<RawValue>>,
    ctx: impl FnOnce(Option<Meta>, Option<Arc<Round>>, Option<Arc<TaskSlot>>) -> Context,
    modern: Option<&Modern>,
    id: &crate::protocol::RequestId,
    caller: Option<&Caller>,
) -> Result<Produced, ErrorObject> {
    let (def, args, meta) = read_call(tables, raw_params)?;
    let name = def.tool.name.as_str();
    tracing::Span::current().record("name", name);
    authorize(caller, "tool", name, &def.scopes)?;
    if let Some(message) = unknown_argument(def.declared.as_deref(), &args) {
        tracing::warn!(method = "tools/call", %id, name, error = %message, "tool call refused");
        return raw(&CallToolResult::error(message)).map(Produced::tool_error);
    }
    let as_task = match def.task {
        TaskSupport::Forbidden => false,
        support => {
            let declared = modern.is_some_and(|m| {
                m.facts
                    .client_capabilities
                    .declares_extension(tasks::EXTENSION)
            });
            if support == TaskSupport::Required && !declared {
                return Err(ErrorObject::missing_extension(tasks::EXTENSION));
            }
            declared
        }
    };
    let round = match modern {
        Some(m) => open_round(
            inner,
            Some(m),
            Subject {
                method: CallTool::NAME,
                name: name.to_owned(),
                arguments: Arguments::Tool(args.clone()),
                caller: caller.map(|c| c.subject().to_owned()),
            },
        )?,
        None => None,
    };
    if as_task {
        // Boxed: off the hot path, and its future would make every call's larger.
        let owner = caller.map(|c| c.subject().to_owned());
        return Box::pin(call_as_task(
            inner,
            def,
            (args, meta),
            ctx,
            round,
            id,
            owner,
        ))
        .await;
    }
    let call = AssertUnwindSafe((def.call)(ctx(meta, round.clone(), None), args)).catch_unwind();
    // Awaited directly when no question can stop it (the hot path: no extra move of the
    // tool's future into a wrapper).
    let ran = match round.as_deref() {
        None => Ok(call.await),
        Some(r) => until_input(call, Some(r)).await,
    };
    match ran {
        Ok(ran) => tool_produced(name, def.wrap_output, id, ran),
        Err(interrupt) => interrupted(inner, interrupt, round.as_deref()),
    }
}

/// A tool call's outcome (or its panic) as the result it answers with.
fn tool_produced(
    name: &str,
    wrap_output: bool,
    id: &crate::protocol::RequestId,
    ran: std::thread::Result<crate::server::ToolOutcome>,
) -> Result<Produced, ErrorObject> {
    let outcome = match ran {
        Ok(outcome) => outcome,
        Err(panic) => {
            let msg = panic_message(panic);
            tracing::error!(method = "tools/call", %id, name, panic = %msg, "tool panicked");
            CallToolResult::error(format!("tool `{name}` failed: it panicked: {msg}")).into()
        }
    };
    match outcome.0 {
        Outcome::Structured(json) => structured_result(json, wrap_output).map(Produced::complete),
        Outcome::Protocol(e) => Err(e),
        Outcome::Result(mut result) => {
            if result.is_error() {
                let text = result.content.iter().find_map(|c| c.as_text());
                tracing::warn!(
                    method = "tools/call",
                    %id,
                    name,
                    error = text.unwrap_or("(no text)"),
                    "tool returned an error"
                );
            }
            if wrap_output && let Some(value) = result.structured_content.take() {
                let mut wrapped = Map::with_capacity(1);
                wrapped.insert("result".to_owned(), value);
                result.structured_content = Some(Value::Object(wrapped));
            }
            let tool_error = result.is_error();
            raw(&result).map(|raw| Produced {
                tool_error,
                ..Produced::complete(raw)
            })
        }
    }
}

/// A call of a tool that may answer with a task, from a client that declared the tasks
/// extension. It runs in the request until it finishes (answered directly), stops at a
/// question (a multi-round request), or waits on something else past the server's
/// `answer_within`: then it becomes a task, stored before its handle is returned, and
/// goes on in the background.
async fn call_as_task(
    inner: &ServerInner,
    def: &ToolDef,
    (args, meta): (ToolArguments, Option<Meta>),
    ctx: impl FnOnce(Option<Meta>, Option<Arc<Round>>, Option<Arc<TaskSlot>>) -> Context,
    round: Option<Arc<Round>>,
    id: &crate::protocol::RequestId,
    owner: Option<String>,
) -> Result<Produced, ErrorObject> {
    let name = def.tool.name.as_str();
    let slot = Arc::new(TaskSlot::default());
    let call = AssertUnwindSafe((def.call)(
        ctx(meta, round.clone(), Some(slot.clone())),
        args,
    ));
    let mut call = Box::pin(call.catch_unwind());
    let window = inner.tasks.settings.answer_within;
    let ran = match first_phase(call.as_mut(), round.as_deref(), &slot, window).await {
        Phase::Done(ran) => ran,
        Phase::Interrupted(interrupt) => return interrupted(inner, interrupt, round.as_deref()),
        Phase::Waiting => match create_task(inner, &slot, owner).await {
            Ok(task) => {
                // Set before the call is polled again: its questions go to the task now.
                let _ = slot.task.set(task.clone());
                let (name, wrap, request) = (name.to_owned(), def.wrap_output, id.clone());
                let run = {
                    let task = task.clone();
                    async move {
                        let ran = call.await;
                        task.finish(tool_produced(&name, wrap, &request, ran).map(|p| p.raw));
                    }
                };
                task.running(tokio::spawn(run).abort_handle());
                tracing::debug!(%id, name = def.tool.name.as_str(), task = task.id(), "the call goes on as a task");
                return task.view(false).map(|raw| Produced {
                    kind: Kind::Task,
                    ..Produced::complete(raw)
                });
            }
            // The store is full: a call that may answer directly does.
            Err(e) if def.task == TaskSupport::Optional => {
                tracing::warn!(%id, name, error = %e.message, "no task: the call answers directly");
                match until_input(call, round.as_deref()).await {
                    Ok(ran) => ran,
                    Err(interrupt) => return interrupted(inner, interrupt, round.as_deref()),
                }
            }
            Err(e) => return Err(e),
        },
    };
    tool_produced(name, def.wrap_output, id, ran)
}

/// A new task for `slot`'s call, kept in the shared store (when there is one) before it
/// is returned: every instance then finds it.
async fn create_task(
    inner: &ServerInner,
    slot: &TaskSlot,
    owner: Option<String>,
) -> Result<Arc<tasks::Task>, ErrorObject> {
    let task = inner
        .tasks
        .create(slot.cancel.clone(), owner)
        .map_err(|e| e.to_error())?;
    if let Some(shared) = inner.tasks.shared() {
        let kept = match task.record() {
            Ok(record) => shared.put(record).await.map_err(|e| {
                ErrorObject::internal(format!(
                    "the task could not be kept for the other instances: {e}"
                ))
            }),
            Err(e) => Err(e),
        };
        if let Err(e) = kept {
            inner.tasks.forget(task.id());
            return Err(e);
        }
    }
    Ok(task)
}

/// Refuses a caller whose token lacks a scope of `scopes` (the item's); without a caller
/// (no authentication) nothing is checked.
fn authorize(
    caller: Option<&Caller>,
    kind: &str,
    name: &str,
    scopes: &[String],
) -> Result<(), ErrorObject> {
    let Some(caller) = caller else {
        return Ok(());
    };
    let missing = caller.missing(scopes);
    if missing.is_empty() {
        return Ok(());
    }
    tracing::warn!(kind, name, subject = caller.subject(), missing = %missing.join(" "), "refused: insufficient scope");
    Err(crate::server::caller::insufficient_scope(
        kind, name, &missing,
    ))
}

/// How the first part of a call that may become a task ended.
enum Phase<T> {
    /// It finished.
    Done(T),
    /// It asked the client something, or needs a capability it lacks.
    Interrupted(Interrupt),
    /// It waits on something else, past `window`.
    Waiting,
}

/// Polls `work` in the request: until it finishes, is interrupted by a question of
/// `round`, asks to go on as a task, or has waited `window` (zero: at its first wait).
async fn first_phase<F: Future + Unpin>(
    mut work: F,
    round: Option<&Round>,
    slot: &TaskSlot,
    window: std::time::Duration,
) -> Phase<F::Output> {
    let mut deadline = (!window.is_zero()).then(|| Box::pin(tokio::time::sleep(window)));
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(out) = std::pin::Pin::new(&mut work).poll(cx) {
            return std::task::Poll::Ready(Phase::Done(out));
        }
        if let Some(interrupt) = round.and_then(Round::interrupt) {
            return std::task::Poll::Ready(Phase::Interrupted(interrupt));
        }
        if slot.requested.load(std::sync::atomic::Ordering::Relaxed) {
            return std::task::Poll::Ready(Phase::Waiting);
        }
        match deadline.as_mut() {
            None => std::task::Poll::Ready(Phase::Waiting),
            Some(deadline) => deadline.as_mut().poll(cx).map(|()| Phase::Waiting),
        }
    })
    .await
}

/// `tasks/get`, `tasks/update`, `tasks/cancel`: for a client that declared the tasks
/// extension (else -32021), on a task this server holds or, with a shared store, another
/// instance runs (else -32602).
async fn task_method(
    inner: &ServerInner,
    facts: &RequestFacts,
    method: &str,
    params: Option<&RawValue>,
    caller: Option<&Caller>,
) -> Answered {
    if !facts
        .client_capabilities
        .declares_extension(tasks::EXTENSION)
    {
        return Err(ErrorObject::missing_extension(tasks::EXTENSION));
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct TaskParams {
        task_id: String,
        #[serde(default)]
        input_responses: Option<Map<String, Value>>,
    }
    let p: TaskParams = serde_json::from_str(params.map_or("{}", RawValue::get))
        .map_err(|e| ErrorObject::invalid_params(format!("Invalid params of {method}: {e}")))?;
    // A task is its creator's: to anyone else it does not exist.
    let subject = caller.map(Caller::subject);
    let task = match (inner.tasks.get(&p.task_id, subject), inner.tasks.shared()) {
        (Ok(task), _) => task,
        (Err(unknown), None) => return Err(unknown),
        (Err(unknown), Some(shared)) => {
            let op = match method {
                tasks::GET => None,
                tasks::UPDATE => Some(tasks::TaskOp::Update(p.input_responses.ok_or_else(
                    || ErrorObject::invalid_params(
                        "Invalid params of tasks/update: `inputResponses` is required (the answers, by the keys of the task's inputRequests)",
                    ),
                )?)),
                _ => Some(tasks::TaskOp::Cancel),
            };
            return elsewhere(shared.as_ref(), &p.task_id, subject, op, unknown).await;
        }
    };
    match method {
        tasks::GET => task.view(true),
        tasks::UPDATE => {
            let Some(responses) = p.input_responses else {
                return Err(ErrorObject::invalid_params(
                    "Invalid params of tasks/update: `inputResponses` is required (the answers, by the keys of the task's inputRequests)",
                ));
            };
            task.update(responses);
            raw(&EmptyResult::default())
        }
        _ => {
            task.cancel();
            raw(&EmptyResult::default())
        }
    }
}

/// A task method on a task another instance runs: `tasks/get` answers from the shared
/// store (a task whose instance died has failed); `tasks/update` and `tasks/cancel` are
/// applied by that instance before the answer.
async fn elsewhere(
    shared: &dyn tasks::SharedTasks,
    id: &str,
    subject: Option<&str>,
    op: Option<tasks::TaskOp>,
    unknown: ErrorObject,
) -> Answered {
    let unavailable =
        |e: crate::server::StoreError| ErrorObject::internal(format!("the task store: {e}"));
    let found = shared.get(id).await.map_err(unavailable)?;
    let Some(found) = found.filter(|f| f.record.subject.as_deref() == subject) else {
        return Err(unknown);
    };
    let Some(op) = op else {
        return if found.alive {
            Ok(found.record.view)
        } else {
            tasks::orphaned(&found.record.view)
        };
    };
    if !found.alive {
        return match op {
            // Nothing runs any more: there is nothing to stop.
            tasks::TaskOp::Cancel => raw(&EmptyResult::default()),
            tasks::TaskOp::Update(_) => Err(ErrorObject::internal(
                "the server instance running this task stopped before it finished; the task has failed",
            )),
        };
    }
    shared.forward(id, op).await.map_err(unavailable)?;
    raw(&EmptyResult::default())
}

/// What a request produced: its result's JSON, whether it is a tool's error, whether it
/// is final or asks for input (2026-07-28), and its caching hints when its item set some.
struct Produced {
    raw: Box<RawValue>,
    tool_error: bool,
    kind: Kind,
    hint: Option<CacheHint>,
}

impl Produced {
    fn complete(raw: Box<RawValue>) -> Self {
        Produced {
            raw,
            tool_error: false,
            kind: Kind::Complete,
            hint: None,
        }
    }

    fn tool_error(raw: Box<RawValue>) -> Self {
        Produced {
            tool_error: true,
            ..Produced::complete(raw)
        }
    }
}

/// The round of a multi-round request of the modern era (a retry's state opened and
/// checked against this request); `None` for a legacy request.
fn open_round(
    inner: &ServerInner,
    modern: Option<&Modern>,
    subject: Subject,
) -> Result<Option<Arc<Round>>, ErrorObject> {
    let Some(m) = modern else {
        return Ok(None);
    };
    Round::open(
        &inner.modern.state_keys,
        subject,
        m.request_state.as_deref(),
        m.input_responses.as_ref(),
    )
    .map(|round| Some(Arc::new(round)))
}

/// The answer of a handler that stopped at a question (an `InputRequiredResult`), or that
/// needs a capability the client did not declare (-32021).
fn interrupted(
    inner: &ServerInner,
    interrupt: Interrupt,
    round: Option<&Round>,
) -> Result<Produced, ErrorObject> {
    match (interrupt, round) {
        (Interrupt::Missing(capabilities), _) => {
            Err(ErrorObject::missing_capability(&capabilities))
        }
        (Interrupt::Invalid(message), _) => Err(ErrorObject::invalid_params(message)),
        (Interrupt::Ask, Some(round)) => {
            round
                .input_required(&inner.modern.state_keys)
                .map(|raw| Produced {
                    kind: Kind::InputRequired,
                    ..Produced::complete(raw)
                })
        }
        (Interrupt::Ask, None) => Err(ErrorObject::internal("a question without a round")),
    }
}

/// The server-wide caching hints of a cacheable method of 2026-07-28.
fn cache_hint(inner: &ServerInner, method: &str) -> Option<CacheHint> {
    match method {
        ListTools::NAME
        | ListPrompts::NAME
        | ListResources::NAME
        | ListResourceTemplates::NAME
        | Discover::NAME => Some(inner.modern.list_cache),
        ReadResource::NAME => Some(inner.modern.read_cache),
        _ => None,
    }
}

/// `server/discover`: every version served, the capabilities, the instructions.
fn discover(inner: &ServerInner, tables: &Tables) -> DiscoverResult {
    let mut capabilities = capabilities(inner, tables);
    let extensions = capabilities
        .other
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    if tables
        .tools
        .iter()
        .any(|t| t.task != TaskSupport::Forbidden)
        && let Value::Object(extensions) = extensions
    {
        extensions
            .entry(tasks::EXTENSION)
            .or_insert_with(|| Value::Object(Map::new()));
    }
    DiscoverResult {
        supported_versions: ProtocolVersion::ALL
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect(),
        capabilities,
        instructions: inner.instructions.clone(),
    }
}

/// `subscriptions/listen`: acknowledges what the server will send (what the client asked
/// for, of what it offers), then streams it until the client cancels or the server ends
/// the subscription (shutting down), which answers it.
async fn listen(
    inner: &ServerInner,
    tables: &Tables,
    session: &Session,
    id: &crate::protocol::RequestId,
    params: Option<&RawValue>,
    outbound: Option<crate::server::Outbound>,
    facts: &RequestFacts,
) -> Answered {
    let asked = decode_params::<Listen>(params)?.notifications;
    // Task status notifications are the tasks extension's: for a client that declared it.
    let task_ids = match &asked.task_ids {
        Some(_)
            if !facts
                .client_capabilities
                .declares_extension(tasks::EXTENSION) =>
        {
            return Err(ErrorObject::missing_extension(tasks::EXTENSION));
        }
        Some(ids) => {
            let mut known = inner.tasks.known(ids);
            // Tasks another instance runs count too.
            if let Some(shared) = inner.tasks.shared() {
                let elsewhere: Vec<&String> = ids.iter().filter(|id| !known.contains(id)).collect();
                for id in elsewhere {
                    if let Ok(Some(_)) = shared.get(id).await {
                        known.push(id.clone());
                    }
                }
            }
            Some(known)
        }
        None => None,
    };
    let Some(outbound) = outbound else {
        return Err(ErrorObject::internal(
            "subscriptions/listen needs a stream to send on, and this transport gave none",
        ));
    };
    let has_resources = !(tables.static_resources.is_empty() && tables.templates.is_empty());
    let yes = |asked: Option<bool>, offered: bool| (asked == Some(true) && offered).then_some(true);
    let agreed = SubscriptionFilter {
        tools_list_changed: yes(asked.tools_list_changed, !tables.tools.is_empty()),
        prompts_list_changed: yes(asked.prompts_list_changed, !tables.prompts.is_empty()),
        resources_list_changed: yes(asked.resources_list_changed, has_resources),
        resource_subscriptions: asked.resource_subscriptions.filter(|_| has_resources),
        task_ids,
    };
    let ack = serde_json::to_value(AcknowledgedParams {
        notifications: agreed.clone(),
        meta: None,
    })
    .ok()
    .and_then(|v| match v {
        Value::Object(map) => Some(map),
        _ => None,
    })
    .unwrap_or_default();
    // Registered before the acknowledgement goes: nothing raised after it is missed.
    let _listening = inner.listeners.add(id.clone(), agreed, outbound.clone());
    if !outbound
        .send(listen::tagged(SubscriptionsAcknowledged::NAME, ack, id))
        .await
    {
        return Err(ErrorObject::new(
            ErrorCode::CONNECTION_CLOSED,
            "the client went away before the subscription was acknowledged",
        ));
    }
    session.draining().await;
    // Ended by the server: the graceful end is a result, tagged like the stream.
    raw(&EmptyResult {
        meta: Some(listen::subscription_meta(id)),
    })
}

/// The result of a tool that returned structured content: the content, wrapped as
/// `{"result": ...}` when `wrap`, and its compact JSON as the text copy (as the spec
/// advises), written around the JSON text: no `Value`, no second serialization.
fn structured_result(mut json: String, wrap: bool) -> Result<Box<RawValue>, ErrorObject> {
    if wrap {
        json.insert_str(0, r#"{"result":"#);
        json.push('}');
    }
    const FRAME: usize = r#"{"content":[{"type":"text","text":""}],"structuredContent":}"#.len();
    // Exact, so that the text becomes a `RawValue` without reallocating.
    let mut out = Vec::with_capacity(FRAME + escaped_len(&json) + json.len());
    out.extend_from_slice(br#"{"content":[{"type":"text","text":"#);
    serde_json::to_writer(&mut out, json.as_str()).map_err(internal)?;
    out.extend_from_slice(br#"}],"structuredContent":"#);
    out.extend_from_slice(json.as_bytes());
    out.push(b'}');
    let out = String::from_utf8(out).map_err(internal)?;
    // SAFETY: `out` is one JSON object with no surrounding whitespace: constant text, a
    // string literal serde_json wrote, and `json`, which serde_json's serializer wrote
    // (`ToolOutcome::structured` is the only maker of `Outcome::Structured`), alone or
    // as the value of a one-member object. Debug builds re-parse it to check.
    Ok(unsafe { RawValue::from_string_unchecked(out) })
}

/// The length of `text` escaped as serde_json escapes a string's contents.
fn escaped_len(text: &str) -> usize {
    text.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

fn internal(e: impl std::fmt::Display) -> ErrorObject {
    ErrorObject::internal(format!("the result could not be written: {e}"))
}

/// An argument the tool's schema does not declare: the model most likely misspelled one.
fn unknown_argument(declared: Option<&[String]>, args: &ToolArguments) -> Option<String> {
    let declared = declared?;
    // A tool has few parameters: a scan beats hashing each name.
    let unknown = args.names().find(|k| !declared.iter().any(|d| d == k))?;
    let expected: Vec<String> = declared.iter().map(|k| format!("`{k}`")).collect();
    Some(if expected.is_empty() {
        format!("unknown argument `{unknown}`: this tool takes no arguments")
    } else {
        format!(
            "unknown argument `{unknown}`: expected {}",
            expected.join(", ")
        )
    })
}

async fn read_resource(
    inner: &ServerInner,
    tables: &Tables,
    uri: String,
    ctx: impl FnOnce(Option<Meta>, Option<Arc<Round>>, Option<Arc<TaskSlot>>) -> Context,
    round: Option<Arc<Round>>,
    caller: Option<&Caller>,
) -> Result<Produced, ErrorObject> {
    let exact = tables
        .static_resources
        .iter()
        .find(|r| r.template.as_str() == uri);
    let found = exact.map(|r| (r, Vec::new())).or_else(|| {
        tables
            .templates
            .iter()
            .find_map(|t| t.template.matches(&uri).map(|vars| (t, vars)))
    });
    let Some((def, vars)) = found else {
        return Err(
            ErrorObject::resource_not_found(format!("Resource not found: {uri}"))
                .with_data(json!({ "uri": uri })),
        );
    };
    authorize(caller, "resource", def.template.as_str(), &def.scopes)?;
    let request = ResourceRequest {
        uri: uri.clone(),
        vars,
    };
    let read = AssertUnwindSafe((def.read)(ctx(None, round.clone(), None), request)).catch_unwind();
    let contents = match until_input(read, round.as_deref()).await {
        Err(interrupt) => return interrupted(inner, interrupt, round.as_deref()),
        Ok(Ok(Ok(contents))) => contents,
        Ok(Ok(Err(mut e))) => {
            if e.code == ErrorCode::RESOURCE_NOT_FOUND && e.data.is_none() {
                e.data = Some(json!({ "uri": uri }));
            }
            return Err(e);
        }
        Ok(Err(panic)) => {
            let msg = panic_message(panic);
            tracing::error!(uri, panic = %msg, "resource panicked");
            return Err(ErrorObject::internal(format!(
                "reading {uri} failed: it panicked: {msg}"
            )));
        }
    };
    let hint = def.cache;
    raw(&ReadResourceResult {
        contents,
        meta: None,
    })
    .map(|raw| Produced {
        hint,
        ..Produced::complete(raw)
    })
}

async fn get_prompt(
    inner: &ServerInner,
    tables: &Tables,
    params: GetPromptParams,
    ctx: Context,
    round: Option<Arc<Round>>,
) -> Result<Produced, ErrorObject> {
    let name = params.name.as_str();
    let def = tables
        .prompt(name)
        .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown prompt: {name}")))?;
    authorize(ctx.caller(), "prompt", name, &def.scopes)?;
    let args = params.arguments.unwrap_or_default();
    let declared = def.prompt.arguments.as_deref().unwrap_or_default();
    if let Some(unknown) = args
        .keys()
        .find(|k| !declared.iter().any(|a| &a.name == *k))
    {
        let expected: Vec<&str> = declared.iter().map(|a| a.name.as_str()).collect();
        return Err(ErrorObject::invalid_params(format!(
            "prompt `{name}` has no argument `{unknown}`; its arguments are: {}",
            if expected.is_empty() {
                "none".to_owned()
            } else {
                expected.join(", ")
            }
        )));
    }
    let get = AssertUnwindSafe((def.get)(ctx, args)).catch_unwind();
    match until_input(get, round.as_deref()).await {
        Err(interrupt) => interrupted(inner, interrupt, round.as_deref()),
        Ok(Ok(Ok(mut result))) => {
            if result.description.is_none() {
                result.description = def.prompt.description.clone();
            }
            raw(&result).map(Produced::complete)
        }
        Ok(Ok(Err(e))) => Err(e),
        Ok(Err(panic)) => {
            let msg = panic_message(panic);
            tracing::error!(prompt = name, panic = %msg, "prompt panicked");
            Err(ErrorObject::internal(format!(
                "prompt `{name}` failed: it panicked: {msg}"
            )))
        }
    }
}

async fn complete(
    tables: &Tables,
    params: CompleteParams,
    ctx: Context,
) -> Result<CompleteResult, ErrorObject> {
    let completers = match &params.reference {
        CompletionReference::Prompt { name, .. } => {
            &tables
                .prompt(name)
                .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown prompt: {name}")))?
                .completers
        }
        CompletionReference::Resource { uri } => {
            &tables
                .template(uri)
                .ok_or_else(|| {
                    ErrorObject::invalid_params(format!("Unknown resource template: {uri}"))
                })?
                .completers
        }
    };
    let argument = params.argument;
    let completion = match completers
        .iter()
        .find(|(n, _)| *n == argument.name)
        .map(|(_, c)| c)
    {
        None => Completion::new(Vec::<String>::new()),
        Some(Completer::Values(values)) => {
            let prefix = argument.value.to_lowercase();
            Completion::new(
                values
                    .iter()
                    .filter(|v| v.to_lowercase().starts_with(&prefix))
                    .cloned(),
            )
        }
        Some(Completer::Function(f)) => {
            let mut c = f(ctx, argument.value).await;
            if c.values.len() > Completion::MAX_VALUES {
                c = Completion::new(c.values);
            }
            c
        }
    };
    Ok(CompleteResult {
        completion,
        meta: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_len_is_what_serde_json_writes() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        for text in [
            "",
            r#"{"result":5}"#,
            "tab\tquote\"back\\slash",
            "é ∑ 🦀",
            every_ascii.as_str(),
        ] {
            let quoted = serde_json::to_string(text).unwrap();
            assert_eq!(escaped_len(text) + 2, quoted.len(), "{text:?}");
        }
    }

    #[test]
    fn a_structured_result_carries_its_json_as_text() {
        let wrapped = structured_result("[1,\"two\"]".to_owned(), true).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(wrapped.get()).unwrap(),
            json!({
                "content": [{ "type": "text", "text": r#"{"result":[1,"two"]}"# }],
                "structuredContent": { "result": [1, "two"] }
            })
        );
        let object = structured_result(r#"{"a":"\n"}"#.to_owned(), false).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(object.get()).unwrap(),
            json!({
                "content": [{ "type": "text", "text": "{\"a\":\"\\n\"}" }],
                "structuredContent": { "a": "\n" }
            })
        );
    }
}
