//! Sessions kept in Redis (cargo feature `redis`), so that several instances behind a load
//! balancer serve the same sessions: any of them answers a request with a session id,
//! whichever made it, and a DELETE on one ends it on all.
//!
//! Each session is one hash, `{prefix}session:{id}`, expiring after the idle timeout: the
//! facts of `initialize` as JSON (`facts`), the log level (`level`), `init` once the client
//! sent `notifications/initialized`, and one `sub:{uri}` field per resource subscription,
//! each written on its own so that changes made at once through different instances do not
//! overwrite each other; a sorted set, `{prefix}sessions`, holds the ids by
//! expiry, for the session limit. Every request costs one round trip, a script that
//! checks the session exists, renews its expiry and reads its record (a change made on
//! another instance, a log level for one, is seen at once). Changes (`logging/setLevel`,
//! `resources/subscribe`, `notifications/initialized`) are written before the request is
//! answered. An instance keeps the sessions it served in memory too (their streams, the
//! requests in flight), and forgets those idle past the timeout.

use super::redis_tasks::RedisTasks;
use super::session::{Change, Forward, Session, SessionRecord};
use super::store::{
    EventLog, LoggedEvent, SessionFactory, SessionStore, StoreError, StoreFuture, StreamLog,
    new_session_id,
};
use super::{Event, Server};
use crate::protocol::{ErrorObject, RequestId};
use foldhash::fast::RandomState;
use futures_util::StreamExt as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Adds a session if the limit allows. KEYS: the set, the session's key. ARGV: now (ms),
/// its expiry (ms), the limit, the id, the idle timeout (ms), then the hash's fields and
/// values.
const INSERT: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('HSET', KEYS[2], unpack(ARGV, 6))
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
";

/// Renews a session and reads its hash; nil when there is none. KEYS: the set, the
/// session's key. ARGV: its new expiry (ms), the idle timeout (ms), the id.
const TOUCH: &str = r"
local record = redis.call('HGETALL', KEYS[2])
if #record == 0 then
  redis.call('ZREM', KEYS[1], ARGV[3])
  return false
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[3])
return record
";

/// Writes one field of a session's hash (or deletes it) if the session still exists.
/// KEYS: the session's key. ARGV: `set` or `del`, the field, its value.
const UPDATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'del' then
  redis.call('HDEL', KEYS[1], ARGV[2])
else
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
end
return 1
";

/// Publishes an event numbered in the order of every instance's events, and keeps the
/// last ones, so that an instance taking over a dead one's stream finds what it missed.
/// KEYS: the counter, the list. ARGV: the event (JSON), how many to keep, the channel.
const PUBLISH_EVENT: &str = r"
local n = redis.call('INCR', KEYS[1])
local entry = n .. ' ' .. ARGV[1]
redis.call('RPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('PUBLISH', ARGV[3], entry)
return n
";

/// Numbered events kept for an instance that takes over a dead one's stream.
const EVENTS_KEPT: usize = 1024;

/// What `initialize` settled, which no later request changes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Facts {
    protocol_version: String,
    #[serde(default)]
    client_info: Option<crate::protocol::Implementation>,
    #[serde(default)]
    client_capabilities: crate::protocol::ClientCapabilities,
    #[serde(default)]
    subject: Option<String>,
}

/// A record as the fields and values of its hash.
fn fields(record: &SessionRecord) -> Result<Vec<String>, serde_json::Error> {
    let facts = serde_json::to_string(&Facts {
        protocol_version: record.protocol_version.clone(),
        client_info: record.client_info.clone(),
        client_capabilities: record.client_capabilities.clone(),
        subject: record.subject.clone(),
    })?;
    let mut fields = vec!["facts".to_owned(), facts];
    if let Some(level) = record.log_level {
        fields.extend(["level".to_owned(), level.as_str().to_owned()]);
    }
    if record.initialized {
        fields.extend(["init".to_owned(), "1".to_owned()]);
    }
    for uri in &record.subscriptions {
        fields.extend([format!("sub:{uri}"), "1".to_owned()]);
    }
    Ok(fields)
}

/// A record from the fields and values of its hash (as `HGETALL` gives them).
fn record_of(flat: &[String]) -> Result<SessionRecord, String> {
    let mut facts = None;
    let mut record = SessionRecord {
        protocol_version: String::new(),
        client_info: None,
        client_capabilities: crate::protocol::ClientCapabilities::default(),
        log_level: None,
        subscriptions: Vec::new(),
        subject: None,
        initialized: false,
    };
    for pair in flat.chunks_exact(2) {
        let (field, value) = (pair[0].as_str(), pair[1].as_str());
        match field {
            "facts" => {
                facts = Some(serde_json::from_str::<Facts>(value).map_err(|e| e.to_string())?);
            }
            "level" => {
                record.log_level = crate::protocol::LoggingLevel::ALL
                    .into_iter()
                    .find(|l| l.as_str() == value);
            }
            "init" => record.initialized = true,
            _ => {
                if let Some(uri) = field.strip_prefix("sub:") {
                    record.subscriptions.push(uri.to_owned());
                }
            }
        }
    }
    let facts = facts.ok_or("the session has no facts")?;
    record.protocol_version = facts.protocol_version;
    record.client_info = facts.client_info;
    record.client_capabilities = facts.client_capabilities;
    record.subject = facts.subject;
    record.subscriptions.sort_unstable();
    Ok(record)
}

/// How a [`RedisStore`] connects and what it allows.
#[derive(Clone, Debug)]
pub struct RedisSettings {
    /// `redis://host:port/db` (or `rediss://` for TLS, `redis+unix://` for a socket).
    pub url: String,
    /// Prefix of every key, to share one Redis between servers (default `mcp:`).
    pub prefix: String,
    /// Sessions at most, across every instance.
    pub max_sessions: usize,
    /// A session unused for this long is forgotten, on every instance.
    pub idle_timeout: Duration,
    /// Longest wait for one answer from Redis: past it the request gets 503, never a hang.
    pub response_timeout: Duration,
    /// How long the events of an SSE stream stay resumable after its last event, on any
    /// instance (a minute once the stream has ended).
    pub stream_ttl: Duration,
}

impl RedisSettings {
    /// Settings for `url`, with the limits of the HTTP transport's defaults.
    pub fn new(url: impl Into<String>) -> Self {
        RedisSettings {
            url: url.into(),
            prefix: "mcp:".into(),
            max_sessions: 10_000,
            idle_timeout: Duration::from_secs(30 * 60),
            response_timeout: Duration::from_secs(2),
            stream_ttl: Duration::from_secs(5 * 60),
        }
    }
}

/// The sessions this process served, with when it last did.
type Local = Arc<Mutex<HashMap<String, (Arc<Session>, Instant), RandomState>>>;

/// Sessions in Redis, shared by every instance that uses the same Redis and prefix. The
/// server's events (resource updates, list changes) go through a Redis channel too, so
/// that they reach the sessions and listeners of every instance.
pub struct RedisStore {
    client: redis::Client,
    conn: ConnectionManager,
    settings: RedisSettings,
    set_key: String,
    insert: redis::Script,
    touch: redis::Script,
    update: Arc<redis::Script>,
    local: Local,
    /// This process among the instances (its number, in hex): the prefix of its requests
    /// to clients, and who took a session's GET stream.
    instance: String,
    last_sweep: Mutex<Instant>,
    make: OnceLock<SessionFactory>,
    events: Arc<RedisEventLog>,
    tasks: Arc<RedisTasks>,
}

impl RedisStore {
    /// Connects to Redis (failing now, with the reason, when it cannot). Once connected,
    /// a lost connection is re-established in the background, with backoff; meanwhile
    /// requests get 503.
    pub async fn connect(settings: RedisSettings) -> Result<RedisStore, StoreError> {
        let unavailable = |e: redis::RedisError| {
            StoreError::Unavailable(format!("Redis at {}: {e}", redact(&settings.url)))
        };
        let client = redis::Client::open(settings.url.as_str()).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(settings.response_timeout))
            .set_connection_timeout(Some(settings.response_timeout))
            .set_max_delay(Duration::from_secs(5));
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(unavailable)?;
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(StoreError::Random)?;
        let number = u32::from_le_bytes(bytes).max(1);
        let events = RedisEventLog::start(conn.clone(), &settings, number);
        let tasks = RedisTasks::start(
            conn.clone(),
            &settings.prefix,
            number,
            settings.response_timeout,
        );
        Ok(RedisStore {
            events,
            tasks,
            client,
            conn,
            set_key: format!("{}sessions", settings.prefix),
            settings,
            insert: redis::Script::new(INSERT),
            touch: redis::Script::new(TOUCH),
            update: Arc::new(redis::Script::new(UPDATE)),
            local: Arc::default(),
            instance: format!("{number:08x}"),
            last_sweep: Mutex::new(Instant::now()),
            make: OnceLock::new(),
        })
    }

    fn key(&self, id: &str) -> String {
        format!("{}session:{id}", self.settings.prefix)
    }

    fn idle_ms(&self) -> u64 {
        u64::try_from(self.settings.idle_timeout.as_millis()).unwrap_or(u64::MAX)
    }

    fn expiry_ms(&self) -> u64 {
        now_ms().saturating_add(self.idle_ms())
    }

    fn unavailable(&self, e: &redis::RedisError) -> StoreError {
        tracing::warn!(error = %e, url = %redact(&self.settings.url), "the Redis session store failed");
        redis_unavailable(e)
    }

    fn local(&self) -> MutexGuard<'_, HashMap<String, (Arc<Session>, Instant), RandomState>> {
        lock_local(&self.local)
    }

    fn channel(&self) -> String {
        format!("{}events", self.settings.prefix)
    }

    fn forward_channel(&self) -> String {
        format!("{}forward", self.settings.prefix)
    }

    /// Has `server`'s events published on the channel, and delivers those of every
    /// instance (this one's included) to this process's sessions and listeners.
    fn relay_events(&self, server: &Server) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                "the Redis session store was set up outside a tokio runtime: events stay on this instance"
            );
            return;
        };
        let channel = self.channel();
        let (conn, publish_channel) = (self.conn.clone(), channel.clone());
        let local_server = server.clone();
        let script = Arc::new(redis::Script::new(PUBLISH_EVENT));
        let keys = Arc::new([
            format!("{}eventseq", self.settings.prefix),
            format!("{}eventlog", self.settings.prefix),
        ]);
        server.set_relay(Arc::new(move |event: Event| {
            let (mut conn, channel, server) =
                (conn.clone(), publish_channel.clone(), local_server.clone());
            let (script, keys) = (script.clone(), keys.clone());
            let Ok(json) = serde_json::to_string(&event) else {
                return;
            };
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                server.deliver(&event);
                return;
            };
            runtime.spawn(async move {
                let published: redis::RedisResult<u64> = script
                    .key(&keys[0])
                    .key(&keys[1])
                    .arg(json)
                    .arg(EVENTS_KEPT)
                    .arg(&channel)
                    .invoke_async(&mut conn)
                    .await;
                if let Err(e) = published {
                    tracing::warn!(error = %e, "an event could not be published to Redis: only this instance's sessions hear of it");
                    server.deliver(&event);
                }
            });
        }));
        let listener = Listener {
            client: self.client.clone(),
            conn: self.conn.clone(),
            channel,
            forward_channel: self.forward_channel(),
            tasks: self.tasks.clone(),
            instance: self.instance.clone(),
            heard: self.events.heard.clone(),
            server: server.clone(),
            local: self.local.clone(),
            prefix: self.settings.prefix.clone(),
        };
        runtime.spawn(listener.run());
    }

    /// Forgets (and ends) the copies of sessions this process has not served for the idle
    /// timeout: another instance may still serve them.
    fn sweep(&self) {
        let now = Instant::now();
        {
            let mut last = self
                .last_sweep
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if now.duration_since(*last) < Duration::from_secs(10) {
                return;
            }
            *last = now;
        }
        let idle = self.settings.idle_timeout;
        let stale: Vec<Arc<Session>> = {
            let mut local = self.local();
            // Only copies nothing else holds: a request still running here, or a stream
            // open here, keeps its session (the client may be using other instances).
            let ids: Vec<String> = local
                .iter()
                .filter(|(_, (session, used))| {
                    now.duration_since(*used) >= idle && Arc::strong_count(session) == 1
                })
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter()
                .filter_map(|id| local.remove(id).map(|(s, _)| s))
                .collect()
        };
        for session in stale {
            session.end(super::session::EndReason::Closed);
        }
    }

    /// Has `session` write its changes under `id`, and pass what it cannot handle to the
    /// other instances.
    fn watch(&self, id: &str, session: &Session) {
        let (conn, script, key) = (self.conn.clone(), self.update.clone(), self.key(id));
        let url = redact(&self.settings.url);
        let (fconn, fchannel, fid, own, me) = (
            self.conn.clone(),
            self.forward_channel(),
            id.to_owned(),
            format!("{}-", self.instance),
            self.instance.clone(),
        );
        session.set_forward(
            own.clone(),
            Arc::new(move |what: Forward| {
                // An answer to one of our own requests that nobody waits for any more
                // concerns no other instance.
                if let Forward::Answer {
                    id: RequestId::String(id),
                    ..
                } = &what
                    && id.starts_with(&own)
                {
                    return;
                }
                let Ok(json) = serde_json::to_string(&Forwarded::of(&fid, &me, what)) else {
                    return;
                };
                let (mut conn, channel) = (fconn.clone(), fchannel.clone());
                let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                    return;
                };
                runtime.spawn(async move {
                    if let Err(e) = publish(&mut conn, &channel, json).await {
                        tracing::warn!(error = %e, "a client's answer or cancellation could not be passed to the other instances");
                    }
                });
            }),
        );
        session.set_persist(Arc::new(move |change: Change| {
            let (mut conn, script, key, url) = (conn.clone(), script.clone(), key.clone(), url.clone());
            Box::pin(async move {
                let (op, field, value) = match change {
                    Change::LogLevel(level) => ("set", "level".to_owned(), level.as_str()),
                    Change::Initialized => ("set", "init".to_owned(), "1"),
                    Change::Subscribed(uri) => ("set", format!("sub:{uri}"), "1"),
                    Change::Unsubscribed(uri) => ("del", format!("sub:{uri}"), ""),
                };
                let written: Result<i64, _> = script
                    .key(&key)
                    .arg(op)
                    .arg(field)
                    .arg(value)
                    .invoke_async(&mut conn)
                    .await;
                if let Err(e) = written {
                    tracing::warn!(error = %e, %url, "a session's change could not be written to Redis; other instances do not see it");
                }
            })
        }));
    }
}

impl SessionStore for RedisStore {
    fn bind(&self, server: &Server, make: SessionFactory) {
        if self.make.set(make).is_ok() {
            server.inner.tasks.share(self.tasks.clone());
            self.relay_events(server);
        }
    }

    fn insert(&self, session: Arc<Session>) -> StoreFuture<'_, Result<String, StoreError>> {
        Box::pin(async move {
            self.sweep();
            let id = new_session_id().map_err(StoreError::Random)?;
            let record = fields(&session.record())
                .map_err(|e| StoreError::Unavailable(format!("the session's record: {e}")))?;
            let mut conn = self.conn.clone();
            let added: i64 = self
                .insert
                .key(&self.set_key)
                .key(self.key(&id))
                .arg(now_ms())
                .arg(self.expiry_ms())
                .arg(self.settings.max_sessions)
                .arg(&id)
                .arg(self.idle_ms())
                .arg(record)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| self.unavailable(&e))?;
            if added == 0 {
                return Err(StoreError::Full);
            }
            self.watch(&id, &session);
            self.local().insert(id.clone(), (session, Instant::now()));
            Ok(id)
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<Option<Arc<Session>>, StoreError>> {
        Box::pin(async move {
            self.sweep();
            let mut conn = self.conn.clone();
            let record: Option<Vec<String>> = self
                .touch
                .key(&self.set_key)
                .key(self.key(id))
                .arg(self.expiry_ms())
                .arg(self.idle_ms())
                .arg(id)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| self.unavailable(&e))?;
            let Some(record) = record else {
                // Ended elsewhere, or expired: so here too.
                if let Some((session, _)) = self.local().remove(id) {
                    session.end(super::session::EndReason::Closed);
                }
                return Ok(None);
            };
            let record = record_of(&record).map_err(|e| {
                StoreError::Unavailable(format!("the session's record in Redis is unreadable: {e}"))
            })?;
            let known = self.local().get_mut(id).map(|(session, used)| {
                *used = Instant::now();
                session.clone()
            });
            let session = match known {
                Some(session) if !session.has_ended() => session,
                _ => {
                    let Some(make) = self.make.get() else {
                        return Err(StoreError::Unavailable(
                            "the Redis store is not bound to a server".into(),
                        ));
                    };
                    let session = make();
                    self.watch(id, &session);
                    self.local()
                        .insert(id.to_owned(), (session.clone(), Instant::now()));
                    session
                }
            };
            if !session.apply(&record) {
                return Ok(None);
            }
            Ok(Some(session))
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let removed: i64 = redis::pipe()
                .del(self.key(id))
                .zrem(&self.set_key, id)
                .ignore()
                .query_async::<(i64,)>(&mut conn)
                .await
                .map(|(n,)| n)
                .map_err(|e| self.unavailable(&e))?;
            if let Some((session, _)) = self.local().remove(id) {
                session.end(super::session::EndReason::Closed);
            }
            // The other instances end their copies now, closing the streams they hold,
            // rather than at their next request for it.
            let ended = Forwarded {
                session: id.to_owned(),
                id: None,
                ended: true,
                result: None,
                error: None,
                cancel: false,
                taken_by: None,
            };
            if let Ok(json) = serde_json::to_string(&ended)
                && let Err(e) = publish(&mut conn, &self.forward_channel(), json).await
            {
                tracing::warn!(error = %e, "the end of a session could not be told to the other instances; each ends it at its next request for it");
            }
            Ok(removed > 0)
        })
    }

    fn forget_all(&self) -> Vec<Arc<Session>> {
        // The sessions stay in Redis: the other instances go on serving them.
        self.local().drain().map(|(_, (s, _))| s).collect()
    }

    fn event_log(&self) -> Option<Arc<dyn EventLog>> {
        Some(self.events.clone())
    }
}

/// Events waiting to be written to Redis, at most, per instance.
const EVENT_QUEUE: usize = 16 * 1024;
/// Events written in one round trip, at most.
const EVENT_BATCH: usize = 256;
/// How often an instance says it is alive, and how long that holds.
const HEARTBEAT: Duration = Duration::from_secs(1);
const HEARTBEAT_TTL_MS: u64 = 3_000;
/// How long an ended stream stays resumable (its last events may not have reached the
/// client).
const ENDED_TTL_MS: u64 = 60_000;

/// The events of SSE streams in Redis ([`EventLog`]): one hash per stream,
/// `{prefix}stream:{session}:{stream}`, with a field `e:{seq}` per event (the stream's
/// last ones), `req` for a request's stream, and `end` once it ended; it expires
/// `stream_ttl` after its last event. Events are written in batches, one round trip
/// each, by one task: in order, and each before it is sent. A stream id carries its
/// instance's number in its top 32 bits, and `{prefix}instance:{number}`, renewed every
/// second, says that instance is alive.
struct RedisEventLog {
    tx: tokio::sync::mpsc::Sender<Keep>,
    conn: ConnectionManager,
    prefix: String,
    instance: u32,
    next: AtomicU32,
    /// The number of the last event this instance heard (and delivered, or is
    /// delivering): kept with each stream's events.
    heard: Arc<AtomicU64>,
}

/// What the event log's writer writes.
enum Keep {
    /// An event, with the number of the last event heard when it was made.
    Event(LoggedEvent, u64),
    /// A client reads this stream here now: the number of the last event heard.
    Attached {
        session: Arc<str>,
        stream: u64,
        heard: u64,
    },
}

impl RedisEventLog {
    fn start(conn: ConnectionManager, settings: &RedisSettings, instance: u32) -> Arc<Self> {
        let (tx, rx) = tokio::sync::mpsc::channel(EVENT_QUEUE);
        let prefix = settings.prefix.clone();
        let ttl = u64::try_from(settings.stream_ttl.as_millis()).unwrap_or(u64::MAX);
        tokio::spawn(write_events(rx, conn.clone(), prefix.clone(), ttl));
        let alive = format!("{prefix}instance:{instance}");
        tokio::spawn(heartbeat(conn.clone(), alive));
        Arc::new(RedisEventLog {
            tx,
            conn,
            prefix,
            instance,
            next: AtomicU32::new(1),
            heard: Arc::default(),
        })
    }
}

fn stream_key(prefix: &str, session: &str, stream: u64) -> String {
    format!("{prefix}stream:{session}:{stream}")
}

impl EventLog for RedisEventLog {
    fn stream_id(&self) -> u64 {
        (u64::from(self.instance) << 32) | u64::from(self.next.fetch_add(1, Ordering::Relaxed))
    }

    fn append(&self, event: LoggedEvent) -> bool {
        let heard = self.heard.load(Ordering::Acquire);
        let queued = self.tx.try_send(Keep::Event(event, heard)).is_ok();
        if !queued {
            tracing::warn!(
                "the Redis event log falls behind: an event goes out without being kept for other instances"
            );
        }
        queued
    }

    fn heard(&self) -> u64 {
        self.heard.load(Ordering::Acquire)
    }

    fn attached(&self, session: Arc<str>, stream: u64) {
        let heard = self.heard.load(Ordering::Acquire);
        if self
            .tx
            .try_send(Keep::Attached {
                session,
                stream,
                heard,
            })
            .is_err()
        {
            tracing::warn!("the Redis event log falls behind: a stream's position is not kept");
        }
    }

    fn missed<'a>(
        &'a self,
        after: u64,
        upto: u64,
    ) -> StoreFuture<'a, Result<Vec<String>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let entries: Vec<String> = redis::cmd("LRANGE")
                .arg(format!("{}eventlog", self.prefix))
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_unavailable(&e))?;
            Ok(entries
                .into_iter()
                .filter_map(|entry| {
                    let (n, json) = entry.split_once(' ')?;
                    let n: u64 = n.parse().ok()?;
                    (n > after && n <= upto).then(|| json.to_owned())
                })
                .collect())
        })
    }

    fn read<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
    ) -> StoreFuture<'a, Result<Option<StreamLog>, StoreError>> {
        Box::pin(async move {
            let key = stream_key(&self.prefix, session, stream);
            let owner = format!("{}instance:{}", self.prefix, stream >> 32);
            let mut conn = self.conn.clone();
            let (fields, alive): (HashMap<String, Vec<u8>>, bool) = redis::pipe()
                .hgetall(&key)
                .exists(&owner)
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_unavailable(&e))?;
            if fields.is_empty() {
                return Ok(None);
            }
            let mut log = StreamLog {
                owner_alive: alive,
                ..StreamLog::default()
            };
            for (field, value) in fields {
                match field.as_str() {
                    "end" => log.ended = true,
                    "heard" => {
                        log.heard = std::str::from_utf8(&value)
                            .ok()
                            .and_then(|v| v.parse().ok());
                    }
                    "req" => log.request = String::from_utf8(value).ok(),
                    _ => {
                        if let Some(seq) = field.strip_prefix("e:").and_then(|n| n.parse().ok()) {
                            log.events.push((seq, bytes::Bytes::from(value)));
                        }
                    }
                }
            }
            log.events.sort_unstable_by_key(|(seq, _)| *seq);
            Ok(Some(log))
        })
    }
}

/// Writes the queued events, a batch per round trip, then lets each go to its client.
/// Redis failing, they go anyway (unkept, which is logged): a client is not held up.
async fn write_events(
    mut rx: tokio::sync::mpsc::Receiver<Keep>,
    mut conn: ConnectionManager,
    prefix: String,
    ttl_ms: u64,
) {
    let ttl = i64::try_from(ttl_ms).unwrap_or(i64::MAX);
    let mut batch = Vec::with_capacity(EVENT_BATCH);
    while rx.recv_many(&mut batch, EVENT_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for keep in &batch {
            let (event, heard) = match keep {
                Keep::Event(event, heard) => (event, *heard),
                Keep::Attached {
                    session,
                    stream,
                    heard,
                } => {
                    let key = stream_key(&prefix, session, *stream);
                    pipe.hset(&key, "heard", *heard).ignore();
                    pipe.pexpire(&key, ttl).ignore();
                    continue;
                }
            };
            let key = stream_key(&prefix, &event.session, event.stream);
            if event.seq == 0 {
                pipe.hset(&key, "end", 1).ignore();
                pipe.pexpire(&key, ENDED_TTL_MS as i64).ignore();
                continue;
            }
            pipe.hset(&key, format!("e:{}", event.seq), event.bytes.as_ref())
                .ignore();
            pipe.hset(&key, "heard", heard).ignore();
            if event.seq == 1
                && let Some(request) = &event.request
            {
                pipe.hset(&key, "req", request.as_ref()).ignore();
            }
            let keep = event.keep as u64;
            if event.seq > keep {
                pipe.hdel(&key, format!("e:{}", event.seq - keep)).ignore();
            }
            pipe.pexpire(&key, ttl).ignore();
        }
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(error = %e, events = batch.len(), "SSE events could not be kept in Redis: a client that resumes on another instance misses them");
        }
        for keep in batch.drain(..) {
            if let Keep::Event(event, _) = keep {
                (event.then)();
            }
        }
    }
}

/// Says every second that this instance is alive (its streams' owner).
async fn heartbeat(mut conn: ConnectionManager, key: String) {
    loop {
        let said: redis::RedisResult<()> = redis::cmd("SET")
            .arg(&key)
            .arg(1)
            .arg("PX")
            .arg(HEARTBEAT_TTL_MS)
            .query_async(&mut conn)
            .await;
        if let Err(e) = said {
            tracing::debug!(error = %e, "this instance's heartbeat could not be written to Redis");
        }
        tokio::time::sleep(HEARTBEAT).await;
    }
}

fn lock_local(
    local: &Local,
) -> MutexGuard<'_, HashMap<String, (Arc<Session>, Instant), RandomState>> {
    local.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A [`Forward`] on the wire, with the session it is for.
#[derive(serde::Serialize, serde::Deserialize)]
struct Forwarded {
    session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<RequestId>,
    /// The session was deleted: every instance ends its copy (and closes its streams).
    #[serde(default)]
    ended: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<ErrorObject>,
    #[serde(default)]
    cancel: bool,
    /// The session's GET stream is read on the instance `from` now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    taken_by: Option<String>,
}

impl Forwarded {
    fn of(session: &str, instance: &str, what: Forward) -> Forwarded {
        let session = session.to_owned();
        match what {
            Forward::Answer { id, outcome } => {
                let (result, error) = match outcome {
                    Ok(result) => (Some(result), None),
                    Err(error) => (None, Some(error)),
                };
                Forwarded {
                    session,
                    id: Some(id),
                    ended: false,
                    result,
                    error,
                    cancel: false,
                    taken_by: None,
                }
            }
            Forward::Cancel { id } => Forwarded {
                session,
                id: Some(id),
                ended: false,
                result: None,
                error: None,
                cancel: true,
                taken_by: None,
            },
            Forward::StreamTaken => Forwarded {
                session,
                id: None,
                ended: false,
                result: None,
                error: None,
                cancel: false,
                taken_by: Some(instance.to_owned()),
            },
        }
    }
}

/// Hears the events every instance publishes and delivers them here.
struct Listener {
    client: redis::Client,
    conn: ConnectionManager,
    channel: String,
    forward_channel: String,
    tasks: Arc<RedisTasks>,
    instance: String,
    /// The number of the last event heard.
    heard: Arc<AtomicU64>,
    server: Server,
    local: Local,
    prefix: String,
}

impl Listener {
    /// Subscribes, and subscribes again after a lost connection (with backoff), for as
    /// long as the process runs.
    async fn run(self) {
        let mut delay = Duration::from_millis(100);
        loop {
            match self.client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub
                    .subscribe(&[
                        self.channel.as_str(),
                        &self.forward_channel,
                        self.tasks.channel(),
                    ])
                    .await
                {
                    Ok(()) => {
                        delay = Duration::from_millis(100);
                        let mut messages = pubsub.on_message();
                        while let Some(message) = messages.next().await {
                            let Ok(payload) = message.get_payload::<String>() else {
                                continue;
                            };
                            if message.get_channel_name() == self.forward_channel {
                                self.forwarded(&payload);
                                continue;
                            }
                            if message.get_channel_name() == self.tasks.channel() {
                                self.tasks.on_message(&payload, &self.server);
                                continue;
                            }
                            // "n {json}" (numbered), or the JSON alone (a task's state).
                            let (number, json) = match payload.split_once(' ') {
                                Some((n, json)) if n.bytes().all(|b| b.is_ascii_digit()) => {
                                    (n.parse::<u64>().ok(), json)
                                }
                                _ => (None, payload.as_str()),
                            };
                            match serde_json::from_str::<Event>(json) {
                                Ok(event) => {
                                    if let Some(n) = number {
                                        // Before it is delivered: what a stream keeps
                                        // while delivering it says it was heard.
                                        self.heard.fetch_max(n, Ordering::AcqRel);
                                    }
                                    self.deliver(event).await;
                                }
                                Err(e) => {
                                    tracing::debug!(error = %e, "an unknown event on the Redis channel")
                                }
                            }
                        }
                        tracing::warn!("the Redis event channel closed; subscribing again");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot subscribe to the Redis event channel")
                    }
                },
                Err(e) => tracing::warn!(error = %e, "cannot reach Redis for events; retrying"),
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// Hands another instance's answer or cancellation to the request here it is for.
    fn forwarded(&self, payload: &str) {
        let Ok(what) = serde_json::from_str::<Forwarded>(payload) else {
            tracing::debug!("an unreadable message on the Redis forward channel");
            return;
        };
        if what.ended {
            let removed = lock_local(&self.local).remove(&what.session);
            if let Some((session, _)) = removed {
                session.end(super::session::EndReason::Closed);
            }
            return;
        }
        let Some(session) = lock_local(&self.local)
            .get(&what.session)
            .map(|(s, _)| s.clone())
        else {
            return;
        };
        if let Some(by) = &what.taken_by {
            if *by != self.instance {
                session.release_stream();
            }
            return;
        }
        let Some(id) = what.id else {
            return;
        };
        if what.cancel {
            session.cancel(&id);
            return;
        }
        if let Some(waiter) = session.take_waiting(&id) {
            let outcome = match (what.result, what.error) {
                (Some(result), _) => Ok(result),
                (None, Some(error)) => Err(error),
                (None, None) => Err(ErrorObject::internal(
                    "the client's answer, passed on by another instance, was empty",
                )),
            };
            let _ = waiter.send(outcome);
        }
    }

    /// Refreshes this process's sessions from Redis (a subscription made through another
    /// instance counts), then tells them and this process's listeners.
    async fn deliver(&self, event: Event) {
        if matches!(event, Event::ResourceUpdated { .. }) {
            let sessions: Vec<(String, Arc<Session>)> = lock_local(&self.local)
                .iter()
                .map(|(id, (s, _))| (id.clone(), s.clone()))
                .collect();
            if !sessions.is_empty() {
                let keys: Vec<String> = sessions
                    .iter()
                    .map(|(id, _)| format!("{}session:{id}", self.prefix))
                    .collect();
                let mut conn = self.conn.clone();
                let mut pipe = redis::pipe();
                for key in &keys {
                    pipe.hgetall(key);
                }
                let records: Result<Vec<Vec<String>>, _> = pipe.query_async(&mut conn).await;
                match records {
                    Ok(records) => {
                        for ((_, session), record) in sessions.iter().zip(records) {
                            if let Ok(record) = record_of(&record) {
                                session.apply(&record);
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the sessions could not be refreshed from Redis before an event")
                    }
                }
            }
        }
        self.server.deliver(&event);
    }
}

/// A Redis failure as the store's error.
pub(super) fn redis_unavailable(e: &redis::RedisError) -> StoreError {
    StoreError::Unavailable(format!("Redis: {e}"))
}

/// Publishes `message` on `channel` (redis-rs's `PUBLISH`).
async fn publish(
    conn: &mut ConnectionManager,
    channel: &str,
    message: String,
) -> redis::RedisResult<()> {
    redis::AsyncCommands::publish::<_, _, i64>(conn, channel, message)
        .await
        .map(drop)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `url` without its password, for logs and errors.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
