//! TLS: calls over rustls, mutual TLS, ALPN `h2` enforced on both sides, interop with tonic's
//! TLS in both directions, and every misconfiguration a clear error. Certificates are made at
//! test time with rcgen: two unrelated CAs, a server certificate for `localhost` and
//! `127.0.0.1`, client certificates from each CA.

mod calls;
mod cli;
mod config;
mod interop;
mod refusals;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::server::Server;
use h2grpc::services::{self, Options};
use h2grpc::status::{Code, Status};
use h2grpc::tls::{CaCertificates, ClientTlsConfig, Identity, ServerTlsConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::support::services::{Running, spawn};

/// A certificate authority: its certificate (PEM) and what signs with its key.
pub(crate) struct Ca {
    pub(crate) pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub(crate) fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        Self {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate for `names` (DNS names or IP addresses) with `usage`.
    pub(crate) fn leaf(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> Leaf {
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "h2grpc test");
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }

    pub(crate) fn cas(&self) -> CaCertificates {
        CaCertificates::from_pem(self.pem.as_bytes()).unwrap()
    }
}

/// A certificate and its private key, in PEM.
pub(crate) struct Leaf {
    pub(crate) cert: String,
    pub(crate) key: String,
}

impl Leaf {
    pub(crate) fn identity(&self) -> Identity {
        Identity::from_pem(self.cert.as_bytes(), self.key.as_bytes()).unwrap()
    }
}

/// Everything the tests need: the CA, a second unrelated CA, and certificates.
pub(crate) struct Pki {
    pub(crate) ca: Ca,
    pub(crate) other_ca: Ca,
    /// For `localhost` and `127.0.0.1`, signed by `ca`.
    pub(crate) server: Leaf,
    /// A client certificate signed by `ca`.
    pub(crate) client: Leaf,
    /// A client certificate signed by `other_ca`.
    pub(crate) stranger: Leaf,
}

impl Pki {
    pub(crate) fn new() -> Self {
        let ca = Ca::new("h2grpc test CA");
        let other_ca = Ca::new("unrelated CA");
        let server = ca.leaf(
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let client = ca.leaf(&["client.test"], ExtendedKeyUsagePurpose::ClientAuth);
        let stranger = other_ca.leaf(&["client.test"], ExtendedKeyUsagePurpose::ClientAuth);
        Self {
            ca,
            other_ca,
            server,
            client,
            stranger,
        }
    }

    /// The server's TLS configuration; with mutual TLS, client certificates from `ca`.
    pub(crate) fn server_tls(&self, mutual: bool) -> ServerTlsConfig {
        ServerTlsConfig::new(self.server.identity(), mutual.then(|| self.ca.cas())).unwrap()
    }

    /// A client trusting `ca`, presenting `identity`.
    pub(crate) fn client_tls(&self, identity: Option<&Leaf>) -> ClientTlsConfig {
        ClientTlsConfig::new(self.ca.cas(), identity.map(Leaf::identity)).unwrap()
    }
}

/// Every service of `h2grpc serve`, over TLS, on a loopback port.
pub(crate) async fn tls_server(tls: ServerTlsConfig) -> Running {
    spawn(services::register_all(Server::new(), &Options::default()).tls(tls)).await
}

/// A channel to `https://<host>:<port of running>` with `tls`.
pub(crate) fn channel(running: &Running, host: &str, tls: ClientTlsConfig) -> Channel {
    let config = ChannelConfig {
        tls: Some(tls),
        connect_timeout: Duration::from_secs(5),
        ..ChannelConfig::default()
    };
    Channel::new(&format!("https://{host}:{}", running.addr.port()), config).unwrap()
}

/// The status is UNAVAILABLE and its message says all of `words`.
#[track_caller]
pub(crate) fn assert_unavailable(status: &Status, words: &[&str]) {
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    for word in words {
        assert!(
            status.message().contains(word),
            "{word:?} not in {:?}",
            status.message()
        );
    }
    assert!(!status.message().contains('\n'), "one line: {status:?}");
}

/// Runs `openssl` with `args` in `dir`, for what rcgen cannot make (an X.509 v1 certificate, a
/// P-521 key). A machine without openssl fails the test, saying so.
#[track_caller]
pub(crate) fn openssl(dir: &TempDir, args: &[&str]) {
    let output = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|error| {
            panic!("this test needs the openssl command (apt-get install openssl): {error}")
        });
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// In `dir`: `v1.pem`, an X.509 v1 certificate (what `openssl x509 -req` makes without
/// `-extfile`) for `v1.key`, signed by a CA of its own (`v1-ca.pem`).
pub(crate) fn x509_v1(dir: &TempDir) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-subj", "/CN=v1 CA", "-days", "2"];
    ca.extend_from_slice(&ec);
    ca.extend_from_slice(&["-keyout", "v1-ca.key", "-out", "v1-ca.pem"]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-new", "-subj", "/CN=localhost"];
    csr.extend_from_slice(&ec);
    csr.extend_from_slice(&["-keyout", "v1.key", "-out", "v1.csr"]);
    openssl(dir, &csr);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "v1.csr",
            "-CA",
            "v1-ca.pem",
            "-CAkey",
            "v1-ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "v1.pem",
        ],
    );
}

/// A fresh directory under the system's temporary directory, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "h2grpc-tls-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    /// Writes `contents` to `name` in the directory; its path.
    pub(crate) fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
