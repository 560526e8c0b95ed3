//! User-space instructions per call, counted by valgrind's callgrind. Unlike time, the
//! count does not move with the machine's load, so it shows changes that the throughput
//! runs on a busy machine cannot. What it leaves out: the kernel's share (sockets,
//! wake-ups) and how fast each instruction runs (cache misses).

use crate::BoxError;
use crate::child::ServerChild;
use crate::load::{Client, Mode};
use crate::serve::Kind;
use bytes::Bytes;
use http::StatusCode;
use std::process::Command;
use std::time::Duration;

/// Calls made before counting starts (connection set-up, first-call allocations).
const WARM_UP: u64 = 200;

/// Counts each server's instructions over `calls` calls on one connection, and prints them
/// with the ratios to the bare server. `Ok(false)` when valgrind is not installed.
pub async fn run(calls: u64, expected: &Bytes, modern: &Bytes) -> Result<bool, BoxError> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("instructions per call: skipped (valgrind is not installed)");
        return Ok(false);
    }
    let body = std::str::from_utf8(expected)?;
    // MCP_BENCH_CALLGRIND_DIR keeps the profiles there (for callgrind_annotate).
    let keep = std::env::var_os("MCP_BENCH_CALLGRIND_DIR").map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("mcp-bench-callgrind-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let mut counts = Vec::new();
    for (label, kind, mode, expected) in [
        ("stateless", Kind::Stateless, Mode::Stateless, expected),
        ("session", Kind::Session, Mode::Session, expected),
        ("bare", Kind::Bare, Mode::Bare, expected),
        ("2026-07-28", Kind::Stateless, Mode::Modern, modern),
    ] {
        let out = dir.join(format!("{label}.callgrind"));
        let out_arg = format!("--callgrind-out-file={}", out.display());
        let wrapper = [
            "valgrind",
            "-q",
            "--tool=callgrind",
            "--instr-atstart=no",
            out_arg.as_str(),
        ];
        let child = ServerChild::spawn_wrapped(kind, body, Some(1), &wrapper)?;
        let mut client = Client::open(child.addr, mode, None).await?;
        for _ in 0..WARM_UP {
            check(client.call().await?, expected)?;
        }
        toggle(child.pid(), "on")?;
        for _ in 0..calls {
            check(client.call().await?, expected)?;
        }
        toggle(child.pid(), "off")?;
        drop(client);
        child.finish(Duration::from_secs(60));
        let text = std::fs::read_to_string(&out)?;
        let total: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("totals:"))
            .and_then(|t| t.trim().parse().ok())
            .ok_or_else(|| format!("no totals in {}", out.display()))?;
        counts.push((label, total as f64 / calls as f64));
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let bare = counts
        .iter()
        .find(|(k, _)| *k == "bare")
        .map_or(f64::NAN, |(_, n)| *n);
    println!(
        "user-space instructions per call (callgrind, {calls} calls on one connection, one \
         server thread; the kernel's share is not counted):"
    );
    for (label, n) in &counts {
        println!("  {label:<10} {n:>8.0}   bare / this: {:.2}", bare / n);
    }
    println!();
    Ok(true)
}

fn check(answer: crate::load::Answer, expected: &Bytes) -> Result<(), BoxError> {
    if answer.status != StatusCode::OK || answer.body != expected {
        return Err(format!(
            "unexpected answer {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        )
        .into());
    }
    Ok(())
}

/// Turns callgrind's counting on or off in process `pid`.
fn toggle(pid: u32, state: &str) -> Result<(), BoxError> {
    let status = Command::new("callgrind_control")
        .args(["-i", state, &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("callgrind_control -i {state} {pid} failed").into());
    }
    Ok(())
}
