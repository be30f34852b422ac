//! Calendar arithmetic in UTC, as the reference does it with Go's `time` package, on top of
//! the `time` crate: "now plus six months" (Go's `AddDate`, which rolls an overflowing day
//! into the next month), RFC 3339 parsing (atum expiry, `--expirydate`), and Go's way of
//! printing a UTC time (`2030-11-01 07:00:00 +0000 UTC`).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, Month, OffsetDateTime};

/// `unix` moved by whole years, months and days like Go's `t.AddDate(years, months, days)`
/// in UTC: 31 August plus six months is 3 March. `None` outside the representable range.
pub fn add_date(unix: i64, years: i64, months: i64, days: i64) -> Option<i64> {
    let t = OffsetDateTime::from_unix_timestamp(unix).ok()?;
    let total = i64::from(t.year())
        .checked_add(years)?
        .checked_mul(12)?
        .checked_add(i64::from(u8::from(t.month())) - 1)?
        .checked_add(months)?;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let offset = Duration::days(i64::from(t.day()) - 1).checked_add(Duration::days(days))?;
    let date = first.checked_add(offset)?;
    Some(date.with_time(t.time()).assume_utc().unix_timestamp())
}

/// Parses an RFC 3339 date-time (`2027-11-22T05:00:22.780868445Z`, `…+01:00`) into Unix
/// seconds, dropping fractions. Like Go, the date and time are separated by `T` only.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// A Unix time as Go prints a UTC time: `2030-11-01 07:00:00 +0000 UTC`.
pub fn format_go_utc(unix: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] +0000 UTC");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        parse_rfc3339(text).unwrap()
    }

    #[test]
    fn add_date_matches_go() {
        // 2026-11-22T05:39:23Z + 6 months = 2027-05-22T05:39:23Z (recorded by the reference
        // server as the default validity of vectors/issuance/ageLower.json).
        assert_eq!(add_date(1_795_323_563, 0, 6, 0), Some(1_810_961_963));
        assert_eq!(
            add_date(at("2026-08-31T00:00:00Z"), 0, 6, 0),
            Some(at("2027-03-03T00:00:00Z"))
        );
        let jan31 = at("2025-01-31T12:00:00Z");
        assert_eq!(add_date(jan31, 0, 1, 0), Some(at("2025-03-03T12:00:00Z")));
        assert_eq!(add_date(jan31, 1, 0, 0), Some(at("2026-01-31T12:00:00Z")));
        assert_eq!(add_date(jan31, 0, 0, 30), Some(at("2025-03-02T12:00:00Z")));
        assert_eq!(add_date(0, i64::MAX, 0, 0), None);
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("2027-11-22T00:00:00Z"), Some(1_826_841_600));
        assert_eq!(
            parse_rfc3339("2027-11-22T05:00:22.780868445Z"),
            Some(1_826_841_600 + 5 * 3600 + 22)
        );
        for bad in [
            "",
            "2027-11-22",
            "2027-13-01T00:00:00Z",
            "2027-11-22T00:00:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format_go_utc(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            format_go_utc(1_919_746_800),
            "2030-11-01 07:00:00 +0000 UTC"
        );
    }
}
