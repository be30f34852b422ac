//! Embeds the signed default schemes of `schemes/` (irma-demo and pbdf) in the binary, so that
//! a binary copied anywhere can fill an empty schemes folder without a network
//! (`src/scheme/embedded.rs` reads the table written here).
//!
//! A build script rather than a crate such as `include_dir`: many credential types share the
//! same logo, and storing every distinct file once halves what the binary carries (15.7 MB of
//! files, 8.9 MB distinct). The files are embedded byte for byte, so their signatures verify.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .join("schemes");
    println!("cargo:rerun-if-changed=schemes");

    let mut files = Vec::new();
    walk(&root, "", &mut files);
    files.sort();

    // Distinct contents, in order of first occurrence, each embedded from its first file.
    let mut blob_of: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut blobs = Vec::new();
    let mut table = Vec::new();
    for (rel, path) in &files {
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let next = blob_of.len();
        let blob = *blob_of.entry(bytes).or_insert_with(|| {
            blobs.push(path.clone());
            next
        });
        table.push((rel.clone(), blob));
    }

    let mut out = String::new();
    out.push_str("/// Distinct file contents.\n");
    let _ = writeln!(out, "static BLOBS: [&[u8]; {}] = [", blobs.len());
    for path in &blobs {
        let _ = writeln!(out, "    include_bytes!({:?}),", path.display().to_string());
    }
    out.push_str("];\n\n/// Every file: its path below `schemes/` and its index into `BLOBS`, sorted by path.\n");
    let _ = writeln!(out, "static FILES: [(&str, usize); {}] = [", table.len());
    for (rel, blob) in &table {
        let _ = writeln!(out, "    ({rel:?}, {blob}),");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("embedded_schemes.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}

/// Every file below `dir` as (`/`-separated path relative to `schemes/`, absolute path),
/// skipping hidden files and folders (`.git`, leftovers of interrupted updates).
fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let name = entry.file_name().into_string().expect("UTF-8 file names");
        if name.starts_with('.') {
            continue;
        }
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let path = entry.path();
        if path.is_dir() {
            walk(&path, &child, out);
        } else if !rel.is_empty() {
            out.push((child, path));
        }
    }
}
