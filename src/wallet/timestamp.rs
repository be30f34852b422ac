//! Asking an atum server to timestamp an attribute-based signature (irmago
//! `irma.GetTimestamp`, go-atum `SendRequest`): `POST <server>` with the nonce, answer
//! `{"Stamp": Timestamp}`. The stamp's Ed25519 signature is checked over the nonce before
//! it is used.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::protocol::timestamp::{ED25519, Timestamp};

/// How long the timestamp server may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Serialize)]
struct Request<'a> {
    #[serde(rename = "Nonce")]
    nonce: String,
    #[serde(rename = "ProofOfWork")]
    proof_of_work: Option<()>,
    #[serde(rename = "Time")]
    time: Option<i64>,
    #[serde(rename = "PreferredSigAlg")]
    preferred_sig_alg: &'a str,
}

#[derive(Deserialize)]
struct Response {
    #[serde(rename = "Error", default)]
    error: Option<serde_json::Value>,
    #[serde(rename = "Stamp", default)]
    stamp: Option<Timestamp>,
}

/// Asks `server` to sign `nonce` with the current time; checks the signature.
pub async fn fetch(
    http: &reqwest::Client,
    server: &str,
    nonce: &[u8],
) -> Result<Timestamp, String> {
    let body = Request {
        nonce: STANDARD.encode(nonce),
        proof_of_work: None,
        time: None,
        preferred_sig_alg: ED25519,
    };
    let response = http
        .post(server)
        .json(&body)
        .timeout(TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("timestamp server {server}: {e}"))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("timestamp server {server}: {e}"))?;
    if !status.is_success() {
        return Err(format!("timestamp server {server} answered HTTP {status}"));
    }
    let answer: Response = serde_json::from_slice(&bytes)
        .map_err(|e| format!("timestamp server {server}: malformed answer: {e}"))?;
    if let Some(err) = answer.error.filter(|e| !e.is_null()) {
        return Err(format!("timestamp server {server}: {err}"));
    }
    let stamp = answer
        .stamp
        .ok_or_else(|| format!("timestamp server {server}: no stamp in the answer"))?;
    stamp
        .verify_signature(nonce)
        .map_err(|e| format!("timestamp server {server}: {e}"))?;
    Ok(stamp)
}
