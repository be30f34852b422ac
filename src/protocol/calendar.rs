//! Just enough proleptic-Gregorian calendar arithmetic in UTC for the protocol.
//!
//! The server computes a default credential validity as "now plus six months" (Go's
//! `time.AddDate(0, 6, 0)`), and the atum timestamp server answers with RFC 3339 expiry
//! times. Both need civil dates; a date crate would be a large dependency for two functions.
//! Day numbers use Howard Hinnant's `days_from_civil` algorithm.

const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date; `month` is 1..=12, `day` may exceed the month
/// (it then rolls over, like Go's `time.Date`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (day - 1)
}

/// The civil date (year, month 1..=12, day 1..=31) of a day number.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `unix` plus `months` calendar months in UTC, normalised as Go's `AddDate(0, months, 0)`:
/// 31 August plus six months is 3 March (28 February has no 31st).
pub(crate) fn add_months(unix: i64, months: i64) -> i64 {
    let days = unix.div_euclid(SECONDS_PER_DAY);
    let time_of_day = unix.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let total = year * 12 + (month - 1) + months;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    days_from_civil(year, month, day) * SECONDS_PER_DAY + time_of_day
}

/// `unix` as Go prints a UTC `time.Time`: `2026-11-19 00:00:00 +0000 UTC`.
pub fn format_go_utc(unix: i64) -> String {
    let (year, month, day) = civil_from_days(unix.div_euclid(SECONDS_PER_DAY));
    let t = unix.rem_euclid(SECONDS_PER_DAY);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} +0000 UTC",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// Parses an RFC 3339 date-time (`2027-11-22T05:00:22.780868445Z`, `…+01:00`) into Unix
/// seconds, dropping fractions. `None` when the text is not of that form.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = text.get(from..to)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let r = rest.as_bytes();
            if r.len() != 6 || r[3] != b':' {
                return None;
            }
            let hours: i64 = rest[1..3].parse().ok()?;
            let minutes: i64 = rest[4..6].parse().ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        for days in [-800_000, -1, 0, 1, 20_000, 20_779, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn add_months_matches_go_add_date() {
        // 2026-11-22T05:39:23Z + 6 months = 2027-05-22T05:39:23Z (recorded by the reference
        // server as the default validity of vectors/issuance/ageLower.json).
        assert_eq!(add_months(1_795_323_563, 6), 1_810_961_963);
        // 2026-08-31 + 6 months = 2027-02-31 = 2027-03-03.
        let aug31 = days_from_civil(2026, 8, 31) * SECONDS_PER_DAY;
        assert_eq!(
            add_months(aug31, 6),
            days_from_civil(2027, 3, 3) * SECONDS_PER_DAY
        );
    }

    #[test]
    fn formats_dates_like_go() {
        assert_eq!(format_go_utc(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            format_go_utc(1_919_746_800),
            "2030-11-01 07:00:00 +0000 UTC"
        );
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(
            parse_rfc3339("2027-11-22T05:00:22.780868445Z"),
            Some(days_from_civil(2027, 11, 22) * SECONDS_PER_DAY + 5 * 3600 + 22)
        );
        assert_eq!(
            parse_rfc3339("1970-01-01T01:00:00+01:00"),
            Some(0),
            "offsets are subtracted"
        );
        for bad in [
            "",
            "2027-11-22",
            "2027-13-01T00:00:00Z",
            "2027-11-22T05:00:22",
            "2027-11-22T05:00:22.Z",
            "２０２７-11-22T05:00:22Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
