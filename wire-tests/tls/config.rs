//! TLS configuration errors: each one line naming the file and what is wrong with it.

use h2grpc::client::{Channel, ChannelConfig};
use h2grpc::status::Code;
use h2grpc::tls::{CaCertificates, ClientTlsConfig, Identity, ServerTlsConfig, TlsError};

use super::{Pki, TempDir};

#[track_caller]
fn assert_one_line(error: &TlsError, words: &[&str]) {
    let text = error.to_string();
    assert!(!text.contains('\n'), "one line: {text:?}");
    for word in words {
        assert!(text.contains(word), "{word:?} not in {text:?}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let dir = TempDir::new();
    let missing = dir.path().join("missing.key");
    let pki = Pki::new();
    let cert = dir.write("server.pem", &pki.server.cert);
    let error = Identity::from_pem_files(&cert, &missing).unwrap_err();
    assert!(matches!(error, TlsError::Read { .. }), "{error:?}");
    assert_one_line(&error, &["cannot read", "missing.key", "No such file"]);

    let error = CaCertificates::from_pem_file(dir.path().join("ca.pem")).unwrap_err();
    assert_one_line(&error, &["cannot read", "ca.pem"]);
}

#[test]
fn damaged_or_missing_pem_sections() {
    let pki = Pki::new();
    // Cut in the middle of the base64: no END line.
    let cut = &pki.server.cert[..pki.server.cert.len() / 2];
    let error = Identity::from_pem(cut.as_bytes(), pki.server.key.as_bytes()).unwrap_err();
    assert_one_line(
        &error,
        &["the PEM data is not valid PEM", "-----END CERTIFICATE-----"],
    );

    // A key where the certificate should be, and the other way round.
    let error =
        Identity::from_pem(pki.server.key.as_bytes(), pki.server.key.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the PEM data holds a private key where a certificate was expected \
         (are the certificate and key files swapped?)"
    );
    let error =
        Identity::from_pem(pki.server.cert.as_bytes(), pki.server.cert.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the PEM data holds a certificate where a private key was expected \
         (are the certificate and key files swapped?)"
    );
    let error = CaCertificates::from_pem(pki.server.key.as_bytes()).unwrap_err();
    assert!(
        matches!(error, TlsError::KeyInsteadOfCertificate { .. }),
        "{error:?}"
    );
    let error =
        CaCertificates::from_pem(pki.ca.pem.replace("CERTIFICATE", "X").as_bytes()).unwrap_err();
    assert_one_line(&error, &["the PEM data holds no certificate"]);
}

#[test]
fn empty_files_and_files_that_are_not_pem_are_named() {
    let dir = TempDir::new();
    let pki = Pki::new();
    let empty = dir.write("empty.pem", "\n");
    let cert = dir.write("server.pem", &pki.server.cert);
    let key = dir.write("server.key", &pki.server.key);

    let error = Identity::from_pem_files(&empty, &key).unwrap_err();
    assert_eq!(error.to_string(), format!("{} is empty", empty.display()));
    let error = Identity::from_pem_files(&cert, &empty).unwrap_err();
    assert_eq!(error.to_string(), format!("{} is empty", empty.display()));
    let error = CaCertificates::from_pem_file(&empty).unwrap_err();
    assert!(matches!(error, TlsError::Empty { .. }), "{error:?}");

    let error = CaCertificates::from_pem(b"not PEM at all").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the PEM data is not PEM (no -----BEGIN ...----- line); a certificate in binary DER \
         can be converted with openssl (openssl x509 -inform der -in FILE -out FILE.pem)"
    );
    let error = Identity::from_pem(pki.server.cert.as_bytes(), b"\x30\x82\x01").unwrap_err();
    assert_one_line(
        &error,
        &["the PEM data is not PEM", "a private key", "openssl pkey"],
    );
}

#[test]
fn an_x509_v1_certificate_is_blamed_not_its_key() {
    let dir = TempDir::new();
    super::x509_v1(&dir);
    let cert = dir.path().join("v1.pem");
    let identity = Identity::from_pem_files(&cert, dir.path().join("v1.key")).unwrap();
    let expected = format!(
        "{} is an X.509 v1 certificate; only v3 is supported: issue it with extensions \
         (openssl x509 -req ... -extfile FILE, or openssl req -x509)",
        cert.display()
    );
    let pki = Pki::new();
    let error = ClientTlsConfig::new(pki.ca.cas(), Some(identity.clone())).unwrap_err();
    assert!(
        matches!(error, TlsError::BadCertificate { .. }),
        "{error:?}"
    );
    assert_eq!(error.to_string(), expected);
    let error = ServerTlsConfig::new(identity, None).unwrap_err();
    assert_eq!(error.to_string(), expected);
}

#[test]
fn a_key_rustls_cannot_sign_with_is_blamed_not_its_certificate() {
    let dir = TempDir::new();
    let pki = Pki::new();
    let cert = dir.write("server.pem", &pki.server.cert);
    super::openssl(
        &dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-out",
            "p521.key",
        ],
    );
    let key = dir.path().join("p521.key");
    let identity = Identity::from_pem_files(&cert, &key).unwrap();
    let error = ServerTlsConfig::new(identity, None).unwrap_err();
    assert!(matches!(error, TlsError::BadPrivateKey { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "{} holds a private key of a type or size rustls cannot sign with \
             (it takes RSA of 2048 to 8192 bits, ECDSA on P-256 or P-384, and Ed25519)",
            key.display()
        )
    );
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused_on_both_sides() {
    let dir = TempDir::new();
    let pki = Pki::new();
    let cert = dir.write("server.pem", &pki.server.cert);
    let key = dir.write("client.key", &pki.client.key);
    let mismatched = Identity::from_pem_files(&cert, &key).unwrap();

    let error = ServerTlsConfig::new(mismatched.clone(), None).unwrap_err();
    assert!(matches!(error, TlsError::KeyMismatch { .. }), "{error:?}");
    assert_one_line(
        &error,
        &[
            "the private key in",
            "client.key",
            "does not belong to the certificate in",
            "server.pem",
        ],
    );

    let error = ClientTlsConfig::new(pki.ca.cas(), Some(mismatched)).unwrap_err();
    assert!(matches!(error, TlsError::KeyMismatch { .. }), "{error:?}");
}

#[test]
fn targets_and_tls_configurations_must_agree() {
    let pki = Pki::new();
    let with_tls = ChannelConfig {
        tls: Some(pki.client_tls(None)),
        ..ChannelConfig::default()
    };
    let status = Channel::new("http://localhost:1", with_tls.clone()).unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(status.message().contains("cleartext"), "{status:?}");

    let status = Channel::new("ftp://localhost:1", ChannelConfig::default()).unwrap_err();
    assert!(status.message().contains("https://"), "{status:?}");

    Channel::new("https://localhost:1", with_tls).unwrap();
    Channel::new(
        "https://[::1]:1",
        ChannelConfig {
            tls: Some(pki.client_tls(None)),
            ..ChannelConfig::default()
        },
    )
    .unwrap();
}
