//! The JSON-RPC decoder on arbitrary bytes: it never panics, and whatever decodes
//! re-encodes to text that decodes to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_runtime::protocol::{Message, Payload};

fuzz_target!(|data: &[u8]| {
    let messages = match Payload::decode(data) {
        Payload::Single(m) => vec![m],
        Payload::Batch(ms) => ms,
    };
    for message in messages {
        let message = match message {
            Ok(m) => m,
            // An error is answered: its response must serialize.
            Err(e) => Message::Response(e.into_response()),
        };
        let Ok(text) = message.to_json() else {
            panic!("a decoded message does not serialize: {message:?}");
        };
        match Payload::decode(&text) {
            Payload::Single(Ok(again)) => assert_eq!(
                again,
                message,
                "re-decoding changed the message: {}",
                String::from_utf8_lossy(&text)
            ),
            other => panic!(
                "our own encoding does not decode: {} -> {other:?}",
                String::from_utf8_lossy(&text)
            ),
        }
    }
});
