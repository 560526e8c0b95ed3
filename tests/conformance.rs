//! The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16) against
//! the `notes` example over Streamable HTTP.
//!
//! Most of the suite's 32 server scenarios call fixtures of the SDKs' "everything" test
//! server by name (tools `test_simple_text`, `test_image_content`, ..., resources
//! `test://static-text`, prompts `test_simple_prompt`, ...), which `notes` does not have.
//! [`SCENARIOS`] are the ones that need only the transport and the protocol core; each
//! runs against a fresh server, and any failed check fails the test with the suite's
//! report. Left out, and why:
//!
//! - Fixture tools: `tools-call-simple-text`, `tools-call-image`, `tools-call-audio`,
//!   `tools-call-embedded-resource`, `tools-call-mixed-content`, `tools-call-error`,
//!   `tools-call-with-progress`, `tools-call-sampling`, `tools-call-elicitation`,
//!   `tools-call-with-logging` (also sets a log level), `json-schema-2020-12`,
//!   `elicitation-sep1034-defaults`, `elicitation-sep1330-enums`.
//! - `server-sse-polling` needs the fixture tool `test_reconnection`; without it the
//!   scenario only warns, so it would pass without testing anything. (It and
//!   `json-schema-2020-12` are "pending", outside the suite's default set.)
//! - Fixture resources (`test://...`): `resources-read-text`, `resources-read-binary`,
//!   `resources-templates-read`; `resources-subscribe` and `resources-unsubscribe` also
//!   need subscriptions, which `notes` does not offer (`resources.subscribe: false`; it
//!   answers -32601).
//! - Fixture prompts: `prompts-get-simple`, `prompts-get-with-args`,
//!   `prompts-get-embedded-resource`, `prompts-get-with-image`; `completion-complete`
//!   completes an argument of `test_prompt_with_arguments` and needs the `completions`
//!   capability.
//! - `logging-set-level`: `notes` declares no `logging` capability, so it rightly
//!   answers `logging/setLevel` with -32601.
//!
//! The whole suite runs against `examples/everything`, the fixture server written with our
//! macros: the 0.1.16 active suite, its pending suite (`json-schema-2020-12`,
//! `server-sse-polling`), and every 2025-11-25 and 2026-07-28 scenario of 0.2.0-alpha.12
//! (installed as `conformance-next`); each must end with 0 failures. Last,
//! `--requirements 2026-07-28`, which the suite scores, with the scenarios of the tasks
//! extension: not one check may fail either.
//!
//! Runs when `MCP_NODE22` and `MCP_NODE_MODULES` are set (`cargo xtask test` does).

mod peers;

use peers::{NotesHttp, PeerOutput, peer_paths, run_peer, strip_ansi};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The scenarios that test the transport and the protocol core, not fixtures.
const SCENARIOS: &[&str] = &[
    "server-initialize",
    "ping",
    "tools-list",
    "resources-list",
    "prompts-list",
    "dns-rebinding-protection",
    "server-sse-multiple-streams",
];

/// One scenario takes about a second; the suite's own waits are at most 10 s.
const TIMEOUT: Duration = Duration::from_secs(90);

#[test]
fn conformance_scenarios_pass_against_notes_over_streamable_http() {
    let Some([node, node_modules]) = peer_paths(["MCP_NODE22", "MCP_NODE_MODULES"]) else {
        return;
    };
    let suite = node_modules.join("@modelcontextprotocol/conformance/dist/index.js");
    assert!(
        suite.is_file(),
        "{} is missing; run `cargo xtask peers`",
        suite.display()
    );
    let results = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    // Old runs' results would only confuse whoever reads this directory.
    let _ = std::fs::remove_dir_all(&results);
    std::fs::create_dir_all(&results)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", results.display()));

    let mut failures = Vec::new();
    for &scenario in SCENARIOS {
        let server = NotesHttp::start();
        let output = run_scenario(&node, &suite, &results, scenario, server.url());
        let verdict = if output.success() { "passed" } else { "FAILED" };
        println!("conformance {scenario}: {verdict}");
        if !output.success() {
            failures.push(format!(
                "=== {scenario} ===\n{}",
                output.report(Some(&server))
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance scenarios failed (results in {}):\n\n{}",
        failures.len(),
        SCENARIOS.len(),
        results.display(),
        failures.join("\n\n")
    );
}

/// The whole fixture suite: `(package, extra arguments, what must hold)`.
const SUITES: &[(&str, &[&str])] = &[
    ("@modelcontextprotocol/conformance", &[]),
    ("@modelcontextprotocol/conformance", &["--suite", "pending"]),
    (
        "conformance-next",
        &["--spec-version", "2025-11-25", "--suite", "all"],
    ),
    // Every 2026-07-28 scenario, pending ones included.
    (
        "conformance-next",
        &["--spec-version", "2026-07-28", "--suite", "all"],
    ),
    // What the suite calls 2026-07-28 conformance, with the scenarios of the tasks
    // extension (`io.modelcontextprotocol/tasks`).
    ("conformance-next", &["--requirements", "2026-07-28"]),
];

#[test]
fn every_conformance_scenario_passes_against_the_everything_fixture() {
    let Some([node, node_modules]) = peer_paths(["MCP_NODE22", "MCP_NODE_MODULES"]) else {
        return;
    };
    let mut failures = Vec::new();
    for &(package, args) in SUITES {
        let suite = node_modules.join(package).join("dist/index.js");
        assert!(
            suite.is_file(),
            "{} is missing; run `cargo xtask peers`",
            suite.display()
        );
        let results = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("conformance-everything-{}", failures.len()));
        let _ = std::fs::remove_dir_all(&results);
        std::fs::create_dir_all(&results)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", results.display()));
        let server = NotesHttp::start_binary(env!("CARGO_BIN_EXE_everything"));
        let mut output = run_peer(
            Command::new(&node)
                .arg(&suite)
                .args(["server", "--url", server.url()])
                .args(args)
                .arg("--output-dir")
                .arg(&results)
                .current_dir(&results),
            SUITE_TIMEOUT,
        );
        output.stdout = strip_ansi(&output.stdout);
        output.stderr = strip_ansi(&output.stderr);
        let summary = output
            .stdout
            .lines()
            .rev()
            .find(|l| l.starts_with("Total:"))
            .unwrap_or("no summary")
            .to_owned();
        println!("conformance {package} {}: {summary}", args.join(" "));
        // Not one check may fail (the exit code alone passes failed checks the suite
        // does not score).
        if !(output.success() && summary.contains(" 0 failed")) {
            failures.push(format!(
                "=== {package} {} ===\n{}",
                args.join(" "),
                output.report(Some(&server))
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "conformance failures:\n\n{}",
        failures.join("\n\n")
    );
}

/// A whole suite takes about a minute; allow for a loaded machine.
const SUITE_TIMEOUT: Duration = Duration::from_secs(600);

/// `conformance server --scenario`: exits 1 when any check fails (warnings pass).
/// `--verbose` prints every check as JSON, with the details that explain a failure.
fn run_scenario(
    node: &Path,
    suite: &Path,
    results: &Path,
    scenario: &str,
    url: &str,
) -> PeerOutput {
    let mut output = run_peer(
        Command::new(node)
            .arg(suite)
            .args(["server", "--url", url, "--scenario", scenario, "--verbose"])
            .arg("--output-dir")
            .arg(results)
            .current_dir(results),
        TIMEOUT,
    );
    // The suite colours its report whether or not it goes to a terminal.
    output.stdout = strip_ansi(&output.stdout);
    output.stderr = strip_ansi(&output.stderr);
    output
}
