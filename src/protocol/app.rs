//! The app's messages to the server after it received the request (irmago
//! `irma/messages.go`): a disclosure (`POST …/proofs` of a disclosing session) and the
//! issuance commitments (`POST …/commitments`). A signing session's `/proofs` is a
//! [`crate::protocol::signature::SignedMessage`]; the server's answer to all three is a
//! [`crate::protocol::session::ServerSessionResponse`]. The server reads and the wallet
//! writes these same types.

use serde::{Deserialize, Serialize};

use crate::crypto::idemix::{IssueCommitmentMessage, ProofD};
use crate::protocol::messages::Indices;

/// A disclosure (irmago `irma.Disclosure`): one proof per credential used, and for each
/// disjunction of the request the attributes that satisfy it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// The disclosure proofs, under one challenge.
    pub proofs: Vec<ProofD>,
    /// Per disjunction, where its attributes are in `proofs`.
    pub indices: Indices,
}

/// The issuance commitments (irmago `irma.IssueCommitmentMessage`): gabi's message plus the
/// indices of the attributes disclosed alongside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCommitments {
    /// gabi's message: the ProofDs, then one ProofU per credential to issue.
    #[serde(flatten)]
    pub commitments: IssueCommitmentMessage,
    /// Per disjunction of the disclosure part, where its attributes are (absent reads as
    /// none, and none is not written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indices: Indices,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The recorded app messages of every session case, with the path they were posted to.
    fn recorded() -> Vec<(String, String, Value)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors");
        let mut out = Vec::new();
        for folder in [
            "disclosure",
            "issuance",
            "negative",
            "signature",
            "keyshare",
        ] {
            for entry in std::fs::read_dir(root.join(folder)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let case: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let message = &case["client_message"];
                if let (Some(suffix), Some(body)) =
                    (message["path_suffix"].as_str(), message.get("body"))
                {
                    out.push((path.display().to_string(), suffix.to_owned(), body.clone()));
                }
            }
        }
        out
    }

    /// Every recorded disclosure and commitment message reads into these types and writes
    /// back to the same JSON (as values: key order aside).
    #[test]
    fn recorded_messages_round_trip() {
        let (mut disclosures, mut commitments) = (0, 0);
        for (file, suffix, body) in recorded() {
            let back = match suffix.as_str() {
                "commitments" => {
                    commitments += 1;
                    let m: IssueCommitments = serde_json::from_value(body.clone())
                        .unwrap_or_else(|e| panic!("{file}: {e}"));
                    serde_json::to_value(&m).unwrap()
                }
                "proofs" if body.get("indices").is_some() => {
                    let Ok(m) = serde_json::from_value::<Disclosure>(body.clone()) else {
                        // A tampered message the reference could not read either.
                        continue;
                    };
                    disclosures += 1;
                    serde_json::to_value(&m).unwrap()
                }
                _ => continue,
            };
            assert_eq!(strip_nulls(back), strip_nulls(body), "{file}");
        }
        assert!(
            disclosures >= 10 && commitments >= 6,
            "{disclosures} {commitments}"
        );
    }

    /// The recordings write absent optional fields as `null` (Go), we omit them.
    fn strip_nulls(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, strip_nulls(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
            other => other,
        }
    }
}
