//! Multi-round requests (MCP 2026-07-28). A modern client cannot be sent requests: when a
//! handler asks it something (`ctx.elicit`, `ctx.sample`, `ctx.list_roots`), the call ends
//! with an `InputRequiredResult` holding the questions and a sealed `requestState`. The
//! client's retry carries the answers; the handler runs again from its start, and every
//! question it asked before now gets its answer at once, so the same body goes on past
//! the question it stopped at.
//!
//! The state is the answers so far, bound to the request (method, name, a digest of the
//! arguments), to the caller, and to an expiry, sealed with HMAC-SHA256 under the server's
//! keys: any process that serves the same code with the same key can resume it.

use crate::protocol::{ErrorObject, Meta};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::pin;
use std::sync::{Mutex, PoisonError};
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

/// The keys that seal `requestState`, and how long a state stays valid.
#[derive(Clone)]
pub struct RequestStateKeys {
    /// The first signs; all are accepted (rotation: put the new key first, keep the old
    /// one until the states it sealed have expired).
    keys: Vec<Vec<u8>>,
    ttl: Duration,
    /// Made up at start: a retry that reaches another process fails.
    pub(crate) random: bool,
}

impl std::fmt::Debug for RequestStateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestStateKeys")
            .field("keys", &self.keys.len())
            .field("ttl", &self.ttl)
            .field("random", &self.random)
            .finish()
    }
}

/// How long a `requestState` is accepted by default: time for a user to answer a form.
pub const DEFAULT_STATE_TTL: Duration = Duration::from_secs(15 * 60);

impl RequestStateKeys {
    /// Keys given by the program (the first signs). Each should be at least 32 random
    /// bytes; `None` when `keys` is empty.
    pub fn new<K: AsRef<[u8]>>(keys: impl IntoIterator<Item = K>, ttl: Duration) -> Option<Self> {
        let keys: Vec<Vec<u8>> = keys
            .into_iter()
            .map(|k| k.as_ref().to_vec())
            .filter(|k| !k.is_empty())
            .collect();
        (!keys.is_empty()).then_some(RequestStateKeys {
            keys,
            ttl,
            random: false,
        })
    }

    /// The keys of `MCP_REQUEST_STATE_KEY` (comma-separated, the first signs), else one
    /// random key for this process.
    pub fn from_env_or_random(ttl: Duration) -> Self {
        if let Ok(text) = std::env::var("MCP_REQUEST_STATE_KEY")
            && let Some(keys) = RequestStateKeys::new(text.split(',').map(str::trim), ttl)
        {
            return keys;
        }
        let mut key = vec![0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // Never a predictable key: the time and the address space's layout are poor,
            // but an HMAC key no attacker sees is all this needs to be unguessable.
            let seed = format!("{:?}{:p}", SystemTime::now(), &key);
            key = Sha256::digest(seed.as_bytes()).to_vec();
        }
        RequestStateKeys {
            keys: vec![key],
            ttl,
            random: true,
        }
    }

    /// How long a state stays valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn mac(key: &[u8], payload: &[u8]) -> Option<HmacSha256> {
        let mut mac = HmacSha256::new_from_slice(key).ok()?;
        mac.update(payload);
        Some(mac)
    }

    fn seal(&self, state: &State) -> Result<String, ErrorObject> {
        let json = serde_json::to_vec(state)
            .map_err(|e| ErrorObject::internal(format!("requestState: {e}")))?;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = b64.encode(json);
        let key = self.keys.first().map(Vec::as_slice).unwrap_or_default();
        let tag = Self::mac(key, payload.as_bytes())
            .ok_or_else(|| ErrorObject::internal("requestState: no key"))?
            .finalize()
            .into_bytes();
        Ok(format!("v1.{payload}.{}", b64.encode(tag)))
    }

    /// The state `text` holds, when one of the keys sealed it.
    fn open(&self, text: &str) -> Result<State, ErrorObject> {
        let bad = || {
            ErrorObject::invalid_params(
                "Invalid params: requestState failed verification: pass back, unchanged, the requestState of this server's last answer to this request",
            )
        };
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let rest = text.strip_prefix("v1.").ok_or_else(bad)?;
        let (payload, tag) = rest.split_once('.').ok_or_else(bad)?;
        let tag = b64.decode(tag).map_err(|_| bad())?;
        let verified = self.keys.iter().any(|key| {
            Self::mac(key, payload.as_bytes()).is_some_and(|mac| mac.verify_slice(&tag).is_ok())
        });
        if !verified {
            return Err(bad());
        }
        let json = b64.decode(payload).map_err(|_| bad())?;
        serde_json::from_slice(&json).map_err(|_| bad())
    }
}

/// The question digest of an answer the client gave before being asked.
const ANY: &str = "*";

/// What a state is bound to: the request it belongs to and who made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Binding {
    /// The method (`tools/call`, `prompts/get`, `resources/read`).
    #[serde(rename = "m")]
    pub method: String,
    /// The tool or prompt name, or the resource URI.
    #[serde(rename = "n")]
    pub name: String,
    /// SHA-256 of the arguments, canonical (keys sorted).
    #[serde(rename = "a")]
    pub arguments: String,
    /// The authenticated caller, when there is one.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl Binding {
    pub(crate) fn new(method: &str, name: &str, arguments: Option<&Value>) -> Self {
        Binding {
            method: method.to_owned(),
            name: name.to_owned(),
            arguments: digest(arguments.unwrap_or(&Value::Null)),
            subject: None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct State {
    #[serde(rename = "b")]
    binding: Binding,
    /// Expiry, in seconds since the Unix epoch.
    #[serde(rename = "e")]
    expires: u64,
    /// The questions answered so far: key, digest of the question, answer.
    #[serde(rename = "d")]
    answered: Vec<(String, String, Value)>,
    /// The questions of the last round: key, digest of the question.
    #[serde(rename = "q")]
    asked: Vec<(String, String)>,
}

/// The arguments a state is bound to, kept as they came: digested only when a state is
/// sealed or checked (most calls ask nothing and never pay for it).
pub(crate) enum Arguments {
    None,
    Value(Value),
    Tool(crate::server::ToolArguments),
}

impl Arguments {
    fn value(&self) -> Option<Value> {
        match self {
            Arguments::None => None,
            Arguments::Value(v) => Some(v.clone()),
            Arguments::Tool(args) => Some(Value::Object(args.to_map())),
        }
    }
}

/// What a round's state is bound to, before it is digested.
pub(crate) struct Subject {
    pub(crate) method: &'static str,
    pub(crate) name: String,
    pub(crate) arguments: Arguments,
    /// The authenticated caller's subject, when there is one.
    pub(crate) caller: Option<String>,
}

impl Subject {
    fn binding(&self) -> Binding {
        Binding {
            subject: self.caller.clone(),
            ..Binding::new(self.method, &self.name, self.arguments.value().as_ref())
        }
    }
}

/// One run of a multi-round request: the answers it may use, and the questions it asked
/// that have none.
pub(crate) struct Round {
    subject: Subject,
    /// Answers by key: digest of the question, answer.
    answers: Vec<(String, String, Value)>,
    inner: Mutex<RoundInner>,
}

#[derive(Default)]
struct RoundInner {
    next: usize,
    /// Answers this run used, carried into the next state.
    used: Vec<(String, String, Value)>,
    /// Questions without an answer: key, digest, `{method, params}`.
    asked: Vec<(String, String, Value)>,
    /// Client capabilities the handler needed and the client did not declare.
    missing: Vec<&'static str>,
    /// An answer of the retry that does not parse.
    invalid: Option<String>,
}

/// Why a handler stopped before finishing.
pub(crate) enum Interrupt {
    /// It needs capabilities the client did not declare (-32021).
    Missing(Vec<&'static str>),
    /// An answer does not parse (-32602).
    Invalid(String),
    /// It asked questions: answer with an `InputRequiredResult`.
    Ask,
}

/// What a question gets.
pub(crate) enum Asked {
    /// Its answer, from the retry.
    Answer(Box<RawValue>),
    /// None yet: the handler waits forever and the call ends with the question.
    Pending,
}

impl Round {
    /// The round of a request: a first call (no state), or a retry whose state must be
    /// valid, unexpired and bound to this very request.
    pub(crate) fn open(
        keys: &RequestStateKeys,
        subject: Subject,
        request_state: Option<&str>,
        input_responses: Option<&Map<String, Value>>,
    ) -> Result<Round, ErrorObject> {
        let (mut answers, asked) = match request_state {
            None => (Vec::new(), Vec::new()),
            Some(text) => {
                let state = keys.open(text)?;
                if state.expires < now_secs() {
                    return Err(ErrorObject::invalid_params(
                        "Invalid params: requestState has expired: send the request again without requestState and inputResponses",
                    ));
                }
                if state.binding != subject.binding() {
                    return Err(ErrorObject::invalid_params(format!(
                        "Invalid params: requestState belongs to another request: it was issued for {} `{}` with other arguments or another caller; retry the original request unchanged",
                        state.binding.method, state.binding.name
                    )));
                }
                (state.answered, state.asked)
            }
        };
        // An answer is the client's word, as it would be mid-call: one to a question of the
        // last round is bound to that question; one given unasked (without a state, or
        // under another key) answers whatever the handler asks under its key. Keys the
        // handler never asks are ignored.
        for (key, answer) in input_responses.into_iter().flatten() {
            if answers.iter().any(|(k, ..)| k == key) {
                continue;
            }
            let question = asked
                .iter()
                .find(|(k, _)| k == key)
                .map_or_else(|| ANY.to_owned(), |(_, d)| d.clone());
            answers.push((key.clone(), question, answer.clone()));
        }
        Ok(Round::fresh(subject, answers))
    }

    fn fresh(subject: Subject, answers: Vec<(String, String, Value)>) -> Round {
        Round {
            subject,
            answers,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RoundInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The handler asks `method` with `params`: its answer when the client gave one to
    /// this same question, else the question is kept for the result.
    pub(crate) fn ask(&self, key: Option<&str>, method: &str, params: Value) -> Asked {
        let request = serde_json::json!({ "method": method, "params": params });
        let question = digest(&request);
        let mut inner = self.lock();
        let n = inner.next;
        inner.next += 1;
        // Keys are unique within a request: a key given twice is numbered.
        let key = match key {
            Some(key)
                if !inner.asked.iter().any(|(k, ..)| k == key)
                    && !inner.used.iter().any(|(k, ..)| k == key) =>
            {
                key.to_owned()
            }
            Some(key) => format!("{key}_{n}"),
            None => format!("q{n}"),
        };
        let found = self
            .answers
            .iter()
            .find(|(k, d, _)| *k == key && (*d == question || d == ANY));
        if let Some((k, _, answer)) = found
            && let Ok(raw) = serde_json::value::to_raw_value(answer)
        {
            inner.used.push((k.clone(), question, answer.clone()));
            return Asked::Answer(raw);
        }
        inner.asked.push((key, question, request));
        Asked::Pending
    }

    /// The handler needs `capability`, which the client did not declare.
    pub(crate) fn need(&self, capability: &'static str) {
        let mut inner = self.lock();
        if !inner.missing.contains(&capability) {
            inner.missing.push(capability);
        }
    }

    /// An answer the handler got does not parse as what it asked.
    pub(crate) fn reject(&self, message: String) {
        self.lock().invalid.get_or_insert(message);
    }

    /// Why the handler, now waiting, cannot go on; `None` while it waits for something
    /// else.
    pub(crate) fn interrupt(&self) -> Option<Interrupt> {
        let inner = self.lock();
        if let Some(message) = &inner.invalid {
            Some(Interrupt::Invalid(message.clone()))
        } else if !inner.missing.is_empty() {
            Some(Interrupt::Missing(inner.missing.clone()))
        } else if !inner.asked.is_empty() {
            Some(Interrupt::Ask)
        } else {
            None
        }
    }

    /// The `InputRequiredResult` of this run (without `resultType`, added with the other
    /// modern fields): its questions, and the sealed state of the answers so far.
    pub(crate) fn input_required(
        &self,
        keys: &RequestStateKeys,
    ) -> Result<Box<RawValue>, ErrorObject> {
        let inner = self.lock();
        let state = State {
            binding: self.subject.binding(),
            expires: now_secs().saturating_add(keys.ttl.as_secs()),
            answered: inner.used.clone(),
            asked: inner
                .asked
                .iter()
                .map(|(k, d, _)| (k.clone(), d.clone()))
                .collect(),
        };
        let requests: Meta = inner
            .asked
            .iter()
            .map(|(k, _, request)| (k.clone(), request.clone()))
            .collect();
        let result = serde_json::json!({
            "inputRequests": requests,
            "requestState": keys.seal(&state)?,
        });
        serde_json::value::to_raw_value(&result)
            .map_err(|e| ErrorObject::internal(format!("InputRequiredResult: {e}")))
    }
}

/// Runs `work` until it finishes, or until it waits on a question of `round` (or needs a
/// capability the client lacks): then it is dropped and the interrupt returned. Without a
/// round, this is `work` itself.
pub(crate) async fn until_input<F: Future>(
    work: F,
    round: Option<&Round>,
) -> Result<F::Output, Interrupt> {
    let mut work = pin!(work);
    std::future::poll_fn(|cx| match work.as_mut().poll(cx) {
        Poll::Ready(out) => Poll::Ready(Ok(out)),
        Poll::Pending => match round.and_then(Round::interrupt) {
            Some(interrupt) => Poll::Ready(Err(interrupt)),
            None => Poll::Pending,
        },
    })
    .await
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// SHA-256 of `value`'s canonical JSON (object keys sorted), hex.
fn digest(value: &Value) -> String {
    let mut hasher = Sha256::new();
    canonical(value, &mut hasher);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn canonical(value: &Value, out: &mut Sha256) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.update(b"{");
            for key in keys {
                out.update(serde_json::to_string(key).unwrap_or_default().as_bytes());
                out.update(b":");
                if let Some(v) = map.get(key) {
                    canonical(v, out);
                }
                out.update(b",");
            }
            out.update(b"}");
        }
        Value::Array(items) => {
            out.update(b"[");
            for item in items {
                canonical(item, out);
                out.update(b",");
            }
            out.update(b"]");
        }
        other => out.update(other.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys() -> RequestStateKeys {
        RequestStateKeys::new(["k1"], DEFAULT_STATE_TTL).unwrap()
    }

    fn binding() -> Subject {
        subject(json!({"a": 1, "b": [1, 2]}))
    }

    fn subject(arguments: Value) -> Subject {
        Subject {
            method: "tools/call",
            name: "book".into(),
            arguments: Arguments::Value(arguments),
            caller: None,
        }
    }

    #[test]
    fn a_retry_gets_its_answer_and_a_tampered_state_is_refused() {
        let keys = keys();
        let first = Round::open(&keys, binding(), None, None).unwrap();
        assert!(matches!(
            first.ask(None, "roots/list", json!({})),
            Asked::Pending
        ));
        let result: Value =
            serde_json::from_str(first.input_required(&keys).unwrap().get()).unwrap();
        let state = result["requestState"].as_str().unwrap().to_owned();
        assert_eq!(result["inputRequests"]["q0"]["method"], "roots/list");

        let answers = json!({"q0": {"roots": []}});
        let retry = Round::open(&keys, binding(), Some(&state), answers.as_object()).unwrap();
        assert!(matches!(
            retry.ask(None, "roots/list", json!({})),
            Asked::Answer(_)
        ));
        // Another question at the same place is asked, not answered with the old answer.
        let changed = Round::open(&keys, binding(), Some(&state), answers.as_object()).unwrap();
        assert!(matches!(
            changed.ask(None, "roots/list", json!({"x": 1})),
            Asked::Pending
        ));

        let mut tampered = state.clone().into_bytes();
        let at = tampered.len() / 2;
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(Round::open(&keys, binding(), Some(&tampered), None).is_err());
        // Same key order or not, the arguments bind the state; other arguments do not.
        let reordered = subject(json!({"b": [1, 2], "a": 1}));
        assert!(Round::open(&keys, reordered, Some(&state), None).is_ok());
        let other = subject(json!({"a": 2}));
        assert!(Round::open(&keys, other, Some(&state), None).is_err());
        // Another server's key does not open it; a rotated set that still holds it does.
        let foreign = RequestStateKeys::new(["k2"], DEFAULT_STATE_TTL).unwrap();
        assert!(Round::open(&foreign, binding(), Some(&state), None).is_err());
        let rotated = RequestStateKeys::new(["k2", "k1"], DEFAULT_STATE_TTL).unwrap();
        assert!(Round::open(&rotated, binding(), Some(&state), None).is_ok());
    }

    #[test]
    fn an_expired_state_is_refused() {
        let keys = RequestStateKeys::new(["k1"], Duration::ZERO).unwrap();
        let round = Round::open(&keys, binding(), None, None).unwrap();
        let _ = round.ask(Some("roots"), "roots/list", json!({}));
        let result: Value =
            serde_json::from_str(round.input_required(&keys).unwrap().get()).unwrap();
        let mut state: State = keys.open(result["requestState"].as_str().unwrap()).unwrap();
        state.expires = now_secs() - 1;
        let sealed = keys.seal(&state).unwrap();
        let err = Round::open(&keys, binding(), Some(&sealed), None)
            .err()
            .unwrap();
        assert!(err.message.contains("expired"), "{}", err.message);
    }
}
