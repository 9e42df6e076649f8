//! The dynamic table of RFC 7541 §2.3.2 and §4: first in, first out, bounded in octets.
//!
//! > The dynamic table consists of a list of header fields maintained in first-in, first-out
//! > order. The first and newest entry in a dynamic table is at the lowest index, and the oldest
//! > entry of a dynamic table is at the highest index.
//!
//! Its size is not a count of entries but a sum over them (§4.1):
//!
//! > The size of an entry is the sum of its name's length in octets [...], its value's length
//! > in octets, and 32.
//!
//! and it never exceeds the maximum size the encoder chose (§4.4):
//!
//! > Before a new entry is added to the dynamic table, entries are evicted from the end of the
//! > dynamic table until the size of the dynamic table is less than or equal to (maximum size -
//! > new entry size) or until the table is empty.

use std::collections::VecDeque;

use super::{Event, EvictionCause};

/// The overhead counted for every entry besides its name and value (§4.1).
pub const ENTRY_OVERHEAD: usize = 32;

/// One header field of the dynamic table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The field name, as decoded.
    pub name: Vec<u8>,
    /// The field value, as decoded.
    pub value: Vec<u8>,
}

impl Entry {
    /// The size of the entry in the sense of §4.1: name + value + 32 octets.
    #[must_use]
    pub fn size(&self) -> usize {
        self.name
            .len()
            .saturating_add(self.value.len())
            .saturating_add(ENTRY_OVERHEAD)
    }
}

/// The dynamic table of one direction of a connection.
#[derive(Debug, Clone, Default)]
pub(super) struct DynamicTable {
    /// Newest first: `entries[0]` is HPACK index 62.
    entries: VecDeque<Entry>,
    /// The sum of the entries' sizes.
    size: usize,
    /// The current maximum size, set by the encoder's size updates.
    max_size: usize,
}

impl DynamicTable {
    pub(super) fn new(max_size: usize) -> Self {
        Self {
            max_size,
            ..Self::default()
        }
    }

    pub(super) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub(super) fn get(&self, position: usize) -> Option<&Entry> {
        self.entries.get(position)
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn size(&self) -> usize {
        self.size
    }

    pub(super) fn max_size(&self) -> usize {
        self.max_size
    }

    /// Evicts the oldest entries until the size is at most `target`.
    fn evict_to(&mut self, target: usize, cause: EvictionCause, events: &mut Vec<Event>) {
        while self.size > target {
            let Some(entry) = self.entries.pop_back() else {
                break;
            };
            self.size = self.size.saturating_sub(entry.size());
            events.push(Event::Evicted {
                entry,
                cause,
                table_size: self.size,
            });
        }
    }

    /// A dynamic table size update (§4.3, §6.3): evicts down to the new maximum.
    pub(super) fn set_max_size(&mut self, max_size: usize, events: &mut Vec<Event>) {
        self.max_size = max_size;
        self.evict_to(max_size, EvictionCause::SizeUpdate, events);
    }

    /// Adds `entry` at the front, after making room (§4.4); an entry larger than the maximum
    /// empties the table and is not added.
    pub(super) fn insert(&mut self, entry: Entry, events: &mut Vec<Event>) {
        let size = entry.size();
        let target = self.max_size.saturating_sub(size);
        self.evict_to(target, EvictionCause::Insertion, events);
        if size > self.max_size {
            events.push(Event::TooLargeToInsert {
                size,
                max_size: self.max_size,
            });
            return;
        }
        self.size += size;
        self.entries.push_front(entry.clone());
        events.push(Event::Inserted {
            entry,
            table_size: self.size,
        });
    }
}
