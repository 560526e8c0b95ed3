//! `tools/call` over stdio: our server (`Transport::Stdio`) against a bare echo that reads
//! each line into a `serde_json::Value` and writes the same answer, on one thread with
//! buffered I/O (the ceiling). Piped: one thread writes calls as fast as the pipe takes
//! them while another reads and checks the answers. Lockstep: one call, its answer, the
//! next call. Both run in child processes, so their CPU time is theirs alone.

use crate::child::{cpu_time, kind_name, stop_child};
use crate::load::Outcome;
use crate::serve::Kind;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CALL: &[u8] = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}
"#;
const INITIALIZE: &[u8] = br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp-bench","version":"0.1.0"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
"#;
/// Calls written at once by the piped writer.
const BLOCK: usize = 64;

/// A stdio server in a child process, stopped when dropped (its stdin closes).
pub struct StdioChild {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl StdioChild {
    /// Starts `kind` (our server after its `initialize`, or the echo answering `body`).
    pub fn spawn(kind: Kind, body: &str) -> std::io::Result<StdioChild> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["--serve", &kind_name(kind), "--body", body])
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("the child has no pipes"));
        };
        let mut child = StdioChild {
            child,
            stdin: Some(stdin),
            stdout: BufReader::with_capacity(64 << 10, stdout),
        };
        if kind == Kind::Stdio {
            child.stdin()?.write_all(INITIALIZE)?;
            child.stdin()?.flush()?;
            let mut line = Vec::new();
            child.stdout.read_until(b'\n', &mut line)?;
            if !line.starts_with(br#"{"jsonrpc":"2.0","id":0,"result":"#) {
                return Err(std::io::Error::other(format!(
                    "initialize over stdio answered {}",
                    String::from_utf8_lossy(&line)
                )));
            }
        }
        Ok(child)
    }

    fn stdin(&mut self) -> std::io::Result<&mut ChildStdin> {
        self.stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("stdin closed"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// One call and its answer (without the newline).
    pub fn probe(&mut self) -> std::io::Result<Vec<u8>> {
        self.stdin()?.write_all(CALL)?;
        self.stdin()?.flush()?;
        let mut line = Vec::new();
        read_answer(&mut self.stdout, &mut line)?;
        Ok(line)
    }
}

/// Reads one answer into `line`, without its newline.
fn read_answer(stdout: &mut BufReader<ChildStdout>, line: &mut Vec<u8>) -> std::io::Result<()> {
    line.clear();
    if stdout.read_until(b'\n', line)? == 0 || line.pop() != Some(b'\n') {
        return Err(std::io::Error::other("the stdio server closed its output"));
    }
    Ok(())
}

impl Drop for StdioChild {
    fn drop(&mut self) {
        drop(self.stdin.take());
        stop_child(&mut self.child, Duration::from_secs(3));
    }
}

/// Calls written without waiting for answers, for `warmup` and then `measure`; every
/// answer is checked (the ones after the window too).
pub fn piped(
    child: &mut StdioChild,
    expected: &[u8],
    warmup: Duration,
    measure: Duration,
) -> std::io::Result<Outcome> {
    let pid = child.pid().to_string();
    let stop = AtomicBool::new(false);
    let written = AtomicU64::new(0);
    let block = CALL.repeat(BLOCK);
    let StdioChild { stdin, stdout, .. } = child;
    let stdin = stdin
        .as_mut()
        .ok_or_else(|| std::io::Error::other("stdin closed"))?;
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> std::io::Result<()> {
            while !stop.load(Ordering::Relaxed) {
                stdin.write_all(&block)?;
                stdin.flush()?;
                written.fetch_add(BLOCK as u64, Ordering::Release);
            }
            Ok(())
        });
        let start = Instant::now() + warmup;
        let end = start + measure;
        let (mut answered, mut errors, mut first_error) = (0u64, 0u64, None);
        let mut window: Option<(u64, Option<Duration>, Instant)> = None;
        let mut measured = None;
        let mut line = Vec::with_capacity(256);
        loop {
            let now = Instant::now();
            if window.is_none() && now >= start {
                window = Some((answered, cpu_time(&pid), now));
            }
            if measured.is_none() && now >= end {
                if let Some((from, cpu0, t0)) = window {
                    let cpu = cpu_time(&pid)
                        .zip(cpu0)
                        .map(|(c1, c0)| c1.saturating_sub(c0));
                    measured = Some((answered - from, now - t0, cpu.unwrap_or_default()));
                }
                stop.store(true, Ordering::Relaxed);
            }
            if measured.is_some()
                && answered >= written.load(Ordering::Acquire)
                && writer.is_finished()
            {
                break;
            }
            read_answer(stdout, &mut line)?;
            answered += 1;
            if line != expected {
                errors += 1;
                first_error.get_or_insert_with(|| String::from_utf8_lossy(&line).into_owned());
            }
        }
        writer
            .join()
            .map_err(|_| std::io::Error::other("the writer panicked"))??;
        let (calls, elapsed, server_cpu) = measured.unwrap_or_default();
        Ok(Outcome {
            calls,
            errors,
            first_error,
            elapsed,
            latencies: Vec::new(),
            server_cpu,
            client_cpu: Duration::ZERO,
        })
    })
}

/// One call at a time: write it, read its answer, and again.
pub fn lockstep(
    child: &mut StdioChild,
    expected: &[u8],
    warmup: Duration,
    measure: Duration,
) -> std::io::Result<Outcome> {
    let pid = child.pid().to_string();
    let start = Instant::now() + warmup;
    let end = start + measure;
    let mut slice = Outcome {
        calls: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latencies: Vec::with_capacity(1 << 16),
        server_cpu: Duration::ZERO,
        client_cpu: Duration::ZERO,
    };
    let mut cpu0 = None;
    let mut t0 = None;
    let mut line = Vec::with_capacity(256);
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        if t0.is_none() && sent >= start {
            t0 = Some(sent);
            cpu0 = cpu_time(&pid);
        }
        child.stdin()?.write_all(CALL)?;
        child.stdin()?.flush()?;
        read_answer(&mut child.stdout, &mut line)?;
        let done = Instant::now();
        if line != expected {
            slice.errors += 1;
            slice
                .first_error
                .get_or_insert_with(|| String::from_utf8_lossy(&line).into_owned());
        } else if t0.is_some() {
            slice.calls += 1;
            slice
                .latencies
                .push(u64::try_from(done.duration_since(sent).as_nanos()).unwrap_or(u64::MAX));
        }
    }
    if let Some(t0) = t0 {
        slice.elapsed = Instant::now() - t0;
        slice.server_cpu = cpu_time(&pid)
            .zip(cpu0)
            .map(|(c1, c0)| c1.saturating_sub(c0))
            .unwrap_or_default();
    }
    Ok(slice)
}
