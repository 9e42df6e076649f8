//! Same wire as tonic: h2grpc must put on the wire what tonic 0.14 puts there, byte for byte,
//! wherever tonic is deterministic and follows the spec.
//!
//! Two raw `h2` peers ([`recorder`]) write down everything HTTP/2 shows of a call:
//!
//! - [`requests`]: a **recording server**. The same calls are made once with tonic's generated
//!   client and once with h2grpc's `Channel`; pseudo-headers, every header with its value and
//!   order, the DATA frames and where END_STREAM came, and trailers are compared.
//! - [`responses`]: a **recording client**. The same raw request goes to a tonic server and to
//!   an h2grpc server serving the same behaviour; `:status`, headers, Trailers-Only or not, DATA
//!   and trailers are compared.
//!
//! Each file's docs list the differences that are legitimate, with the reason; the tests pin
//! each one (so a change on either side is noticed) and require everything else to be equal.
//! What HTTP/2 carries below the header blocks (SETTINGS values, window updates, PING) is not
//! compared here: `transport::settings` documents h2grpc's choices against hyper's.

mod recorder;
mod requests;
mod responses;
