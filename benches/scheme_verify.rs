//! Loading and fully verifying the bundled irma-demo scheme (signature, every file hash,
//! descriptions, key headers). Goal: at most 50 ms (irmago takes about 0.1 s).

use criterion::{Criterion, criterion_group, criterion_main};
use irma::scheme::Configuration;

fn load_irma_demo(c: &mut Criterion) {
    let path = irma_benches::repo_dir().join("schemes/irma-demo");
    c.bench_function("load and verify irma-demo", |b| {
        b.iter(|| Configuration::load(&path).expect("bundled irma-demo verifies"))
    });
    let all = irma_benches::repo_dir().join("schemes");
    c.bench_function("load and verify irma-demo + pbdf", |b| {
        b.iter(|| Configuration::load(&all).expect("bundled schemes verify"))
    });
}

criterion_group!(benches, load_irma_demo);
criterion_main!(benches);
