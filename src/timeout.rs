//! ③ `grpc-timeout` ⇄ [`Duration`]: how long the client is prepared to wait.
//!
//! From [PROTOCOL-HTTP2.md, "Requests"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests):
//!
//! > * **Timeout** → "grpc-timeout" TimeoutValue TimeoutUnit
//! > * **TimeoutValue** → {_positive integer as ASCII string of at most 8 digits_}
//! > * **TimeoutUnit** → Hour / Minute / Second / Millisecond / Microsecond / Nanosecond
//! >   * **Hour** → "H"  **Minute** → "M"  **Second** → "S"
//! >   * **Millisecond** → "m"  **Microsecond** → "u"  **Nanosecond** → "n"
//! >
//! > If **Timeout** is omitted a server should assume an infinite timeout.
//!
//! The header carries a *relative* duration, not a point in time: the two ends share no clock,
//! so the server starts its own timer when the request headers arrive. That is also why this
//! module never reads a clock. The caller turns "deadline minus now" into a [`Duration`] before
//! calling [`format()`], and the server turns the [`parse()`]d [`Duration`] into its own deadline.
//!
//! ```
//! use std::time::Duration;
//! use h2grpc::timeout;
//!
//! // The spec's own example request carries `grpc-timeout: 1S`.
//! assert_eq!(timeout::parse(b"1S"), Ok(Duration::from_secs(1)));
//!
//! // 500 ms is sent in microseconds: the finest unit whose value fits in 8 digits.
//! assert_eq!(timeout::format(Duration::from_millis(500)), "500000u");
//! ```
//!
//! # Formatting: the finest unit that fits
//!
//! Eight digits of nanoseconds cover only 0.1 s, eight digits of hours cover 11,415 years. For each
//! duration [`format()`] tries the units from the finest to the coarsest, `n u m S M H`, and takes the
//! first one in which the value has at most 8 digits, dropping the remainder. This is what tonic
//! does, so our requests carry the same bytes as tonic's:
//!
//! | duration | header |
//! |---|---|
//! | 1 ns | `1n` |
//! | 500 ms | `500000u` |
//! | 30 s | `30000000u` |
//! | 1 h | `3600000m` |
//!
//! Truncating means the server may see up to one unit *less* than the client meant, which is the
//! safe direction: the server gives up no later than the client does. (grpc-go rounds up instead,
//! and writes `0n` for a deadline that has already passed.) Beyond 99,999,999 hours the value is
//! clamped to `99999999H`.
//!
//! # Parsing: strict, and the caller decides
//!
//! [`parse()`] accepts exactly the grammar above and says what is wrong otherwise ([`TimeoutError`]).
//! It also accepts a value of zero, which the grammar's "positive" excludes, because grpc-go sends
//! `0n` for an expired deadline and the meaning is clear: no time left.
//!
//! What to do with a malformed header is the call layer's choice, not this module's. Real peers
//! differ: grpc-go answers HTTP 400 with `INTERNAL`, grpc-js `INTERNAL`, while tonic ignores the
//! header and runs the call without a deadline.

use std::fmt;
use std::time::Duration;

use http::HeaderValue;

/// The name of the header this module parses and formats.
pub const GRPC_TIMEOUT: &str = "grpc-timeout";

/// At most 8 ASCII digits of TimeoutValue, as the spec says: "positive integer as ASCII string of at
/// most 8 digits".
pub const MAX_TIMEOUT_DIGITS: usize = 8;

/// The largest TimeoutValue: 8 nines.
const MAX_TIMEOUT_VALUE: u128 = 99_999_999;

const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// The six TimeoutUnits and their length in nanoseconds, finest first: the order in which
/// [`format()`] tries them.
const UNITS: [(u8, u128); 6] = [
    (b'n', 1),
    (b'u', 1_000),
    (b'm', 1_000_000),
    (b'S', NANOS_PER_SECOND),
    (b'M', 60 * NANOS_PER_SECOND),
    (b'H', 60 * 60 * NANOS_PER_SECOND),
];

/// Why a `grpc-timeout` value does not follow `TimeoutValue TimeoutUnit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeoutError {
    /// The value is empty.
    Empty,
    /// The value does not start with an ASCII digit (`S`, `-1S`, ` 1S`, a full-width `１S`).
    NoDigits,
    /// More than [`MAX_TIMEOUT_DIGITS`] digits.
    TooManyDigits {
        /// How many digits the value starts with.
        digits: usize,
    },
    /// The digits are not followed by a unit (`100`).
    MissingUnit,
    /// The byte after the digits is not one of `H M S m u n` (`1x`, `1 S`, or the first byte of a
    /// non-ASCII character such as `µ`).
    InvalidUnit(u8),
    /// Bytes follow the unit (`1SS`, `1S `).
    TrailingBytes {
        /// How many bytes follow the unit.
        len: usize,
    },
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty grpc-timeout"),
            Self::NoDigits => f.write_str("grpc-timeout does not start with an ASCII digit"),
            Self::TooManyDigits { digits } => write!(
                f,
                "grpc-timeout has {digits} digits, at most {MAX_TIMEOUT_DIGITS} are allowed"
            ),
            Self::MissingUnit => f.write_str("grpc-timeout has no unit (one of H M S m u n)"),
            Self::InvalidUnit(byte) if byte.is_ascii_graphic() => write!(
                f,
                "grpc-timeout has unknown unit '{}' (expected one of H M S m u n)",
                char::from(*byte)
            ),
            Self::InvalidUnit(byte) => write!(
                f,
                "grpc-timeout has byte {byte:#04x} where a unit (one of H M S m u n) belongs"
            ),
            Self::TrailingBytes { len } => {
                write!(f, "grpc-timeout has {len} bytes after its unit")
            }
        }
    }
}

impl std::error::Error for TimeoutError {}

/// Parses a `grpc-timeout` value: 1 to 8 ASCII digits, then one unit of `H M S m u n`.
///
/// ```
/// use std::time::Duration;
/// use h2grpc::timeout::{parse, TimeoutError};
///
/// assert_eq!(parse(b"100m"), Ok(Duration::from_millis(100)));
/// assert_eq!(parse(b"0n"), Ok(Duration::ZERO)); // grpc-go's "already expired"
/// assert_eq!(parse(b"123456789S"), Err(TimeoutError::TooManyDigits { digits: 9 }));
/// assert_eq!(parse(b"1x"), Err(TimeoutError::InvalidUnit(b'x')));
/// ```
///
/// # Errors
///
/// A [`TimeoutError`] naming the first thing that does not fit the grammar. The input is
/// untrusted header bytes; nothing in it can make this function panic.
pub fn parse(value: &[u8]) -> Result<Duration, TimeoutError> {
    if value.is_empty() {
        return Err(TimeoutError::Empty);
    }
    let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return Err(TimeoutError::NoDigits);
    }
    if digits > MAX_TIMEOUT_DIGITS {
        return Err(TimeoutError::TooManyDigits { digits });
    }
    let (number, rest) = value.split_at(digits);
    let Some((&unit, trailing)) = rest.split_first() else {
        return Err(TimeoutError::MissingUnit);
    };
    let Some(&(_, unit_nanos)) = UNITS.iter().find(|(letter, _)| *letter == unit) else {
        return Err(TimeoutError::InvalidUnit(unit));
    };
    if !trailing.is_empty() {
        return Err(TimeoutError::TrailingBytes {
            len: trailing.len(),
        });
    }
    // At most 8 digits: the value is below 10^8 and cannot overflow.
    let count = number
        .iter()
        .fold(0u128, |acc, digit| acc * 10 + u128::from(digit - b'0'));
    // 99,999,999 hours is 3.6e20 ns, far inside u128; checked all the same, saturating.
    Ok(count
        .checked_mul(unit_nanos)
        .map_or(Duration::MAX, duration_from_nanos))
}

/// Formats a timeout as a `grpc-timeout` value in the finest unit that fits in 8 digits,
/// truncating the rest (as tonic does; see the [module docs](self)).
///
/// The result is an [`http::HeaderValue`] ready to go into a request's headers under
/// [`GRPC_TIMEOUT`].
///
/// ```
/// use std::time::Duration;
/// use h2grpc::timeout::format;
///
/// assert_eq!(format(Duration::from_nanos(1)), "1n");
/// assert_eq!(format(Duration::from_millis(500)), "500000u");
/// assert_eq!(format(Duration::from_secs(30)), "30000000u");
/// assert_eq!(format(Duration::from_secs(3600)), "3600000m");
/// assert_eq!(format(Duration::MAX), "99999999H"); // clamped
/// ```
pub fn format(timeout: Duration) -> HeaderValue {
    let nanos = timeout.as_nanos();
    for (unit, unit_nanos) in UNITS {
        let value = nanos / unit_nanos;
        if value <= MAX_TIMEOUT_VALUE {
            return header_value(value, unit);
        }
    }
    header_value(MAX_TIMEOUT_VALUE, b'H')
}

fn header_value(value: u128, unit: u8) -> HeaderValue {
    let text = format!("{value}{}", char::from(unit));
    HeaderValue::try_from(text)
        .expect("ASCII digits followed by an ASCII letter are a valid header value")
}

/// A [`Duration`] of `nanos` nanoseconds, saturating at [`Duration::MAX`].
fn duration_from_nanos(nanos: u128) -> Duration {
    let Ok(seconds) = u64::try_from(nanos / NANOS_PER_SECOND) else {
        return Duration::MAX;
    };
    // The remainder is below 10^9 and always fits.
    let subsec = u32::try_from(nanos % NANOS_PER_SECOND).unwrap_or(0);
    Duration::new(seconds, subsec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_unit() {
        assert_eq!(parse(b"2H"), Ok(Duration::from_secs(2 * 3600)));
        assert_eq!(parse(b"3M"), Ok(Duration::from_secs(180)));
        assert_eq!(parse(b"1S"), Ok(Duration::from_secs(1)));
        assert_eq!(parse(b"100m"), Ok(Duration::from_millis(100)));
        assert_eq!(parse(b"250u"), Ok(Duration::from_micros(250)));
        assert_eq!(parse(b"7n"), Ok(Duration::from_nanos(7)));
    }

    #[test]
    fn zero_and_leading_zeros() {
        assert_eq!(parse(b"0n"), Ok(Duration::ZERO));
        assert_eq!(parse(b"0S"), Ok(Duration::ZERO));
        assert_eq!(parse(b"00000001S"), Ok(Duration::from_secs(1)));
    }

    #[test]
    fn largest_values_do_not_overflow() {
        assert_eq!(
            parse(b"99999999H"),
            Ok(Duration::from_secs(99_999_999 * 3600))
        );
        assert_eq!(parse(b"99999999n"), Ok(Duration::from_nanos(99_999_999)));
    }

    #[test]
    fn errors() {
        assert_eq!(parse(b""), Err(TimeoutError::Empty));
        assert_eq!(parse(b"S"), Err(TimeoutError::NoDigits));
        assert_eq!(parse(b"-1S"), Err(TimeoutError::NoDigits));
        assert_eq!(parse(b"+1S"), Err(TimeoutError::NoDigits));
        assert_eq!(parse(b" 1S"), Err(TimeoutError::NoDigits));
        assert_eq!(parse("１S".as_bytes()), Err(TimeoutError::NoDigits));
        assert_eq!(
            parse(b"123456789S"),
            Err(TimeoutError::TooManyDigits { digits: 9 })
        );
        assert_eq!(parse(b"100"), Err(TimeoutError::MissingUnit));
        assert_eq!(parse(b"1x"), Err(TimeoutError::InvalidUnit(b'x')));
        assert_eq!(parse(b"1s"), Err(TimeoutError::InvalidUnit(b's')));
        assert_eq!(parse(b"1h"), Err(TimeoutError::InvalidUnit(b'h')));
        assert_eq!(parse(b"1 S"), Err(TimeoutError::InvalidUnit(b' ')));
        assert_eq!(parse("1µ".as_bytes()), Err(TimeoutError::InvalidUnit(0xc2)));
        assert_eq!(parse(b"1S "), Err(TimeoutError::TrailingBytes { len: 1 }));
        assert_eq!(parse(b"1SS"), Err(TimeoutError::TrailingBytes { len: 1 }));
        assert_eq!(parse(b"1.5S"), Err(TimeoutError::InvalidUnit(b'.')));
    }

    #[test]
    fn error_messages_say_what_is_wrong() {
        assert_eq!(
            TimeoutError::InvalidUnit(b'x').to_string(),
            "grpc-timeout has unknown unit 'x' (expected one of H M S m u n)"
        );
        assert_eq!(
            TimeoutError::InvalidUnit(0xc2).to_string(),
            "grpc-timeout has byte 0xc2 where a unit (one of H M S m u n) belongs"
        );
        assert_eq!(
            TimeoutError::TooManyDigits { digits: 9 }.to_string(),
            "grpc-timeout has 9 digits, at most 8 are allowed"
        );
    }

    #[test]
    fn format_picks_the_finest_unit_that_fits() {
        assert_eq!(format(Duration::ZERO), "0n");
        assert_eq!(format(Duration::from_nanos(1)), "1n");
        assert_eq!(format(Duration::from_nanos(99_999_999)), "99999999n");
        assert_eq!(format(Duration::from_nanos(100_000_000)), "100000u");
        assert_eq!(format(Duration::from_millis(500)), "500000u");
        assert_eq!(format(Duration::from_secs(30)), "30000000u");
        assert_eq!(format(Duration::from_secs(100)), "100000m");
        assert_eq!(format(Duration::from_secs(3600)), "3600000m");
        assert_eq!(format(Duration::from_secs(100_000)), "100000S");
        assert_eq!(format(Duration::from_secs(100_000_000)), "1666666M");
        assert_eq!(format(Duration::from_secs(99_999_999 * 60)), "99999999M");
        assert_eq!(format(Duration::from_secs(6_000_000_000)), "1666666H");
        assert_eq!(format(Duration::MAX), "99999999H");
    }

    #[test]
    fn format_truncates() {
        // 100,000,001 ns does not fit in nanoseconds; in microseconds the last nanosecond is dropped.
        assert_eq!(format(Duration::from_nanos(100_000_001)), "100000u");
    }

    /// The unit's length, from the last byte of a formatted value.
    fn unit_of(value: &HeaderValue) -> Duration {
        let unit = *value
            .as_bytes()
            .last()
            .expect("format never returns an empty value");
        let (_, nanos) = UNITS
            .iter()
            .find(|(letter, _)| *letter == unit)
            .expect("format only writes known units");
        duration_from_nanos(*nanos)
    }

    proptest! {
        #[test]
        fn format_then_parse_loses_less_than_one_unit(
            seconds in 0u64..=10_000_000 * 3600,
            nanos in 0u32..1_000_000_000,
        ) {
            let timeout = Duration::new(seconds, nanos);
            let value = format(timeout);
            let parsed = parse(value.as_bytes()).expect("format's output parses");
            prop_assert!(parsed <= timeout);
            prop_assert!(timeout - parsed < unit_of(&value));
            prop_assert!(value.len() <= MAX_TIMEOUT_DIGITS + 1);
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn parse_accepts_the_grammar(value in 0u32..100_000_000, unit in proptest::sample::select(b"HMSmun".to_vec())) {
            let text = format!("{value}{}", char::from(unit));
            prop_assert!(parse(text.as_bytes()).is_ok());
        }
    }
}
