//! Bearer-token authentication: the users-service tutorial's `AuthInterceptor`, as a
//! [`Server::interceptor`].
//!
//! With a token configured, every call must carry the metadata entry
//! `authorization: Bearer <token>`; any other call is refused before its handler runs, with
//! UNAUTHENTICATED `Missing or invalid token`, sent Trailers-Only (one HEADERS frame):
//!
//! ```text
//! :status 200  content-type application/grpc  grpc-status 16
//! grpc-message Missing%20or%20invalid%20token                          (END_STREAM)
//! ```
//!
//! The tutorial only checks that the value *starts with* `Bearer `; h2grpc asks for the
//! configured token, so the whole value is compared, in time that does not depend on where the
//! first difference is (the length is not secret).
//!
//! ```
//! use h2grpc::server::Server;
//! use h2grpc::services::auth::BearerAuth;
//!
//! let auth = BearerAuth::new("s3cret").unwrap();
//! let server = auth.install(h2grpc::services::hello::register(Server::new()));
//! # drop(server);
//! ```
//!
//! A client adds the entry to each request with [`authorize`].

use std::fmt;
use std::sync::Arc;

use crate::metadata::{Metadata, MetadataError};
use crate::server::Server;
use crate::status::Status;

/// The metadata key of the credentials.
pub const AUTHORIZATION: &str = "authorization";

/// The scheme before the token: `Bearer ` (RFC 6750 §2.1).
pub const BEARER_PREFIX: &str = "Bearer ";

/// The message of the UNAUTHENTICATED status, as the tutorial's.
pub const UNAUTHENTICATED_MESSAGE: &str = "Missing or invalid token";

/// Checks `authorization: Bearer <token>` on every call. Its `Debug` does not show the token.
#[derive(Clone)]
pub struct BearerAuth {
    /// The whole expected value, `Bearer <token>`.
    expected: Arc<str>,
}

impl fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerAuth").finish_non_exhaustive()
    }
}

/// A token no client could send in a header: empty, or with a character outside visible ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidToken;

impl fmt::Display for InvalidToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bearer token must be one or more visible ASCII characters (no spaces)")
    }
}

impl std::error::Error for InvalidToken {}

impl BearerAuth {
    /// Expects `authorization: Bearer <token>`.
    ///
    /// # Errors
    /// [`InvalidToken`] if `token` is empty or holds anything but visible ASCII (`!` to `~`).
    pub fn new(token: &str) -> Result<Self, InvalidToken> {
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidToken);
        }
        Ok(Self {
            expected: format!("{BEARER_PREFIX}{token}").into(),
        })
    }

    /// Whether the call's metadata carries the token.
    ///
    /// # Errors
    /// UNAUTHENTICATED [`UNAUTHENTICATED_MESSAGE`] when `authorization` is missing, is not the
    /// expected `Bearer <token>`, or is sent more than once.
    pub fn check(&self, metadata: &Metadata) -> Result<(), Status> {
        let mut values = metadata.as_headers().get_all(AUTHORIZATION).iter();
        match (values.next(), values.next()) {
            (Some(value), None) if same_bytes(value.as_bytes(), self.expected.as_bytes()) => Ok(()),
            _ => Err(Status::unauthenticated(UNAUTHENTICATED_MESSAGE)),
        }
    }

    /// Adds the check to `server`, for every method.
    #[must_use]
    pub fn install(self, server: Server) -> Server {
        server.interceptor(move |_path, metadata| self.check(metadata))
    }
}

/// Adds `authorization: Bearer <token>` to a request's metadata (client side).
///
/// # Errors
/// The token cannot go in a header (see [`MetadataError`]).
pub fn authorize(metadata: &mut Metadata, token: &str) -> Result<(), MetadataError> {
    metadata.insert(AUTHORIZATION, &format!("{BEARER_PREFIX}{token}"))
}

/// `a == b`, in a time that depends on the length only: no early exit at the first difference,
/// so the time taken does not tell an attacker how much of a guess was right.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Code;

    fn with(values: &[&str]) -> Metadata {
        let mut metadata = Metadata::new();
        for value in values {
            metadata.append(AUTHORIZATION, value).unwrap();
        }
        metadata
    }

    #[test]
    fn accepts_only_the_exact_bearer_token() {
        let auth = BearerAuth::new("s3cret").unwrap();
        auth.check(&with(&["Bearer s3cret"])).unwrap();
        for refused in [
            &[][..],
            &["Bearer"],
            &["Bearer "],
            &["Bearer s3cre"],
            &["Bearer s3cretX"],
            &["bearer s3cret"],
            &["Basic s3cret"],
            &["s3cret"],
            &["Bearer s3cret", "Bearer s3cret"],
        ] {
            let status = auth.check(&with(refused)).unwrap_err();
            assert_eq!(
                (status.code(), status.message()),
                (Code::Unauthenticated, UNAUTHENTICATED_MESSAGE),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn tokens_must_fit_in_a_header() {
        assert_eq!(BearerAuth::new("").unwrap_err(), InvalidToken);
        assert_eq!(BearerAuth::new("two words").unwrap_err(), InvalidToken);
        assert_eq!(BearerAuth::new("tab\t").unwrap_err(), InvalidToken);
        assert_eq!(BearerAuth::new("é").unwrap_err(), InvalidToken);
        assert!(BearerAuth::new("abc-._~+/=").is_ok());
        assert!(!format!("{:?}", BearerAuth::new("s3cret").unwrap()).contains("s3cret"));
    }

    #[test]
    fn authorize_adds_what_check_wants() {
        let mut metadata = Metadata::new();
        authorize(&mut metadata, "t0k").unwrap();
        BearerAuth::new("t0k").unwrap().check(&metadata).unwrap();
    }
}
