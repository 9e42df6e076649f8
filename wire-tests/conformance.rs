//! protobuf's conformance suite against `h2grpc conformance-testee`: the binary wire format and
//! the JSON mapping of `TestAllTypesProto3` and `TestAllTypesProto2`, checked by protobuf's own
//! `conformance_test_runner` (3.21.12).
//!
//! The runner is C++ from protobuf's source; `wire-tests/conformance/build-runner.sh` (run by
//! `wire-tests/setup.sh`) builds it into `target/conformance/`, with the two `.proto` files the
//! testee reads. Without it this test fails, never skips.
//!
//! What passes:
//!
//! - the runner exits 0: no test failed that `wire-tests/conformance/failure_list.txt` does not
//!   list, no listed test passed, no listed name is unknown (`--enforce_recommended`: the
//!   RECOMMENDED tests count as the REQUIRED ones do);
//! - the binary and JSON suite skipped nothing: its successes and expected failures add up to
//!   its [`BINARY_AND_JSON_TESTS`] tests. Only the text-format suite may be skipped (h2grpc has
//!   no text format).
//!
//! The runner's whole output is kept in `target/tmp/conformance/runner.log`; the names of the
//! failing tests go to `failing_tests.txt` there (`succeeding_tests.txt` for listed tests that
//! passed, `nonexistent_tests.txt` for unknown names).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use regex::Regex;

use crate::support::peers::repo;
use crate::support::process::{BIN, drain, take, wait};

/// The tests of the binary and JSON suite of protobuf 3.21.12's runner: 1,364 of
/// `TestAllTypesProto3`, 653 of `TestAllTypesProto2`.
const BINARY_AND_JSON_TESTS: u64 = 2017;

/// How long the whole suite may take.
const PATIENCE: Duration = Duration::from_secs(300);

/// What to do when the runner is missing.
const SETUP_HINT: &str = "protobuf's conformance runner is missing: run `bash wire-tests/setup.sh` \
     (or `bash wire-tests/conformance/build-runner.sh`), which builds \
     target/conformance/conformance_test_runner from Debian's protobuf source package";

/// One `CONFORMANCE SUITE PASSED: 5 successes, 0 skipped, 1 expected failures, 0 unexpected
/// failures.` line (`ConformanceTestSuite::RunSuite` in `conformance/conformance_test.cc`).
#[derive(Debug, PartialEq)]
struct Summary {
    passed: bool,
    successes: u64,
    skipped: u64,
    expected_failures: u64,
    unexpected_failures: u64,
}

/// The summary lines of the runner's output, one per suite, in the order the suites ran.
fn summaries(output: &str) -> Vec<Summary> {
    let line = Regex::new(
        r"(?m)^CONFORMANCE SUITE (PASSED|FAILED): (\d+) successes, (\d+) skipped, (\d+) expected failures, (\d+) unexpected failures\.$",
    )
    .unwrap();
    line.captures_iter(output)
        .map(|caps| Summary {
            passed: &caps[1] == "PASSED",
            successes: caps[2].parse().unwrap(),
            skipped: caps[3].parse().unwrap(),
            expected_failures: caps[4].parse().unwrap(),
            unexpected_failures: caps[5].parse().unwrap(),
        })
        .collect()
}

/// `text` in single quotes for sh.
fn sh_quote(text: &Path) -> String {
    format!("'{}'", text.display().to_string().replace('\'', r"'\''"))
}

/// The program the runner starts. The runner (`ForkPipeRunner::SpawnTestProgram` in
/// `conformance_test_runner.cc`) takes its last argument as a path for execv(2), with no search
/// of `PATH` and no arguments of its own (3.21.12 passes the path again as argv[1]): a script
/// that ignores its arguments and runs the testee with its flags.
fn testee_script(dir: &Path) -> PathBuf {
    let protos = repo().join("target").join("conformance").join("protos");
    let script = dir.join("testee.sh");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\n# Written by wire-tests/conformance.rs.\nexec {} conformance-testee -I {}\n",
            sh_quote(Path::new(BIN)),
            sh_quote(&protos)
        ),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[test]
fn the_binary_and_json_suites_pass() {
    let runner = repo()
        .join("target")
        .join("conformance")
        .join("conformance_test_runner");
    assert!(runner.is_file(), "{SETUP_HINT} (no {})", runner.display());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    fs::create_dir_all(&dir).unwrap();
    for stale in [
        "failing_tests.txt",
        "succeeding_tests.txt",
        "nonexistent_tests.txt",
    ] {
        let _ = fs::remove_file(dir.join(stale));
    }
    let failure_list = repo()
        .join("wire-tests")
        .join("conformance")
        .join("failure_list.txt");
    let mut child = Command::new(&runner)
        .arg("--enforce_recommended")
        .arg("--failure_list")
        .arg(&failure_list)
        .arg("--output_dir")
        .arg(&dir)
        .arg(testee_script(&dir))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{SETUP_HINT}\ncannot run {}: {error}", runner.display()));
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let status = wait(&mut child, PATIENCE)
        .unwrap_or_else(|| panic!("the conformance runner still ran after {PATIENCE:?}"));
    // The runner reports on stderr; stdout stays empty.
    let output = take(&stderr, status) + &take(&stdout, status);
    let log = dir.join("runner.log");
    fs::write(&log, &output).unwrap();

    let summaries = summaries(&output);
    let tail: String = summaries
        .iter()
        .map(|summary| format!("\n  {summary:?}"))
        .collect();
    assert!(
        status.success(),
        "the conformance runner failed ({status}); the names are in {}/failing_tests.txt \
         (tests that failed), succeeding_tests.txt (listed in {} but passed), \
         nonexistent_tests.txt (listed, unknown); the whole output in {}{tail}",
        dir.display(),
        failure_list.display(),
        log.display()
    );
    assert_eq!(
        summaries.len(),
        2,
        "the binary and JSON suite, then the text-format suite; output in {}",
        log.display()
    );
    let binary_and_json = &summaries[0];
    assert!(binary_and_json.passed, "{binary_and_json:?}");
    assert_eq!(
        binary_and_json.unexpected_failures, 0,
        "{binary_and_json:?}"
    );
    assert_eq!(
        binary_and_json.successes + binary_and_json.expected_failures,
        BINARY_AND_JSON_TESTS,
        "the binary and JSON suite skipped {} of its {BINARY_AND_JSON_TESTS} tests: only \
         text-format tests may be skipped ({binary_and_json:?}; output in {})",
        binary_and_json.skipped,
        log.display()
    );
}

#[test]
fn summary_lines_are_read() {
    let output = "\nCONFORMANCE TEST BEGIN ====================================\n\n\
        CONFORMANCE SUITE PASSED: 2000 successes, 0 skipped, 17 expected failures, 0 unexpected failures.\n\n\
        ERROR, test=X: ...\n\
        CONFORMANCE SUITE FAILED: 0 successes, 883 skipped, 0 expected failures, 1 unexpected failures.\n\n";
    assert_eq!(
        summaries(output),
        [
            Summary {
                passed: true,
                successes: 2000,
                skipped: 0,
                expected_failures: 17,
                unexpected_failures: 0
            },
            Summary {
                passed: false,
                successes: 0,
                skipped: 883,
                expected_failures: 0,
                unexpected_failures: 1
            },
        ]
    );
}
