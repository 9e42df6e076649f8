//! HPACK (RFC 7541): how a HEADERS frame's header block turns into header fields.
//!
//! A header block is a sequence of *representations*. Each one either names a table entry or
//! spells out a literal name and value, and may add the field to the *dynamic table* that both
//! ends keep for the direction of the connection (§2.2):
//!
//! > The encoder decides how to update the dynamic table and as such can control how much
//! > memory is used by the dynamic table.
//!
//! This decoder reports, for each field, which representation carried it (§6):
//!
//! ```text
//!   0   1   2   3   4   5   6   7
//! +---+---+---+---+---+---+---+---+
//! | 1 |        Index (7+)         |   §6.1   Indexed Header Field
//! +---+---+-----------------------+
//! | 0 | 1 |      Index (6+)       |   §6.2.1 Literal with Incremental Indexing
//! +---+---+-----------------------+
//! | 0 | 0 | 0 | 0 |  Index (4+)   |   §6.2.2 Literal without Indexing
//! +---+---+-----------------------+
//! | 0 | 0 | 0 | 1 |  Index (4+)   |   §6.2.3 Literal Never Indexed
//! +---+---+-----------------------+
//! | 0 | 0 | 1 |   Max size (5+)   |   §6.3   Dynamic Table Size Update
//! +---+---------------------------+
//! ```
//!
//! A literal's index names the table entry whose *name* it reuses; index 0 means the name
//! follows as a string. Every string (§5.2) is a length with an `H` bit in front:
//!
//! ```text
//! +---+---+---+---+---+---+---+---+
//! | H |    String Length (7+)     |   H = 1: Huffman-coded (Appendix B)
//! +---+---------------------------+
//! |  String Data (Length octets)  |
//! +-------------------------------+
//! ```
//!
//! `(7+)` is an integer of §5.1 on a 7-bit prefix: a value below `2^7 - 1` fits in the prefix,
//! otherwise the prefix is all ones and the rest follows 7 bits per octet, least significant
//! first, the top bit saying "more". 1337 on a 5-bit prefix is `1f 9a 0a` (31 + 26 + 10·128).
//!
//! RFC 7541 C.2.1, a literal with incremental indexing and a new name:
//!
//! ```
//! use h2grpc::inspect::hpack::{Decoder, Event, Representation};
//!
//! let block = b"\x40\x0acustom-key\x0dcustom-header";
//! let mut decoder = Decoder::new(4096);
//! let events = decoder.decode(block).unwrap();
//!
//! let Event::Field(field) = &events[0] else { panic!() };
//! assert_eq!(field.representation, Representation::IncrementalIndexing);
//! assert_eq!((&field.name[..], &field.value[..]), (&b"custom-key"[..], &b"custom-header"[..]));
//! assert_eq!(field.index, None); // the name came as a literal
//! assert!(!field.value_string.as_ref().unwrap().huffman);
//! assert!(matches!(events[1], Event::Inserted { table_size: 55, .. })); // 10 + 13 + 32
//! assert_eq!(decoder.table_size(), 55);
//! ```
//!
//! # Bounds
//!
//! The decoder never panics. Integers are overflow-checked; a string's length is checked against
//! the bytes of the block before anything is allocated; a size update above the
//! `SETTINGS_HEADER_TABLE_SIZE` given to [`Decoder::new`] is an error (§6.3: "MUST be treated as
//! a decoding error"). Any error ends the block; HTTP/2 makes it a connection error of type
//! COMPRESSION_ERROR, after which the table is of no further use.

mod error;
pub mod huffman;
mod primitives;
pub mod static_table;
mod table;

#[cfg(test)]
mod tests;

use std::ops::Range;

pub use error::{DecodeError, HpackError};
use primitives::decode_string;
pub use primitives::{StringLiteral, decode_integer};
use table::DynamicTable;
pub use table::{ENTRY_OVERHEAD, Entry};

/// The initial value of SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2): 4096 octets.
pub const DEFAULT_HEADER_TABLE_SIZE: usize = 4096;

/// The four ways a header field is represented (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    /// §6.1 Indexed Header Field: the whole field is a table entry.
    Indexed,
    /// §6.2.1 Literal Header Field with Incremental Indexing: added to the dynamic table.
    IncrementalIndexing,
    /// §6.2.2 Literal Header Field without Indexing: not added.
    WithoutIndexing,
    /// §6.2.3 Literal Header Field Never Indexed: not added, here or by any intermediary.
    NeverIndexed,
}

/// Which table an index points into (§2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Indices 1 to 61: [`static_table::STATIC_TABLE`].
    Static,
    /// Indices 62 and up: the dynamic table, newest entry first.
    Dynamic,
}

/// An index as it appeared on the wire, and the table it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableIndex {
    /// The index as sent (1 to 61 static, 62 and up dynamic).
    pub index: usize,
    /// The table it falls in.
    pub table: Table,
}

/// One header field and how it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The representation that carried it.
    pub representation: Representation,
    /// Where the representation lies in the block.
    pub at: Range<usize>,
    /// The table entry it named: the whole field for [`Representation::Indexed`], the name for a
    /// literal; `None` for a literal with a literal name.
    pub index: Option<TableIndex>,
    /// The name string, when it was sent as a literal.
    pub name_string: Option<StringLiteral>,
    /// The value string, for every literal representation.
    pub value_string: Option<StringLiteral>,
    /// The field name, decoded.
    pub name: Vec<u8>,
    /// The field value, decoded.
    pub value: Vec<u8>,
}

/// Why entries left the dynamic table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictionCause {
    /// To make room for a new entry (§4.4).
    Insertion,
    /// A dynamic table size update lowered the maximum below the size (§4.3).
    SizeUpdate,
}

/// What decoding a header block says, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A Dynamic Table Size Update (§6.3).
    SizeUpdate {
        /// Where it lies in the block.
        at: Range<usize>,
        /// The new maximum size of the dynamic table.
        max_size: usize,
    },
    /// A header field.
    Field(Field),
    /// The oldest entry left the dynamic table.
    Evicted {
        /// The entry.
        entry: Entry,
        /// Why.
        cause: EvictionCause,
        /// The table size after the eviction.
        table_size: usize,
    },
    /// The field just reported entered the dynamic table, at index 62.
    Inserted {
        /// The entry.
        entry: Entry,
        /// The table size after the insertion.
        table_size: usize,
    },
    /// The field just reported is larger than the whole table: the table was emptied and the
    /// field not added (§4.4: "not an error").
    TooLargeToInsert {
        /// Its size (§4.1).
        size: usize,
        /// The table's maximum size.
        max_size: usize,
    },
}

/// The HPACK decoder of one direction of a connection: the dynamic table lives across blocks.
#[derive(Debug, Clone)]
pub struct Decoder {
    table: DynamicTable,
    limit: usize,
}

impl Decoder {
    /// A decoder whose SETTINGS_HEADER_TABLE_SIZE is `header_table_size`; the dynamic table
    /// starts with that maximum size (§4.2).
    #[must_use]
    pub fn new(header_table_size: usize) -> Self {
        Self {
            table: DynamicTable::new(header_table_size),
            limit: header_table_size,
        }
    }

    /// A new SETTINGS_HEADER_TABLE_SIZE, acknowledged: the bound on later size updates.
    pub fn set_header_table_size(&mut self, header_table_size: usize) {
        self.limit = header_table_size;
    }

    /// The dynamic table, newest entry (index 62) first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.table.entries()
    }

    /// The dynamic table's size in the sense of §4.1.
    #[must_use]
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// The dynamic table's current maximum size.
    #[must_use]
    pub fn max_table_size(&self) -> usize {
        self.table.max_size()
    }

    /// Decodes one complete header block (HEADERS or PUSH_PROMISE plus its CONTINUATIONs).
    ///
    /// # Errors
    /// A [`DecodeError`] with the events decoded before the failure.
    pub fn decode(&mut self, block: &[u8]) -> Result<Vec<Event>, DecodeError> {
        let mut events = Vec::new();
        let mut pos = 0;
        let mut seen_field = false;
        while pos < block.len() {
            let start = pos;
            if let Err(error) = self.representation(block, &mut pos, &mut seen_field, &mut events) {
                return Err(DecodeError {
                    error,
                    offset: start,
                    events,
                });
            }
        }
        Ok(events)
    }

    fn representation(
        &mut self,
        block: &[u8],
        pos: &mut usize,
        seen_field: &mut bool,
        events: &mut Vec<Event>,
    ) -> Result<(), HpackError> {
        let start = *pos;
        let first = block[start];
        let (representation, prefix) = match first {
            0x80..=0xff => (Representation::Indexed, 7),
            0x40..=0x7f => (Representation::IncrementalIndexing, 6),
            0x20..=0x3f => {
                let max_size = decode_integer(block, pos, 5)?;
                if *seen_field {
                    return Err(HpackError::SizeUpdateAfterField);
                }
                if max_size > self.limit {
                    return Err(HpackError::SizeUpdateTooLarge {
                        max_size,
                        limit: self.limit,
                    });
                }
                events.push(Event::SizeUpdate {
                    at: start..*pos,
                    max_size,
                });
                self.table.set_max_size(max_size, events);
                return Ok(());
            }
            0x10..=0x1f => (Representation::NeverIndexed, 4),
            0x00..=0x0f => (Representation::WithoutIndexing, 4),
        };
        *seen_field = true;
        let index = decode_integer(block, pos, prefix)?;
        let mut field = Field {
            representation,
            at: start..start,
            index: None,
            name_string: None,
            value_string: None,
            name: Vec::new(),
            value: Vec::new(),
        };
        if representation == Representation::Indexed {
            if index == 0 {
                return Err(HpackError::IndexZero);
            }
            let (entry, at) = self.lookup(index)?;
            (field.name, field.value, field.index) = (entry.name, entry.value, Some(at));
        } else {
            if index == 0 {
                let (string, name) = decode_string(block, pos)?;
                field.name_string = Some(string);
                field.name = name;
            } else {
                let (entry, at) = self.lookup(index)?;
                (field.name, field.index) = (entry.name, Some(at));
            }
            let (string, value) = decode_string(block, pos)?;
            field.value_string = Some(string);
            field.value = value;
        }
        field.at = start..*pos;
        let entry = Entry {
            name: field.name.clone(),
            value: field.value.clone(),
        };
        events.push(Event::Field(field));
        if representation == Representation::IncrementalIndexing {
            self.table.insert(entry, events);
        }
        Ok(())
    }

    /// The entry at `index` (≥ 1) of the index address space (§2.3.3).
    fn lookup(&self, index: usize) -> Result<(Entry, TableIndex), HpackError> {
        if let Some((name, value)) = static_table::get(index) {
            let entry = Entry {
                name: name.into(),
                value: value.into(),
            };
            let at = TableIndex {
                index,
                table: Table::Static,
            };
            return Ok((entry, at));
        }
        let position = index.saturating_sub(static_table::STATIC_TABLE_LEN + 1);
        let entry = self
            .table
            .get(position)
            .ok_or(HpackError::IndexOutOfRange {
                index,
                dynamic_len: self.table.len(),
            })?;
        let at = TableIndex {
            index,
            table: Table::Dynamic,
        };
        Ok((entry.clone(), at))
    }
}
