//! The string forms of `Timestamp`, `Duration` and `FieldMask`, both ways.
//!
//! The spec: a Timestamp is "RFC 3339, where generated output will always be Z-normalized and
//! uses 0, 3, 6 or 9 fractional digits. Offsets other than "Z" are also accepted"; a Duration is
//! "Generated output always contains 0, 3, 6, or 9 fractional digits, depending on required
//! precision, followed by the suffix "s". Accepted are any fractional digits (also none) as long
//! as they fit into nano-seconds precision"; a FieldMask's paths are converted to lowerCamelCase
//! and joined with commas.
//!
//! Dates are converted to day numbers with the proleptic Gregorian calendar's arithmetic (days
//! since 1970-01-01, in 400-year eras of 146,097 days), written out here rather than taken
//! from a date library.

use std::fmt::Write;

/// 0001-01-01T00:00:00Z, in seconds since the Unix epoch: the first Timestamp allowed.
pub(crate) const MIN_TIMESTAMP: i64 = -62_135_596_800;
/// 9999-12-31T23:59:59Z, the last whole second allowed.
pub(crate) const MAX_TIMESTAMP: i64 = 253_402_300_799;
/// 10,000 years of seconds: the largest Duration, either sign.
pub(crate) const MAX_DURATION: i64 = 315_576_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date (year, month, day) of a day number.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Writes nanoseconds as 0, 3, 6 or 9 digits after a dot.
fn write_nanos(out: &mut String, nanos: u32) {
    if nanos == 0 {
    } else if nanos.is_multiple_of(1_000_000) {
        let _ = write!(out, ".{:03}", nanos / 1_000_000);
    } else if nanos.is_multiple_of(1_000) {
        let _ = write!(out, ".{:06}", nanos / 1_000);
    } else {
        let _ = write!(out, ".{nanos:09}");
    }
}

/// Writes a Timestamp (without quotes), or says why it is out of range.
pub(crate) fn write_timestamp(out: &mut String, seconds: i64, nanos: i32) -> Result<(), String> {
    if !(MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&seconds) {
        return Err(format!("Timestamp seconds {seconds} is out of range"));
    }
    let nanos = u32::try_from(nanos)
        .ok()
        .filter(|&n| n < 1_000_000_000)
        .ok_or_else(|| format!("Timestamp nanos {nanos} is out of range"))?;
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let second_of_day = seconds.rem_euclid(86_400);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    write_nanos(out, nanos);
    out.push('Z');
    Ok(())
}

/// Reads `n` ASCII digits at the front of `s`.
fn digits(s: &mut &[u8], n: usize) -> Option<u32> {
    let (head, rest) = s.split_at_checked(n)?;
    let mut value = 0u32;
    for &b in head {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    *s = rest;
    Some(value)
}

fn expect(s: &mut &[u8], byte: u8) -> Option<()> {
    let (&first, rest) = s.split_first()?;
    (first == byte).then(|| *s = rest)
}

/// Reads a dot and 1 to 9 digits, if `s` starts with a dot: the nanoseconds.
fn fraction(s: &mut &[u8]) -> Option<u32> {
    if expect(s, b'.').is_none() {
        return Some(0);
    }
    let count = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=9).contains(&count) {
        return None;
    }
    let value = digits(s, count)?;
    Some(value * 10u32.pow(u32::try_from(9 - count).ok()?))
}

/// Reads an RFC 3339 timestamp: `(seconds, nanos)`.
pub(crate) fn parse_timestamp(text: &str) -> Option<(i64, i32)> {
    let s = &mut text.as_bytes();
    let year = digits(s, 4)?;
    expect(s, b'-')?;
    let month = digits(s, 2)?;
    expect(s, b'-')?;
    let day = digits(s, 2)?;
    expect(s, b'T')?;
    let hour = digits(s, 2)?;
    expect(s, b':')?;
    let minute = digits(s, 2)?;
    expect(s, b':')?;
    let second = digits(s, 2)?;
    let nanos = fraction(s)?;
    let year_i = i64::from(year);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year_i, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let offset = match s.split_first()? {
        (b'Z', []) => 0,
        (&sign @ (b'+' | b'-'), rest) => {
            *s = rest;
            let hours = digits(s, 2)?;
            expect(s, b':')?;
            let minutes = digits(s, 2)?;
            if !s.is_empty() || hours > 23 || minutes > 59 {
                return None;
            }
            let offset = i64::from(hours * 3600 + minutes * 60);
            if sign == b'+' { offset } else { -offset }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year_i, month, day) * 86_400
        + i64::from(hour * 3600 + minute * 60 + second)
        - offset;
    if !(MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&seconds) {
        return None;
    }
    Some((seconds, i32::try_from(nanos).ok()?))
}

/// Writes a Duration (without quotes), or says why it is out of range.
pub(crate) fn write_duration(out: &mut String, seconds: i64, nanos: i32) -> Result<(), String> {
    if !(-MAX_DURATION..=MAX_DURATION).contains(&seconds) {
        return Err(format!("Duration seconds {seconds} is out of range"));
    }
    if nanos <= -1_000_000_000 || nanos >= 1_000_000_000 {
        return Err(format!("Duration nanos {nanos} is out of range"));
    }
    if (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0) {
        return Err("Duration seconds and nanos have different signs".to_owned());
    }
    if seconds < 0 || nanos < 0 {
        out.push('-');
    }
    let _ = write!(out, "{}", seconds.unsigned_abs());
    write_nanos(out, nanos.unsigned_abs());
    out.push('s');
    Ok(())
}

/// Reads a Duration (`-1.5s`): `(seconds, nanos)` with the same sign.
pub(crate) fn parse_duration(text: &str) -> Option<(i64, i32)> {
    let text = text.strip_suffix('s')?;
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let s = &mut text.as_bytes();
    let count = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if count == 0 || count > 12 {
        return None;
    }
    let whole = std::str::from_utf8(&s[..count]).ok()?.parse::<i64>().ok()?;
    *s = &s[count..];
    let nanos = i32::try_from(fraction(s)?).ok()?;
    if !s.is_empty() || whole > MAX_DURATION {
        return None;
    }
    Some(if negative {
        (-whole, -nanos)
    } else {
        (whole, nanos)
    })
}

/// A FieldMask path in JSON: `user.display_name` → `user.displayName`. `None` for a path that
/// would not come back the same (an upper-case letter, or `_` not followed by a lower-case one).
pub(crate) fn path_to_camel(path: &str, out: &mut String) -> Option<()> {
    let mut upper_next = false;
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            return None;
        }
        if c == '_' {
            if upper_next {
                return None;
            }
            upper_next = true;
        } else if upper_next {
            if !c.is_ascii_lowercase() {
                return None;
            }
            out.push(c.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    (!upper_next).then_some(())
}

/// A FieldMask path from JSON: `user.displayName` → `user.display_name`. `None` for a path with
/// `_` in it (it would not come back the same).
pub(crate) fn path_to_snake(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c == '_' {
            return None;
        }
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timestamp(seconds: i64, nanos: i32) -> String {
        let mut out = String::new();
        write_timestamp(&mut out, seconds, nanos).unwrap();
        out
    }

    fn duration(seconds: i64, nanos: i32) -> String {
        let mut out = String::new();
        write_duration(&mut out, seconds, nanos).unwrap();
        out
    }

    #[test]
    fn day_numbers_round_trip_over_the_whole_range() {
        for days in (MIN_TIMESTAMP / 86_400..=MAX_TIMESTAMP / 86_400).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            let (m, d) = (u32::try_from(m).unwrap(), u32::try_from(d).unwrap());
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn timestamps_as_the_spec_writes_them() {
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(
            timestamp(1_509_418_800, 10_000_000),
            "2017-10-31T03:00:00.010Z"
        );
        assert_eq!(timestamp(-1, 999_999_000), "1969-12-31T23:59:59.999999Z");
        assert_eq!(timestamp(951_782_400, 1), "2000-02-29T00:00:00.000000001Z");
        assert_eq!(timestamp(MIN_TIMESTAMP, 0), "0001-01-01T00:00:00Z");
        assert_eq!(
            timestamp(MAX_TIMESTAMP, 999_999_999),
            "9999-12-31T23:59:59.999999999Z"
        );
        let mut out = String::new();
        assert!(write_timestamp(&mut out, MAX_TIMESTAMP + 1, 0).is_err());
        assert!(write_timestamp(&mut out, 0, -1).is_err());
    }

    #[test]
    fn timestamps_are_read_with_offsets_and_any_fraction() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some((0, 0)));
        assert_eq!(
            parse_timestamp("1969-12-31T19:00:00.5-05:00"),
            Some((0, 500_000_000))
        );
        assert_eq!(
            parse_timestamp("2000-02-29T00:00:00Z"),
            Some((951_782_400, 0))
        );
        assert_eq!(
            parse_timestamp("0001-01-01T00:00:00Z"),
            Some((MIN_TIMESTAMP, 0))
        );
        for bad in [
            "1900-02-29T00:00:00Z",
            "2001-13-01T00:00:00Z",
            "2001-01-01 00:00:00Z",
            "2001-01-01T00:00:00",
            "2001-01-01T00:00:00.Z",
            "2001-01-01T00:00:00.0000000001Z",
            "0001-01-01T00:00:00+00:01",
            "2001-01-01T24:00:00Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_as_the_spec_writes_them() {
        assert_eq!(duration(1, 500_000_000), "1.500s");
        assert_eq!(duration(0, -1), "-0.000000001s");
        assert_eq!(duration(-3, -10_000), "-3.000010s");
        assert_eq!(duration(MAX_DURATION, 0), "315576000000s");
        let mut out = String::new();
        assert!(write_duration(&mut out, 1, -1).is_err());
        assert!(write_duration(&mut out, MAX_DURATION + 1, 0).is_err());
    }

    #[test]
    fn durations_are_read_with_any_fraction() {
        assert_eq!(parse_duration("1.000s"), Some((1, 0)));
        assert_eq!(parse_duration("-0.000000001s"), Some((0, -1)));
        assert_eq!(parse_duration("-315576000000s"), Some((-MAX_DURATION, 0)));
        assert_eq!(parse_duration("1.5s"), Some((1, 500_000_000)));
        for bad in [
            "1",
            "s",
            "-s",
            "1.s",
            "+1s",
            "315576000001s",
            "1.0000000001s",
            " 1s",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn field_mask_paths_convert_only_when_they_come_back() {
        let mut out = String::new();
        path_to_camel("user.display_name", &mut out).unwrap();
        assert_eq!(out, "user.displayName");
        assert_eq!(
            path_to_snake("user.displayName").unwrap(),
            "user.display_name"
        );
        for bad in ["fooBar", "foo__bar", "foo_", "foo_3"] {
            assert_eq!(path_to_camel(bad, &mut String::new()), None, "{bad}");
        }
        assert_eq!(path_to_snake("foo_bar"), None);
    }
}
