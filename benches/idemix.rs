//! Idemix costs per session step, with the arithmetic of `crypto::idemix::math` (on
//! `crypto::arith`; `cargo bench --bench arith` has the single-operation numbers):
//! verify one ProofD (6 attributes, the metadata and 1 attribute disclosed), issue one
//! credential (verify the ProofU, sign, prove the signature), create one ProofD; for the
//! 2048-bit key of `tests/data/vectors/issuer-keygen/2048` and the 1024-bit irma-demo
//! MijnOverheid key 2. Issuance takes its prime `e` from the background pool, as on the
//! server's request path; the search itself is `random prime e` in `benches/arith.rs`.
//!
//! Nonrevocation (2048-bit key): verifying one ProofD of a revocable credential (6 attributes
//! with the secret key and the revocation attribute, the metadata and 1 attribute disclosed) with its nonrevocation proof,
//! against the same disclosure of the same credential without one; the goal is at most
//! 1.5 times the cost. Beside them, the floor of any verifier of this proof format (gabi's):
//! its commitments `ν̂ = ν^{−c} C_u^α H^{−β}` and `1̂ = C_r^α G^{−β} H^{−δ}` need `C_u^α` and
//! `C_r^α` for two bases fresh in every proof and a response `α` of up to 580 bits, so at
//! least two 580-bit variable-base exponentiations, whose squarings nothing can share or
//! precompute.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use irma::crypto::arith::{Modulus, random_bits};
use irma::crypto::idemix::{
    Credential, CredentialBuilder, Issuer, PrivateKey, Proof, ProofRequest, PublicKey, SecretKey,
    build_proof_list, verify_proof_list,
};
use irma::crypto::revocation::{Accumulator, Witness};
use num_bigint::BigUint;

fn data_dir() -> PathBuf {
    irma_benches::repo_dir().join("tests/data")
}

fn key_pair(dir: &str, counter: u32) -> (PrivateKey, PublicKey) {
    let read = |kind: &str| {
        std::fs::read_to_string(data_dir().join(format!("{dir}/{kind}/{counter}.xml"))).unwrap()
    };
    (
        PrivateKey::from_xml(&read("PrivateKeys")).unwrap(),
        PublicKey::from_xml(&read("PublicKeys")).unwrap(),
    )
}

/// Everything one benchmark group needs: keys, a holder commitment, a credential, a proof.
struct Setup {
    sk: PrivateKey,
    pk: PublicKey,
    secret: SecretKey,
    attributes: Vec<Option<BigUint>>,
    credential: Credential,
}

fn setup(dir: &str, counter: u32) -> Setup {
    let (sk, pk) = key_pair(dir, counter);
    let secret = SecretKey::generate().unwrap();
    // Metadata plus 4 attributes: 6 with the secret key.
    let attributes: Vec<_> = (0..5u64)
        .map(|i| Some(BigUint::from(0x1234_5678_9abc_u64 + i) << 64u32 | BigUint::from(1u8)))
        .collect();
    let context = BigUint::from(1u8);
    let nonce2 = BigUint::from(2u8);
    let builder = CredentialBuilder::new(&pk, &context, &secret, &nonce2, None, &[]).unwrap();
    let issuer = Issuer::new(&sk, &pk, &context).unwrap();
    let message = issuer
        .issue_signature(builder.commitment(), &attributes, &nonce2)
        .unwrap();
    let credential = builder.construct_credential(&message, &attributes).unwrap();
    Setup {
        sk,
        pk,
        secret,
        attributes,
        credential,
    }
}

fn bench_key(c: &mut Criterion, name: &str, s: &Setup) {
    let context = BigUint::from(1u8);
    let nonce = BigUint::from(0x0123_4567_89ab_cdef_u64);
    let disclose = ProofRequest::Disclosure {
        credential: &s.credential,
        disclosed: &[1, 2],
        nonrev: false,
    };
    let proofs = build_proof_list(&[disclose], &context, &nonce, false).unwrap();
    let mut group = c.benchmark_group(name);
    group.sample_size(20);

    group.bench_function(
        "verify ProofD (6 attributes, 1 + metadata disclosed)",
        |b| {
            b.iter(|| {
                verify_proof_list(&proofs.0, &[&s.pk], &[], &context, &nonce, false).unwrap();
            })
        },
    );

    group.bench_function("create ProofD", |b| {
        b.iter(|| black_box(build_proof_list(&[disclose], &context, &nonce, false).unwrap()))
    });

    let nonce2 = BigUint::from(2u8);
    let builder = CredentialBuilder::new(&s.pk, &context, &s.secret, &nonce2, None, &[]).unwrap();
    let commitment =
        build_proof_list(&[ProofRequest::Issuance(&builder)], &context, &nonce, false).unwrap();
    let Proof::U(proof_u) = &commitment.0[0] else {
        unreachable!()
    };
    let issuer = Issuer::new(&s.sk, &s.pk, &context).unwrap();
    let issue = || {
        verify_proof_list(&commitment.0, &[&s.pk], &[], &context, &nonce, false).unwrap();
        black_box(
            issuer
                .issue_signature(&proof_u.u, &s.attributes, &nonce2)
                .unwrap(),
        )
    };
    // The request path: the background prime pool has had time (untimed) to refill.
    Issuer::prepare(&s.pk);
    group.bench_function("issue (verify ProofU, sign, ProofS), prime e ready", |b| {
        b.iter_batched(
            || std::thread::sleep(std::time::Duration::from_millis(10)),
            |()| issue(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// The setup's attributes and a revocation attribute, issued with a witness against a fresh
/// accumulator of the setup's key.
fn revocable(s: &Setup) -> Credential {
    let update = Accumulator::initial(&s.sk, 1_796_588_824).unwrap();
    let acc = update.signed_accumulator.verify(&s.pk).unwrap();
    let witness = Witness::random(&s.sk, &acc, &update.signed_accumulator).unwrap();
    // The 2048-bit key has 6 bases: the last plain attribute makes room for the revocation one.
    let mut attributes = s.attributes.clone();
    attributes.pop();
    attributes.push(Some(witness.e.0.clone()));
    let (context, nonce2) = (BigUint::from(1u8), BigUint::from(2u8));
    let builder = CredentialBuilder::new(&s.pk, &context, &s.secret, &nonce2, None, &[]).unwrap();
    let issuer = Issuer::new(&s.sk, &s.pk, &context).unwrap();
    let mut message = issuer
        .issue_signature(builder.commitment(), &attributes, &nonce2)
        .unwrap();
    message.nonrev = Some(witness);
    builder.construct_credential(&message, &attributes).unwrap()
}

fn bench_nonrevocation(c: &mut Criterion, name: &str, s: &Setup) {
    let credential = revocable(s);
    let context = BigUint::from(1u8);
    let nonce = BigUint::from(0x0123_4567_89ab_cdef_u64);
    let proof = |nonrev| {
        let disclose = ProofRequest::Disclosure {
            credential: &credential,
            disclosed: &[1, 2],
            nonrev,
        };
        build_proof_list(&[disclose], &context, &nonce, false).unwrap()
    };
    let (plain, with_nonrev) = (proof(false), proof(true));
    assert!(matches!(&with_nonrev.0[0], Proof::D(d) if d.nonrev_proof.is_some()));
    let mut group = c.benchmark_group(name);
    group.sample_size(30);
    for (label, proofs) in [
        (
            "verify ProofD (6 attributes) without nonrevocation proof",
            &plain,
        ),
        (
            "verify ProofD (6 attributes) with nonrevocation proof",
            &with_nonrev,
        ),
    ] {
        group.bench_function(label, |b| {
            b.iter(|| {
                verify_proof_list(&proofs.0, &[&s.pk], &[], &context, &nonce, false).unwrap();
            })
        });
    }
    let n = Modulus::new(s.pk.n()).unwrap();
    let (c_u, c_r) = (random_bits(2047).unwrap(), random_bits(2047).unwrap());
    let alpha = random_bits(580).unwrap();
    group.bench_function(
        "floor: C_u^α and C_r^α (two 580-bit variable-base exponentiations)",
        |b| {
            b.iter(|| {
                black_box(n.vartime_pow(black_box(&c_u), &alpha));
                black_box(n.vartime_pow(black_box(&c_r), &alpha));
            })
        },
    );
    group.finish();
}

fn idemix(c: &mut Criterion) {
    let s2048 = setup("vectors/issuer-keygen/2048", 0);
    bench_nonrevocation(c, "nonrevocation 2048", &s2048);
    bench_key(c, "idemix 2048", &s2048);
    let s1024 = setup("schemes/irma-demo/MijnOverheid", 2);
    bench_key(c, "idemix 1024", &s1024);
}

criterion_group!(benches, idemix);
criterion_main!(benches);
