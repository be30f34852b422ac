//! Scheme `description.xml` files (scheme, issuer, credential type) as the scheme loader
//! reads them. Input: one byte choosing which of the three is replaced by the rest of the
//! input; the other two are irma-demo's (`MijnOverheid`, `fullName`).
#![no_main]

use irma::scheme::description::{DescriptionFile, parse_descriptions};
use irma_fuzz::repo;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn demo_files() -> &'static [Vec<u8>; 3] {
    static FILES: OnceLock<[Vec<u8>; 3]> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = repo().join("tests/data/schemes/irma-demo");
        let read = |p: &str| std::fs::read(dir.join(p)).expect("irma-demo description");
        [
            read("description.xml"),
            read("MijnOverheid/description.xml"),
            read("MijnOverheid/Issues/fullName/description.xml"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, xml)) = data.split_first() else {
        return;
    };
    let demo = demo_files();
    let pick = usize::from(pick) % 3;
    let bytes = |i: usize| if i == pick { xml } else { &demo[i][..] };
    let file = |i: usize, folder| DescriptionFile {
        folder,
        bytes: bytes(i),
    };
    let _ = parse_descriptions(
        file(0, "irma-demo"),
        file(1, "MijnOverheid"),
        file(2, "fullName"),
    );
});
