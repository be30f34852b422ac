//! Host patterns of a requestor's `host_perms`: shell globs with the syntax and meaning of
//! Go's `path.Match`, which the reference uses (irmago `requestorserver/conf.go`
//! `CanRequest`).
//!
//! Hand-written because the glob crates differ from `path.Match` where it matters here:
//! `glob` negates classes with `[!…]` (Go: `[^…]`) and lets `*` cross `/` by default, and
//! neither refuses the patterns Go calls malformed. A pattern is parsed once, when the
//! configuration is resolved; a malformed one is refused there (the reference silently
//! never matches it).
//!
//! Syntax: `*` any run of characters other than `/`; `?` one character other than `/`;
//! `[abc]`, `[a-z]`, `[^a-z]` one character of (not of) a class; `\c` the character `c`.

use std::fmt;

use serde::{Serialize, Serializer};

/// A parsed `host_perms` pattern.
#[derive(Clone, PartialEq, Eq)]
pub struct HostPattern {
    /// The pattern as configured, for messages and dumps.
    text: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// This character.
    Char(char),
    /// `?`: one character other than `/`.
    Any,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `[…]`: one character in (or, negated, not in) one of the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Why a pattern is malformed (Go's `path.ErrBadPattern`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed host pattern {pattern:?}: {reason}")]
pub struct HostPatternError {
    /// The pattern.
    pub pattern: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl HostPattern {
    /// Parses a pattern, refusing what `path.Match` reports as `ErrBadPattern`.
    pub fn parse(text: &str) -> Result<Self, HostPatternError> {
        let bad = |reason| HostPatternError {
            pattern: text.to_owned(),
            reason,
        };
        let mut chars = text.chars().peekable();
        let mut tokens = Vec::new();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Token::Star,
                '?' => Token::Any,
                '\\' => Token::Char(chars.next().ok_or_else(|| bad("ends in a backslash"))?),
                '[' => {
                    let negated = chars.next_if_eq(&'^').is_some();
                    let mut ranges = Vec::new();
                    loop {
                        if !ranges.is_empty() && chars.next_if_eq(&']').is_some() {
                            break;
                        }
                        let lo = class_char(&mut chars).map_err(bad)?;
                        let hi = if chars.next_if_eq(&'-').is_some() {
                            class_char(&mut chars).map_err(bad)?
                        } else {
                            lo
                        };
                        ranges.push((lo, hi));
                    }
                    Token::Class { negated, ranges }
                }
                c => Token::Char(c),
            });
        }
        Ok(Self {
            text: text.to_owned(),
            tokens,
        })
    }

    /// Whether `host` matches the whole pattern.
    pub fn matches(&self, host: &str) -> bool {
        let name: Vec<char> = host.chars().collect();
        // matched[j]: the tokens from i on match name[j..]; filled from the last token
        // back (quadratic at worst, never exponential).
        let mut matched = vec![false; name.len() + 1];
        matched[name.len()] = true;
        for token in self.tokens.iter().rev() {
            let mut next = vec![false; name.len() + 1];
            for j in (0..=name.len()).rev() {
                let here = name.get(j).copied();
                next[j] = match token {
                    Token::Star => matched[j] || (here.is_some_and(|c| c != '/') && next[j + 1]),
                    Token::Any => here.is_some_and(|c| c != '/') && matched[j + 1],
                    Token::Char(p) => here == Some(*p) && matched[j + 1],
                    Token::Class { negated, ranges } => {
                        here.is_some_and(|c| {
                            ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
                        }) && matched[j + 1]
                    }
                };
            }
            matched = next;
        }
        matched[0]
    }

    /// The pattern as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// One character of a class, maybe escaped; an unescaped `-` or `]` or the end is malformed.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, &'static str> {
    match chars.next() {
        None => Err("unclosed character class"),
        Some('-' | ']') => Err("character class with an empty range"),
        Some('\\') => chars.next().ok_or("unclosed character class"),
        Some(c) => Ok(c),
    }
}

impl fmt::Debug for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostPattern({:?})", self.text)
    }
}

impl Serialize for HostPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        HostPattern::parse(pattern).unwrap().matches(name)
    }

    /// Cases of Go's `path/match_test.go` that parse, with `path.Match`'s answers.
    #[test]
    fn as_go_path_match() {
        let cases = [
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ab/c", false),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("a[^a]b", "a☺b", true),
            ("a???b", "a☺b", false),
            ("a[^a][^a][^a]b", "a☺b", false),
            ("[a-ζ]*", "α", true),
            ("*[a-ζ]", "A", false),
            ("a?b", "a/b", false),
            ("a*b", "a/b", false),
            ("[\\]a]", "]", true),
            ("[\\-]", "-", true),
            ("[x\\-]", "x", true),
            ("[x\\-]", "-", true),
            ("[x\\-]", "z", false),
            ("[\\-x]", "x", true),
            ("[\\-x]", "-", true),
            ("[\\-x]", "a", false),
            ("*x", "xxx", true),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(m(pattern, name), want, "{pattern} {name}");
        }
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for bad in [
            "[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "ab[",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hosts() {
        assert!(m("*.example.com", "irma.example.com"));
        assert!(m("*.example.com", "irma.example.com") && !m("*.example.com", "example.com"));
        assert!(!m("*.example.com", "evil.com/x.example.com"));
        assert!(m("irma.example.com:*", "irma.example.com:8443"));
        assert!(m("*", ""));
        assert_eq!(
            serde_json::to_string(&HostPattern::parse("*.a").unwrap()).unwrap(),
            "\"*.a\""
        );
    }
}
