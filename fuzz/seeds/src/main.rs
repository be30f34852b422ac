//! `irma-fuzz-seeds REPO CORPUS`: writes seed inputs for every fuzz target into
//! `CORPUS/<target>/`, taken from `REPO/tests/data/vectors` and `REPO/schemes`: recorded
//! requests, JWTs, app messages and credentials, scheme files and keys, and a few
//! configuration files. Existing files are kept (a corpus grows across runs).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// Seeds per target, named by where they come from.
#[derive(Default)]
struct Seeds(BTreeMap<&'static str, Vec<(String, Vec<u8>)>>);

impl Seeds {
    fn add(&mut self, target: &'static str, name: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.0
            .entry(target)
            .or_default()
            .push((name.into(), bytes.into()));
    }

    fn json(&mut self, target: &'static str, name: impl Into<String>, value: &Value) {
        if !value.is_null() {
            self.add(target, name, value.to_string());
        }
    }

    /// `prefix` followed by `value`'s JSON.
    fn picked(&mut self, target: &'static str, name: String, prefix: u8, value: &Value) {
        if !value.is_null() {
            let mut bytes = vec![prefix];
            bytes.extend(value.to_string().into_bytes());
            self.add(target, name, bytes);
        }
    }

    fn write(&self, corpus: &Path) -> std::io::Result<usize> {
        let mut count = 0;
        for (target, seeds) in &self.0 {
            let dir = corpus.join(target);
            fs::create_dir_all(&dir)?;
            for (name, bytes) in seeds {
                let file = name.replace(['/', ' '], "_");
                fs::write(dir.join(format!("seed-{file}")), bytes)?;
                count += 1;
            }
        }
        Ok(count)
    }
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The JSON files of a vector folder, sorted (the fuzz targets pick cases in this order).
fn cases(vectors: &Path, folder: &str) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = fs::read_dir(vectors.join(folder))
        .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    files.retain(|f| f.extension().is_some_and(|e| e == "json"));
    files.sort();
    files
        .iter()
        .map(|f| {
            let name = f.file_stem().unwrap_or_default().to_string_lossy();
            (format!("{folder}-{name}"), read_json(f))
        })
        .collect()
}

/// Every file under `dir` (recursively) whose name satisfies `keep`, sorted.
fn files(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if keep(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn requests(seeds: &mut Seeds, vectors: &Path) {
    let token = read_json(&vectors.join("jwt/server-config-and-keys.json"))["keys"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for folder in [
        "disclosure",
        "issuance",
        "signature",
        "jwt",
        "keyshare",
        "negative",
    ] {
        for (name, case) in cases(vectors, folder) {
            let request = &case["session_request"];
            match request {
                Value::String(jwt) => {
                    let mut raw = b"\xfftext/plain\xff".to_vec();
                    raw.extend(jwt.as_bytes());
                    seeds.add("requestor_auth", format!("{name}-jwt"), raw);
                    seeds.add("jwt", format!("{name}-request"), jwt.as_bytes());
                }
                Value::Object(_) => {
                    seeds.json("session_request", name.clone(), request);
                    let extended = json!({"validity": 60, "timeout": 30, "request": request});
                    seeds.json("session_request", format!("{name}-extended"), &extended);
                    let mut raw = format!("{token}\u{ff}application/json\u{ff}").into_bytes();
                    raw.extend(request.to_string().into_bytes());
                    seeds.add("requestor_auth", format!("{name}-token"), raw);
                }
                _ => {}
            }
            seeds.json(
                "session_request",
                format!("{name}-client"),
                &case["client_session_request"]["request"],
            );
            seeds.json(
                "request_jwt",
                name.clone(),
                &case["request_jwt_decoded"]["claims"],
            );
            for (i, jwt) in case["result_jwts"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
                .enumerate()
            {
                if let Some(jwt) = jwt["jwt"].as_str() {
                    seeds.add("jwt", format!("{name}-result-{i}"), jwt.as_bytes());
                }
            }
        }
    }
    // The legacy (pre-condiscon) forms the reference still reads.
    let content = json!([
        {"label": "Over 18", "attributes": ["irma-demo.MijnOverheid.ageLower.over18"]},
        {"label": "Name", "attributes": {"irma-demo.MijnOverheid.fullName.familyname": "Anders",
                                         "irma-demo.MijnOverheid.fullName.firstname": null}}
    ]);
    let legacy = [
        json!({"type": "disclosing", "content": content}),
        json!({"type": "signing", "message": "I agree", "content": content}),
        json!({"type": "issuing", "disclose": content, "credentials": [
            {"credential": "irma-demo.MijnOverheid.ageLower",
             "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"}}]}),
    ];
    for (i, request) in legacy.iter().enumerate() {
        seeds.json("session_request", format!("legacy-{i}"), request);
        let extended = json!({"validity": 60, "request": request});
        seeds.json("session_request", format!("legacy-{i}-extended"), &extended);
    }
}

fn app_messages(seeds: &mut Seeds, vectors: &Path) {
    for (target, folder, proofs) in [
        ("disclosure", "disclosure", "proofs"),
        ("commitments", "issuance", "combinedProofs"),
        ("signed_message", "signature", "signature"),
    ] {
        for (i, (name, case)) in cases(vectors, folder).into_iter().enumerate() {
            let body = &case["client_message"]["body"];
            // The targets pick the recorded session by the first byte.
            seeds.picked(target, name.clone(), i as u8, body);
            seeds.json("proof_list", format!("{name}-{proofs}"), &body[proofs]);
        }
    }
    for (name, n) in [
        ("int-base64", json!("AwAAAAAA")),
        ("int-decimal", json!(12)),
    ] {
        seeds.json("proof_list", name, &n);
    }
}

fn scheme_files(seeds: &mut Seeds, repo: &Path) {
    let schemes = repo.join("schemes");
    let name_of = |p: &Path| {
        p.strip_prefix(repo)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    for p in files(&schemes, &|p| p.ends_with("description.xml")) {
        // Depth below schemes/: scheme (1), issuer (2), credential type (4).
        let depth = p
            .strip_prefix(&schemes)
            .map_or(0, |r| r.components().count());
        let pick = match depth {
            2 => 0u8,
            3 => 1,
            _ => 2,
        };
        let mut bytes = vec![pick];
        bytes.extend(fs::read(&p).unwrap_or_default());
        seeds.add("scheme_descriptions", name_of(&p), bytes);
    }
    let keygen = repo.join("tests/data/vectors/issuer-keygen");
    for dir in [&schemes, &keygen] {
        for p in files(dir, &|p| p.extension().is_some_and(|e| e == "xml")) {
            let path = p.to_string_lossy();
            let pick = if path.contains("/PublicKeys/") {
                0u8
            } else if path.contains("/PrivateKeys/") {
                1
            } else {
                continue;
            };
            let mut bytes = vec![pick];
            bytes.extend(fs::read(&p).unwrap_or_default());
            seeds.add("issuer_keys", name_of(&p), bytes);
        }
    }
    for p in files(&schemes, &|p| p.file_name().is_some_and(|n| n == "index")) {
        seeds.add(
            "scheme_index",
            name_of(&p),
            fs::read(&p).unwrap_or_default(),
        );
    }
}

fn configs(seeds: &mut Seeds, vectors: &Path) {
    let conf = &read_json(&vectors.join("jwt/server-config-and-keys.json"))["requestor_config"];
    let mut json_seed = vec![0u8];
    json_seed.extend(conf.to_string().into_bytes());
    seeds.add("server_config", "recorded-requestors.json", json_seed);
    let yaml = "port: 8088\nurl: https://irma.example.com\nno_auth: false\nrequestors:\n  \
                app:\n    auth_method: token\n    key: secret\n    disclose_perms: [\"*\"]\n";
    let toml = "port = 8088\nurl = \"https://irma.example.com\"\nverbose = 1\n\n\
                [requestors.app]\nauth_method = \"token\"\nkey = \"secret\"\n";
    for (name, pick, text) in [("example.yaml", 1u8, yaml), ("example.toml", 2, toml)] {
        let mut bytes = vec![pick];
        bytes.extend(text.as_bytes());
        seeds.add("server_config", name, bytes);
    }
}

fn wallets(seeds: &mut Seeds, vectors: &Path) {
    let wallet = read_json(&vectors.join("credentials/wallet-P.json"));
    seeds.json("wallet_credentials", "wallet-P", &wallet);
    seeds.json("wallet_credentials", "wallet-P-dump", &wallet["dump"]);
    for (i, c) in wallet["dump"]["credentials"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        seeds.json("wallet_credentials", format!("wallet-P-credential-{i}"), c);
    }
}

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [repo, corpus] = &args[..] else {
        eprintln!("usage: irma-fuzz-seeds REPO CORPUS");
        std::process::exit(2);
    };
    let vectors = repo.join("tests/data/vectors");
    let mut seeds = Seeds::default();
    requests(&mut seeds, &vectors);
    app_messages(&mut seeds, &vectors);
    scheme_files(&mut seeds, repo);
    configs(&mut seeds, &vectors);
    wallets(&mut seeds, &vectors);
    match seeds.write(corpus) {
        Ok(n) => println!("{n} seeds in {} targets", seeds.0.len()),
        Err(e) => {
            eprintln!("writing seeds into {}: {e}", corpus.display());
            std::process::exit(1);
        }
    }
}
