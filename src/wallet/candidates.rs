//! Which credentials answer a disclosure request.
//!
//! The rule (the same as the wallet that recorded the reference vectors):
//! - for each disjunction of `disclose`, in order, the **first option** (inner conjunction)
//!   the wallet can satisfy completely is taken; an empty option satisfies trivially, so
//!   `[[], [...]]` discloses nothing there;
//! - within an option, the attributes of one credential type come from **one credential**:
//!   the newest (latest signing date) of that type that is not expired (unless the request
//!   skips its expiry check), not known to be revoked, able to prove nonrevocation when the
//!   request asks for it (it has a witness), and whose values meet every requested value
//!   and `notNull`;
//! - `--choose` replaces "first option" by the given option index per disjunction.
//!
//! A request with a disjunction that no option satisfies is refused ([`Error::Unsatisfiable`]).

use serde::Serialize;

use super::Error;
use super::credential::WalletCredential;
use crate::protocol::messages::{AttributeIndex, AttributeOrCredential, Indices};
use crate::protocol::request::{AttributeCon, DisclosureRequest};

/// One attribute to disclose and the credential (by hash) it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Chosen {
    /// The requested attribute, or credential type (its metadata is disclosed).
    pub id: AttributeOrCredential,
    /// The credential's value (`None` when absent, or for a credential type).
    pub value: Option<String>,
    /// The hash of the credential it comes from.
    pub credential_hash: String,
}

/// Picks, per disjunction of `request`, the attributes to disclose (see the module rule);
/// `choice` gives the option index per disjunction instead.
pub fn choose(
    request: &DisclosureRequest,
    wallet: &[WalletCredential],
    choice: Option<&[usize]>,
    now: i64,
) -> Result<Vec<Vec<Chosen>>, Error> {
    if let Some(choice) = choice
        && choice.len() != request.disclose.len()
    {
        return Err(Error::BadChoice(format!(
            "{} option indices given, the request has {} disjunctions",
            choice.len(),
            request.disclose.len()
        )));
    }
    let mut chosen = Vec::with_capacity(request.disclose.len());
    let mut missing = Vec::new();
    for (d, discon) in request.disclose.iter().enumerate() {
        let picked = match choice {
            Some(choice) => {
                let con = discon.get(choice[d]).ok_or_else(|| {
                    Error::BadChoice(format!(
                        "disjunction {d} has {} options, option {} asked",
                        discon.len(),
                        choice[d]
                    ))
                })?;
                Some(satisfy(con, request, wallet, now).ok_or_else(|| {
                    Error::BadChoice(format!(
                        "option {} of disjunction {d} is not satisfiable by this wallet",
                        choice[d]
                    ))
                })?)
            }
            None => discon
                .iter()
                .find_map(|con| satisfy(con, request, wallet, now)),
        };
        match picked {
            Some(p) => chosen.push(p),
            None => missing.push(d),
        }
    }
    if !missing.is_empty() {
        return Err(Error::Unsatisfiable { missing });
    }
    Ok(chosen)
}

/// The attributes of `con` from the wallet, or `None` when it cannot satisfy it.
fn satisfy(
    con: &AttributeCon,
    request: &DisclosureRequest,
    wallet: &[WalletCredential],
    now: i64,
) -> Option<Vec<Chosen>> {
    let mut out = Vec::with_capacity(con.len());
    let mut start = 0;
    while start < con.len() {
        let typ = con[start].id.credential_type();
        let end = con[start..]
            .iter()
            .position(|a| a.id.credential_type() != typ)
            .map_or(con.len(), |n| start + n);
        let run = &con[start..end];
        let skip = request.skip_expiry_check.contains(&typ);
        let nonrev = request.base.revocation.0.contains_key(&typ);
        // The wallet is sorted newest first within a type.
        let credential = wallet.iter().find(|c| {
            *c.credential_type() == typ
                && (skip || c.is_valid_at(now))
                && !c.is_revoked()
                && (!nonrev || c.has_witness())
                && run.iter().all(|req| match &req.id {
                    AttributeOrCredential::Credential(_) => true,
                    AttributeOrCredential::Attribute(id) => c
                        .attribute(id)
                        .is_some_and(|(_, v)| req.is_satisfied_by(&req.id, v)),
                })
        })?;
        for req in run {
            let value = match &req.id {
                AttributeOrCredential::Credential(_) => None,
                AttributeOrCredential::Attribute(id) => credential
                    .attribute(id)
                    .and_then(|(_, v)| v.map(str::to_owned)),
            };
            out.push(Chosen {
                id: req.id.clone(),
                value,
                credential_hash: credential.hash().to_owned(),
            });
        }
        start = end;
    }
    Some(out)
}

/// The proofs to build for a choice and the `indices` that point into them (irmago
/// `groupCredentials`): one disclosure proof per distinct credential, in order of first use,
/// always disclosing the metadata attribute (index 1); attribute `i` of the scheme order is
/// index `i + 2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosurePlan {
    /// Per proof: the wallet credential's hash and the attribute indices to disclose.
    pub proofs: Vec<(String, Vec<usize>)>,
    /// Per disjunction: where its attributes are in the proofs.
    pub indices: Indices,
}

impl DisclosurePlan {
    /// Plans the proofs for `chosen` (one list per disjunction).
    pub fn new(chosen: &[Vec<Chosen>], wallet: &[WalletCredential]) -> Result<Self, Error> {
        let mut proofs: Vec<(String, Vec<usize>)> = Vec::new();
        let mut indices = Vec::with_capacity(chosen.len());
        for con in chosen {
            let mut list = Vec::with_capacity(con.len());
            for attr in con {
                let cred = match proofs.iter().position(|(h, _)| *h == attr.credential_hash) {
                    Some(i) => i,
                    None => {
                        proofs.push((attr.credential_hash.clone(), vec![1]));
                        proofs.len() - 1
                    }
                };
                let index = match &attr.id {
                    AttributeOrCredential::Credential(_) => 1,
                    AttributeOrCredential::Attribute(id) => {
                        let credential = wallet
                            .iter()
                            .find(|c| c.hash() == attr.credential_hash)
                            .ok_or_else(|| {
                            Error::NoSuchCredential(attr.credential_hash.clone())
                        })?;
                        let (position, _) = credential.attribute(id).ok_or_else(|| {
                            Error::BadChoice(format!("credential has no attribute {id}"))
                        })?;
                        position + 2
                    }
                };
                if !proofs[cred].1.contains(&index) {
                    proofs[cred].1.push(index);
                }
                list.push(AttributeIndex { cred, attr: index });
            }
            indices.push(list);
        }
        for (_, attrs) in &mut proofs {
            attrs.sort_unstable();
        }
        Ok(Self { proofs, indices })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::Configuration;
    use crate::wallet::{Wallet, WalletDump};

    fn reference_wallet() -> (tempfile::TempDir, Configuration, Wallet) {
        let shared = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data"));
        let conf = Configuration::load(&shared.join("schemes/irma-demo")).unwrap();
        let bytes = std::fs::read(shared.join("vectors/credentials/wallet-P.json")).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let mut wallet = Wallet::open(tmp.path(), &conf).unwrap();
        wallet
            .import(&WalletDump::from_json(&bytes).unwrap(), &conf)
            .unwrap();
        (tmp, conf, wallet)
    }

    fn request(disclose: serde_json::Value) -> DisclosureRequest {
        serde_json::from_value(serde_json::json!({ "disclose": disclose })).unwrap()
    }

    /// While the reference credentials are valid (they expire 1810771200).
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn first_satisfiable_option_and_choose() {
        let (_tmp, _conf, wallet) = reference_wallet();
        let creds = wallet.credentials();
        let r = request(serde_json::json!([
            [
                ["irma-demo.RU.studentCard.studentID"],
                [
                    "irma-demo.MijnOverheid.ageLower.over18",
                    "irma-demo.MijnOverheid.fullName.familyname"
                ]
            ],
            [[], ["irma-demo.MijnOverheid.address.city"]]
        ]));
        let chosen = choose(&r, creds, None, NOW).unwrap();
        assert_eq!(chosen[0].len(), 2);
        assert_eq!(chosen[0][0].value.as_deref(), Some("yes"));
        assert_eq!(chosen[0][1].value.as_deref(), Some("Anders"));
        assert!(chosen[1].is_empty());
        let plan = DisclosurePlan::new(&chosen, creds).unwrap();
        assert_eq!(plan.proofs.len(), 2);
        assert_eq!(plan.proofs[0].1, vec![1, 4]); // metadata and over18 (third attribute)
        assert_eq!(
            plan.indices[0][1],
            AttributeIndex {
                cred: 1,
                attr: plan.proofs[1].1[1]
            }
        );
        assert!(plan.indices[1].is_empty());

        let chosen = choose(&r, creds, Some(&[1, 1]), NOW).unwrap();
        assert_eq!(chosen[1][0].value.as_deref(), Some("Nijmegen"));
        for bad in [&[0usize, 1][..], &[1], &[1, 2]] {
            assert!(matches!(
                choose(&r, creds, Some(bad), NOW),
                Err(Error::BadChoice(_))
            ));
        }
    }

    #[test]
    fn values_not_null_and_expiry() {
        let (_tmp, _conf, wallet) = reference_wallet();
        let creds = wallet.credentials();
        let wrong_value = request(serde_json::json!([[[
            {"type": "irma-demo.MijnOverheid.ageLower.over21", "value": "yes"}
        ]]]));
        assert!(matches!(
            choose(&wrong_value, creds, None, NOW),
            Err(Error::Unsatisfiable { missing }) if missing == [0]
        ));
        let right_value = request(serde_json::json!([[[
            {"type": "irma-demo.MijnOverheid.ageLower.over21", "value": "no"}
        ]]]));
        assert!(choose(&right_value, creds, None, NOW).is_ok());
        let not_null = request(serde_json::json!([[[
            {"type": "irma-demo.MijnOverheid.fullName.prefix", "notNull": true}
        ]]]));
        assert!(choose(&not_null, creds, None, NOW).is_err());
        let whole = request(serde_json::json!([[["irma-demo.MijnOverheid.fullName"]]]));
        let chosen = choose(&whole, creds, None, NOW).unwrap();
        assert_eq!(
            DisclosurePlan::new(&chosen, creds).unwrap().indices[0][0].attr,
            1
        );

        // After expiry nothing is usable, unless the request skips the expiry check.
        let later = 1_810_771_200;
        let mut over18 = request(serde_json::json!([[[
            "irma-demo.MijnOverheid.ageLower.over18"
        ]]]));
        assert!(choose(&over18, creds, None, later).is_err());
        over18.skip_expiry_check = vec!["irma-demo.MijnOverheid.ageLower".parse().unwrap()];
        assert!(choose(&over18, creds, None, later).is_ok());
    }
}
