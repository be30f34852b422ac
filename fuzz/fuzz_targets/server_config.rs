//! `irma server` configuration files in JSON, YAML or TOML, read through the same layers as
//! `irma server` (file < environment < flags) and resolved. Input: one byte choosing the
//! format, then the file. Invariant: the merged settings, written out as JSON and read
//! again, are the same. Resolution is skipped for settings that name files (a fuzzed path
//! such as `/dev/zero` would be read as the operator asked).
#![no_main]

use irma::config::{RawConfig, ServerConfig, merge};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let ext = ["json", "yaml", "toml"][usize::from(pick) % 3];
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = dir.path().join(format!("irmaserver.{ext}"));
    std::fs::write(&file, text).expect("write");
    let Ok(raw) = merge(&RawConfig::default(), Some(&file)) else {
        return;
    };
    let written = serde_json::to_value(&raw).expect("serializes");
    let json = dir.path().join("again.json");
    std::fs::write(&json, written.to_string()).expect("write");
    let again = merge(&RawConfig::default(), Some(&json)).expect("written settings parse");
    assert_eq!(serde_json::to_value(&again).expect("serializes"), written);
    let names_files = written.as_object().is_some_and(|o| {
        o.iter().any(|(k, v)| {
            (k.ends_with("_file")
                || k.ends_with("_path")
                || k.contains("key")
                || k == "static_sessions")
                && !v.is_null()
                && v != ""
        })
    });
    if !names_files {
        let _ = ServerConfig::try_from(raw);
    }
});
