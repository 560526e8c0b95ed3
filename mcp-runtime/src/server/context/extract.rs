//! Handler parameters that are not tool arguments: extractors ([`FromContext`]), and the
//! shared state they read ([`State`]).

use super::Context;
use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Application state shared by all handlers, given to the server with
/// [`ServerBuilder::state`](crate::ServerBuilder::state).
///
/// ```
/// use mcp_runtime::prelude::*;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// #[derive(Default)]
/// struct Counter {
///     calls: AtomicU64,
/// }
///
/// /// Count calls.
/// #[tool]
/// fn bump(counter: State<Counter>) -> u64 {
///     counter.calls.fetch_add(1, Ordering::Relaxed) + 1
/// }
///
/// let server = Server::builder().tool(bump).state(Counter::default()).build();
/// assert!(server.is_ok());
/// ```
pub struct State<T: ?Sized>(pub Arc<T>);

impl<T: ?Sized> Clone for State<T> {
    fn clone(&self) -> Self {
        State(self.0.clone())
    }
}

impl<T: ?Sized> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The states given to a server, by type.
#[derive(Default)]
pub(crate) struct StateMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        self.0.insert(TypeId::of::<T>(), value);
    }

    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.0.contains_key(&id)
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        let any = self.0.get(&TypeId::of::<T>())?.clone();
        any.downcast::<T>().ok().map(State)
    }
}

/// Something a handler needs from the server before it can run (checked when the server is built).
#[derive(Clone, Copy, Debug)]
pub struct Requirement {
    pub(crate) state: TypeId,
    pub(crate) state_name: &'static str,
}

/// Why an extractor could not produce its value.
#[derive(Debug, Clone)]
pub struct Rejection(pub String);

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A handler parameter filled from the request rather than from the client's arguments.
///
/// [`Context`] and [`State<T>`] implement it; implement it for your own types to inject them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into a handler",
    label = "not an extractor",
    note = "extractors are `Context`, `State<T>` and types that implement `mcp_runtime::define::FromContext`"
)]
pub trait FromContext: Sized {
    /// Builds the value for one request.
    fn from_context(ctx: &Context) -> Result<Self, Rejection>;

    /// What the server must have for this extractor to work (checked at build time).
    fn requirement() -> Option<Requirement> {
        None
    }
}

impl FromContext for Context {
    fn from_context(ctx: &Context) -> Result<Self, Rejection> {
        Ok(ctx.clone())
    }
}

impl<T: Send + Sync + 'static> FromContext for State<T> {
    fn from_context(ctx: &Context) -> Result<Self, Rejection> {
        ctx.state::<T>().ok_or_else(|| {
            Rejection(format!(
                "no state of type `{}` was given to the server",
                type_name::<T>()
            ))
        })
    }

    fn requirement() -> Option<Requirement> {
        Some(Requirement {
            state: TypeId::of::<T>(),
            state_name: type_name::<T>(),
        })
    }
}
