//! `irma issuer revoke CREDTYPE KEY [URL]` (irmago `irma/cmd/revoke.go`): revoke the
//! credentials issued with a revocation key, at the authority's server (`POST
//! {URL}/revocation`, authenticated with `-a`, `--key` and `--name`), or, without a URL,
//! directly in the authority's database (`--revocation-db-type`, `--revocation-db-str`,
//! default the SQLite file of a server on this machine) with the issuer private keys of the
//! schemes (`-s`).
//!
//! The local form is ours: the reference only posts to a server. A server running on the
//! same database serves the revocation at its next answer, and pushes it on its update
//! stream at its next re-signing (within a minute).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;

use super::request::{AuthFlags, SchemeFlags};
use crate::config::RevocationSettings;
use crate::crypto::idemix::{PrivateKey, PublicKey};
use crate::protocol::identifiers::{CredentialTypeId, PublicKeyId};
use crate::protocol::revocation::RevocationRequest;
use crate::requestor::http::RequestorClient;
use crate::revocation::{DbType, Keys, Service, Store};
use crate::scheme::Configuration;
use crate::session::clock::Clock;
use crate::session::issue::IssuerKeys;
use crate::session::validate::PrivateKeyFolder;

/// Arguments of `irma issuer revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The credential type to revoke, e.g. irma-demo.MijnOverheid.root.
    #[arg(value_name = "CREDTYPE")]
    credential_type: String,
    /// The revocationKey the credentials were issued with.
    #[arg(value_name = "KEY")]
    revocation_key: String,
    /// The server of the revocation authority (its requestor API, e.g.
    /// https://irma.example.com/); without it, revoke in the database directly.
    #[arg(value_name = "URL")]
    url: Option<String>,
    #[command(flatten)]
    schemes: SchemeFlags,
    #[command(flatten)]
    auth: AuthFlags,
    /// Without URL: the authority's database type (postgres, mysql or sqlite).
    #[arg(long, value_name = "TYPE", default_value = "sqlite")]
    revocation_db_type: String,
    /// Without URL: the authority's database connection string, as the server's
    /// revocation_db_str [default for sqlite: ~/.local/share/irma/revocation.db].
    #[arg(long, value_name = "DSN")]
    revocation_db_str: Option<String>,
}

/// Runs `irma issuer revoke`.
pub(super) fn run(args: RevokeArgs) -> anyhow::Result<ExitCode> {
    let schemes = args.schemes.load()?;
    // Checked here, before any request, as the reference.
    let cred = CredentialTypeId::parse(&args.credential_type)
        .ok()
        .filter(|id| schemes.credential_type(id).is_some())
        .context("unknown credential type")?;
    if !schemes
        .credential_type(&cred)
        .is_some_and(|ct| ct.revocation_supported())
    {
        bail!("credential type does not support revocation");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match &args.url {
        Some(url) => {
            if args.revocation_db_str.is_some() {
                bail!("give a URL or --revocation-db-str, not both");
            }
            let auth = args.auth.authentication()?;
            let client = RequestorClient::new(url, auth)?;
            let request = RevocationRequest::new(cred, args.revocation_key);
            runtime
                .block_on(client.revoke(&request))
                .context("failed to post revocation request")?;
        }
        None => runtime.block_on(revoke_locally(&args, schemes, cred))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Revokes in the authority's database, as the authority would.
async fn revoke_locally(
    args: &RevokeArgs,
    schemes: Configuration,
    cred: CredentialTypeId,
) -> anyhow::Result<()> {
    let db: DbType = args.revocation_db_type.parse()?;
    let dsn = match (&args.revocation_db_str, db) {
        (Some(dsn), _) => dsn.clone(),
        (None, DbType::Sqlite) => crate::revocation::dsn::default_sqlite_file()
            .context("no data folder for the default revocation database")?
            .to_string_lossy()
            .into_owned(),
        (None, _) => bail!(
            "--revocation-db-type {} needs --revocation-db-str",
            db.name()
        ),
    };
    if db == DbType::Sqlite && !std::path::Path::new(&dsn).exists() {
        bail!("no revocation database at {dsn}: give --revocation-db-str, or a URL");
    }
    let store = Store::open(db, &dsn)
        .await
        .context("opening the revocation database")?;
    let schemes = Arc::new(schemes);
    let keys = LocalKeys {
        private: IssuerKeys::new(Arc::clone(&schemes), PrivateKeyFolder::default()),
        schemes,
    };
    let authority = RevocationSettings {
        authority: true,
        server: true,
        ..RevocationSettings::default()
    };
    let types = BTreeMap::from([(cred.clone(), authority)]);
    let service = Service::new(types, Some(store), Clock::System);
    let revoked = service
        .revoke(&keys, &cred, &args.revocation_key, None)
        .await
        .context("failed to revoke");
    service.close().await;
    revoked
}

/// The issuer keys of the schemes, read when asked.
struct LocalKeys {
    schemes: Arc<Configuration>,
    private: IssuerKeys,
}

impl Keys for LocalKeys {
    fn schemes(&self) -> &Configuration {
        &self.schemes
    }

    fn public_key(&self, id: &PublicKeyId) -> Option<Arc<PublicKey>> {
        let xml = self.schemes.public_key_xml(id)?;
        PublicKey::from_xml(xml).ok().map(Arc::new)
    }

    fn private_key(&self, id: &PublicKeyId) -> Option<Arc<PrivateKey>> {
        self.private.private_key(id).ok()
    }
}
