//! Passphrase-protected scheme keys, as irmago writes and reads them (`internal/common`
//! `MarshalSchemePrivateKeyWithPassphrase`, `ParseSchemePrivateKeyWithPassphrase`): an
//! OpenSSH private key (`openssh-key-v1`, OpenSSH `PROTOCOL.key`) encrypted with AES-256-CTR
//! under a bcrypt-pbkdf key (16 rounds, 16-byte salt), whose PEM label `OPENSSH PRIVATE KEY`
//! is replaced by `ENCRYPTED IRMA SCHEME PRIVATE KEY`.
//!
//! Written by hand: the `ssh-key` crate supports this format, but its releases that work with
//! our `p256` are release candidates that bring a chain of prerelease crates; the container is
//! a handful of length-prefixed fields, and AES-CTR comes from `aws-lc-rs`, already in use.

use aws_lc_rs::cipher::{
    AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use base64::Engine;
use zeroize::Zeroizing;

use super::keys::{SchemeKeyError, SchemeSigningKey};

/// The PEM label of an encrypted scheme key (irmago `EncryptedSchemePrivateKeyHeader`).
pub const PEM_LABEL: &str = "ENCRYPTED IRMA SCHEME PRIVATE KEY";

const MAGIC: &[u8] = b"openssh-key-v1\0";
const CIPHER: &str = "aes256-ctr";
const KDF: &str = "bcrypt";
const KEY_TYPE: &str = "ecdsa-sha2-nistp256";
const CURVE: &str = "nistp256";
/// bcrypt rounds and salt length, as golang.org/x/crypto/ssh and ssh-keygen write them.
const ROUNDS: u32 = 16;
const SALT_LEN: usize = 16;
/// AES block size: the private section is padded to a multiple of it.
const BLOCK: usize = 16;
/// Highest bcrypt round count accepted when reading (each round costs ~10 ms).
const MAX_ROUNDS: u32 = 1024;

/// Whether `pem` holds a passphrase-protected scheme key.
pub fn is_encrypted(pem: &str) -> bool {
    pem.contains(PEM_LABEL)
}

fn bad(reason: impl Into<String>) -> SchemeKeyError {
    SchemeKeyError::PrivateKey(reason.into())
}

/// Derives the AES-256 key and CTR IV from `passphrase`.
fn derive(
    passphrase: &[u8],
    salt: &[u8],
    rounds: u32,
) -> Result<Zeroizing<[u8; 48]>, SchemeKeyError> {
    if passphrase.is_empty() {
        return Err(SchemeKeyError::Passphrase(
            "the passphrase is empty".to_owned(),
        ));
    }
    let mut out = Zeroizing::new([0u8; 48]);
    bcrypt_pbkdf::bcrypt_pbkdf(passphrase, salt, rounds, &mut out[..])
        .map_err(|e| bad(format!("bcrypt-pbkdf: {e}")))?;
    Ok(out)
}

fn aes_key(derived: &[u8; 48]) -> Result<UnboundCipherKey, SchemeKeyError> {
    UnboundCipherKey::new(&AES_256, &derived[..32]).map_err(|_| bad("AES key"))
}

fn iv(derived: &[u8; 48]) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&derived[32..]);
    iv
}

/// Encrypts `key` under `passphrase`: the PEM text irmago's `keygen --pass` writes.
pub fn encrypt(
    key: &SchemeSigningKey,
    passphrase: &[u8],
) -> Result<Zeroizing<String>, SchemeKeyError> {
    let mut salt = [0u8; SALT_LEN];
    let mut check = [0u8; 4];
    getrandom::fill(&mut salt).map_err(|e| SchemeKeyError::Random(e.to_string()))?;
    getrandom::fill(&mut check).map_err(|e| SchemeKeyError::Random(e.to_string()))?;
    let point = key.public_key().to_sec1_uncompressed();

    let mut public = Vec::new();
    put_string(&mut public, KEY_TYPE.as_bytes());
    put_string(&mut public, CURVE.as_bytes());
    put_string(&mut public, &point);

    let mut private = Zeroizing::new(Vec::new());
    private.extend_from_slice(&check);
    private.extend_from_slice(&check);
    put_string(&mut private, KEY_TYPE.as_bytes());
    put_string(&mut private, CURVE.as_bytes());
    put_string(&mut private, &point);
    put_mpint(&mut private, &key.scalar_bytes()[..]);
    put_string(&mut private, b"");
    let mut pad = 1u8;
    while private.len() % BLOCK != 0 {
        private.push(pad);
        pad += 1;
    }
    let derived = derive(passphrase, &salt, ROUNDS)?;
    EncryptingKey::ctr(aes_key(&derived)?)
        .and_then(|k| {
            k.less_safe_encrypt(
                &mut private[..],
                EncryptionContext::Iv128(iv(&derived).into()),
            )
        })
        .map_err(|_| bad("AES-CTR encryption failed"))?;

    let mut kdf_options = Vec::new();
    put_string(&mut kdf_options, &salt);
    kdf_options.extend_from_slice(&ROUNDS.to_be_bytes());
    let mut body = MAGIC.to_vec();
    put_string(&mut body, CIPHER.as_bytes());
    put_string(&mut body, KDF.as_bytes());
    put_string(&mut body, &kdf_options);
    body.extend_from_slice(&1u32.to_be_bytes());
    put_string(&mut body, &public);
    put_string(&mut body, &private);

    let b64 = base64::engine::general_purpose::STANDARD.encode(&body);
    let mut pem = Zeroizing::new(format!("-----BEGIN {PEM_LABEL}-----\n"));
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {PEM_LABEL}-----\n"));
    Ok(pem)
}

/// Decrypts a passphrase-protected scheme key (also a plain `OPENSSH PRIVATE KEY` of
/// ssh-keygen, encrypted the same way).
pub fn decrypt(pem: &str, passphrase: &[u8]) -> Result<SchemeSigningKey, SchemeKeyError> {
    let body = pem_body(pem)?;
    let mut r = Reader(&body);
    if r.take(MAGIC.len())? != MAGIC {
        return Err(bad("not an OpenSSH private key (openssh-key-v1)"));
    }
    let cipher = r.string()?;
    let kdf = r.string()?;
    let mut kdf_options = Reader(r.string()?);
    if r.u32()? != 1 {
        return Err(bad("the file must hold exactly one key"));
    }
    let public = r.string()?;
    let mut private = Zeroizing::new(r.string()?.to_vec());
    if cipher != CIPHER.as_bytes() || kdf != KDF.as_bytes() {
        return Err(bad(format!(
            "unsupported encryption {}/{} (expected {CIPHER}/{KDF})",
            String::from_utf8_lossy(cipher),
            String::from_utf8_lossy(kdf)
        )));
    }
    let salt = kdf_options.string()?;
    let rounds = kdf_options.u32()?;
    if rounds == 0 || rounds > MAX_ROUNDS || salt.is_empty() || private.len() % BLOCK != 0 {
        return Err(bad("invalid bcrypt parameters or encrypted length"));
    }
    let derived = derive(passphrase, salt, rounds)?;
    DecryptingKey::ctr(aes_key(&derived)?)
        .and_then(|k| {
            k.decrypt(
                &mut private[..],
                DecryptionContext::Iv128(iv(&derived).into()),
            )
            .map(|_| ())
        })
        .map_err(|_| bad("AES-CTR decryption failed"))?;

    let mut p = Reader(&private);
    if p.take(4)? != p.take(4)? {
        return Err(SchemeKeyError::Passphrase(
            "wrong passphrase (the decrypted check bytes differ)".to_owned(),
        ));
    }
    if p.string()? != KEY_TYPE.as_bytes() || p.string()? != CURVE.as_bytes() {
        return Err(bad(format!("not an {KEY_TYPE} key")));
    }
    let point = p.string()?;
    let scalar = mpint_32(p.string()?)?;
    let key = SchemeSigningKey::from_scalar_bytes(&scalar)?;
    let own = key.public_key().to_sec1_uncompressed();
    let mut pub_reader = Reader(public);
    let (_, _, listed) = (
        pub_reader.string()?,
        pub_reader.string()?,
        pub_reader.string()?,
    );
    if point != own.as_slice() || listed != own.as_slice() {
        return Err(bad("the public key does not match the private key"));
    }
    Ok(key)
}

/// The base64 body between the BEGIN and END lines.
fn pem_body(pem: &str) -> Result<Zeroizing<Vec<u8>>, SchemeKeyError> {
    let mut lines = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN "));
    let begin = lines.next().ok_or_else(|| bad("no PEM BEGIN line"))?;
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| bad("malformed PEM BEGIN line"))?;
    if label != PEM_LABEL && label != "OPENSSH PRIVATE KEY" {
        return Err(bad(format!("unexpected PEM label {label:?}")));
    }
    let text: Zeroizing<String> =
        Zeroizing::new(lines.take_while(|l| !l.starts_with("-----END ")).collect());
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map(Zeroizing::new)
        .map_err(|e| bad(format!("PEM body is not base64: {e}")))
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    // Keys and their fields are far below 4 GiB.
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// An SSH `mpint` of a non-negative big-endian number: no leading zero bytes, except one
/// when the top bit is set.
fn put_mpint(out: &mut Vec<u8>, be: &[u8]) {
    let start = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    let digits = &be[start..];
    let mut v = Zeroizing::new(Vec::with_capacity(digits.len() + 1));
    if digits.first().is_some_and(|b| b & 0x80 != 0) {
        v.push(0);
    }
    v.extend_from_slice(digits);
    put_string(out, &v);
}

/// A non-negative `mpint` as 32 big-endian bytes.
fn mpint_32(bytes: &[u8]) -> Result<Zeroizing<[u8; 32]>, SchemeKeyError> {
    let digits = match bytes {
        [0, rest @ ..] => rest,
        [first, ..] if first & 0x80 != 0 => return Err(bad("negative private scalar")),
        all => all,
    };
    if digits.len() > 32 {
        return Err(bad("private scalar longer than 32 bytes"));
    }
    let mut out = Zeroizing::new([0u8; 32]);
    out[32 - digits.len()..].copy_from_slice(digits);
    Ok(out)
}

/// Reads the big-endian fields of the OpenSSH key format.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SchemeKeyError> {
        if self.0.len() < n {
            return Err(bad("truncated key"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, SchemeKeyError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<&'a [u8], SchemeKeyError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_a_wrong_passphrase() {
        let key = SchemeSigningKey::generate().unwrap();
        let pem = encrypt(&key, b"correct horse").unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED IRMA SCHEME PRIVATE KEY-----\n"));
        assert!(is_encrypted(&pem));
        let back = decrypt(&pem, b"correct horse").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert!(matches!(
            decrypt(&pem, b"wrong"),
            Err(SchemeKeyError::Passphrase(_))
        ));
        assert!(matches!(
            decrypt(&pem, b""),
            Err(SchemeKeyError::Passphrase(_))
        ));
        assert!(decrypt("-----BEGIN ENCRYPTED IRMA SCHEME PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED IRMA SCHEME PRIVATE KEY-----\n", b"x").is_err());
    }

    #[test]
    fn mpints() {
        let mut out = Vec::new();
        put_mpint(&mut out, &[0, 0, 0x80, 1]);
        assert_eq!(out, [0, 0, 0, 3, 0, 0x80, 1]);
        assert_eq!(mpint_32(&[0, 0x80, 1]).unwrap()[30..], [0x80, 1]);
        assert!(mpint_32(&[0x80]).is_err());
    }
}
