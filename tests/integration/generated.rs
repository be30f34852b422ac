//! The checked-in `completions/` and `man/` must equal what the binary generates.

use std::fs;
use std::path::Path;

use crate::util::{irma, repo_root};

fn assert_same_dir(expected: &Path, generated: &Path) {
    let names = |dir: &Path| {
        let mut v: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let (want, got) = (names(expected), names(generated));
    assert_eq!(
        want,
        got,
        "file lists differ in {}; run `irma generate`",
        expected.display()
    );
    for name in want {
        let a = fs::read(expected.join(&name)).unwrap();
        let b = fs::read(generated.join(&name)).unwrap();
        assert!(
            a == b,
            "{} is stale: run `cargo run -- generate completions && cargo run -- generate man`",
            expected.join(&name).display()
        );
    }
}

#[test]
fn completions_are_up_to_date() {
    let tmp = tempfile::tempdir().unwrap();
    irma(["generate", "completions", "--dir"]).failure();
    irma([
        "generate".as_ref(),
        "completions".as_ref(),
        "--dir".as_ref(),
        tmp.path().as_os_str(),
    ])
    .success();
    assert_same_dir(&repo_root().join("completions"), tmp.path());
}

#[test]
fn man_pages_are_up_to_date() {
    let tmp = tempfile::tempdir().unwrap();
    irma([
        "generate".as_ref(),
        "man".as_ref(),
        "--dir".as_ref(),
        tmp.path().as_os_str(),
    ])
    .success();
    assert_same_dir(&repo_root().join("man"), tmp.path());
}

#[test]
fn version_prints_the_reference_lines_then_ours() {
    let run = irma(["version"]).success();
    let version = env!("CARGO_PKG_VERSION");
    let lines: Vec<&str> = run.stdout.lines().collect();
    // irmago v0.18.1's `irma version`, line for line (Go's names for OS and architecture).
    assert_eq!(lines[0], format!("IRMA toolkit v{version}"));
    assert_eq!(lines[1], "Documentation: https://irma.app/docs");
    assert_eq!(lines[2], "");
    assert_eq!(lines[3], format!("Version:  {version}"));
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    assert!(lines[4].starts_with("OS/Arg:   ") && lines[4].ends_with(&format!("/{arch}")));
    assert!(run.stdout.contains("Built-in schemes: irma-demo, pbdf"));
    let run = irma(["--version"]).success();
    assert!(run.stdout.starts_with("irma "));
}

#[test]
fn completion_and_issuer_are_the_reference_commands() {
    // `irma completion SHELL` (cobra's spelling) prints what `irma generate` writes.
    for shell in ["bash", "zsh", "fish"] {
        let a = irma(["completion", shell]).success();
        let b = irma(["generate", "completions", "--shell", shell]).success();
        assert_eq!(a.stdout, b.stdout, "{shell}");
        assert!(a.stdout.contains("keycopy"), "{shell}");
    }
    let ps = irma(["completion", "powershell"]).success();
    assert!(ps.stdout.contains("Register-ArgumentCompleter"));
    irma(["completion", "tcsh"]).failure();
    // `irma issuer` is `irma scheme issuer`.
    let top = irma(["issuer", "keygen", "--help"]).success();
    let nested = irma(["scheme", "issuer", "keygen", "--help"]).success();
    assert_eq!(
        top.stdout
            .replace("irma issuer keygen", "irma scheme issuer keygen"),
        nested.stdout
    );
    assert!(top.stdout.contains("--numattributes"));
}
