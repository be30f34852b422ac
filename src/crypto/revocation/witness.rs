//! Nonrevocation witnesses (gabi `revocation.Witness`, `RandomWitness`, `Witness.Update`).

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::One;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::accumulator::{Accumulator, SignedAccumulator, Update};
use super::{ATTRIBUTE_SIZE, RevocationError};
use crate::crypto::bigint::Int;
use crate::crypto::idemix::{PrivateKey, PublicKey, math};

/// A witness `(u, e)` with `u^e = ν mod n` for the accumulator it carries; `e` is the
/// credential's revocation attribute (JSON as gabi: `{"u","e","sacc","Updated"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    /// `u = ν^{1/e}`.
    pub u: Int,
    /// The prime `e`, also the credential's revocation attribute.
    pub e: Int,
    /// The accumulator the witness is valid against.
    #[serde(rename = "sacc")]
    pub signed_accumulator: SignedAccumulator,
    /// Up to when the nonrevocation guarantee holds: the time of the latest accumulator
    /// applied (Go's zero time, `0001-01-01T00:00:00Z`, from the issuer).
    #[serde(rename = "Updated", with = "go_time", default = "go_time::zero")]
    pub updated: OffsetDateTime,
}

/// The outcome of [`Witness::update`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WitnessUpdate {
    /// The update brought nothing newer: the witness is unchanged.
    Unchanged,
    /// The witness now verifies against the update's accumulator.
    Updated,
}

impl Witness {
    /// A fresh witness against `acc` for a random prime `e` in `[2^3, 2^3 + 2^195)`:
    /// `u = ν^{e^{−1} mod p'q'}` (gabi `RandomWitness`). `sacc` is `acc` signed; `updated` is
    /// Go's zero time, as the reference's issuer sends it.
    pub fn random(
        sk: &PrivateKey,
        acc: &Accumulator,
        sacc: &SignedAccumulator,
    ) -> Result<Self, RevocationError> {
        let e = random_prime_e()?;
        let e_inverse =
            math::inverse(&e, sk.order_modulus()).ok_or(RevocationError::NotInvertible)?;
        Ok(Self {
            u: Int(sk.pow_secret(&acc.nu, &e_inverse)),
            e: Int(e),
            signed_accumulator: sacc.clone(),
            updated: go_time::zero(),
        })
    }

    /// Verifies the accumulator's signature and `u^e = ν` (gabi `Witness.Verify`); returns the
    /// accumulator.
    pub fn verify(&self, pk: &PublicKey) -> Result<Accumulator, RevocationError> {
        let acc = self.signed_accumulator.verify(pk)?;
        if !holds(pk, &self.u, &self.e, &acc.nu) {
            return Err(RevocationError::InvalidWitness);
        }
        Ok(acc)
    }

    /// Applies `update` (gabi `Witness.Update`): a newer accumulator with the same index only
    /// refreshes the signed accumulator and `updated`; a higher index needs the events from our
    /// index + 1 on, and gives `u' = u^b · ν'^a` with `a·e + b·Π e_i = 1`. Fails with
    /// [`RevocationError::Revoked`] when our `e` is among the revoked ones.
    pub fn update(
        &mut self,
        pk: &PublicKey,
        update: &Update,
    ) -> Result<WitnessUpdate, RevocationError> {
        let new = update.verify(pk)?;
        let ours = self.signed_accumulator.verify(pk)?;
        if new.index == ours.index {
            if new.time <= ours.time {
                return Ok(WitnessUpdate::Unchanged);
            }
            self.signed_accumulator = update.signed_accumulator.clone();
            self.updated = unix(new.time)?;
            return Ok(WitnessUpdate::Updated);
        }
        let Some(first) = update.events.events().first() else {
            return Ok(WitnessUpdate::Unchanged);
        };
        if new.index <= ours.index {
            return Ok(WitnessUpdate::Unchanged);
        }
        if first.index > ours.index.saturating_add(1) {
            return Err(RevocationError::UpdateTooNew);
        }
        let product = update.events.product_from(ours.index.saturating_add(1));
        let e = BigInt::from(self.e.0.clone());
        let gcd = e.extended_gcd(&BigInt::from(product));
        if !gcd.gcd.is_one() {
            return Err(RevocationError::Revoked);
        }
        // u' = u^b · ν'^a: a negative exponent raises the inverse. Regular path: the exponents
        // depend on our secret e.
        let n = pk.modulus();
        let u_power = signed_base(n, &self.u.0, &gcd.y)?;
        let nu_power = signed_base(n, &new.nu.0, &gcd.x)?;
        let new_u = math::pow_secret(n, &[(&u_power.0, &u_power.1), (&nu_power.0, &nu_power.1)]);
        if !holds(pk, &new_u, &self.e, &new.nu) {
            return Err(RevocationError::InvalidWitness);
        }
        self.u = Int(new_u);
        self.signed_accumulator = update.signed_accumulator.clone();
        self.updated = unix(new.time)?;
        Ok(WitnessUpdate::Updated)
    }
}

/// `(base or its inverse, |exp|)` so that `result.0^result.1 = base^exp`.
fn signed_base(
    n: &crate::crypto::arith::Modulus,
    base: &BigUint,
    exp: &BigInt,
) -> Result<(BigUint, BigUint), RevocationError> {
    let magnitude = exp.magnitude().clone();
    if exp.sign() == Sign::Minus {
        let inverse = math::inverse(base, n).ok_or(RevocationError::NotInvertible)?;
        Ok((inverse, magnitude))
    } else {
        Ok((base.clone(), magnitude))
    }
}

/// Whether `u^e = ν mod n` (`e` is secret: regular path).
fn holds(pk: &PublicKey, u: &BigUint, e: &BigUint, nu: &BigUint) -> bool {
    math::pow_secret(pk.modulus(), &[(u, e)]) == nu % pk.n()
}

/// A random prime in `[2^3, 2^3 + 2^195)` (gabi `RandomPrimeInRange(rand, 3, 195)`).
fn random_prime_e() -> Result<BigUint, RevocationError> {
    let bottom = BigUint::from(8u8);
    loop {
        let mut candidate = &bottom + math::random_bits(ATTRIBUTE_SIZE)?;
        candidate.set_bit(0, true);
        if math::is_prime(&candidate) {
            return Ok(candidate);
        }
    }
}

fn unix(seconds: i64) -> Result<OffsetDateTime, RevocationError> {
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| RevocationError::Time)
}

/// Go's `time.Time` in JSON: RFC 3339 with nanoseconds as needed; the zero time is year 1.
pub(crate) mod go_time {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// Go's zero time, `0001-01-01T00:00:00Z`.
    pub(crate) fn zero() -> OffsetDateTime {
        // Year 1 is within the time crate's range (±9999).
        time::macros::datetime!(0001-01-01 00:00:00 UTC)
    }

    pub(crate) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let text = t
            .format(&Rfc3339)
            .map_err(|_| serde::ser::Error::custom("time out of range"))?;
        s.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Holder(#[serde(with = "go_time")] OffsetDateTime);

    #[test]
    fn times_are_written_as_go_writes_them() {
        let json = |t| serde_json::to_string(&Holder(t)).unwrap();
        assert_eq!(json(go_time::zero()), "\"0001-01-01T00:00:00Z\"");
        assert_eq!(
            json(datetime!(2026-12-06 20:27:04 UTC)),
            "\"2026-12-06T20:27:04Z\""
        );
        let local: Holder = serde_json::from_str("\"2026-12-06T21:27:04.5+01:00\"").unwrap();
        assert_eq!(local.0.unix_timestamp(), 1_796_588_824);
        assert!(serde_json::from_str::<Holder>("\"yesterday\"").is_err());
    }

    #[test]
    fn revocation_primes_are_in_range() {
        let e = random_prime_e().unwrap();
        assert!(e > BigUint::from(8u8) && e.bits() <= u64::from(ATTRIBUTE_SIZE) + 1);
        assert!(math::is_prime(&e));
    }
}
