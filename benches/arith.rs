//! Benchmarks of `irma::crypto::arith` against num-bigint's `modpow` for the same work, shaped
//! after the Idemix operations (gabi `keys.go` and `proofs.go`), with the real 2048-bit test key
//! and the 1024-bit irma-demo MijnOverheid key.
//!
//! `cargo bench --bench arith`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use irma::crypto::arith::{
    CrtModulus, FixedBaseTable, Modulus, TableParams, random_bits, random_prime_in_range,
};
use num_bigint::BigUint;
use num_traits::One;

/// The decimal number in `<tag>…</tag>` of an issuer key file (a bench-only extraction; the real
/// key parser lives elsewhere).
fn element(xml: &str, tag: &str) -> BigUint {
    let open = format!("<{tag}>");
    let start = xml.find(&open).expect("tag present") + open.len();
    let end = start + xml[start..].find('<').expect("closing tag");
    xml[start..end].trim().parse().expect("decimal number")
}

fn test_data(path: &str) -> String {
    let file = irma_benches::repo_dir().join("tests/data").join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// A public key's modulus and bases.
struct Key {
    n: BigUint,
    s: BigUint,
    z: BigUint,
    r: Vec<BigUint>,
}

fn key(path: &str) -> Key {
    let xml = test_data(path);
    Key {
        n: element(&xml, "n"),
        s: element(&xml, "S"),
        z: element(&xml, "Z"),
        r: (0..6)
            .map(|i| element(&xml, &format!("Base_{i}")))
            .collect(),
    }
}

fn rand(bits: u64) -> BigUint {
    random_bits(bits).expect("os random")
}

/// `Π base^exp mod n` with num-bigint: the reference's way.
fn naive_product(n: &BigUint, terms: &[(&BigUint, &BigUint)]) -> BigUint {
    terms
        .iter()
        .fold(BigUint::one(), |acc, (g, e)| acc * g.modpow(e, n) % n)
}

fn modpow(c: &mut Criterion) {
    let key = key("vectors/issuer-keygen/2048/PublicKeys/0.xml");
    let md = Modulus::new(&key.n).expect("odd modulus");
    let base = rand(2047);
    let exp = rand(3204);
    let mut g = c.benchmark_group("modpow 3204-bit exponent mod 2048");
    g.bench_function("num-bigint modpow", |b| {
        b.iter(|| black_box(&base).modpow(&exp, &key.n))
    });
    g.bench_function("vartime_pow", |b| {
        b.iter(|| md.vartime_pow(black_box(&base), &exp))
    });
    g.bench_function("pow (regular)", |b| {
        b.iter(|| md.pow(black_box(&base), &exp))
    });
    g.finish();
    let x = rand(2047);
    let mut g = c.benchmark_group("modmul 2048");
    g.bench_function("num-bigint", |b| b.iter(|| black_box(&base) * &x % &key.n));
    g.bench_function("Modulus::mul", |b| b.iter(|| md.mul(black_box(&base), &x)));
    g.bench_function("num-bigint modinv", |b| {
        b.iter(|| black_box(&base).modinv(&key.n))
    });
    g.bench_function("Modulus::inverse", |b| {
        b.iter(|| md.inverse(black_box(&base)))
    });
    g.finish();
}

/// Exponent sizes of one parameter set: (e_response, v_response, a_response).
struct Sizes {
    label: &'static str,
    key: &'static str,
    e_resp: u64,
    v_resp: u64,
    a_resp: u64,
    le: u64,
}

const SIZES: [Sizes; 2] = [
    Sizes {
        label: "2048",
        key: "vectors/issuer-keygen/2048/PublicKeys/0.xml",
        e_resp: 504,
        v_resp: 3204,
        a_resp: 640,
        le: 645,
    },
    Sizes {
        label: "1024",
        key: "schemes/irma-demo/MijnOverheid/PublicKeys/2.xml",
        e_resp: 456,
        v_resp: 2036,
        a_resp: 592,
        le: 597,
    },
];

/// A^e_resp · S^v_resp · 5 × R_i^a_resp · R_5^256 (S and R_i fixed-base), and the folded complete
/// ProofD verification: A^(c·2^(Le−1) + e_resp) · (Z⁻¹)^c · R_5^(c·a) · S^v · Π R_i^a_resp.
fn proof_d(c: &mut Criterion) {
    for sizes in &SIZES {
        let key = key(sizes.key);
        let md = Modulus::new(&key.n).expect("odd modulus");
        let p = TableParams::default();
        let t_s = FixedBaseTable::new(&md, &key.s, sizes.v_resp, p).expect("table");
        let t_r: Vec<FixedBaseTable> = key
            .r
            .iter()
            .map(|r| FixedBaseTable::new(&md, r, sizes.a_resp, p).expect("table"))
            .collect();
        let z_inv = md.inverse(&key.z).expect("Z invertible");
        let t_zinv = FixedBaseTable::new(&md, &z_inv, 256, p).expect("table");
        let a = rand(key.n.bits() - 1);
        let e = rand(sizes.e_resp);
        let v = rand(sizes.v_resp);
        let ar: Vec<BigUint> = (0..5).map(|_| rand(sizes.a_resp)).collect();
        let disclosed = rand(256);

        let mut var: Vec<(&BigUint, &BigUint)> = vec![(&a, &e), (&key.s, &v)];
        var.extend(key.r[..5].iter().zip(&ar));
        var.push((&key.r[5], &disclosed));
        let mut fixed: Vec<(&FixedBaseTable, &BigUint)> = vec![(&t_s, &v)];
        fixed.extend(t_r[..5].iter().zip(&ar));
        fixed.push((&t_r[5], &disclosed));
        let expected = naive_product(&key.n, &var);
        assert_eq!(md.vartime_multi_pow(&var), expected);
        assert_eq!(
            md.vartime_multi_pow_fixed(&fixed, &[(&a, &e)]).unwrap(),
            expected
        );

        let mut g = c.benchmark_group(format!("ProofD shape mod {}", sizes.label));
        g.bench_function("num-bigint modpow each", |b| {
            b.iter(|| naive_product(&key.n, black_box(&var)))
        });
        g.bench_function("vartime_multi_pow (no tables)", |b| {
            b.iter(|| md.vartime_multi_pow(black_box(&var)))
        });
        g.bench_function("vartime_multi_pow_fixed", |b| {
            b.iter(|| md.vartime_multi_pow_fixed(black_box(&fixed), &[(&a, &e)]))
        });
        // The whole verification folded into one product (see the module docs).
        let ch = rand(256);
        let a_exp = (&ch << (sizes.le - 1)) + &e;
        let r_exp = &ch * &disclosed;
        let mut folded: Vec<(&FixedBaseTable, &BigUint)> =
            vec![(&t_s, &v), (&t_zinv, &ch), (&t_r[5], &r_exp)];
        folded.extend(t_r[..5].iter().zip(&ar));
        g.bench_function("complete verification, reference steps (num-bigint)", |b| {
            b.iter(|| {
                // gabi: (Z / (A^(2^(Le−1)) · R^a))^(−c) · A^e · S^v · Π R_i^a_i.
                let n = &key.n;
                let a_pow = black_box(&a).modpow(&(BigUint::one() << (sizes.le - 1)), n);
                let denom = a_pow * key.r[5].modpow(&disclosed, n) % n;
                let q = &key.z * denom.modinv(n).expect("invertible") % n;
                let q_inv_c = q.modinv(n).expect("invertible").modpow(&ch, n);
                q_inv_c * naive_product(n, &var) % n
            })
        });
        g.bench_function(
            "complete verification, folded vartime_multi_pow_fixed",
            |b| b.iter(|| md.vartime_multi_pow_fixed(black_box(&folded), &[(&a, &a_exp)])),
        );
        g.finish();
    }
}

/// The issuer's secret exponentiation (CRT) and the prime `e`.
fn secret_and_prime(c: &mut Criterion) {
    let xml = test_data("vectors/issuer-keygen/2048/PrivateKeys/0.xml");
    let (p, q) = (element(&xml, "p"), element(&xml, "q"));
    let key = key("vectors/issuer-keygen/2048/PublicKeys/0.xml");
    let crt = CrtModulus::new(&p, &q).expect("factors");
    assert_eq!(crt.value(), key.n);
    let x = rand(2047);
    let d = rand(2046);
    assert_eq!(crt.pow(&x, &d), x.modpow(&d, &key.n));

    let mut g = c.benchmark_group("secret exponent mod 2048");
    g.bench_function("num-bigint modpow 2046-bit", |b| {
        b.iter(|| black_box(&x).modpow(&d, &key.n))
    });
    g.bench_function("CrtModulus::pow 2046-bit", |b| {
        b.iter(|| crt.pow(black_box(&x), &d))
    });
    g.finish();

    let mut g = c.benchmark_group("random prime e");
    g.sample_size(40);
    g.bench_function("645-bit (2048 keys)", |b| {
        b.iter(|| random_prime_in_range(644, 119).expect("prime"))
    });
    g.bench_function("597-bit (1024 keys)", |b| {
        b.iter(|| random_prime_in_range(596, 119).expect("prime"))
    });
    g.finish();
}

/// Exponent sizes of the issuer's work for one parameter set (REFERENCE.md §5.1, §9.1).
struct IssueSizes {
    label: &'static str,
    public: &'static str,
    private: &'static str,
    /// v'_resp (LvPrimeCommit), s_resp (LsCommit), v'' (Lv).
    v_prime_resp: u64,
    s_resp: u64,
    lv: u64,
    /// Table sizes: S (LvCommit) and R_i (LmCommit).
    s_table: u64,
    r_table: u64,
    /// e ∈ [2^start, 2^start + 2^119).
    e_start: u64,
}

const ISSUE_SIZES: [IssueSizes; 2] = [
    IssueSizes {
        label: "2048",
        public: "vectors/issuer-keygen/2048/PublicKeys/0.xml",
        private: "vectors/issuer-keygen/2048/PrivateKeys/0.xml",
        v_prime_resp: 2560,
        s_resp: 641,
        lv: 2820,
        s_table: 3204,
        r_table: 640,
        e_start: 644,
    },
    IssueSizes {
        label: "1024",
        public: "schemes/irma-demo/MijnOverheid/PublicKeys/2.xml",
        private: "schemes/irma-demo/MijnOverheid/PrivateKeys/2.xml",
        v_prime_resp: 1440,
        s_resp: 593,
        lv: 1700,
        s_table: 2036,
        r_table: 592,
        e_start: 596,
    },
];

/// Issuance without hashing, 6 attributes: the ProofU check U^(−c)·S^v'·R_0^s, then
/// Q = Z/(U·S^v''·Π R_i^m_i), A = Q^(e⁻¹ mod p'q') and the ProofS commitment Q^r.
fn issuance_total(c: &mut Criterion) {
    for sizes in &ISSUE_SIZES {
        let xml = test_data(sizes.private);
        let (p, q) = (element(&xml, "p"), element(&xml, "q"));
        let pq = Modulus::new(&(element(&xml, "pPrime") * element(&xml, "qPrime"))).expect("odd");
        let key = key(sizes.public);
        let crt = CrtModulus::new(&p, &q).expect("factors");
        let md = Modulus::new(&key.n).expect("odd modulus");
        let bits = key.n.bits();
        let params = TableParams::default();
        let t_s = FixedBaseTable::new(&md, &key.s, sizes.s_table, params).expect("table");
        let t_r: Vec<FixedBaseTable> = key
            .r
            .iter()
            .map(|r| FixedBaseTable::new(&md, r, sizes.r_table, params).expect("table"))
            .collect();
        let u = rand(bits - 1);
        let (ch, v_resp, s_resp) = (rand(256), rand(sizes.v_prime_resp), rand(sizes.s_resp));
        let v2 = rand(sizes.lv);
        let m: Vec<BigUint> = (0..6).map(|_| rand(256)).collect();
        let mut g = c.benchmark_group(format!("issuance mod {}", sizes.label));
        g.sample_size(30);
        g.bench_function("arith: ProofU + sign + ProofS commitment", |b| {
            b.iter(|| {
                let u_inv = md.inverse(black_box(&u)).expect("invertible");
                let proof_u = md
                    .vartime_multi_pow_fixed(
                        &[(&t_s, &v_resp), (&t_r[0], &s_resp)],
                        &[(&u_inv, &ch)],
                    )
                    .expect("same modulus");
                let mut fixed: Vec<(&FixedBaseTable, &BigUint)> = vec![(&t_s, &v2)];
                fixed.extend(t_r.iter().zip(&m));
                let denom = md
                    .vartime_multi_pow_fixed(&fixed, &[])
                    .expect("same modulus");
                let denom = md.mul(&denom, &u);
                let q_val = md.mul(&key.z, &md.inverse(&denom).expect("invertible"));
                let e = random_prime_in_range(sizes.e_start, 119).expect("prime");
                let e_inv = pq.inverse(&e).expect("invertible");
                let a = crt.pow(&q_val, &e_inv);
                let commit = crt.pow(&q_val, &rand(bits - 2));
                (proof_u, a, commit)
            })
        });
        g.bench_function("reference steps (num-bigint, e as arith)", |b| {
            b.iter(|| {
                let n = &key.n;
                let u_inv = black_box(&u).modinv(n).expect("invertible");
                let proof_u =
                    naive_product(n, &[(&u_inv, &ch), (&key.s, &v_resp), (&key.r[0], &s_resp)]);
                let mut terms: Vec<(&BigUint, &BigUint)> = vec![(&key.s, &v2)];
                terms.extend(key.r.iter().zip(&m));
                let denom = naive_product(n, &terms) * &u % n;
                let q_val = &key.z * denom.modinv(n).expect("invertible") % n;
                let e = random_prime_in_range(sizes.e_start, 119).expect("prime");
                let e_inv = e.modinv(pq.value()).expect("invertible");
                let a = q_val.modpow(&e_inv, n);
                let commit = q_val.modpow(&rand(bits - 2), n);
                (proof_u, a, commit)
            })
        });
        g.finish();
    }
}

criterion_group!(benches, modpow, proof_d, secret_and_prime, issuance_total);
criterion_main!(benches);
