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
fn version_prints_the_crate_version() {
    let run = irma(["version"]).success();
    assert!(run.stdout.contains(env!("CARGO_PKG_VERSION")));
    let run = irma(["--version"]).success();
    assert!(run.stdout.starts_with("irma "));
}
