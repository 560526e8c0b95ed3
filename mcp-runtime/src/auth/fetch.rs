//! Fetching the issuer's metadata and keys: HTTPS (rustls, Mozilla's roots) or plain
//! HTTP, or a local file. Bounded in time and size.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::time::Duration;

/// Largest document accepted (metadata, JWKS).
const MAX_BYTES: usize = 1 << 20;
/// Longest a fetch may take.
const TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Fetcher {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Fetcher {
    pub(crate) fn new() -> Result<Self, String> {
        let provider = rustls::crypto::ring::default_provider();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| format!("TLS cannot be set up: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Fetcher {
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// The JSON document at `location`: an `http(s)://` URL, or a file path.
    pub(crate) async fn json(&self, location: &str) -> Result<Value, String> {
        let bytes = if location.starts_with("https://") || location.starts_with("http://") {
            tokio::time::timeout(TIMEOUT, self.get(location))
                .await
                .map_err(|_| format!("{location} did not answer within {TIMEOUT:?}"))??
        } else {
            let bytes = tokio::fs::read(location)
                .await
                .map_err(|e| format!("{location} cannot be read: {e}"))?;
            if bytes.len() > MAX_BYTES {
                return Err(format!("{location} is larger than {MAX_BYTES} bytes"));
            }
            Bytes::from(bytes)
        };
        serde_json::from_slice(&bytes).map_err(|e| format!("{location} is not JSON: {e}"))
    }

    /// POSTs the form `body` (already encoded) to `url` with the header `authorization`,
    /// and reads the JSON answer (RFC 7662 introspection).
    pub(crate) async fn post_form(
        &self,
        url: &str,
        body: String,
        authorization: &str,
    ) -> Result<Value, String> {
        let request = http::Request::post(url)
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::AUTHORIZATION, authorization)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("{url} is not a URL this server can call: {e}"))?;
        let bytes = tokio::time::timeout(TIMEOUT, self.send(url, request))
            .await
            .map_err(|_| format!("{url} did not answer within {TIMEOUT:?}"))??;
        serde_json::from_slice(&bytes).map_err(|e| format!("{url} did not answer JSON: {e}"))
    }

    async fn get(&self, url: &str) -> Result<Bytes, String> {
        let request = http::Request::get(url)
            .header(http::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::new()))
            .map_err(|e| format!("{url} is not a URL this server can fetch: {e}"))?;
        self.send(url, request).await
    }

    async fn send(&self, url: &str, request: http::Request<Full<Bytes>>) -> Result<Bytes, String> {
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("{url} cannot be fetched: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        Limited::new(response.into_body(), MAX_BYTES)
            .collect()
            .await
            .map(|body| body.to_bytes())
            .map_err(|e| format!("{url}: the body cannot be read (at most {MAX_BYTES} bytes): {e}"))
    }
}
