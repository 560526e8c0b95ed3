//! The official MCP Python SDK (mcp==2.3.0), as a real client of the `notes`
//! example server over stdio.
//!
//! The client script, `tests/python/stdio_client.py`, connects, lists and
//! calls every tool, reads every resource and gets every prompt, checking
//! each answer. It needs the Python SDK, which `cargo xtask test` installs
//! (into `target/peers/python`) and points to with `MCP_PYTHON`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn python_sdk_client_uses_every_feature_of_the_notes_server() {
    let Some(python) = std::env::var_os("MCP_PYTHON").filter(|python| !python.is_empty()) else {
        // Straight to stderr, past the test harness's output capture, so a
        // skip shows in the log.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: MCP_PYTHON is not set; run `cargo xtask test` to install the Python SDK and run this test"
        );
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/stdio_client.py");
    let server = env!("CARGO_BIN_EXE_notes");
    let command = format!("{} {} {server}", python.display(), script.display());

    let output = Command::new(&python)
        .arg(&script)
        .arg(server)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run `{command}`: {error}"));

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`{command}` failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );
    println!("{}", stdout.trim_end());
}
