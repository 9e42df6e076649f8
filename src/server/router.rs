//! Routing on `:path`, and the checks every call passes before its handler.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::task::Context;

use super::Limits;
use super::handler::Handler;
use crate::call::MethodPath;
use crate::call::server::{recv_request_headers, trailers_only, unimplemented};
use crate::compression::{Encoding, EncodingSet};
use crate::metadata::Metadata;
use crate::status::Status;
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
        handler.clone().call(head, stream, self.limits, cx)
    }
}
