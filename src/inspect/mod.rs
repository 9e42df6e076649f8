//! The HTTP/2 wire, read byte by byte: header blocks (RFC 7541).
//!
//! [`transport`](crate::transport) lets `h2` speak HTTP/2 and never shows a frame. This module is
//! the other half: given a copy of the header blocks of a connection, one direction at a time,
//! it says what each byte means. Like layers ① to ④ it is *sans-IO*: bytes in, events out; no
//! socket, no task, no clock.
//!
//! | module | reads | spec |
//! |--------|-------|------|
//! | [`hpack`] | a header block: representations, strings, the dynamic table | [RFC 7541](https://www.rfc-editor.org/rfc/rfc7541) |

pub mod hpack;
