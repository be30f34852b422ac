//! Precedence, defaults and checks of the configuration, with `figment::Jail` isolating
//! the environment and working directory of each test.

#![allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error.

use figment::Jail;

use super::*;
use crate::jwt::auth::RequestorCredential;
use crate::jwt::keys::VerifyingKey;

fn flags() -> RawConfig {
    RawConfig::default()
}

/// Why loading without flags fails (it must).
fn load_error() -> String {
    load(&flags(), None).unwrap_err().to_string()
}

/// One step after the other, sets the step's `IRMASERVER_*` variables (named without the
/// prefix) on top of the earlier ones' and checks that loading then fails naming `named`.
fn refusals(jail: &mut Jail, steps: &[(&[(&str, &str)], &str)]) {
    for &(env, named) in steps {
        for (key, value) in env {
            jail.set_env(format!("IRMASERVER_{key}"), value);
        }
        let err = load_error();
        assert!(err.contains(named), "{env:?}: {err}");
    }
}

#[test]
fn defaults_in_development() {
    Jail::expect_with(|_| {
        let c = load(&flags(), None).unwrap();
        assert!(!c.production);
        assert!(matches!(c.requestors.auth, Auth::Disabled));
        assert_eq!(c.listeners.listener.port, 8088);
        assert_eq!(c.requestors.global_permissions.issue, ["*"]);
        assert_eq!(c.sessions.max_session_lifetime.as_secs(), 15 * 60);
        assert_eq!(c.sessions.session_result_lifetime.as_secs(), 5 * 60);
        assert_eq!(c.sessions.jwt_issuer, "irmaserver");
        assert!(matches!(c.store, StoreConfig::Memory));
        Ok(())
    });
}

#[test]
fn flags_beat_env_beat_file() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "irmaserver.yaml",
            "port: 1111\njwt_issuer: fromfile\nmax_request_age: 10\nlisten_addr: 127.0.0.1\n",
        )?;
        jail.set_env("IRMASERVER_PORT", "2222");
        jail.set_env("IRMASERVER_JWT_ISSUER", "fromenv");
        let c = load(&flags(), None).unwrap();
        assert_eq!(c.listeners.listener.port, 2222);
        assert_eq!(c.sessions.jwt_issuer, "fromenv");
        assert_eq!(c.requestors.max_request_age.as_secs(), 10);
        assert_eq!(c.listeners.listener.addr.unwrap().to_string(), "127.0.0.1");

        let mut f = flags();
        f.listeners.port = Some(3333);
        let c = load(&f, None).unwrap();
        assert_eq!(c.listeners.listener.port, 3333);
        assert_eq!(c.sessions.jwt_issuer, "fromenv");
        Ok(())
    });
}

#[test]
fn numeric_looking_strings_stay_strings() {
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_JWT_ISSUER", "12345");
        let c = load(&flags(), None).unwrap();
        assert_eq!(c.sessions.jwt_issuer, "12345");
        Ok(())
    });
}

#[test]
fn production_from_a_file_gives_production_defaults() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "irmaserver.json",
            r#"{"production": true, "url": "https://irma.example.com",
                "requestors": {"app": {"auth_method": "token", "key": "secrettoken"}}}"#,
        )?;
        let c = load(&flags(), None).unwrap();
        assert!(c.production);
        assert!(matches!(c.requestors.auth, Auth::Requestors(_)));
        assert!(c.requestors.global_permissions.issue.is_empty());
        assert_eq!(
            c.listeners.url.as_deref(),
            Some("https://irma.example.com/irma/")
        );
        Ok(())
    });
}

#[test]
fn production_refuses_plain_http_and_missing_requestors() {
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_PRODUCTION", "true");
        jail.set_env("IRMASERVER_URL", "http://irma.example.com");
        jail.set_env(
            "IRMASERVER_REQUESTORS",
            r#"{"app":{"auth_method":"token","key":"t"}}"#,
        );
        let err = load_error();
        assert!(err.contains("url") && err.contains("TLS"), "{err}");
        jail.set_env("IRMASERVER_NO_TLS", "true");
        assert!(load(&flags(), None).is_ok());
        jail.set_env("IRMASERVER_REQUESTORS", "");
        let err = load_error();
        assert!(err.contains("no requestors configured"), "{err}");
        Ok(())
    });
}

#[test]
fn requestors_as_json_in_env_and_as_map_in_file() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "irmaserver.toml",
            "no_auth = false\n[requestors.a]\nauth_method = \"hmac\"\nkey = \"eGE2PSomOT84amVVdTU\"\ndisclose_perms = [\"irma-demo.*\"]\n",
        )?;
        let c = load(&flags(), None).unwrap();
        let Auth::Requestors(r) = &c.requestors.auth else {
            panic!("auth disabled")
        };
        assert!(matches!(
            r["a"].key,
            RequestorCredential::Jwt(VerifyingKey::Hmac(_))
        ));
        assert_eq!(r["a"].permissions.disclose, ["irma-demo.*"]);

        jail.set_env(
            "IRMASERVER_REQUESTORS",
            r#"{"b":{"auth_method":"token","key":"tok"}}"#,
        );
        let c = load(&flags(), None).unwrap();
        let Auth::Requestors(r) = &c.requestors.auth else {
            panic!("auth disabled")
        };
        assert!(r.contains_key("b") && !r.contains_key("a"));
        Ok(())
    });
}

#[test]
fn lists_split_on_commas_and_spaces() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "IRMASERVER_DISCLOSE_PERMS",
            "irma-demo.* pbdf.pbdf.email.email",
        );
        jail.set_env("IRMASERVER_SIGN_PERMS", "a.b.c.d,e.f.g.h");
        let c = load(&flags(), None).unwrap();
        assert_eq!(
            c.requestors.global_permissions.disclose,
            ["irma-demo.*", "pbdf.pbdf.email.email"]
        );
        assert_eq!(c.requestors.global_permissions.sign, ["a.b.c.d", "e.f.g.h"]);
        Ok(())
    });
}

#[test]
fn unknown_keys_are_errors() {
    Jail::expect_with(|jail| {
        jail.create_file("irmaserver.yaml", "prot: 1\n")?;
        let err = load_error();
        assert!(err.contains("prot"), "{err}");
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_LISTENADDR", "127.0.0.1");
        let err = load_error();
        assert!(err.contains("listenaddr"), "{err}");
        Ok(())
    });
}

#[test]
fn listener_checks() {
    Jail::expect_with(|jail| {
        refusals(
            jail,
            &[
                (&[("CLIENT_PORT", "8088")], "client_port"),
                (
                    &[("CLIENT_PORT", "0"), ("CLIENT_LISTEN_ADDR", "127.0.0.1")],
                    "client_listen_addr",
                ),
                (&[("CLIENT_LISTEN_ADDR", ""), ("PORT", "70000")], "65535"),
                (&[("PORT", "8089"), ("API_PREFIX", "api")], "api_prefix"),
            ],
        );
        Ok(())
    });
}

#[test]
fn metrics_listener_and_shutdown_timeout() {
    Jail::expect_with(|jail| {
        let c = load(&flags(), None).unwrap();
        assert!(c.listeners.metrics_listener.is_none());
        assert_eq!(c.listeners.shutdown_timeout.as_secs(), 60);
        jail.set_env("IRMASERVER_METRICS_PORT", "9188");
        jail.set_env("IRMASERVER_METRICS_LISTEN_ADDR", "127.0.0.1");
        jail.set_env("IRMASERVER_SHUTDOWN_TIMEOUT", "5");
        let c = load(&flags(), None).unwrap();
        let metrics = c.listeners.metrics_listener.unwrap();
        assert_eq!(metrics.port, 9188);
        assert_eq!(metrics.addr.unwrap().to_string(), "127.0.0.1");
        assert_eq!(c.listeners.shutdown_timeout.as_secs(), 5);
        refusals(
            jail,
            &[
                (&[("SHUTDOWN_TIMEOUT", "3601")], "shutdown_timeout"),
                (
                    &[("SHUTDOWN_TIMEOUT", "0"), ("METRICS_PORT", "8088")],
                    "metrics_port",
                ),
                (
                    &[("CLIENT_PORT", "9188"), ("METRICS_PORT", "9188")],
                    "metrics_port",
                ),
                (
                    &[("CLIENT_PORT", "0"), ("METRICS_PORT", "0")],
                    "metrics_listen_addr",
                ),
            ],
        );
        Ok(())
    });
}

#[test]
fn url_is_normalised() {
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_URL", "http://example.com:port");
        jail.set_env("IRMASERVER_PORT", "9000");
        let c = load(&flags(), None).unwrap();
        assert_eq!(
            c.listeners.url.as_deref(),
            Some("http://example.com:9000/irma/")
        );
        Ok(())
    });
}

#[test]
fn redis_settings_are_checked() {
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_STORE_TYPE", "redis");
        assert!(load_error().contains("redis_addr"));
        jail.set_env("IRMASERVER_REDIS_ADDR", "127.0.0.1:6379");
        assert!(load_error().contains("redis_pw"));
        jail.set_env("IRMASERVER_REDIS_ALLOW_EMPTY_PASSWORD", "true");
        jail.set_env("IRMASERVER_REDIS_NO_TLS", "true");
        jail.set_env("IRMASERVER_REDIS_KEY_PREFIX", "dep1:");
        let c = load(&flags(), None).unwrap();
        let StoreConfig::Redis(r) = &c.store else {
            panic!("not redis")
        };
        assert!(!r.tls);
        assert_eq!(r.key_prefix, "dep1:");
        jail.set_env("IRMASERVER_STORE_TYPE", "etcd");
        assert!(load_error().contains("store_type"));
        Ok(())
    });
}

#[test]
fn secrets_stay_out_of_debug_and_dumps() {
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_NO_AUTH", "false");
        jail.set_env(
            "IRMASERVER_REQUESTORS",
            r#"{"app":{"auth_method":"token","key":"supersecrettoken"}}"#,
        );
        jail.set_env(
            "IRMASERVER_JWT_PRIVKEY",
            "-----BEGIN PRIVATE KEY-----topsecret",
        );
        let c = load(&flags(), None).unwrap();
        let debug = format!("{c:?}");
        let json = serde_json::to_string(&c).unwrap();
        for text in [debug, json] {
            assert!(
                !text.contains("supersecrettoken") && !text.contains("topsecret"),
                "{text}"
            );
        }
        Ok(())
    });
}

#[test]
fn env_values_keep_their_text() {
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_STORE_TYPE", "redis");
        jail.set_env("IRMASERVER_REDIS_ADDR", "127.0.0.1:6379");
        jail.set_env("IRMASERVER_REDIS_PW", "0123");
        jail.set_env("IRMASERVER_SSE", "yes");
        let c = load(&flags(), None).unwrap();
        let StoreConfig::Redis(r) = &c.store else {
            panic!("not redis")
        };
        assert_eq!(r.password.expose(), "0123");
        assert!(c.listeners.sse);
        jail.set_env("IRMASERVER_SSE", "maybe");
        assert!(load_error().contains("maybe"));
        Ok(())
    });
}

#[test]
fn static_files() {
    Jail::expect_with(|jail| {
        jail.create_dir("www")?;
        let mut f = flags();
        f.listeners.static_path = Some("www".into());
        let c = load(&f, None).unwrap();
        assert_eq!(c.listeners.static_files.unwrap().prefix, "/");
        f.listeners.static_prefix = Some("/demo".into());
        assert_eq!(
            load(&f, None)
                .unwrap()
                .listeners
                .static_files
                .unwrap()
                .prefix,
            "/demo/"
        );
        for bad in ["demo/", "/irma", "/session/x/"] {
            f.listeners.static_prefix = Some(bad.into());
            let e = load(&f, None).unwrap_err().to_string();
            assert!(e.contains("static_prefix"), "{bad}: {e}");
        }
        f.listeners.static_path = Some("missing".into());
        assert!(
            load(&f, None)
                .unwrap_err()
                .to_string()
                .contains("static_path")
        );
        Ok(())
    });
}

/// A configuration file of `tests/data/configs` (see the README there).
fn reference_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/configs")
        .join(name)
}

#[test]
fn reference_configurations_load_as_in_the_reference() {
    Jail::expect_with(|_| {
        let load_file = |name: &str| load(&flags(), Some(&reference_file(name)));

        // irmago's own test configurations.
        let c = load_file("irmago-redis.yml").unwrap();
        assert!(
            matches!(c.store, StoreConfig::Memory),
            "no store_type: memory"
        );
        let c = load_file("irmago-static.yml").unwrap();
        assert!(c.requestors.static_sessions.contains_key("mystaticsession"));
        assert!(c.sessions.allow_unsigned_callbacks);
        assert_eq!(c.schemes.schemes_update, None);
        let c = load_file("irmago-requestorserver_nextsession.yml").unwrap();
        assert!(c.production && c.listeners.no_tls);
        assert_eq!(
            c.listeners.url.as_deref(),
            Some("http://192.168.1.154:8088/irma/")
        );
        assert_eq!(c.ignored, ["no_email"]);
        let Auth::Requestors(r) = &c.requestors.auth else {
            panic!("auth disabled")
        };
        assert_eq!(r.keys().collect::<Vec<_>>(), ["alice", "eve", "eve2"]);
        assert_eq!(r["alice"].permissions.issue, ["irma-demo.interpolis.login"]);
        assert!(r["eve"].permissions.issue.is_empty());

        // The documentation's examples.
        let c = load_file("docs-config.yml").unwrap();
        assert!(c.production);
        assert_eq!(c.listeners.listener.port, 443);
        assert_eq!(
            c.listeners.url.as_deref(),
            Some("https://example.com/irma/")
        );
        assert!(c.listeners.listener.tls.is_some());
        let c = load_file("docs-requestors.json").unwrap();
        let Auth::Requestors(r) = &c.requestors.auth else {
            panic!("auth disabled")
        };
        let own = &r["myapp"].permissions;
        assert_eq!(own.sign, ["irma-demo.MijnOverheid.ageLower.*"]);
        assert_eq!(own.hosts[0].as_str(), "*.example.com");
        assert!(c.requestors.static_sessions.contains_key("mystaticsession"));

        // email and no_email are accepted and ignored; production does not need them.
        let c = load_file("email.toml").unwrap();
        assert!(c.production);
        assert_eq!(c.ignored, ["email"]);
        let c = load_file("revocation-off.json").unwrap();
        assert_eq!(c.ignored, ["no_email"]);
        assert!(c.requestors.global_permissions.revoke.is_empty());

        // The reference's revocation configurations: an authority on PostgreSQL, and an
        // issuer that sends its records to a remote authority.
        let c = load_file("irmago-revocation.yml").unwrap();
        let root = &c.revocation.types["irma-demo.MijnOverheid.root"];
        assert!(root.authority && root.server);
        assert_eq!(c.requestors.global_permissions.revoke, ["*"]);
        assert!(matches!(
            &c.revocation.database,
            Some(crate::config::Database::Configured {
                db_type: crate::revocation::DbType::Postgres,
                ..
            })
        ));
        let c = load_file("irmago-issuer.yml").unwrap();
        let root = &c.revocation.types["irma-demo.MijnOverheid.root"];
        assert_eq!(root.url.as_deref(), Some("http://localhost:8090/irma"));
        assert!(root.sse && !root.server);
        assert!(c.revocation.database.is_none());
        Ok(())
    });
}

#[test]
fn unknown_keys_are_named_with_the_nearest_key() {
    Jail::expect_with(|jail| {
        jail.create_file("irmaserver.yaml", "emial: admin@example.com\n")?;
        assert_eq!(
            load_error(),
            "unknown setting 'emial' in irmaserver.yaml (did you mean 'email'?)"
        );
        jail.create_file(
            "irmaserver.yaml",
            "no_auth: false\nrequestors:\n  app:\n    auth_metod: token\n    key: k\n",
        )?;
        assert_eq!(
            load_error(),
            "unknown setting 'requestors.app.auth_metod' in irmaserver.yaml (did you mean 'auth_method'?)"
        );
        jail.create_file("irmaserver.yaml", "frobnicate: 1\n")?;
        assert_eq!(
            load_error(),
            "unknown setting 'frobnicate' in irmaserver.yaml"
        );
        std::fs::remove_file("irmaserver.yaml").unwrap();
        jail.set_env("IRMASERVER_PORT", "eighty");
        let err = load_error();
        assert!(
            err.starts_with("invalid setting port in the environment (IRMASERVER_*): "),
            "{err}"
        );
        jail.set_env("IRMASERVER_PORT", "8088");
        jail.set_env("IRMASERVER_SCHEMES_UPDAT", "0");
        assert_eq!(
            load_error(),
            "unknown setting 'schemes_updat' in the environment (IRMASERVER_*) (did you mean 'schemes_update'?)"
        );
        Ok(())
    });
}

#[test]
fn sd_jwt_vc_issuance_is_refused_by_name() {
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_SDJWTVC_ISSUER_CERTIFICATES_DIR", "certs");
        let err = load_error();
        assert!(err.contains("SD-JWT VC issuance is not supported"), "{err}");
        jail.set_env("IRMASERVER_SDJWTVC_ISSUER_CERTIFICATES_DIR", "");
        assert!(load(&flags(), None).is_ok());
        Ok(())
    });
}

#[test]
fn bad_values_are_explained_without_their_strings() {
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_NO_AUTH", "false");
        jail.set_env("IRMASERVER_REQUESTORS", r#"{"app": "s3cr3t-t\"oken"}"#);
        let err = load_error();
        assert!(err.contains("requestors"), "{err}");
        assert!(err.contains("expected struct RawRequestor"), "{err}");
        assert!(!err.contains("s3cr3t") && !err.contains("oken"), "{err}");
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.set_env("IRMASERVER_NO_AUTH", "false");
        jail.create_file("irmaserver.yaml", "requestors:\n  app: s3cr3t-token\n")?;
        let err = load_error();
        assert!(err.contains("requestors.app"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        Ok(())
    });
}
