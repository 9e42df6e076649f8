//! Python grpcio's reflection client (grpcio-reflection, `v1alpha`) against `h2grpc serve`:
//! protobuf's `DescriptorPool` builds every file reflection serves, and the script calls two
//! methods with messages made from the reflected descriptors alone
//! (`wire-tests/reflection/python/reflection_client.py`). Python and grpcio-reflection are
//! required peers (`wire-tests/setup.sh`): if missing, this fails.

use std::path::PathBuf;
use std::process::Command;

use h2grpc::schema::Schema;

use crate::support::process::serve;

#[test]
fn grpcio_reflection_client_builds_every_service() {
    let server = serve(&[]);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("wire-tests/reflection/python/reflection_client.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(server.addr.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): run `bash wire-tests/setup.sh`"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{script:?} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();

    let schema = Schema::embedded();
    let mut services = schema.services();
    // grpc.testing's services are `h2grpc interop-server`'s, not `serve`'s.
    services.retain(|service| !service.starts_with("grpc.testing."));
    services.sort();
    assert_eq!(lines[0], format!("services: {}", services.join(" ")));
    for service in &services {
        for method in &schema.service(service).unwrap().method {
            let stream = |on: Option<bool>| if on == Some(true) { "stream " } else { "" };
            let line = format!(
                "method: {service}.{} ({}{}) returns ({}{})",
                method.name.as_deref().unwrap(),
                stream(method.client_streaming),
                method
                    .input_type
                    .as_deref()
                    .unwrap()
                    .trim_start_matches('.'),
                stream(method.server_streaming),
                method
                    .output_type
                    .as_deref()
                    .unwrap()
                    .trim_start_matches('.'),
            );
            assert!(lines.contains(&line.as_str()), "no `{line}` in\n{stdout}");
        }
    }
    for expected in [
        "field: users.User.created_at = 5 json=createdAt",
        "field: grpc.reflection.v1alpha.ServerReflectionRequest.all_extension_numbers_of_type = 6 json=allExtensionNumbersOfType",
        "SayHello: Hello, reflection!",
        "SayHelloStreamReply: Hello, stream! #1",
        "SayHelloStreamReply: Hello, stream! #3",
        "enum: grpc.health.v1.HealthCheckResponse.ServingStatus UNKNOWN SERVING NOT_SERVING SERVICE_UNKNOWN",
        "map entry: grpc.health.v1.HealthListResponse.StatusesEntry True",
    ] {
        assert!(lines.contains(&expected), "no `{expected}` in\n{stdout}");
    }
}
