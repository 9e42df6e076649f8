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
    assert_one_line(&error, &["holds no certificate"]);
    let error =
        Identity::from_pem(pki.server.cert.as_bytes(), pki.server.cert.as_bytes()).unwrap_err();
    assert_one_line(&error, &["holds no private key"]);

    let error = CaCertificates::from_pem(b"not PEM at all").unwrap_err();
    assert_one_line(&error, &["holds no certificate"]);
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
