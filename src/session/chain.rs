//! Chained sessions (`nextSession.url`, irmago `handle.go` `nextSession`/`startNext`).
//!
//! When the app's proofs of a session with a `nextSession` are valid, the server POSTs the
//! result (as [`super::callback::ResultPoster`] does: a JWT when a key is configured) to the
//! URL, synchronously: the app waits for the pointer of the next session. The answer is a
//! new session request, which must be allowed to the requestor of the first session (the
//! reference's fix for GHSA-pv8v-c99h-c5q4), or `204 No Content`, which ends the chain.
//! The next session asks again what this one disclosed ([`implicit_disclosure`]): the app
//! adds those attributes to its proofs and the server appends them to the request before
//! checking ([`append_implicit`]), so the next result holds them too. What a chain needs
//! later lives in the session record, so it works with any store.

use super::callback::{PostError, ResultPoster};
use super::engine::{Sessions, fail};
use super::error::SessionError;
use super::outcome::Outcome;
use super::record::{ClaimId, Session, SessionResult, disclosed_lists};
use crate::protocol::errors::ErrorKind;
use crate::protocol::messages::{DisclosedAttribute, ProofStatus};
use crate::protocol::request::{
    AttributeConDisCon, AttributeRequest, RequestParseError, RequestorRequest, SessionRequest,
};
use crate::protocol::session::{ServerSessionResponse, SessionPackage};
use crate::protocol::tokens::{FrontendAuthorization, RequestorToken};

/// What a session started as the next of a chain inherits from the one before.
#[derive(Debug)]
pub(super) struct ChainLink {
    /// The attributes disclosed so far, asked again.
    pub implicit: AttributeConDisCon,
    /// The frontend keeps following the chain with the same authorization.
    pub frontend_auth: FrontendAuthorization,
}

/// Why the next session of a chain could not be started (the reference's `NEXT_SESSION`).
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The POST to the next session URL failed.
    #[error(transparent)]
    Post(#[from] PostError),
    /// The next session URL answered neither 200 with a request nor 204.
    #[error("next session URL answered HTTP {0}")]
    Status(u16),
    /// The answer is not JSON.
    #[error("next session request is not JSON: {0}")]
    NotJson(serde_json::Error),
    /// The answer is not a session request.
    #[error("invalid next session request: {0}")]
    Request(#[from] RequestParseError),
    /// The first session's requestor may not start the next session.
    #[error("next session not authorized: {0}")]
    Forbidden(String),
    /// The next session could not be started.
    #[error("starting next session: {0}")]
    Start(String),
}

impl Sessions {
    /// Writes the outcome of the app's message; when the session has a `nextSession` and
    /// the proofs are valid, first starts the next session (or ends the chain on `204`).
    /// A failing chain cancels the session with `NEXT_SESSION`.
    pub(super) async fn conclude_chained(
        &self,
        token: &RequestorToken,
        claim: ClaimId,
        outcome: Outcome,
    ) -> Result<ServerSessionResponse, SessionError> {
        // The session is copied only when it chains.
        let chained = self
            .read(token, |s| {
                let next = s.request().next_session.clone();
                next.map(|next| (next, s.clone()))
            })
            .await?;
        let (
            Outcome::Done {
                verdict, signature, ..
            },
            Some((next, s)),
        ) = (&outcome, chained)
        else {
            return self.conclude(token, claim, outcome, None).await;
        };
        if verdict.status != ProofStatus::Valid || !s.claimed_by(claim) {
            return self.conclude(token, claim, outcome, None).await;
        }
        // The result as the reference POSTs it: the verdict in, still CONNECTED.
        let mut result = s.result();
        result.proof_status = Some(verdict.status);
        result.disclosed = disclosed_lists(verdict.disclosed.clone());
        result.signature = signature.clone();
        let started = match fetch_next(&self.poster, &next.url, &result, s.request().validity).await
        {
            Ok(None) => return self.conclude(token, claim, outcome, None).await,
            Ok(Some(request)) => self.start_next(request, &s, &result).await,
            Err(e) => Err(e),
        };
        match started {
            Ok(package) => {
                let next_token = package.token.clone();
                let answer = self.conclude(token, claim, outcome, Some(package)).await;
                if answer.is_err() {
                    // This session changed meanwhile (cancelled, timed out): drop the next.
                    if let Err(e) = self.cancel(&next_token).await {
                        tracing::warn!(error = %e, "cancelling an orphaned next session");
                    }
                }
                answer
            }
            Err(e) => {
                let message = e.to_string();
                tracing::warn!(session = ?token, error = %message, "next session not started");
                self.update(token, |s| {
                    if s.claimed_by(claim) {
                        fail(s, ErrorKind::NextSession, &message, self.now_ms());
                    }
                })
                .await?;
                Err(SessionError::Failed {
                    kind: ErrorKind::NextSession,
                    message,
                })
            }
        }
    }

    /// Starts the next session of a chain for the requestor of `previous`, if its
    /// permissions allow the new request.
    async fn start_next(
        &self,
        request: RequestorRequest,
        previous: &Session,
        result: &SessionResult,
    ) -> Result<SessionPackage, ChainError> {
        self.authorize(previous.requestor(), &request.request)
            .map_err(|e| ChainError::Forbidden(e.wire().1.into_owned()))?;
        let link = ChainLink {
            implicit: implicit_disclosure(&result.disclosed),
            frontend_auth: previous.frontend_auth().clone(),
        };
        self.launch(request, previous.requestor(), Some(link))
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "starting a chain's next session");
                ChainError::Start(e.wire().1.into_owned())
            })
    }
}

/// POSTs `result` to the chain's `url` and reads the answer: `Some` next request, or `None`
/// when the URL answers `204 No Content` (the chain ends).
pub async fn fetch_next(
    poster: &ResultPoster,
    url: &str,
    result: &SessionResult,
    validity: u64,
) -> Result<Option<RequestorRequest>, ChainError> {
    let answer = poster.post(url, result, validity).await?;
    match answer.status {
        204 => Ok(None),
        200 => {
            let value: serde_json::Value =
                serde_json::from_slice(&answer.body).map_err(ChainError::NotJson)?;
            Ok(Some(RequestorRequest::from_json(value)?))
        }
        status => Err(ChainError::Status(status)),
    }
}

/// What the next session asks again: each disclosed attribute with the value it had, one
/// inner conjunction per disjunction of `disclosed` (which already holds what earlier
/// sessions of the chain disclosed).
pub fn implicit_disclosure(disclosed: &[Vec<DisclosedAttribute>]) -> AttributeConDisCon {
    disclosed
        .iter()
        .map(|con| {
            vec![
                con.iter()
                    .map(|a| AttributeRequest {
                        id: a.id.clone(),
                        value: a.raw_value.clone(),
                        not_null: false,
                    })
                    .collect(),
            ]
        })
        .collect()
}

/// The request as the app's proofs are checked against it: the implicitly disclosed
/// attributes appended after the requested ones.
pub fn append_implicit(request: &mut SessionRequest, implicit: &AttributeConDisCon) {
    request
        .disclosure_mut()
        .disclose
        .extend(implicit.iter().cloned());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::messages::AttributeOrCredential;

    fn attr(id: &str, value: Option<&str>) -> DisclosedAttribute {
        serde_json::from_value(serde_json::json!({
            "id": id, "rawvalue": value, "value": value.map(|v| serde_json::json!({"": v})),
            "status": "PRESENT", "issuancetime": 0
        }))
        .unwrap()
    }

    #[test]
    fn disclosed_becomes_requests_with_values() {
        let disclosed = vec![
            vec![attr("irma-demo.MijnOverheid.ageLower.over18", Some("yes"))],
            vec![
                attr("irma-demo.RU.studentCard.university", Some("Radboud")),
                attr("irma-demo.RU.studentCard.level", None),
            ],
        ];
        let implicit = implicit_disclosure(&disclosed);
        assert_eq!(implicit.len(), 2);
        assert_eq!(implicit[1].len(), 1);
        assert_eq!(implicit[1][0].len(), 2);
        let first = &implicit[0][0][0];
        assert_eq!(
            first.id,
            AttributeOrCredential::parse("irma-demo.MijnOverheid.ageLower.over18").unwrap()
        );
        assert_eq!(first.value.as_deref(), Some("yes"));
        assert_eq!(implicit[1][0][1].value, None);

        let mut request: SessionRequest = serde_json::from_value(serde_json::json!({
            "@context": "https://irma.app/ld/request/disclosure/v2",
            "disclose": [[["irma-demo.RU.studentCard.studentID"]]]
        }))
        .unwrap();
        append_implicit(&mut request, &implicit);
        assert_eq!(request.disclosure().disclose.len(), 3);
    }
}
