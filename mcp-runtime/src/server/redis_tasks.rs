//! Tasks shared through Redis ([`SharedTasks`]): the instance that runs a task keeps its
//! latest state at `{prefix}task:{id}` (with the instance's number, expiring with the
//! task), so that `tasks/get` is answered on any instance; `tasks/update` and
//! `tasks/cancel` made elsewhere reach it on the channel `{prefix}tasks`, and it confirms
//! once their effect is kept. A task's state changes go to every instance's listeners
//! through the event channel.

use super::Event;
use super::redis_store::redis_unavailable;
use super::store::{StoreError, StoreFuture};
use super::tasks::{SharedTask, SharedTasks, TaskOp, TaskRecord};
use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Writes waiting at most, per instance.
const QUEUE: usize = 4096;
const BATCH: usize = 128;

/// What an instance keeps of a task it runs.
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    /// The instance's number (its heartbeat key says whether it is alive).
    owner: u32,
    record: TaskRecord,
}

/// The channel's messages.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Message {
    /// Apply `op` to `task` (the instance that runs it does), then confirm `nonce`.
    Op {
        task: String,
        op: TaskOp,
        nonce: String,
    },
    /// `nonce`'s operation is applied and its effect kept.
    Done { nonce: String },
}

/// What the writer does, in order.
enum Write {
    Record(TaskRecord),
    Done(String),
}

pub(super) struct RedisTasks {
    conn: ConnectionManager,
    prefix: String,
    /// `{prefix}tasks`.
    channel: String,
    instance: u32,
    tx: mpsc::Sender<Write>,
    waiting: Mutex<HashMap<String, oneshot::Sender<()>>>,
    timeout: Duration,
}

impl RedisTasks {
    /// Starts the writer (in the current runtime).
    pub(super) fn start(
        conn: ConnectionManager,
        prefix: &str,
        instance: u32,
        timeout: Duration,
    ) -> Arc<RedisTasks> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let tasks = Arc::new(RedisTasks {
            conn: conn.clone(),
            prefix: prefix.to_owned(),
            channel: format!("{prefix}tasks"),
            instance,
            tx,
            waiting: Mutex::default(),
            timeout,
        });
        tokio::spawn(write(rx, conn, prefix.to_owned(), instance));
        tasks
    }

    pub(super) fn channel(&self) -> &str {
        &self.channel
    }

    fn key(&self, id: &str) -> String {
        format!("{}task:{id}", self.prefix)
    }

    fn kept(&self, record: TaskRecord) -> Result<String, StoreError> {
        serde_json::to_string(&Kept {
            owner: self.instance,
            record,
        })
        .map_err(|e| StoreError::Unavailable(format!("a task's record: {e}")))
    }

    /// A message on the channel: an operation on a task this instance runs is applied
    /// (and confirmed once its effect is kept); a confirmation wakes who waits for it.
    pub(super) fn on_message(&self, payload: &str, server: &super::Server) {
        match serde_json::from_str::<Message>(payload) {
            Ok(Message::Op { task, op, nonce }) => {
                let Some(task) = server.inner.tasks.local(&task) else {
                    return;
                };
                match op {
                    TaskOp::Update(responses) => task.update(responses),
                    TaskOp::Cancel => task.cancel(),
                }
                if self.tx.try_send(Write::Done(nonce)).is_err() {
                    tracing::warn!("the task writer falls behind: an operation goes unconfirmed");
                }
            }
            Ok(Message::Done { nonce }) => {
                let waiter = self
                    .waiting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&nonce);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(());
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "an unreadable message on the Redis task channel")
            }
        }
    }
}

impl SharedTasks for RedisTasks {
    fn put(&self, record: TaskRecord) -> StoreFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let (key, ttl) = (self.key(&record.id), record.ttl_ms);
            let json = self.kept(record)?;
            let mut conn = self.conn.clone();
            redis::cmd("SET")
                .arg(&key)
                .arg(json)
                .arg("PX")
                .arg(ttl)
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| redis_unavailable(&e))
        })
    }

    fn changed(&self, record: TaskRecord) {
        if self.tx.try_send(Write::Record(record)).is_err() {
            tracing::warn!("the task writer falls behind: a task's new state is not shared");
        }
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<SharedTask>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let json: Option<String> = redis::cmd("GET")
                .arg(self.key(id))
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_unavailable(&e))?;
            let Some(json) = json else {
                return Ok(None);
            };
            let kept: Kept = serde_json::from_str(&json).map_err(|e| {
                StoreError::Unavailable(format!("a task's record in Redis is unreadable: {e}"))
            })?;
            let alive: bool = redis::cmd("EXISTS")
                .arg(format!("{}instance:{}", self.prefix, kept.owner))
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_unavailable(&e))?;
            Ok(Some(SharedTask {
                record: kept.record,
                alive,
            }))
        })
    }

    fn forward<'a>(&'a self, id: &'a str, op: TaskOp) -> StoreFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let nonce = super::store::new_session_id().map_err(StoreError::Random)?;
            let message = serde_json::to_string(&Message::Op {
                task: id.to_owned(),
                op,
                nonce: nonce.clone(),
            })
            .map_err(|e| StoreError::Unavailable(format!("a task operation: {e}")))?;
            let (tx, rx) = oneshot::channel();
            self.waiting
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(nonce.clone(), tx);
            let mut conn = self.conn.clone();
            let sent =
                redis::AsyncCommands::publish::<_, _, i64>(&mut conn, self.channel(), message)
                    .await
                    .map_err(|e| redis_unavailable(&e));
            let confirmed = match sent {
                Ok(_) => tokio::time::timeout(self.timeout, rx)
                    .await
                    .ok()
                    .and_then(Result::ok),
                Err(e) => {
                    self.forget(&nonce);
                    return Err(e);
                }
            };
            self.forget(&nonce);
            confirmed.ok_or_else(|| {
                StoreError::Unavailable(format!(
                    "the instance running the task did not confirm within {} ms",
                    self.timeout.as_millis()
                ))
            })
        })
    }
}

impl RedisTasks {
    fn forget(&self, nonce: &str) {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(nonce);
    }
}

/// Keeps the queued records and tells every instance, a batch per round trip, in order:
/// a confirmation goes out after the records queued before it.
async fn write(
    mut rx: mpsc::Receiver<Write>,
    mut conn: ConnectionManager,
    prefix: String,
    owner: u32,
) {
    let (events, channel) = (format!("{prefix}events"), format!("{prefix}tasks"));
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for write in batch.drain(..) {
            match write {
                Write::Record(record) => {
                    let key = format!("{prefix}task:{}", record.id);
                    let status = Event::TaskStatus {
                        task_id: record.id.clone(),
                        view: serde_json::from_str(record.view.get()).unwrap_or_default(),
                    };
                    let ttl = record.ttl_ms;
                    let kept = serde_json::to_string(&Kept { owner, record });
                    let (Ok(kept), Ok(status)) = (kept, serde_json::to_string(&status)) else {
                        continue;
                    };
                    pipe.cmd("SET")
                        .arg(&key)
                        .arg(kept)
                        .arg("PX")
                        .arg(ttl)
                        .ignore();
                    pipe.publish(&events, status).ignore();
                }
                Write::Done(nonce) => {
                    if let Ok(done) = serde_json::to_string(&Message::Done { nonce }) {
                        pipe.publish(&channel, done).ignore();
                    }
                }
            }
        }
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(error = %e, "tasks' states could not be kept in Redis: other instances see them late or not at all");
        }
    }
}
