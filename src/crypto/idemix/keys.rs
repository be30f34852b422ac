//! Issuer key pairs and their XML files (`gabi:gabikeys/keys.go`, `marshaling.go`).
//!
//! Files are in the namespace `http://www.zurich.ibm.com/security/idemix` with decimal
//! integers. Reading ignores unknown elements; writing produces exactly the bytes gabi writes.

use std::fmt;
use std::fmt::Write as _;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use num_traits::One;
use p256::pkcs8::DecodePublicKey;
use zeroize::Zeroizing;

use super::math::{self, FixedTerm};
use super::params::SystemParameters;
use super::xml::{self, Element, XmlError};
use crate::crypto::arith::{CrtModulus, Modulus};

/// The XML namespace of key files.
pub const KEY_NAMESPACE: &str = "http://www.zurich.ibm.com/security/idemix";

/// The epoch length gabi writes into new public keys (unused by IRMA).
pub const DEFAULT_EPOCH_LENGTH: i64 = 432_000;

const XML_HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";

/// Why a key file or key is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssuerKeyError {
    /// The document is not well-formed XML.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The root element is not the expected one.
    #[error("expected root element <{expected}>, found <{found}>")]
    Root {
        /// The expected local name.
        expected: &'static str,
        /// The local name found.
        found: String,
    },
    /// A required element is missing.
    #[error("missing element <{0}>")]
    Missing(&'static str),
    /// An element does not hold a valid number.
    #[error("element <{0}> is not a valid non-negative decimal number")]
    Number(String),
    /// The `num` attribute of `<Bases>` does not match the number of bases.
    #[error("<Bases num=\"{num}\"> holds {found} bases")]
    BaseCount {
        /// The declared count.
        num: String,
        /// The number of base elements.
        found: usize,
    },
    /// The modulus is even: no issuer key has one.
    #[error("the modulus is not odd")]
    EvenModulus,
    /// The modulus has a size without system parameters.
    #[error("unsupported modulus size of {0} bits (1024, 2048 or 4096)")]
    ModulusSize(u64),
    /// The ECDSA revocation key is not valid base64 DER of a P-256 key.
    #[error("invalid ECDSA revocation key")]
    Ecdsa,
    /// The private key's numbers are inconsistent or not safe primes.
    #[error("invalid private key: {0}")]
    Invalid(&'static str),
}

/// An issuer's public key `(n, Z, S, R_0…R_k, [G, H, ECDSA])`.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    counter: u32,
    expiry_date: i64,
    n: BigUint,
    z: BigUint,
    s: BigUint,
    g: Option<BigUint>,
    h: Option<BigUint>,
    r: Vec<BigUint>,
    epoch_length: i64,
    /// PKIX DER of the P-256 revocation key.
    ecdsa: Option<Vec<u8>>,
    params: &'static SystemParameters,
    /// Montgomery constants of `n` (derived from `n`).
    modulus: Modulus,
    /// `Z⁻¹ mod n`, when `Z` is a unit (derived from `n` and `Z`).
    z_inv: Option<BigUint>,
    /// `(G⁻¹, H⁻¹) mod n`, when both are present and units (derived).
    revocation_inverses: Option<(BigUint, BigUint)>,
}

/// The revocation bases `G`, `H` and their inverses as fixed-base terms, for nonrevocation
/// proofs. The tables cover every exponent of these bases there (randomizers and responses up
/// to `n·2^{600}`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RevocationTerms<'a> {
    g: &'a BigUint,
    h: &'a BigUint,
    g_inv: &'a BigUint,
    h_inv: &'a BigUint,
    max_bits: u64,
}

impl<'a> RevocationTerms<'a> {
    fn term(self, base: &'a BigUint, exp: &'a BigUint) -> FixedTerm<'a> {
        FixedTerm {
            base,
            max_bits: self.max_bits,
            exp,
        }
    }
    /// `G^exp`.
    pub(crate) fn g(self, exp: &'a BigUint) -> FixedTerm<'a> {
        self.term(self.g, exp)
    }
    /// `H^exp`.
    pub(crate) fn h(self, exp: &'a BigUint) -> FixedTerm<'a> {
        self.term(self.h, exp)
    }
    /// `G^{−exp}`.
    pub(crate) fn g_inv(self, exp: &'a BigUint) -> FixedTerm<'a> {
        self.term(self.g_inv, exp)
    }
    /// `H^{−exp}`.
    pub(crate) fn h_inv(self, exp: &'a BigUint) -> FixedTerm<'a> {
        self.term(self.h_inv, exp)
    }
}

/// The raw parts of a public key, for [`PublicKey::new`].
#[derive(Debug, Clone)]
pub struct PublicKeyParts {
    /// The key counter.
    pub counter: u32,
    /// Unix seconds after which the key expires.
    pub expiry_date: i64,
    /// The modulus.
    pub n: BigUint,
    /// The base `Z`.
    pub z: BigUint,
    /// The base `S`.
    pub s: BigUint,
    /// The revocation base `G`.
    pub g: Option<BigUint>,
    /// The revocation base `H`.
    pub h: Option<BigUint>,
    /// The attribute bases `R_0…R_k`.
    pub r: Vec<BigUint>,
    /// The (unused) epoch length feature.
    pub epoch_length: i64,
    /// PKIX DER of the P-256 revocation key.
    pub ecdsa: Option<Vec<u8>>,
}

impl PublicKey {
    /// Assembles a public key, checking the modulus size and the ECDSA key.
    pub fn new(parts: PublicKeyParts) -> Result<Self, IssuerKeyError> {
        let params = SystemParameters::for_modulus_bits(parts.n.bits())
            .ok_or(IssuerKeyError::ModulusSize(parts.n.bits()))?;
        if let Some(der) = &parts.ecdsa {
            p256::PublicKey::from_public_key_der(der).map_err(|_| IssuerKeyError::Ecdsa)?;
        }
        let modulus = Modulus::new(&parts.n).map_err(|_| IssuerKeyError::EvenModulus)?;
        let z_inv = modulus.inverse(&parts.z);
        let revocation_inverses = match (&parts.g, &parts.h) {
            (Some(g), Some(h)) => modulus.inverse(g).zip(modulus.inverse(h)),
            _ => None,
        };
        Ok(Self {
            counter: parts.counter,
            expiry_date: parts.expiry_date,
            n: parts.n,
            z: parts.z,
            s: parts.s,
            g: parts.g,
            h: parts.h,
            r: parts.r,
            epoch_length: parts.epoch_length,
            ecdsa: parts.ecdsa,
            params,
            modulus,
            z_inv,
            revocation_inverses,
        })
    }

    /// Reads a public key file (`IssuerPublicKey`).
    pub fn from_xml(input: &str) -> Result<Self, IssuerKeyError> {
        let root = root(input, "IssuerPublicKey")?;
        let elements = elements(&root)?;
        let bases = elements
            .child("Bases")
            .ok_or(IssuerKeyError::Missing("Bases"))?;
        let num = bases.attr("num").unwrap_or("").trim();
        if num.parse::<usize>().ok() != Some(bases.children.len()) {
            return Err(IssuerKeyError::BaseCount {
                num: num.to_owned(),
                found: bases.children.len(),
            });
        }
        let r = bases
            .children
            .iter()
            .map(|b| number_text(&b.name, &b.text))
            .collect::<Result<Vec<_>, _>>()?;
        let epoch_length = match root.child("Features").and_then(|f| f.child("Epoch")) {
            Some(epoch) => {
                let length = epoch.attr("length").unwrap_or("0").trim();
                length
                    .parse()
                    .map_err(|_| IssuerKeyError::Number("Epoch length".into()))?
            }
            None => 0,
        };
        Self::new(PublicKeyParts {
            counter: small_number(&root, "Counter")?,
            expiry_date: small_number(&root, "ExpiryDate")?,
            n: number(elements, "n")?,
            z: number(elements, "Z")?,
            s: number(elements, "S")?,
            g: optional_number(elements, "G")?,
            h: optional_number(elements, "H")?,
            r,
            epoch_length,
            ecdsa: ecdsa_bytes(&root)?,
        })
    }

    /// The file gabi would write for this key.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        open_key_xml(&mut out, "IssuerPublicKey", self.counter, self.expiry_date);
        let _ = writeln!(out, "      <n>{}</n>", self.n);
        let _ = writeln!(out, "      <Z>{}</Z>", self.z);
        let _ = writeln!(out, "      <S>{}</S>", self.s);
        if let Some(g) = &self.g {
            let _ = writeln!(out, "      <G>{g}</G>");
        }
        if let Some(h) = &self.h {
            let _ = writeln!(out, "      <H>{h}</H>");
        }
        let _ = writeln!(out, "      <Bases num=\"{}\">", self.r.len());
        for (i, base) in self.r.iter().enumerate() {
            let _ = writeln!(out, "         <Base_{i}>{base}</Base_{i}>");
        }
        out.push_str("      </Bases>\n   </Elements>\n   <Features>\n");
        let _ = writeln!(
            out,
            "      <Epoch length=\"{}\"></Epoch>\n   </Features>",
            self.epoch_length
        );
        if let Some(der) = &self.ecdsa {
            let _ = writeln!(out, "   <ECDSA>{}</ECDSA>", STANDARD.encode(der));
        }
        out.push_str("</IssuerPublicKey>");
        out
    }

    /// The key counter.
    pub fn counter(&self) -> u32 {
        self.counter
    }
    /// Unix seconds after which the key expires.
    pub fn expiry_date(&self) -> i64 {
        self.expiry_date
    }
    /// The modulus `n`.
    pub fn n(&self) -> &BigUint {
        &self.n
    }
    /// The base `Z`.
    pub fn z(&self) -> &BigUint {
        &self.z
    }
    /// The base `S`.
    pub fn s(&self) -> &BigUint {
        &self.s
    }
    /// The attribute bases `R_0…R_k` (`R_0` for the secret key, `R_1` for the metadata).
    pub fn bases(&self) -> &[BigUint] {
        &self.r
    }
    /// The revocation bases `G` and `H`, when present.
    pub fn revocation_bases(&self) -> Option<(&BigUint, &BigUint)> {
        self.g.as_ref().zip(self.h.as_ref())
    }
    /// PKIX DER of the ECDSA revocation key, when present.
    pub fn ecdsa_der(&self) -> Option<&[u8]> {
        self.ecdsa.as_deref()
    }
    /// Whether the key supports revocation: `G`, `H` and the ECDSA key all present.
    pub fn revocation_supported(&self) -> bool {
        self.g.is_some() && self.h.is_some() && self.ecdsa.is_some()
    }
    /// The system parameters of this key's modulus size.
    pub fn params(&self) -> &'static SystemParameters {
        self.params
    }

    /// This key with the revocation material `G`, `H` and the ECDSA key (PKIX DER) set.
    pub(super) fn with_revocation(
        &self,
        g: BigUint,
        h: BigUint,
        ecdsa: Vec<u8>,
    ) -> Result<Self, IssuerKeyError> {
        Self::new(PublicKeyParts {
            counter: self.counter,
            expiry_date: self.expiry_date,
            n: self.n.clone(),
            z: self.z.clone(),
            s: self.s.clone(),
            g: Some(g),
            h: Some(h),
            r: self.r.clone(),
            epoch_length: self.epoch_length,
            ecdsa: Some(ecdsa),
        })
    }

    /// The Montgomery form of `n`.
    pub(crate) fn modulus(&self) -> &Modulus {
        &self.modulus
    }
    /// `G`, `H`, `G⁻¹`, `H⁻¹` as fixed-base terms, when the key has revocation bases.
    pub(crate) fn revocation_terms(&self) -> Option<RevocationTerms<'_>> {
        let (g, h) = self.revocation_bases()?;
        let (g_inv, h_inv) = self.revocation_inverses.as_ref()?;
        Some(RevocationTerms {
            g,
            h,
            g_inv,
            h_inv,
            max_bits: self.n.bits() + crate::crypto::revocation::RESPONSE_EXTRA_BITS,
        })
    }
    /// `S^exp` as a fixed-base term; its table covers every exponent of `S` in the protocol
    /// (`v`, `ṽ`, `ṽ'`, their responses, the randomizer `r`).
    pub(super) fn s_term<'a>(&'a self, exp: &'a BigUint) -> FixedTerm<'a> {
        let p = self.params;
        FixedTerm {
            base: &self.s,
            max_bits: u64::from((p.lv_commit + 1).max(p.lra)),
            exp,
        }
    }
    /// `R_i^exp` as a fixed-base term (attribute responses, `c·h(a_i)`), if the key has `R_i`.
    pub(super) fn r_term<'a>(&'a self, i: usize, exp: &'a BigUint) -> Option<FixedTerm<'a>> {
        Some(FixedTerm {
            base: self.r.get(i)?,
            max_bits: u64::from(self.params.lm_commit + 1),
            exp,
        })
    }
    /// `(Z⁻¹)^exp` as a fixed-base term (`exp` a challenge), if `Z` is a unit.
    pub(super) fn z_inv_term<'a>(&'a self, exp: &'a BigUint) -> Option<FixedTerm<'a>> {
        Some(FixedTerm {
            base: self.z_inv.as_ref()?,
            max_bits: u64::from(self.params.lh),
            exp,
        })
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("counter", &self.counter)
            .field("expiry_date", &self.expiry_date)
            .field("modulus_bits", &self.n.bits())
            .field("bases", &self.r.len())
            .field("revocation", &self.revocation_supported())
            .finish_non_exhaustive()
    }
}

/// An issuer's private key: the safe primes `p = 2p' + 1`, `q = 2q' + 1`.
///
/// `Debug` shows only the counter and expiry. On drop the ECDSA key bytes are wiped
/// (`Zeroizing`) and the limbs of `p`, `q`, `p'`, `q'` and `p'q'` are overwritten
/// with zeros in place. Not wiped: temporaries `num-bigint` allocates and frees
/// while computing with them (e.g. inside `modpow` and `modinv`), and copies callers make.
#[derive(Clone)]
pub struct PrivateKey {
    counter: u32,
    expiry_date: i64,
    p: BigUint,
    q: BigUint,
    p_prime: BigUint,
    q_prime: BigUint,
    /// SEC1 DER of the P-256 revocation key.
    ecdsa: Option<Zeroizing<Vec<u8>>>,
    n: BigUint,
    order: BigUint,
    /// `n = pq` for CRT exponentiation (zeroized on drop by itself).
    crt: CrtModulus,
    /// Montgomery form of `p'q'` (zeroized on drop by itself).
    order_modulus: Modulus,
}

impl PrivateKey {
    /// Assembles a private key from its primes; `p' = (p−1)/2`, `q' = (q−1)/2`.
    pub fn new(
        p: BigUint,
        q: BigUint,
        ecdsa: Option<Zeroizing<Vec<u8>>>,
        counter: u32,
        expiry_date: i64,
    ) -> Result<Self, IssuerKeyError> {
        let p_prime = &p >> 1u32;
        let q_prime = &q >> 1u32;
        Self::assemble(counter, expiry_date, p, q, p_prime, q_prime, ecdsa)
    }

    fn assemble(
        counter: u32,
        expiry_date: i64,
        p: BigUint,
        q: BigUint,
        p_prime: BigUint,
        q_prime: BigUint,
        ecdsa: Option<Zeroizing<Vec<u8>>>,
    ) -> Result<Self, IssuerKeyError> {
        if let Some(der) = &ecdsa {
            p256::SecretKey::from_sec1_der(der).map_err(|_| IssuerKeyError::Ecdsa)?;
        }
        let n = &p * &q;
        let order = &p_prime * &q_prime;
        let crt = CrtModulus::new(&p, &q)
            .map_err(|_| IssuerKeyError::Invalid("p and q must be coprime odd numbers"))?;
        let order_modulus =
            Modulus::new(&order).map_err(|_| IssuerKeyError::Invalid("p'q' must be odd"))?;
        Ok(Self {
            counter,
            expiry_date,
            p,
            q,
            p_prime,
            q_prime,
            ecdsa,
            n,
            order,
            crt,
            order_modulus,
        })
    }

    /// Reads a private key file (`IssuerPrivateKey`). Only the structure is checked; call
    /// [`PrivateKey::validate`] for the (slower) primality checks the reference does for
    /// non-demo keys.
    pub fn from_xml(input: &str) -> Result<Self, IssuerKeyError> {
        let root = root(input, "IssuerPrivateKey")?;
        let elements = elements(&root)?;
        let ecdsa = ecdsa_bytes(&root)?.map(Zeroizing::new);
        Self::assemble(
            small_number(&root, "Counter")?,
            small_number(&root, "ExpiryDate")?,
            number(elements, "p")?,
            number(elements, "q")?,
            number(elements, "pPrime")?,
            number(elements, "qPrime")?,
            ecdsa,
        )
    }

    /// Checks `p' = (p−1)/2`, `q' = (q−1)/2` and that `p` and `q` are safe primes
    /// (gabi `PrivateKey.Validate`).
    pub fn validate(&self) -> Result<(), IssuerKeyError> {
        if (&self.p >> 1u32) != self.p_prime || !(&self.p & BigUint::one()).is_one() {
            return Err(IssuerKeyError::Invalid("p' is not (p-1)/2"));
        }
        if (&self.q >> 1u32) != self.q_prime || !(&self.q & BigUint::one()).is_one() {
            return Err(IssuerKeyError::Invalid("q' is not (q-1)/2"));
        }
        if !math::is_safe_prime(&self.p) {
            return Err(IssuerKeyError::Invalid("p is not a safe prime"));
        }
        if !math::is_safe_prime(&self.q) {
            return Err(IssuerKeyError::Invalid("q is not a safe prime"));
        }
        Ok(())
    }

    /// The file gabi would write for this key.
    pub fn to_xml(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(4096));
        open_key_xml(&mut out, "IssuerPrivateKey", self.counter, self.expiry_date);
        let _ = writeln!(out, "      <p>{}</p>", self.p);
        let _ = writeln!(out, "      <q>{}</q>", self.q);
        let _ = writeln!(out, "      <pPrime>{}</pPrime>", self.p_prime);
        let _ = writeln!(out, "      <qPrime>{}</qPrime>", self.q_prime);
        out.push_str("   </Elements>\n");
        if let Some(der) = &self.ecdsa {
            let encoded = Zeroizing::new(STANDARD.encode(der.as_slice()));
            let _ = writeln!(out, "   <ECDSA>{}</ECDSA>", encoded.as_str());
        }
        out.push_str("</IssuerPrivateKey>");
        out
    }

    /// The key counter.
    pub fn counter(&self) -> u32 {
        self.counter
    }
    /// Unix seconds after which the key expires.
    pub fn expiry_date(&self) -> i64 {
        self.expiry_date
    }
    /// The modulus `n = pq`.
    pub fn n(&self) -> &BigUint {
        &self.n
    }
    /// The prime `p`.
    pub fn p(&self) -> &BigUint {
        &self.p
    }
    /// The prime `q`.
    pub fn q(&self) -> &BigUint {
        &self.q
    }
    /// The order `p'q'` of the group of quadratic residues.
    pub fn order(&self) -> &BigUint {
        &self.order
    }
    /// `x^d mod n` for a secret `d`, by CRT with a regular exponentiation per factor.
    pub(crate) fn pow_secret(&self, x: &BigUint, d: &BigUint) -> BigUint {
        self.crt.pow(x, d)
    }
    /// The Montgomery form of `p'q'` (for `e⁻¹ mod p'q'`).
    pub(crate) fn order_modulus(&self) -> &Modulus {
        &self.order_modulus
    }
    /// SEC1 DER of the ECDSA revocation key, when present.
    pub fn ecdsa_der(&self) -> Option<&[u8]> {
        self.ecdsa.as_ref().map(|d| d.as_slice())
    }
    /// Whether the key can sign revocation updates: it has an ECDSA key (gabi
    /// `PrivateKey.RevocationSupported`).
    pub fn revocation_supported(&self) -> bool {
        self.ecdsa.is_some()
    }
    /// This key with the ECDSA revocation key (SEC1 DER) set.
    pub(super) fn with_ecdsa(&self, ecdsa: Zeroizing<Vec<u8>>) -> Result<Self, IssuerKeyError> {
        Self::assemble(
            self.counter,
            self.expiry_date,
            self.p.clone(),
            self.q.clone(),
            self.p_prime.clone(),
            self.q_prime.clone(),
            Some(ecdsa),
        )
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.counter == other.counter
            && self.expiry_date == other.expiry_date
            && self.p == other.p
            && self.q == other.q
            && self.p_prime == other.p_prime
            && self.q_prime == other.q_prime
            && self.ecdsa_der() == other.ecdsa_der()
    }
}

impl Eq for PrivateKey {}

crate::debug_fields!(PrivateKey {
    counter,
    expiry_date
});

impl Drop for PrivateKey {
    fn drop(&mut self) {
        for x in [
            &mut self.p,
            &mut self.q,
            &mut self.p_prime,
            &mut self.q_prime,
            &mut self.order,
        ] {
            wipe(x);
        }
    }
}

/// Overwrites the limbs of `x` with zeros in place, then sets it to zero.
///
/// Relies on `BigUint::assign_from_slice` refilling its existing buffer (it clears and
/// extends the same `Vec`, which has the capacity); best effort, as `num-bigint` has no
/// zeroize support.
pub(crate) fn wipe(x: &mut BigUint) {
    let words = usize::try_from(x.bits().div_ceil(64)).unwrap_or(0) * 2;
    x.assign_from_slice(&vec![0u32; words]);
}

/// Opens a key file as gabi writes it: the XML declaration, the root element `root` in
/// gabi's namespace, the counter, the expiry date and the opening `<Elements>` tag.
fn open_key_xml(out: &mut String, root: &str, counter: u32, expiry_date: i64) {
    out.push_str(XML_HEADER);
    let _ = writeln!(out, "<{root} xmlns=\"{KEY_NAMESPACE}\">");
    let _ = writeln!(out, "   <Counter>{counter}</Counter>");
    let _ = writeln!(out, "   <ExpiryDate>{expiry_date}</ExpiryDate>");
    out.push_str("   <Elements>\n");
}

/// The `Elements` of a key file's root.
fn elements(root: &Element) -> Result<&Element, IssuerKeyError> {
    root.child("Elements")
        .ok_or(IssuerKeyError::Missing("Elements"))
}

fn root(input: &str, expected: &'static str) -> Result<Element, IssuerKeyError> {
    let root = xml::parse(input)?;
    if root.name != expected {
        return Err(IssuerKeyError::Root {
            expected,
            found: root.name,
        });
    }
    Ok(root)
}

fn number_text(name: &str, text: &str) -> Result<BigUint, IssuerKeyError> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IssuerKeyError::Number(name.to_owned()));
    }
    BigUint::parse_bytes(text.as_bytes(), 10).ok_or_else(|| IssuerKeyError::Number(name.to_owned()))
}

fn number(parent: &Element, name: &'static str) -> Result<BigUint, IssuerKeyError> {
    let el = parent.child(name).ok_or(IssuerKeyError::Missing(name))?;
    number_text(name, &el.text)
}

fn optional_number(
    parent: &Element,
    name: &'static str,
) -> Result<Option<BigUint>, IssuerKeyError> {
    parent
        .child(name)
        .map(|el| number_text(name, &el.text))
        .transpose()
}

fn small_number<T: std::str::FromStr>(
    parent: &Element,
    name: &'static str,
) -> Result<T, IssuerKeyError> {
    let el = parent.child(name).ok_or(IssuerKeyError::Missing(name))?;
    el.text
        .trim()
        .parse()
        .map_err(|_| IssuerKeyError::Number(name.to_owned()))
}

fn ecdsa_bytes(root: &Element) -> Result<Option<Vec<u8>>, IssuerKeyError> {
    match root.child("ECDSA").map(|e| e.text.trim()) {
        None | Some("") => Ok(None),
        Some(text) => STANDARD
            .decode(text)
            .map(Some)
            .map_err(|_| IssuerKeyError::Ecdsa),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

    fn key_files(kind: &str) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for scheme in ["irma-demo", "pbdf"] {
            let dir = format!("{SHARED}/schemes/{scheme}");
            for issuer in std::fs::read_dir(dir).unwrap() {
                let keys = issuer.unwrap().path().join(kind);
                if let Ok(entries) = std::fs::read_dir(keys) {
                    files.extend(entries.map(|e| e.unwrap().path()));
                }
            }
        }
        for bits in [1024, 2048] {
            files.push(format!("{SHARED}/vectors/issuer-keygen/{bits}/{kind}/0.xml").into());
        }
        files
    }

    #[test]
    fn every_shared_public_key_parses_and_round_trips() {
        let files = key_files("PublicKeys");
        assert!(files.len() > 90, "{}", files.len());
        for file in files {
            let xml = std::fs::read_to_string(&file).unwrap();
            let key = PublicKey::from_xml(&xml).unwrap_or_else(|e| panic!("{file:?}: {e}"));
            let again = PublicKey::from_xml(&key.to_xml()).unwrap();
            assert_eq!(key, again, "{file:?}");
        }
    }

    #[test]
    fn every_shared_private_key_parses_and_round_trips() {
        let files = key_files("PrivateKeys");
        assert!(files.len() > 10, "{}", files.len());
        for file in files {
            let xml = std::fs::read_to_string(&file).unwrap();
            let key = PrivateKey::from_xml(&xml).unwrap_or_else(|e| panic!("{file:?}: {e}"));
            let again = PrivateKey::from_xml(&key.to_xml()).unwrap();
            assert_eq!(key, again, "{file:?}");
        }
    }

    #[test]
    fn writes_the_reference_bytes() {
        for bits in [1024, 2048] {
            for kind in ["PublicKeys", "PrivateKeys"] {
                let file = format!("{SHARED}/vectors/issuer-keygen/{bits}/{kind}/0.xml");
                let xml = std::fs::read_to_string(&file).unwrap();
                let written = if kind == "PublicKeys" {
                    PublicKey::from_xml(&xml).unwrap().to_xml()
                } else {
                    PrivateKey::from_xml(&xml).unwrap().to_xml().to_string()
                };
                assert_eq!(written, xml, "{file}");
            }
        }
    }

    #[test]
    fn generated_private_keys_validate() {
        let file = format!("{SHARED}/vectors/issuer-keygen/1024/PrivateKeys/0.xml");
        let key = PrivateKey::from_xml(&std::fs::read_to_string(file).unwrap()).unwrap();
        key.validate().unwrap();
        let broken = PrivateKey::new(key.p().clone() + 4u32, key.q().clone(), None, 0, 0).unwrap();
        assert!(broken.validate().is_err());
        // An even p'q' cannot be an issuer's group order: refused when assembled.
        assert!(matches!(
            PrivateKey::new(key.p().clone() + 2u32, key.q().clone(), None, 0, 0),
            Err(IssuerKeyError::Invalid(_))
        ));
    }

    #[test]
    fn rejects_bad_files() {
        let file = format!("{SHARED}/vectors/issuer-keygen/1024/PublicKeys/0.xml");
        let xml = std::fs::read_to_string(file).unwrap();
        let wrong_num = xml.replace("<Bases num=\"6\">", "<Bases num=\"7\">");
        assert!(matches!(
            PublicKey::from_xml(&wrong_num),
            Err(IssuerKeyError::BaseCount { .. })
        ));
        let bad_number = xml.replace("<Z>", "<Z>x");
        assert!(matches!(
            PublicKey::from_xml(&bad_number),
            Err(IssuerKeyError::Number(_))
        ));
        let start = xml.find("<n>").unwrap() + 3;
        let short_modulus = format!("{}1{}", &xml[..start], &xml[start + 40..]);
        assert!(matches!(
            PublicKey::from_xml(&short_modulus),
            Err(IssuerKeyError::ModulusSize(_))
        ));
        assert!(matches!(
            PublicKey::from_xml("<IssuerPrivateKey/>"),
            Err(IssuerKeyError::Root { .. })
        ));
        assert!(PublicKey::from_xml("not xml <").is_err());
    }

    #[test]
    fn wipe_zeroes_the_value() {
        let mut x = BigUint::from_bytes_be(&[0xab; 300]);
        wipe(&mut x);
        assert_eq!(x, BigUint::default());
    }

    #[test]
    fn private_key_debug_hides_secrets() {
        let file = format!("{SHARED}/vectors/issuer-keygen/1024/PrivateKeys/0.xml");
        let key = PrivateKey::from_xml(&std::fs::read_to_string(file).unwrap()).unwrap();
        let debug = format!("{key:?}");
        let p = key.p().to_string();
        assert!(!debug.contains(&p[..20]), "{debug}");
        assert!(!debug.contains(&key.q().to_string()[..20]));
        assert!(!debug.contains("MHcC"));
    }
}
