//! The configuration as flags, environment and file give it: every key optional, named as
//! the reference's flags with `_` (irmago `yivi/cli/irmacli/server.go`).
//!
//! Each key is defined once, as a field of one section of [`RawConfig`] beside the code that
//! resolves it (`schemes.rs`, `listeners.rs`, ...): its name is the flag and the key, its doc
//! the flag's help, its serde attributes how files and the environment write it. The
//! sections are the flags of `irma server` (clap), serialise as one flat map (figment's
//! command-line layer) and are each extracted from the merged layers; a key no section has
//! is refused by name.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::marker::PhantomData;

use clap::Args;
use figment::{Figment, Provider};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use super::listeners::ListenerKeys;
use super::mode::ModeKeys;
use super::requestors::RequestorKeys;
use super::revocation::RevocationKeys;
use super::schemes::SchemeKeys;
use super::sessions::SessionKeys;
use super::store::StoreKeys;
use super::{ConfigError, closest};

/// Every configuration key of `irma server`, unresolved, by section.
#[derive(Debug, Default, Clone, Args, Serialize)]
pub struct RawConfig {
    /// Schemes and issuer keys.
    #[command(flatten)]
    #[serde(flatten)]
    pub schemes: SchemeKeys,
    /// Listeners, URLs, TLS and static files.
    #[command(flatten)]
    #[serde(flatten)]
    pub listeners: ListenerKeys,
    /// Requestors, their authentication and permissions, static sessions.
    #[command(flatten)]
    #[serde(flatten)]
    pub requestors: RequestorKeys,
    /// Session lifetimes, result JWTs, callbacks and return URLs.
    #[command(flatten)]
    #[serde(flatten)]
    pub sessions: SessionKeys,
    /// The session store (memory or Redis).
    #[command(flatten)]
    #[serde(flatten)]
    pub store: StoreKeys,
    /// Revocation roles and database.
    #[command(flatten)]
    #[serde(flatten)]
    pub revocation: RevocationKeys,
    /// Production mode, logging, and the keys accepted for compatibility.
    #[command(flatten)]
    #[serde(flatten)]
    pub mode: ModeKeys,
}

impl RawConfig {
    /// Every section extracted from the merged layers. Sections are extracted one by one
    /// (serde's `flatten` would lose which key and source an error is about), so unknown
    /// keys are found here: a top-level key that no section has.
    pub(super) fn extract(figment: &Figment) -> Result<Self, ConfigError> {
        let known: Vec<&'static str> = [
            key_names::<SchemeKeys>(),
            key_names::<ListenerKeys>(),
            key_names::<RequestorKeys>(),
            key_names::<SessionKeys>(),
            key_names::<StoreKeys>(),
            key_names::<RevocationKeys>(),
            key_names::<ModeKeys>(),
        ]
        .concat();
        let data = figment.data()?;
        if let Some(key) = data
            .values()
            .flat_map(|dict| dict.keys())
            .find(|key| !known.contains(&key.as_str()))
        {
            let place = figment
                .find_metadata(key)
                .map_or_else(|| "the configuration".to_owned(), |m| m.name.to_string());
            return Err(ConfigError::UnknownKey {
                key: key.to_owned(),
                place,
                suggestion: closest(key, &known),
            });
        }
        Ok(Self {
            schemes: figment.extract()?,
            listeners: figment.extract()?,
            requestors: figment.extract()?,
            sessions: figment.extract()?,
            store: figment.extract()?,
            revocation: figment.extract()?,
            mode: figment.extract()?,
        })
    }
}

/// The keys of a section: the field names that serde's derive gives `deserialize_struct`
/// (the one place they are listed is the struct itself).
fn key_names<T: DeserializeOwned>() -> &'static [&'static str] {
    /// A deserializer that records the field names it is asked for and fails.
    struct Names<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Names(&mut names));
    names
}

/// The clap parser of flags taking a JSON object (`--requestors`, `--static-sessions`,
/// `--revocation-settings`). Its error names the flag and what is wrong but, unlike clap's
/// own, does not repeat the value: it may hold requestor keys.
#[derive(Debug)]
pub(super) struct JsonFlag<T>(PhantomData<fn() -> T>);

impl<T> JsonFlag<T> {
    /// The parser.
    pub(super) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Clone for JsonFlag<T> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> clap::builder::TypedValueParser
    for JsonFlag<T>
{
    type Value = MapOrJson<T>;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let flag = arg.and_then(clap::Arg::get_long).unwrap_or("the flag");
        let fail = |reason: String| {
            let mut cmd = cmd.clone();
            cmd.error(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for --{flag}: {reason}"),
            )
        };
        let text = value.to_str().ok_or_else(|| fail("not UTF-8".to_owned()))?;
        MapOrJson::from_json(text).map_err(fail)
    }
}

/// A list given as a list (config file) or as one string (flag or environment variable),
/// split on commas and white space. The reference splits flags on commas and environment
/// variables on white space only; we accept both everywhere.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct List(pub Vec<String>);

impl List {
    /// The items of a list written as one string.
    fn split(text: &str) -> Self {
        List(
            text.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }
}

/// A list flag (`--disclose-perms a,b`).
impl FromStr for List {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(List::split(text))
    }
}

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings, or one string separated by commas or spaces")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<List, E> {
                Ok(List::split(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    out.push(item);
                }
                Ok(List(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A map given as a map (config file) or as a JSON object in a string (flag or
/// environment variable), as the reference's `handleMapOrString`.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct MapOrJson<T>(pub BTreeMap<String, T>);

impl<T> Default for MapOrJson<T> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<T: DeserializeOwned> MapOrJson<T> {
    /// The map a flag or environment variable gives as JSON text (empty: no entries).
    fn from_json(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(MapOrJson::default());
        }
        serde_json::from_str(text)
            .map(MapOrJson)
            .map_err(|e| format!("invalid JSON: {e}"))
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for MapOrJson<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = MapOrJson<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map, or a JSON object in a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                MapOrJson::from_json(v).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    out.insert(k, v);
                }
                Ok(MapOrJson(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Numbers from the environment arrive as strings; from a file as numbers. Both parse.
pub(super) fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
    T::Err: fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        Value(T),
        Text(String),
    }
    Ok(match Option::<Either<T>>::deserialize(d)? {
        None => None,
        Some(Either::Value(v)) => Some(v),
        Some(Either::Text(s)) => Some(
            s.trim()
                .parse()
                .map_err(|e| de::Error::custom(format!("{s:?}: {e}")))?,
        ),
    })
}

/// Booleans as the reference reads them: `true/false`, `1/0`, `t/f`, `yes/no`, `on/off`.
pub(super) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Value(bool),
        Text(String),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        None => None,
        Some(Either::Value(v)) => Some(v),
        Some(Either::Text(s)) => Some(match s.trim().to_ascii_lowercase().as_str() {
            "1" | "t" | "true" | "yes" | "on" => true,
            "0" | "f" | "false" | "no" | "off" | "" => false,
            _ => return Err(de::Error::custom(format!("{s:?} is not a boolean"))),
        }),
    })
}

/// Strings, also when a file writes them as a number or boolean.
pub(super) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Uint(u64),
        Float(f64),
        Bool(bool),
    }
    Ok(Option::<Scalar>::deserialize(d)?.map(|v| match v {
        Scalar::Text(s) => s,
        Scalar::Int(i) => i.to_string(),
        Scalar::Uint(u) => u.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Bool(b) => b.to_string(),
    }))
}
