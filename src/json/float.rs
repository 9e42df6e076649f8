//! Floats in JSON text: the fewest digits that read back to the same value (ryu's), in the
//! form of Go's `strconv.FormatFloat(f, 'g', -1, bits)`, which is what grpcurl prints: plain
//! decimals for exponents -4 to 5 (`0.0001`, `123456`), else `1e+06`, `1.5e-07`. The three
//! values JSON has no number for are the strings `"NaN"`, `"Infinity"` and `"-Infinity"`.

use std::fmt::Write;

/// The shortest decimal digits of finite `value` in `scratch` as a mantissa `-d.ddd` (one
/// digit before the point, none after when there is only one), and the decimal exponent:
/// `92.5` is `9.25` and 1, `1e-7` is `1` and -7, `-0.0` is `-0` and 0.
fn shortest<F: ryu::Float>(value: F, scratch: &mut String) -> i32 {
    let mut buffer = ryu::Buffer::new();
    // ryu writes `123.0`, `0.001`, `1.5e-7` or `1e21`.
    let text = buffer.format_finite(value);
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (decimal, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    // The digits, and where the point is among them: `whole.fraction` × 10^exponent.
    let digits = whole.bytes().chain(fraction.bytes());
    let mut point = i32::try_from(whole.len()).unwrap_or(0) + exponent;
    scratch.clear();
    if negative {
        scratch.push('-');
    }
    let mut significant = 0;
    for digit in digits {
        if significant == 0 && digit == b'0' {
            // A leading zero moves the point.
            point -= 1;
            continue;
        }
        scratch.push(char::from(digit));
        significant += 1;
        if significant == 1 {
            scratch.push('.');
        }
    }
    while scratch.ends_with('0') {
        scratch.pop();
    }
    if scratch.ends_with('.') {
        scratch.pop();
    }
    if significant == 0 {
        scratch.push('0');
        return 0;
    }
    point - 1
}

/// `f32` and `f64`: what [`float`] asks of a value besides its digits.
pub(super) trait JsonFloat: ryu::Float {
    /// Whether it is NaN, whether it is infinite, whether it is below zero.
    fn class(self) -> (bool, bool, bool);
}

impl JsonFloat for f32 {
    fn class(self) -> (bool, bool, bool) {
        (self.is_nan(), self.is_infinite(), self < 0.0)
    }
}

impl JsonFloat for f64 {
    fn class(self) -> (bool, bool, bool) {
        (self.is_nan(), self.is_infinite(), self < 0.0)
    }
}

/// A finite float in Go's `'g'` form with the shortest digits; the three others as strings.
pub(super) fn float<F: JsonFloat>(out: &mut String, scratch: &mut String, value: F) {
    let (nan, infinite, negative) = value.class();
    if nan {
        out.push_str("\"NaN\"");
        return;
    }
    if infinite {
        out.push_str(if negative {
            "\"-Infinity\""
        } else {
            "\"Infinity\""
        });
        return;
    }
    // One formatting pass (ryu: the shortest digits that read back exactly), brought to the
    // exponent form `-1.2345`, 6, then laid out.
    let exponent = shortest(value, scratch);
    let mantissa = scratch.as_str();
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "{mantissa}e{sign}{:02}", exponent.unsigned_abs());
        return;
    }
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let (first, rest) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    out.push_str(sign);
    // `exponent` is in -4..6, so these conversions cannot fail.
    let point = usize::try_from(exponent.unsigned_abs()).unwrap_or(0);
    if exponent < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point - 1));
        out.push_str(first);
        out.push_str(rest);
    } else if rest.len() <= point {
        out.push_str(first);
        out.push_str(rest);
        out.extend(std::iter::repeat_n('0', point - rest.len()));
    } else {
        out.push_str(first);
        out.push_str(&rest[..point]);
        out.push('.');
        out.push_str(&rest[point..]);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::shortest;

    /// The mantissa and exponent core's `{:e}` writes (shortest digits too): the reference.
    fn reference(text: &str) -> (String, i32) {
        let (mantissa, exponent) = text.split_once('e').unwrap();
        (mantissa.to_owned(), exponent.parse().unwrap())
    }

    #[test]
    fn shortest_digits_of_telling_values() {
        for (value, mantissa, exponent) in [
            (92.5, "9.25", 1),
            (1e-7, "1", -7),
            (-0.0, "-0", 0),
            (0.0, "0", 0),
            (100.0, "1", 2),
            (1e21, "1", 21),
            (0.1, "1", -1),
            (f64::MAX, "1.7976931348623157", 308),
            (5e-324, "5", -324),
        ] {
            let mut scratch = String::new();
            let e = shortest(value, &mut scratch);
            assert_eq!((scratch.as_str(), e), (mantissa, exponent), "{value}");
        }
    }

    /// As short as core's digits, and reading back to the same value (where two shortest
    /// digit strings are equally near, the two may choose differently: both read back).
    fn check<
        F: ryu::Float + std::fmt::LowerExp + std::str::FromStr + PartialEq + std::fmt::Debug,
    >(
        value: F,
    ) -> Result<(), TestCaseError> {
        let mut scratch = String::new();
        let exponent = shortest(value, &mut scratch);
        let (core, core_exponent) = reference(&format!("{value:e}"));
        prop_assert_eq!(
            scratch.len(),
            core.len(),
            "{:?}: {} vs {}",
            value,
            scratch,
            core
        );
        prop_assert_eq!(exponent, core_exponent);
        let back: F = format!("{scratch}e{exponent}")
            .parse()
            .map_err(|_| TestCaseError::fail("does not parse"))?;
        prop_assert_eq!(back, value);
        Ok(())
    }

    proptest! {
        #[test]
        fn shortest_digits_read_back(bits in any::<u64>(), bits32 in any::<u32>()) {
            let value = f64::from_bits(bits);
            if value.is_finite() {
                check(value)?;
            }
            let value = f32::from_bits(bits32);
            if value.is_finite() {
                check(value)?;
            }
        }
    }
}
