//! Routing on `:path`, and the checks every call passes before its handler.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::task::Context;
use std::time::Duration;

use tokio::time::Instant;

use super::Limits;
use super::handler::Handler;
use crate::call::MethodPath;
use crate::call::server::{recv_request_headers, trailers_only, unimplemented};
use crate::compression::{Encoding, EncodingSet};
use crate::metadata::Metadata;
use crate::status::{Code, Status};
use crate::transport::server::{BoxFuture, Dispatch, ServerStream};

/// A request interceptor: sees the method path and the request metadata before the handler
/// runs, and may refuse the call with a status.
pub type Interceptor = Arc<dyn Fn(&str, &Metadata) -> Result<(), Status> + Send + Sync>;

/// The method table.
#[derive(Clone, Default)]
pub(crate) struct Router {
    routes: HashMap<Box<str>, Arc<dyn Handler>>,
    services: HashSet<Box<str>>,
    pub(crate) interceptors: Vec<Interceptor>,
    pub(crate) limits: Limits,
    /// The request encodings accepted (`Server::accept_compressed`).
    pub(crate) accept_encodings: EncodingSet,
    /// The response encoding used when the client accepts it (`Server::send_compressed`).
    pub(crate) send_encoding: Option<Encoding>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("methods", &self.methods())
            .field("interceptors", &self.interceptors.len())
            .field("limits", &self.limits)
            .field("accept_encodings", &self.accept_encodings)
            .field("send_encoding", &self.send_encoding)
            .finish()
    }
}

impl Router {
    /// Registers `handler` for `path`.
    ///
    /// # Panics
    /// If `path` is not `/package.Service/Method`: a programming error, found at startup.
    pub(crate) fn add(&mut self, path: &str, handler: Arc<dyn Handler>) {
        let method = MethodPath::parse(path).unwrap_or_else(|| {
            panic!("{path:?} is not a gRPC method path (/package.Service/Method)")
        });
        self.services.insert(method.service().into());
        self.routes.insert(path.into(), handler);
    }

    pub(crate) fn methods(&self) -> Vec<&str> {
        let mut methods: Vec<&str> = self.routes.keys().map(|k| &**k).collect();
        methods.sort_unstable();
        methods
    }
}

impl Dispatch for Router {
    fn dispatch(
        &self,
        request: http::request::Parts,
        mut stream: ServerStream,
        cx: &mut Context<'_>,
    ) -> Option<BoxFuture<()>> {
        let head = match recv_request_headers(request, self.accept_encodings, self.send_encoding) {
            Ok(head) => head,
            Err(rejection) => {
                tracing::debug!(?rejection, "request refused");
                stream.send_headers_only(rejection.into_response());
                return None;
            }
        };
        // The call's clock starts once its headers are read, and only for a call that has a
        // deadline: a call without one reads no clock here.
        let arrived = head.timeout.map(|_| Instant::now());
        let path = head.path.path();
        let Some(handler) = self.routes.get(path) else {
            let known =
                MethodPath::parse(path).is_some_and(|m| self.services.contains(m.service()));
            stream.send_headers_only(trailers_only(&unimplemented(path, known)));
            return None;
        };
        for interceptor in &self.interceptors {
            if let Err(status) = interceptor(path, &head.metadata) {
                stream.send_headers_only(trailers_only(&status));
                return None;
            }
        }
        if let Some(status) = expired_on_arrival(head.timeout, arrived) {
            stream.send_headers_only(trailers_only(&status));
            return None;
        }
        handler.clone().call(head, stream, self.limits, cx)
    }
}

/// DEADLINE_EXCEEDED if the call's `grpc-timeout` has passed since its headers were read (`arrived`): the
/// handler would start with no time left, so it does not start at all.
///
/// From [PROTOCOL-HTTP2.md, "Requests"](https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests):
///
/// > * **Timeout** → "grpc-timeout" TimeoutValue TimeoutUnit
/// >
/// > If **Timeout** is omitted a server should assume an infinite timeout.
///
/// The value is relative, so the server's own clock for it starts when the headers arrive
/// ([`crate::timeout`]). grpc-go sends `0n` for a deadline that is already gone, and `1n` has
/// passed by the time the headers are checked and the route found. A handler started then would
/// act (create a user, move money) for a client that has already given up on the answer.
fn expired_on_arrival(timeout: Option<Duration>, arrived: Option<Instant>) -> Option<Status> {
    let (timeout, arrived) = (timeout?, arrived?);
    (arrived.elapsed() >= timeout).then(|| {
        Status::new(
            Code::DeadlineExceeded,
            format!("deadline exceeded (grpc-timeout {timeout:?}) before the handler started"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_before_the_handler() {
        let arrived = Some(Instant::now());
        assert_eq!(expired_on_arrival(None, None), None);
        let status = expired_on_arrival(Some(Duration::ZERO), arrived).unwrap();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        let long_ago = Some(Instant::now() - Duration::from_millis(5));
        assert!(expired_on_arrival(Some(Duration::from_millis(1)), long_ago).is_some());
        assert_eq!(
            expired_on_arrival(Some(Duration::from_secs(60)), arrived),
            None
        );
    }
}
