//! A scheme's `index` file (`<sha256 hex> <scheme>/<path>` lines), as scheme verification
//! and download read it (from disk or from a scheme server). Invariant: a parsed index
//! written out and read again is the same index.
#![no_main]

use std::path::Path;

use irma::protocol::identifiers::SchemeId;
use irma::scheme::index::Index;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let scheme: SchemeId = "irma-demo".parse().expect("scheme id");
    let Ok(index) = Index::parse(&scheme, data, Path::new("index")) else {
        return;
    };
    let written = index.to_bytes();
    let again = Index::parse(&scheme, &written, Path::new("index")).expect("written index parses");
    assert_eq!(again, index);
});
