//! Tasks: the extension `io.modelcontextprotocol/tasks` of MCP 2026-07-28 (SEP-2663). A
//! tool marked `#[tool(task)]` that is still working at its first wait answers a client
//! that declared the extension with a task handle (`resultType: "task"`) and goes on in
//! the background; the client polls `tasks/get`, answers the tool's questions with
//! `tasks/update`, and may `tasks/cancel` it.
//!
//! Tasks run in the process that created them, in a store bounded by
//! [`TaskSettings::max_tasks`] whose entries expire [`TaskSettings::ttl`] after their
//! creation (a task still running then is stopped). A task's id is 256 random bits: the
//! handle is unguessable. When several instances share a store ([`SharedTasks`], Redis),
//! each task's state is kept there too, so that `tasks/get` works on any instance, and
//! `tasks/update` and `tasks/cancel` reach the instance that runs it.

use super::listen::Listeners;
use super::store::{StoreError, StoreFuture};
use crate::protocol::{ErrorObject, SubscriptionFilter};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// The extension's identifier, in `capabilities.extensions` of both sides.
pub const EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// The methods of the extension.
pub(crate) const GET: &str = "tasks/get";
pub(crate) const UPDATE: &str = "tasks/update";
pub(crate) const CANCEL: &str = "tasks/cancel";

/// The notification that carries a task's new state to `subscriptions/listen` streams.
pub(crate) const STATUS_NOTIFICATION: &str = "notifications/tasks";

/// Whether a tool may answer with a task (`#[tool(task)]`, `#[tool(task = "required")]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskSupport {
    /// Always answers in the call (the default).
    #[default]
    Forbidden,
    /// Answers with a task when the client declared the tasks extension and the call is
    /// still working at its first wait; otherwise in the call.
    Optional,
    /// Only as a task: a client that did not declare the extension gets -32021.
    Required,
}

/// How the server keeps tasks.
#[derive(Clone, Debug)]
pub struct TaskSettings {
    /// How long a task is kept after its creation (`ttlMs`), running or finished: then it
    /// is stopped and forgotten. Default 1 hour.
    pub ttl: Duration,
    /// How often clients are asked to poll (`pollIntervalMs`). Default 1 s.
    pub poll_interval: Duration,
    /// Tasks kept at once, across clients. When the store is full, a tool whose task
    /// support is optional answers in the call; one that requires a task is refused
    /// (-32603, the message says why). Default 1024.
    pub max_tasks: usize,
    /// A call that finishes within this time answers directly, without a task. Default
    /// 0: the call becomes a task at its first wait that is not a question to the client.
    pub answer_within: Duration,
}

impl Default for TaskSettings {
    fn default() -> Self {
        TaskSettings {
            ttl: Duration::from_secs(3600),
            poll_interval: Duration::from_secs(1),
            max_tasks: 1024,
            answer_within: Duration::ZERO,
        }
    }
}

/// A task's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

/// The tasks of this process.
pub(crate) struct Tasks {
    pub(crate) settings: TaskSettings,
    map: Mutex<HashMap<String, Arc<Task>, foldhash::fast::RandomState>>,
    listeners: Arc<Listeners>,
    /// Where the instances that serve the same clients keep their tasks' state.
    shared: OnceLock<Arc<dyn SharedTasks>>,
}

/// What several instances share of their tasks (a Redis store's): each task's latest
/// state, and a way to reach the instance that runs it.
pub(crate) trait SharedTasks: Send + Sync {
    /// Keeps a new task's record: awaited before the task's handle is returned, so that
    /// every instance finds it from then on.
    fn put(&self, record: TaskRecord) -> StoreFuture<'_, Result<(), StoreError>>;

    /// Keeps a task's newer record, in order and without waiting, and tells the
    /// `subscriptions/listen` streams of every instance (this one's included).
    fn changed(&self, record: TaskRecord);

    /// The record of the task `id`, when one is kept.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<SharedTask>, StoreError>>;

    /// Has the instance that runs the task `id` apply `op`, and waits until it has.
    fn forward<'a>(&'a self, id: &'a str, op: TaskOp) -> StoreFuture<'a, Result<(), StoreError>>;
}

/// A task's state, as the instance that runs it keeps it for the others.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub(crate) struct TaskRecord {
    pub(crate) id: String,
    /// Its creator's subject: only it may see or change the task.
    pub(crate) subject: Option<String>,
    /// What `tasks/get` answers.
    pub(crate) view: Box<RawValue>,
    /// How long it is kept from now, in milliseconds.
    pub(crate) ttl_ms: u64,
}

/// A task another instance may run.
pub(crate) struct SharedTask {
    pub(crate) record: TaskRecord,
    /// The instance that runs it is alive.
    pub(crate) alive: bool,
}

/// What `tasks/update` and `tasks/cancel` ask of the instance that runs a task.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TaskOp {
    Update(Map<String, Value>),
    Cancel,
}

/// Why no task could be made.
pub(crate) enum CreateError {
    /// The store holds its maximum.
    Full(usize),
    /// No random id could be drawn.
    Random,
}

impl CreateError {
    pub(crate) fn to_error(&self) -> ErrorObject {
        match self {
            CreateError::Full(max) => ErrorObject::internal(format!(
                "this server holds its maximum of {max} tasks: try again when some have finished"
            )),
            CreateError::Random => ErrorObject::internal(
                "no task id could be drawn: the system's random source failed",
            ),
        }
    }
}

impl Tasks {
    pub(crate) fn new(settings: TaskSettings, listeners: Arc<Listeners>) -> Self {
        Tasks {
            settings,
            map: Mutex::default(),
            listeners,
            shared: OnceLock::new(),
        }
    }

    /// Keeps the tasks' state in `shared` too, from now on.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn share(&self, shared: Arc<dyn SharedTasks>) {
        let _ = self.shared.set(shared);
    }

    pub(crate) fn shared(&self) -> Option<&Arc<dyn SharedTasks>> {
        self.shared.get()
    }

    /// Forgets a task (its record could not be shared).
    pub(crate) fn forget(&self, id: &str) {
        if let Some(task) = self.lock().remove(id) {
            task.stop();
        }
    }

    /// The task `id` if this process runs it, whoever created it (for an operation
    /// another instance checked and passed on).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn local(&self, id: &str) -> Option<Arc<Task>> {
        self.lock().get(id).cloned()
    }

    /// Tells this process's listeners of a task's new state (`view`).
    pub(crate) fn notify_listeners(&self, id: &str, view: &RawValue) {
        notify_status(&self.listeners, id, view);
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Task>, foldhash::fast::RandomState>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new task, working, stored before it is returned (a `tasks/get` for it resolves
    /// from now on); `cancel` is its handler's cancellation.
    pub(crate) fn create(
        &self,
        cancel: CancellationToken,
        owner: Option<String>,
    ) -> Result<Arc<Task>, CreateError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| CreateError::Random)?;
        let id = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
        let now = SystemTime::now();
        let task = Arc::new(Task {
            id: id.clone(),
            created: stamp(now),
            expires: Instant::now() + self.settings.ttl,
            ttl_ms: millis(self.settings.ttl),
            poll_ms: millis(self.settings.poll_interval).max(1),
            state: Mutex::new(TaskState {
                status: Status::Working,
                message: None,
                updated: now,
                outcome: None,
                pending: Vec::new(),
                keys: Vec::new(),
            }),
            cancel,
            abort: OnceLock::new(),
            listeners: self.listeners.clone(),
            owner,
            shared: self.shared.get().cloned(),
        });
        let mut map = self.lock();
        if map.len() >= self.settings.max_tasks {
            purge(&mut map);
        }
        if map.len() >= self.settings.max_tasks {
            return Err(CreateError::Full(self.settings.max_tasks));
        }
        map.insert(id, task.clone());
        Ok(task)
    }

    /// The task `id`, unless it is unknown or expired (an expired one is stopped and
    /// forgotten here).
    pub(crate) fn get(&self, id: &str, caller: Option<&str>) -> Result<Arc<Task>, ErrorObject> {
        let mut map = self.lock();
        match map.get(id) {
            // Another caller's task is not found: its existence is not told.
            Some(task) if task.owner.as_deref() != caller => Err(ErrorObject::invalid_params(
                format!("Failed to retrieve task: Task not found: no task has the id '{id}'"),
            )),
            Some(task) if task.expires > Instant::now() => Ok(task.clone()),
            Some(_) => {
                if let Some(task) = map.remove(id) {
                    task.stop();
                }
                Err(ErrorObject::invalid_params(
                    "Failed to retrieve task: Task has expired",
                ))
            }
            None => Err(ErrorObject::invalid_params(format!(
                "Failed to retrieve task: Task not found: no task has the id '{id}' (tasks are kept {} s after their creation)",
                self.settings.ttl.as_secs()
            ))),
        }
    }

    /// The subset of `ids` that name tasks this server holds.
    pub(crate) fn known(&self, ids: &[String]) -> Vec<String> {
        let map = self.lock();
        ids.iter()
            .filter(|id| map.contains_key(*id))
            .cloned()
            .collect()
    }
}

/// Forgets the expired tasks, stopping those still running.
fn purge(map: &mut HashMap<String, Arc<Task>, foldhash::fast::RandomState>) {
    let now = Instant::now();
    map.retain(|_, task| {
        let keep = task.expires > now;
        if !keep {
            task.stop();
        }
        keep
    });
}

/// One task.
pub(crate) struct Task {
    id: String,
    created: String,
    expires: Instant,
    ttl_ms: u64,
    poll_ms: u64,
    state: Mutex<TaskState>,
    cancel: CancellationToken,
    abort: OnceLock<tokio::task::AbortHandle>,
    listeners: Arc<Listeners>,
    /// The authenticated subject that created it: only it may see or change it.
    owner: Option<String>,
    /// Where its state is kept for the other instances.
    shared: Option<Arc<dyn SharedTasks>>,
}

struct TaskState {
    status: Status,
    message: Option<String>,
    updated: SystemTime,
    /// The call's result, or the JSON-RPC error it ended with.
    outcome: Option<Result<Box<RawValue>, ErrorObject>>,
    /// Questions to the client without an answer yet.
    pending: Vec<Pending>,
    /// Every key a question of this task went by: none is used twice.
    keys: Vec<String>,
}

struct Pending {
    key: String,
    request: Value,
    answer: oneshot::Sender<Value>,
}

/// What `tasks/get` and `notifications/tasks` show of a task.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct View<'a> {
    task_id: &'a str,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'a str>,
    created_at: &'a str,
    last_updated_at: String,
    ttl_ms: u64,
    poll_interval_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_requests: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorObject>,
}

impl Task {
    /// Its id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TaskState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The background run of the task, aborted when the task is cancelled or expires.
    pub(crate) fn running(&self, handle: tokio::task::AbortHandle) {
        if self.abort.set(handle).is_err() {
            tracing::warn!(task = %self.id, "a task was started twice");
        }
        if self.lock().status == Status::Cancelled
            && let Some(handle) = self.abort.get()
        {
            handle.abort();
        }
    }

    /// The task as JSON: the handle only (`CreateTaskResult`), or with what its status
    /// carries (`tasks/get`, `notifications/tasks`).
    pub(crate) fn view(&self, detailed: bool) -> Result<Box<RawValue>, ErrorObject> {
        let state = self.lock();
        self.view_of(&state, detailed)
    }

    fn view_of(&self, state: &TaskState, detailed: bool) -> Result<Box<RawValue>, ErrorObject> {
        let input_requests = (detailed && state.status == Status::InputRequired).then(|| {
            state
                .pending
                .iter()
                .map(|p| (p.key.clone(), p.request.clone()))
                .collect()
        });
        let (result, error) = match (&state.outcome, detailed) {
            (Some(Ok(result)), true) => (Some(&**result), None),
            (Some(Err(error)), true) => (None, Some(error)),
            _ => (None, None),
        };
        let view = View {
            task_id: &self.id,
            status: state.status,
            status_message: state.message.as_deref(),
            created_at: &self.created,
            last_updated_at: stamp(state.updated),
            ttl_ms: self.ttl_ms,
            poll_interval_ms: self.poll_ms,
            input_requests,
            result,
            error,
        };
        serde_json::value::to_raw_value(&view)
            .map_err(|e| ErrorObject::internal(format!("the task could not be written: {e}")))
    }

    /// The record the other instances keep of it.
    pub(crate) fn record(&self) -> Result<TaskRecord, ErrorObject> {
        let state = self.lock();
        self.record_of(&state)
    }

    fn record_of(&self, state: &TaskState) -> Result<TaskRecord, ErrorObject> {
        Ok(TaskRecord {
            id: self.id.clone(),
            subject: self.owner.clone(),
            view: self.view_of(state, true)?,
            ttl_ms: millis(self.expires.saturating_duration_since(Instant::now())).max(1),
        })
    }

    /// Tells the `subscriptions/listen` streams that asked for this task its new state
    /// (through the shared store, when there is one: it tells every instance's).
    fn changed(&self, state: &TaskState) {
        if let Some(shared) = &self.shared {
            match self.record_of(state) {
                Ok(record) => shared.changed(record),
                Err(e) => {
                    tracing::error!(task = %self.id, error = %e.message, "a task's state could not be shared")
                }
            }
            return;
        }
        if self.listeners.is_empty() {
            return;
        }
        if let Ok(view) = self.view_of(state, true) {
            notify_status(&self.listeners, &self.id, &view);
        }
    }

    fn set_status(&self, state: &mut TaskState, status: Status) {
        if state.status != status {
            state.status = status;
            state.updated = SystemTime::now();
            self.changed(state);
        }
    }

    /// The handler asks the client `request` (`{method, params}`) under `key` (unique
    /// over the task's life: a key used before is numbered); the task is `input_required`
    /// until it is answered. `None` once the task has ended.
    pub(crate) fn ask(
        &self,
        key: Option<&str>,
        request: Value,
    ) -> Option<oneshot::Receiver<Value>> {
        let mut state = self.lock();
        if state.status.is_terminal() {
            return None;
        }
        let n = state.keys.len();
        let key = match key {
            Some(key) if !state.keys.iter().any(|k| k == key) => key.to_owned(),
            Some(key) => format!("{key}_{n}"),
            None => format!("q{n}"),
        };
        state.keys.push(key.clone());
        let (answer, rx) = oneshot::channel();
        state.pending.push(Pending {
            key,
            request,
            answer,
        });
        state.updated = SystemTime::now();
        if state.status == Status::InputRequired {
            self.changed(&state);
        } else {
            self.set_status(&mut state, Status::InputRequired);
        }
        Some(rx)
    }

    /// The handler stopped waiting for the answer under the receiver it dropped (it was
    /// cancelled, or went on without it): the question is withdrawn.
    pub(crate) fn withdraw_unanswered(&self) {
        let mut state = self.lock();
        let before = state.pending.len();
        state.pending.retain(|p| !p.answer.is_closed());
        if state.pending.len() == before || state.status.is_terminal() {
            return;
        }
        if state.pending.is_empty() {
            self.set_status(&mut state, Status::Working);
        } else {
            // Still waiting for the rest: the questions shown change all the same.
            state.updated = SystemTime::now();
            self.changed(&state);
        }
    }

    /// `tasks/update`: the answers to questions that wait go to the handler; keys that
    /// name no waiting question are ignored.
    pub(crate) fn update(&self, responses: Map<String, Value>) {
        let mut state = self.lock();
        let mut answered = false;
        for (key, answer) in responses {
            if let Some(at) = state.pending.iter().position(|p| p.key == key) {
                let pending = state.pending.remove(at);
                // A handler that stopped waiting has dropped its receiver: nothing to do.
                let _ = pending.answer.send(answer);
                answered = true;
            }
        }
        if state.status != Status::InputRequired || !answered {
            return;
        }
        if state.pending.is_empty() {
            self.set_status(&mut state, Status::Working);
        } else {
            // A partial answer: the task still waits, for fewer questions. Its view (and
            // what other instances keep of it) changes.
            state.updated = SystemTime::now();
            self.changed(&state);
        }
    }

    /// `tasks/cancel`: a task not yet finished is cancelled now, its handler stopped.
    pub(crate) fn cancel(&self) {
        let mut state = self.lock();
        if state.status.is_terminal() {
            return;
        }
        state.pending.clear();
        state.message = Some("cancelled by the client".into());
        self.set_status(&mut state, Status::Cancelled);
        drop(state);
        self.halt();
    }

    /// Expired: a task still running is stopped.
    fn stop(&self) {
        let mut state = self.lock();
        if !state.status.is_terminal() {
            state.pending.clear();
            state.message = Some("expired: its time to live elapsed".into());
            self.set_status(&mut state, Status::Cancelled);
        }
        drop(state);
        self.halt();
    }

    fn halt(&self) {
        self.cancel.cancel();
        if let Some(handle) = self.abort.get() {
            handle.abort();
        }
    }

    /// The call ended with `outcome`: `completed` with its result (a tool's error
    /// included), or `failed` with the JSON-RPC error. A cancelled task stays cancelled.
    pub(crate) fn finish(&self, outcome: Result<Box<RawValue>, ErrorObject>) {
        let mut state = self.lock();
        if state.status.is_terminal() {
            return;
        }
        state.pending.clear();
        let status = match &outcome {
            Ok(_) => Status::Completed,
            Err(e) => {
                state.message = Some(format!("the call failed: {}", e.message));
                Status::Failed
            }
        };
        state.outcome = Some(outcome);
        self.set_status(&mut state, status);
    }
}

/// Sends `notifications/tasks` with `view` to the listeners that asked for task `id`.
fn notify_status(listeners: &Listeners, id: &str, view: &RawValue) {
    if listeners.is_empty() {
        return;
    }
    let params = serde_json::from_str::<Map<String, Value>>(view.get()).unwrap_or_default();
    listeners.notify(
        STATUS_NOTIFICATION,
        &params,
        |filter: &SubscriptionFilter| {
            filter
                .task_ids
                .as_ref()
                .is_some_and(|ids| ids.iter().any(|t| t == id))
        },
    );
}

/// A task's view as its instance would show it, were that instance alive: a task that
/// had not finished has failed.
pub(crate) fn orphaned(view: &RawValue) -> Result<Box<RawValue>, ErrorObject> {
    let mut map: Map<String, Value> = serde_json::from_str(view.get())
        .map_err(|e| ErrorObject::internal(format!("a kept task is unreadable: {e}")))?;
    let terminal = matches!(
        map.get("status").and_then(Value::as_str),
        Some("completed" | "failed" | "cancelled")
    );
    if !terminal {
        let lost = "the server instance running this task stopped before it finished";
        map.insert("status".into(), Value::from("failed"));
        map.insert("statusMessage".into(), Value::from(lost));
        map.remove("inputRequests");
        map.insert(
            "error".into(),
            serde_json::to_value(ErrorObject::internal(lost)).unwrap_or(Value::Null),
        );
        map.insert(
            "lastUpdatedAt".into(),
            Value::from(stamp(SystemTime::now())),
        );
    }
    serde_json::value::to_raw_value(&map)
        .map_err(|e| ErrorObject::internal(format!("the task could not be written: {e}")))
}

/// What a call that may become a task shares with its `Context`: the handler's
/// cancellation (the task's, not the request's) and, once it is one, the task.
#[derive(Default)]
pub(crate) struct TaskSlot {
    pub(crate) cancel: CancellationToken,
    pub(crate) task: OnceLock<Arc<Task>>,
    /// The handler asked to go on as a task now ([`crate::Context::continue_as_task`]).
    pub(crate) requested: std::sync::atomic::AtomicBool,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// An RFC 3339 timestamp (ISO 8601, UTC, milliseconds).
fn stamp(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store(max: usize, ttl: Duration) -> Tasks {
        Tasks::new(
            TaskSettings {
                ttl,
                max_tasks: max,
                ..TaskSettings::default()
            },
            Arc::default(),
        )
    }

    fn view(task: &Task) -> Value {
        serde_json::from_str(task.view(true).unwrap().get()).unwrap()
    }

    #[test]
    fn a_task_asks_is_answered_and_finishes() {
        let tasks = store(4, Duration::from_secs(60));
        let task = tasks.create(CancellationToken::new(), None).ok().unwrap();
        let v = view(&task);
        assert_eq!(v["status"], "working");
        assert_eq!(v["ttlMs"], 60_000);
        assert!(v["createdAt"].as_str().unwrap().ends_with('Z'));
        let mut a = task
            .ask(Some("name"), json!({"method": "elicitation/create"}))
            .unwrap();
        let mut b = task
            .ask(Some("name"), json!({"method": "roots/list"}))
            .unwrap();
        let v = view(&task);
        assert_eq!(v["status"], "input_required");
        assert_eq!(v["inputRequests"]["name"]["method"], "elicitation/create");
        assert_eq!(v["inputRequests"]["name_1"]["method"], "roots/list");
        // A partial answer keeps the task waiting for the rest; unknown keys are ignored.
        task.update(
            json!({"name": {"action": "accept"}, "other": 1})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(a.try_recv().unwrap()["action"], "accept");
        let v = view(&task);
        assert_eq!(v["status"], "input_required");
        assert!(v["inputRequests"].get("name").is_none());
        task.update(
            json!({"name_1": {"roots": []}})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert!(b.try_recv().is_ok());
        assert_eq!(view(&task)["status"], "working");
        let result = RawValue::from_string(r#"{"content":[]}"#.into()).unwrap();
        task.finish(Ok(result));
        let v = view(&task);
        assert_eq!(v["status"], "completed");
        assert_eq!(v["result"], json!({"content": []}));
        // Terminal: a cancel changes nothing.
        task.cancel();
        assert_eq!(view(&task)["status"], "completed");
        assert!(tasks.get(task.id(), None).is_ok());
        assert!(tasks.get("nope", None).is_err());
    }

    #[test]
    fn the_store_is_bounded_and_forgets_expired_tasks() {
        let tasks = store(1, Duration::from_secs(60));
        let first = tasks.create(CancellationToken::new(), None).ok().unwrap();
        assert!(matches!(
            tasks.create(CancellationToken::new(), None),
            Err(CreateError::Full(1))
        ));
        first.cancel();
        assert_eq!(view(&first)["status"], "cancelled");
        assert!(first.cancel.is_cancelled());

        let short = store(1, Duration::ZERO);
        let token = CancellationToken::new();
        let old = short.create(token.clone(), None).ok().unwrap();
        let err = short.get(old.id(), None).err().unwrap();
        assert!(err.message.contains("expired"), "{}", err.message);
        assert!(token.is_cancelled(), "an expired task is stopped");
        assert!(short.create(CancellationToken::new(), None).is_ok());
    }
}
