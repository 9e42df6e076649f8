//! Tokens of the protobuf language: identifiers, numbers, strings and punctuation, with their
//! line and column, comments and whitespace dropped (the lexical rules of
//! <https://protobuf.dev/reference/protobuf/proto3-spec/#lexical-elements>).

use std::fmt;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    /// `letter { letter | decimalDigit | "_" }`: keywords are identifiers too.
    Ident(String),
    /// A decimal, octal (`017`) or hexadecimal (`0x1f`) integer literal, without sign.
    Int(u64),
    /// A floating-point literal (`1.5`, `1e3`), without sign.
    Float(f64),
    /// A string literal, escapes resolved (adjacent literals are joined by the parser).
    Str(Vec<u8>),
    /// One punctuation character: `; , . = { } [ ] ( ) < > -` and `+`.
    Symbol(char),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ident(name) => write!(f, "`{name}`"),
            Self::Int(n) => write!(f, "`{n}`"),
            Self::Float(x) => write!(f, "`{x}`"),
            Self::Str(bytes) => write!(f, "{:?}", String::from_utf8_lossy(bytes)),
            Self::Symbol(c) => write!(f, "`{c}`"),
        }
    }
}

/// Where a token starts: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A lexical error: what, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) pos: Pos,
    pub(crate) message: String,
}

/// Splits `source` into tokens.
pub(crate) fn tokenize(source: &str) -> Result<Vec<(Pos, Token)>, LexError> {
    let mut lexer = Lexer {
        chars: source.chars().collect(),
        at: 0,
        pos: Pos { line: 1, column: 1 },
    };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next_token()? {
        tokens.push(token);
    }
    Ok(tokens)
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
    pos: Pos,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.at += 1;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn error(&self, pos: Pos, message: impl Into<String>) -> LexError {
        LexError {
            pos,
            message: message.into(),
        }
    }

    /// Skips whitespace, `// line` and `/* block */` comments.
    fn skip_blank(&mut self) -> Result<(), LexError> {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    let start = self.pos;
                    self.bump();
                    self.bump();
                    loop {
                        match (self.peek(0), self.peek(1)) {
                            (Some('*'), Some('/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            (Some(_), _) => {
                                self.bump();
                            }
                            (None, _) => return Err(self.error(start, "unterminated comment")),
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn next_token(&mut self) -> Result<Option<(Pos, Token)>, LexError> {
        self.skip_blank()?;
        let pos = self.pos;
        let Some(c) = self.peek(0) else {
            return Ok(None);
        };
        let token = if c.is_ascii_alphabetic() || c == '_' {
            let mut name = String::new();
            while let Some(c) = self
                .peek(0)
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                name.push(c);
                self.bump();
            }
            Token::Ident(name)
        } else if c.is_ascii_digit()
            || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit()))
        {
            self.number(pos)?
        } else if c == '"' || c == '\'' {
            self.string(pos)?
        } else if ";,.={}[]()<>-+:/".contains(c) {
            self.bump();
            Token::Symbol(c)
        } else {
            return Err(self.error(pos, format!("unexpected character {c:?}")));
        };
        Ok(Some((pos, token)))
    }

    fn number(&mut self, pos: Pos) -> Result<Token, LexError> {
        let mut text = String::new();
        while let Some(c) = self
            .peek(0)
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
        {
            text.push(c);
            self.bump();
            // The sign of an exponent: `1e-3`.
            let exponent =
                matches!(c, 'e' | 'E') && !text.starts_with("0x") && !text.starts_with("0X");
            if exponent && let Some(sign @ ('+' | '-')) = self.peek(0) {
                text.push(sign);
                self.bump();
            }
        }
        let bad = || self.error(pos, format!("{text:?} is not a number"));
        let int = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(u64::from_str_radix(hex, 16).map_err(|_| bad())?)
        } else if text.len() > 1
            && text.starts_with('0')
            && text.bytes().all(|b| b.is_ascii_digit())
        {
            Some(u64::from_str_radix(&text[1..], 8).map_err(|_| bad())?)
        } else if text.bytes().all(|b| b.is_ascii_digit()) {
            Some(text.parse().map_err(|_| bad())?)
        } else {
            None
        };
        match int {
            Some(n) => Ok(Token::Int(n)),
            None => text.parse().map(Token::Float).map_err(|_| bad()),
        }
    }

    fn string(&mut self, pos: Pos) -> Result<Token, LexError> {
        let quote = self.bump();
        let mut bytes = Vec::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error(pos, "unterminated string"));
            };
            match c {
                '\n' => return Err(self.error(pos, "a string literal cannot span lines")),
                c if Some(c) == quote => return Ok(Token::Str(bytes)),
                '\\' => self.escape(&mut bytes)?,
                c => {
                    let mut utf8 = [0; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
            }
        }
    }

    /// One escape sequence after its backslash: `\n`, `\x41`, `\101`, `\u00e9`, ...
    fn escape(&mut self, bytes: &mut Vec<u8>) -> Result<(), LexError> {
        let pos = self.pos;
        let Some(c) = self.bump() else {
            return Err(self.error(pos, "unterminated string"));
        };
        let simple = match c {
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(0x0b),
            '\\' => Some(b'\\'),
            '\'' => Some(b'\''),
            '"' => Some(b'"'),
            '?' => Some(b'?'),
            _ => None,
        };
        if let Some(byte) = simple {
            bytes.push(byte);
            return Ok(());
        }
        let (radix, max_digits, first) = match c {
            'x' | 'X' => (16, 2, None),
            '0'..='7' => (8, 3, Some(c)),
            'u' => (16, 4, None),
            'U' => (16, 8, None),
            _ => return Err(self.error(pos, format!("unknown escape \\{c}"))),
        };
        let mut digits: String = first.into_iter().collect();
        while digits.len() < max_digits
            && let Some(d) = self.peek(0).filter(|d| d.is_digit(radix))
        {
            digits.push(d);
            self.bump();
        }
        let value = u32::from_str_radix(&digits, radix)
            .map_err(|_| self.error(pos, format!("bad escape \\{c}")))?;
        if matches!(c, 'u' | 'U') {
            let ch = char::from_u32(value)
                .ok_or_else(|| self.error(pos, format!("\\{c}{digits} is not a character")))?;
            let mut utf8 = [0; 4];
            bytes.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
        } else {
            let byte = u8::try_from(value)
                .map_err(|_| self.error(pos, format!("\\{digits} does not fit in a byte")))?;
            bytes.push(byte);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &str) -> Vec<Token> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn comments_and_whitespace_are_dropped() {
        assert_eq!(
            tokens("a // one\n /* two\n three */ b"),
            [Token::Ident("a".into()), Token::Ident("b".into())]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            tokens("150 0x1F 017 0 1.5 1e3 2.5E-1"),
            [
                Token::Int(150),
                Token::Int(31),
                Token::Int(15),
                Token::Int(0),
                Token::Float(1.5),
                Token::Float(1000.0),
                Token::Float(0.25),
            ]
        );
        assert!(tokenize("09").is_err());
        assert!(tokenize("1x").is_err());
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            tokens(r#""a\tb" 'it''s' "\x41\101\u00e9""#),
            [
                Token::Str(b"a\tb".to_vec()),
                Token::Str(b"it".to_vec()),
                Token::Str(b"s".to_vec()),
                Token::Str("AAé".as_bytes().to_vec()),
            ]
        );
        assert!(tokenize("\"open").is_err());
        assert!(tokenize("\"a\nb\"").is_err());
        assert!(tokenize(r#""\q""#).is_err());
    }

    #[test]
    fn positions_are_line_and_column() {
        let all = tokenize("syntax\n  = 1;").unwrap();
        assert_eq!(all[0].0, Pos { line: 1, column: 1 });
        assert_eq!(all[1].0, Pos { line: 2, column: 3 });
        assert_eq!(all[3].0, Pos { line: 2, column: 6 });
        let error = tokenize("a\n /* never closed").unwrap_err();
        assert_eq!(error.pos, Pos { line: 2, column: 2 });
    }
}
