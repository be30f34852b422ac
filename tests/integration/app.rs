//! A minimal app for tests: wallet P (`vectors/credentials/wallet-P.json`, irma-demo
//! credentials recorded from the reference) answers disclosure sessions over HTTP as the
//! Yivi app does: `GET {u}/`, then `POST {u}/proofs`, or `DELETE {u}` to cancel.

use std::collections::HashMap;

use irma::crypto::bigint::Int;
use irma::crypto::idemix::{CLSignature, Credential, ProofRequest, PublicKey, build_proof_list};
use irma::protocol::identifiers::AttributeTypeId;
use num_bigint::BigUint;
use serde_json::{Value, json};

use crate::util::data_dir;

/// The app's protocol version headers and its `Authorization`.
const HEADERS: [(&str, &str); 3] = [
    ("X-IRMA-MinProtocolVersion", "2.8"),
    ("X-IRMA-MaxProtocolVersion", "2.8"),
    ("Authorization", "testappauthorization"),
];

/// Wallet P with an HTTP client.
pub struct App {
    credentials: Vec<(String, Credential)>,
    schemes: irma::scheme::Configuration,
    http: reqwest::Client,
}

impl App {
    /// Loads wallet P; every credential's signature is checked.
    pub fn new() -> Self {
        let file = data_dir().join("vectors/credentials/wallet-P.json");
        let dump: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let dump = &dump["dump"];
        let decimal = |v: &Value| BigUint::parse_bytes(v.as_str().unwrap().as_bytes(), 10).unwrap();
        let secret = decimal(&dump["secretKey"]);
        let scheme = data_dir().join("schemes/irma-demo");
        let mut keys: HashMap<(String, u64), PublicKey> = HashMap::new();
        let credentials = dump["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let issuer = c["issuer"].as_str().unwrap().split('.').nth(1).unwrap();
                let counter = c["publicKeyCounter"].as_u64().unwrap();
                let pk = keys
                    .entry((issuer.to_owned(), counter))
                    .or_insert_with(|| {
                        let path = scheme.join(format!("{issuer}/PublicKeys/{counter}.xml"));
                        PublicKey::from_xml(&std::fs::read_to_string(path).unwrap()).unwrap()
                    })
                    .clone();
                let signature = CLSignature {
                    a: Int(decimal(&c["A"])),
                    e: Int(decimal(&c["e"])),
                    v: Int(decimal(&c["v"])),
                    keyshare_p: None,
                };
                let mut attributes = vec![secret.clone()];
                attributes.extend(c["attributes"].as_array().unwrap().iter().map(decimal));
                let credential = Credential::new(pk, signature, attributes).unwrap();
                (c["credentialType"].as_str().unwrap().to_owned(), credential)
            })
            .collect();
        Self {
            credentials,
            schemes: irma::scheme::Configuration::load(&scheme).unwrap(),
            http: reqwest::Client::new(),
        }
    }

    /// `GET {u}/`: the app's first message; returns the ClientSessionRequest (without
    /// `request` while pairing is pending).
    pub async fn connect(&self, u: &str) -> Value {
        self.get(&format!("{u}/")).await
    }

    /// `GET {u}/request`: the session request, once pairing completed.
    pub async fn request_after_pairing(&self, u: &str) -> Value {
        self.get(&format!("{u}/request")).await
    }

    async fn get(&self, url: &str) -> Value {
        let mut req = self.http.get(url);
        for (k, v) in HEADERS {
            req = req.header(k, v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {url}");
        r.json().await.unwrap()
    }

    /// Connects and discloses (see [`App::prove`]).
    pub async fn disclose(&self, u: &str, tamper_nonce: bool) -> Value {
        let request = self.connect(u).await["request"].clone();
        self.prove(u, &request, tamper_nonce).await
    }

    /// Discloses the first option of every disjunction of `request` to the session at `u`;
    /// with `tamper_nonce` the proofs are over another nonce (the server finds them
    /// INVALID). Returns the server's answer to the proofs.
    pub async fn prove(&self, u: &str, request: &Value, tamper_nonce: bool) -> Value {
        let int = |v: &Value| serde_json::from_value::<Int>(v.clone()).unwrap().0;
        let context = int(&request["context"]);
        let mut nonce = int(&request["nonce"]);
        if tamper_nonce {
            nonce += 1u8;
        }
        // Per credential used: its disclosed indices; per disjunction: the indices.
        let mut used: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut indices = Vec::new();
        for disjunction in request["disclose"].as_array().unwrap() {
            let mut chosen = Vec::new();
            for attr in disjunction[0].as_array().unwrap() {
                let id = AttributeTypeId::parse(attr.as_str().unwrap()).unwrap();
                let (position, _) = self.schemes.attribute_type(&id).unwrap();
                let credential = self
                    .credentials
                    .iter()
                    .position(|(t, _)| *t == id.credential_type().as_str())
                    .unwrap();
                // Index 0 is the secret key, 1 the metadata attribute.
                let index = position + 2;
                let slot = match used.iter().position(|(c, _)| *c == credential) {
                    Some(slot) => slot,
                    None => {
                        used.push((credential, vec![1]));
                        used.len() - 1
                    }
                };
                used[slot].1.push(index);
                chosen.push(json!({"cred": slot, "attr": index}));
            }
            indices.push(chosen);
        }
        for (_, disclosed) in &mut used {
            disclosed.sort_unstable();
            disclosed.dedup();
        }
        let requests: Vec<_> = used
            .iter()
            .map(|(c, disclosed)| ProofRequest::Disclosure {
                credential: &self.credentials[*c].1,
                disclosed,
                nonrev: false,
            })
            .collect();
        let proofs = build_proof_list(&requests, &context, &nonce, false).unwrap();
        let mut req = self
            .http
            .post(format!("{u}/proofs"))
            .json(&json!({"proofs": proofs, "indices": indices}));
        for (k, v) in HEADERS {
            req = req.header(k, v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// `DELETE {u}`: the app cancels the session.
    pub async fn cancel(&self, u: &str) {
        let mut req = self.http.delete(u);
        for (k, v) in HEADERS {
            req = req.header(k, v);
        }
        let r = req.send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
}
