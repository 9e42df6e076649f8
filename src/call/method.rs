//! `:path`: which method a call is for.

use std::fmt;

/// A method's `:path`, `"/" Service-Name "/" method-name` (PROTOCOL-HTTP2.md, "Path"); for
/// protobuf, the service name is `package.Service`: `/hello.Greeter/SayHello`.
///
/// ```
/// use h2grpc::call::MethodPath;
/// let path = MethodPath::parse("/hello.Greeter/SayHello").unwrap();
/// assert_eq!((path.service(), path.method()), ("hello.Greeter", "SayHello"));
/// assert!(MethodPath::parse("hello.Greeter/SayHello").is_none());
/// assert!(MethodPath::parse("/hello.Greeter").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodPath<'a> {
    path: &'a str,
    slash: usize,
}

impl<'a> MethodPath<'a> {
    /// Splits a `:path`; `None` unless it is `/service/method` with both parts non-empty.
    pub fn parse(path: &'a str) -> Option<Self> {
        let rest = path.strip_prefix('/')?;
        let slash = rest.find('/')? + 1;
        let (service, method) = (&path[1..slash], &path[slash + 1..]);
        if service.is_empty() || method.is_empty() || method.contains('/') {
            return None;
        }
        Some(MethodPath { path, slash })
    }

    /// The fully qualified service name, `package.Service`.
    pub fn service(&self) -> &'a str {
        &self.path[1..self.slash]
    }

    /// The method name.
    pub fn method(&self) -> &'a str {
        &self.path[self.slash + 1..]
    }

    /// The whole path.
    pub fn as_str(&self) -> &'a str {
        self.path
    }
}

impl fmt::Display for MethodPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_paths() {
        for bad in ["", "/", "//", "/a/", "//b", "/a/b/c", "a/b"] {
            assert!(MethodPath::parse(bad).is_none(), "{bad}");
        }
    }
}
