//! What the user gives `h2grpc inspect --explain`: hex as it comes from anywhere, or a file.
//!
//! Hex is accepted as most tools print it: `0a05776f726c64`, `0a 05 77 6f`, `0x0a, 0x05`,
//! `0a:05:77`, over several lines. Each group of digits between separators must have an even
//! number of them, so that `8 96 01` is refused rather than guessed.

use std::fmt;

/// Input that is neither hex nor a readable file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplainError {
    /// A character that is not a hex digit nor a separator, at a position counted in
    /// characters from 1.
    BadChar {
        /// The character.
        ch: char,
        /// Its position (1 for the first character).
        position: usize,
    },
    /// A group of hex digits of odd length, starting at a position counted from 1.
    OddDigits {
        /// Where the group starts (1 for the first character).
        position: usize,
    },
    /// `@path` could not be read.
    File {
        /// The path after `@`.
        path: String,
        /// Why, as the system says it.
        reason: String,
    },
}

impl fmt::Display for ExplainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadChar { ch, position } => write!(
                f,
                "{ch:?} at position {position} is not a hex digit (0-9, a-f) nor a separator \
                 (space, ',', ':', 0x)"
            ),
            Self::OddDigits { position } => write!(
                f,
                "the hex digits starting at position {position} are an odd number: each octet \
                 is two digits"
            ),
            Self::File { path, reason } => write!(f, "cannot read {path}: {reason}"),
        }
    }
}

impl std::error::Error for ExplainError {}

/// Parses the argument of `--explain`: hex, with optional whitespace, `,` or `:` between octets
/// and a `0x` before a group of digits; or `@path`, whose file's raw bytes are returned.
///
/// ```
/// use h2grpc::inspect::explain::parse_input;
///
/// assert_eq!(parse_input("08 96 01").unwrap(), [0x08, 0x96, 0x01]);
/// assert_eq!(parse_input("0x08,0x96,0x01").unwrap(), [0x08, 0x96, 0x01]);
/// assert_eq!(parse_input("08:96:01\n").unwrap(), [0x08, 0x96, 0x01]);
/// assert_eq!(
///     parse_input("08 9g").unwrap_err().to_string(),
///     "'g' at position 5 is not a hex digit (0-9, a-f) nor a separator (space, ',', ':', 0x)"
/// );
/// ```
pub fn parse_input(arg: &str) -> Result<Vec<u8>, ExplainError> {
    if let Some(path) = arg.strip_prefix('@') {
        return std::fs::read(path).map_err(|e| ExplainError::File {
            path: path.to_owned(),
            reason: e.to_string(),
        });
    }
    let chars: Vec<char> = arg.chars().collect();
    let mut out = Vec::with_capacity(chars.len() / 2);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ',' || c == ':' {
            i += 1;
            continue;
        }
        // A group: an optional 0x, then hex digits up to a separator.
        let group_start = i;
        if c == '0' && matches!(chars.get(i + 1), Some('x' | 'X')) {
            i += 2;
        }
        let digits_start = i;
        let mut high: Option<u8> = None;
        while let Some(&c) = chars.get(i) {
            if c.is_whitespace() || c == ',' || c == ':' {
                break;
            }
            let Some(digit) = c.to_digit(16).and_then(|d| u8::try_from(d).ok()) else {
                return Err(ExplainError::BadChar {
                    ch: c,
                    position: i + 1,
                });
            };
            match high.take() {
                None => high = Some(digit),
                Some(h) => out.push(h << 4 | digit),
            }
            i += 1;
        }
        if high.is_some() || i == digits_start {
            return Err(if i == digits_start {
                ExplainError::BadChar {
                    ch: chars[group_start + 1],
                    position: group_start + 2,
                }
            } else {
                ExplainError::OddDigits {
                    position: group_start + 1,
                }
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_in_the_usual_shapes() {
        let hello = [0x00, 0x00, 0x00, 0x00, 0x07, 0x0a, 0x05];
        for text in [
            "00000000070a05",
            "00 00 00 00 07 0a 05",
            "0x00 0x00 0x00 0x00 0x07 0x0A 0x05",
            "00,00,00,00,07,0a,05",
            "00:00:00:00:07:0a:05",
            "  0000\n000007\t0A05\n",
            "0x00000000070a05",
        ] {
            assert_eq!(parse_input(text).unwrap(), hello, "{text:?}");
        }
        assert_eq!(parse_input("").unwrap(), Vec::<u8>::new());
        assert_eq!(parse_input(" \n").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn bad_input_is_named_with_its_position() {
        assert_eq!(
            parse_input("0a 05 zz"),
            Err(ExplainError::BadChar {
                ch: 'z',
                position: 7
            })
        );
        assert_eq!(
            parse_input("8 96 01"),
            Err(ExplainError::OddDigits { position: 1 })
        );
        assert_eq!(
            parse_input("08 961"),
            Err(ExplainError::OddDigits { position: 4 })
        );
        // "0x" alone: the x is what is wrong.
        assert_eq!(
            parse_input("08 0x"),
            Err(ExplainError::BadChar {
                ch: 'x',
                position: 5
            })
        );
        assert_eq!(
            parse_input("é"),
            Err(ExplainError::BadChar {
                ch: 'é',
                position: 1
            })
        );
    }

    #[test]
    fn a_file_is_read_raw() {
        let path = std::env::temp_dir().join(format!("h2grpc-explain-{}.bin", std::process::id()));
        std::fs::write(&path, [0x08, 0x96, 0x01]).unwrap();
        let arg = format!("@{}", path.display());
        assert_eq!(parse_input(&arg).unwrap(), [0x08, 0x96, 0x01]);
        // Best effort: a leftover file in the temporary directory harms nothing.
        let _ = std::fs::remove_file(&path);

        let missing = parse_input("@/nonexistent/h2grpc-explain").unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("cannot read /nonexistent/h2grpc-explain: "),
            "{missing}"
        );
    }
}
