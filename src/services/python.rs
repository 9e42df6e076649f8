//! How Python prints values, where the services' contract says "as Python prints it".
//!
//! The tutorials ([`super`]) are Python programs, and some of their messages show a value the way Python does:
//! `f"Amount must be positive, got: {request.amount}"` prints a float as `repr(float)` does
//! (`-5.0`, `1e-05`), `f"User {request.user_id!r} not found"` quotes a string as `repr(str)`
//! does (`'x'`, or `"it's"`), and `str(time.time())` is again `repr(float)`. A client written
//! against the Python server compares these strings, so h2grpc reproduces them:
//!
//! - [`repr_float`]: `repr(x)` for a `float`;
//! - [`repr_str`]: `repr(s)` for a `str`;
//! - [`format_fixed`]: the `f"{x:.2f}"` of the tutorials' clients.

use std::fmt::Write as _;

/// `repr(x)` of a Python `float`: the shortest digits that read back as the same `f64`, in
/// positional form with at least one digit after the point (`1.0`, `0.0001`, `-5.0`) while the
/// decimal exponent is in `-4 ..= 15`, and in exponent form otherwise, the exponent signed and at
/// least two digits long (`1e-05`, `1e+16`, `1.5e+300`). Not-a-number is `nan`, infinities are
/// `inf` and `-inf`, and negative zero keeps its sign.
///
/// CPython's `float_repr` decides this in `format_float_short` (`Python/pystrtod.c`): exponent
/// form "if decpt <= -4 or decpt > 16", where `decpt` is where the point goes after the digits'
/// first one minus one. Rust's `{:e}` already gives the shortest round-trip digits; only their
/// layout differs.
///
/// ```
/// use h2grpc::services::python::repr_float;
///
/// assert_eq!(repr_float(-5.0), "-5.0");
/// assert_eq!(repr_float(0.1 + 0.2), "0.30000000000000004");
/// assert_eq!(repr_float(1e16), "1e+16");
/// assert_eq!(repr_float(0.00001), "1e-05");
/// assert_eq!(repr_float(f64::NAN), "nan");
/// ```
pub fn repr_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // `{:e}` is `[-]d[.ddd]e[-]N` with the shortest digits that round-trip.
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    // The exponent of `{:e}` is a small decimal integer (at most 3 digits): it always parses.
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::from(sign);
    // The point goes after `point` digits: 1.5e2 has digits "15" and point 3 ("150").
    let point = exponent + 1;
    if (-3..=16).contains(&point) {
        let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
            out.push_str(&digits);
        } else if point >= len {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n(
                '0',
                (point - len).unsigned_abs() as usize,
            ));
            out.push_str(".0");
        } else {
            let (whole, fraction) = digits.split_at(point.unsigned_abs() as usize);
            let _ = write!(out, "{whole}.{fraction}");
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            let _ = write!(out, ".{rest}");
        }
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{exponent_sign}{:02}", exponent.unsigned_abs());
    }
    out
}

/// `f"{x:.{precision}f}"`: fixed-point with `precision` digits after the point, rounded from the
/// exact binary value, ties to even, as Python does (Rust's `{:.N}` rounds the same way); only
/// the names of the special values differ (`nan`, `inf`, `-inf`, where Rust writes `NaN`).
///
/// ```
/// use h2grpc::services::python::format_fixed;
///
/// assert_eq!(format_fixed(92.1437, 2), "92.14");
/// assert_eq!(format_fixed(0.125, 2), "0.12");
/// assert_eq!(format_fixed(f64::NAN, 4), "nan");
/// ```
pub fn format_fixed(x: f64, precision: usize) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{x:.precision$}")
    }
}

/// `repr(s)` of a Python `str`.
///
/// - Quotes: `'…'`, unless the text holds a `'` and no `"`, then `"…"`. With both, `'…'` and
///   the `'` escaped as `\'`.
/// - `\` is `\\`; tab, newline and carriage return are `\t`, `\n`, `\r`.
/// - Other characters Python does not print (`str.isprintable()` false) are escaped as `\xNN`,
///   `\uNNNN` or `\UNNNNNNNN`, the shortest that fits: the control characters (`Cc`), the
///   separators other than the ASCII space (`Zs`, `Zl`, `Zp`), the format characters (`Cf`),
///   surrogates (impossible in a Rust `str`), private use (`Co`) and noncharacters.
///
/// Python decides "printable" from its Unicode database; this function knows the categories
/// above by their ranges and does not carry the database, so a code point *unassigned* in the
/// Unicode version Python uses (category `Cn`, other than the noncharacters) is printed as is,
/// where Python would escape it.
///
/// ```
/// use h2grpc::services::python::repr_str;
///
/// assert_eq!(repr_str("nonexistent"), "'nonexistent'");
/// assert_eq!(repr_str("it's"), r#""it's""#);
/// assert_eq!(repr_str("tab\there"), r"'tab\there'");
/// assert_eq!(repr_str("héllo ☺"), "'héllo ☺'");
/// ```
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let code = u32::from(c);
                let _ = if code < 0x100 {
                    write!(out, "\\x{code:02x}")
                } else if code < 0x1_0000 {
                    write!(out, "\\u{code:04x}")
                } else {
                    write!(out, "\\U{code:08x}")
                };
            }
        }
    }
    out.push(quote);
    out
}

/// Whether Python's `str.isprintable()` holds for `c`, for every category but unassigned code
/// points (see [`repr_str`]).
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !NOT_PRINTABLE
        .iter()
        .any(|&(first, last)| (first..=last).contains(&u32::from(c)))
}

/// The code points `str.isprintable()` rejects, by category, as inclusive ranges: checked equal
/// to CPython 3.11 (Unicode 14) on every assigned code point, plus the format characters that
/// Unicode 15 added (U+13430 to U+1343F).
const NOT_PRINTABLE: &[(u32, u32)] = &[
    // Cc: C0 controls, DEL, C1 controls.
    (0x00, 0x1f),
    (0x7f, 0x9f),
    // Zs (every space but U+0020), Zl, Zp.
    (0xa0, 0xa0),
    (0x1680, 0x1680),
    (0x2000, 0x200a),
    (0x2028, 0x2029),
    (0x202f, 0x202f),
    (0x205f, 0x205f),
    (0x3000, 0x3000),
    // Cf: soft hyphen, Arabic and Syriac marks, zero-width and bidi controls, BOM, ...
    (0xad, 0xad),
    (0x600, 0x605),
    (0x61c, 0x61c),
    (0x6dd, 0x6dd),
    (0x70f, 0x70f),
    (0x890, 0x891),
    (0x8e2, 0x8e2),
    (0x180e, 0x180e),
    (0x200b, 0x200f),
    (0x202a, 0x202e),
    (0x2060, 0x2064),
    (0x2066, 0x206f),
    (0xfeff, 0xfeff),
    (0xfff9, 0xfffb),
    (0x110bd, 0x110bd),
    (0x110cd, 0x110cd),
    (0x13430, 0x1343f),
    (0x1bca0, 0x1bca3),
    (0x1d173, 0x1d17a),
    (0xe0001, 0xe0001),
    (0xe0020, 0xe007f),
    // Co: the private use areas.
    (0xe000, 0xf8ff),
    (0xf_0000, 0xf_fffd),
    (0x10_0000, 0x10_fffd),
    // Cn that are never assigned: the noncharacters.
    (0xfdd0, 0xfdef),
    (0xfffe, 0xffff),
    (0x1_fffe, 0x1_ffff),
    (0x2_fffe, 0x2_ffff),
    (0x3_fffe, 0x3_ffff),
    (0x4_fffe, 0x4_ffff),
    (0x5_fffe, 0x5_ffff),
    (0x6_fffe, 0x6_ffff),
    (0x7_fffe, 0x7_ffff),
    (0x8_fffe, 0x8_ffff),
    (0x9_fffe, 0x9_ffff),
    (0xa_fffe, 0xa_ffff),
    (0xb_fffe, 0xb_ffff),
    (0xc_fffe, 0xc_ffff),
    (0xd_fffe, 0xd_ffff),
    (0xe_fffe, 0xe_ffff),
    (0xf_fffe, 0xf_ffff),
    (0x10_fffe, 0x10_ffff),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Each value with what CPython 3.11 prints for `repr(x)`.
    #[test]
    fn repr_float_matches_cpython() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (-5.0, "-5.0"),
            (-1.5, "-1.5"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (0.00001, "1e-05"),
            (-0.00001, "-1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (123456789012345.6, "123456789012345.6"),
            (9999999999999998.0, "9999999999999998.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e20, "1e+20"),
            (-1e20, "-1e+20"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e100, "1e+100"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (1700000000.123456, "1700000000.123456"),
            (f64::NAN, "nan"),
            (-f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for &(x, expected) in cases {
            assert_eq!(repr_float(x), expected, "repr({x:e})");
        }
    }

    #[test]
    fn format_fixed_matches_python() {
        let cases: &[(f64, usize, &str)] = &[
            (92.14372, 2, "92.14"),
            (0.92143, 4, "0.9214"),
            (149.82134, 4, "149.8213"),
            (0.125, 2, "0.12"),
            (0.375, 2, "0.38"),
            (2.675, 2, "2.67"),
            (-0.0, 2, "-0.00"),
            (1e16, 2, "10000000000000000.00"),
            (f64::NAN, 2, "nan"),
            (f64::INFINITY, 2, "inf"),
            (f64::NEG_INFINITY, 2, "-inf"),
        ];
        for &(x, precision, expected) in cases {
            assert_eq!(format_fixed(x, precision), expected, "{x}:.{precision}f");
        }
    }

    /// Each string with what CPython 3.11 prints for `repr(s)`.
    #[test]
    fn repr_str_matches_cpython() {
        let cases: &[(&str, &str)] = &[
            ("", "''"),
            ("x", "'x'"),
            ("nonexistent", "'nonexistent'"),
            ("it's", r#""it's""#),
            (r#"say "hi""#, r#"'say "hi"'"#),
            (r#"it's "both""#, r#"'it\'s "both"'"#),
            (r"back\slash", r"'back\\slash'"),
            ("a\tb\nc\rd", r"'a\tb\nc\rd'"),
            ("nul\0bell\x07esc\x1b", r"'nul\x00bell\x07esc\x1b'"),
            ("del\x7f", r"'del\x7f'"),
            ("c1\u{85}", r"'c1\x85'"),
            ("nbsp\u{a0}", r"'nbsp\xa0'"),
            ("shy\u{ad}", r"'shy\xad'"),
            ("zwsp\u{200b}", r"'zwsp\u200b'"),
            ("ls\u{2028}", r"'ls\u2028'"),
            ("bom\u{feff}", r"'bom\ufeff'"),
            ("pua\u{e000}", r"'pua\ue000'"),
            ("tag\u{e0041}", r"'tag\U000e0041'"),
            ("héllo ☺ 日本 🎉", "'héllo ☺ 日本 🎉'"),
        ];
        for &(s, expected) in cases {
            assert_eq!(repr_str(s), expected, "repr({s:?})");
        }
    }
}
