//! Server child processes, and what `/proc` tells about a process.

use crate::serve::Kind;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server running in a child process; it exits when this is dropped (its stdin closes).
pub struct ServerChild {
    child: Child,
    pub addr: SocketAddr,
}

impl ServerChild {
    /// Starts `mcp-bench --serve <kind>` and waits for the address it listens on.
    /// With `MCP_BENCH_SERVER_WRAPPER` set (say `heaptrack` or `perf record -g --`), the
    /// server runs under that command, which must pass stdin and stdout through; the CPU
    /// and RSS figures then describe the wrapper's process, not the server's.
    pub fn spawn(kind: Kind, body: &str, threads: Option<usize>) -> std::io::Result<ServerChild> {
        let wrapper = std::env::var("MCP_BENCH_SERVER_WRAPPER").unwrap_or_default();
        let words: Vec<&str> = wrapper.split_whitespace().collect();
        ServerChild::spawn_wrapped(kind, body, threads, &words)
    }

    /// Starts the server under `wrapper` (a program and its arguments; empty: none).
    pub fn spawn_wrapped(
        kind: Kind,
        body: &str,
        threads: Option<usize>,
        wrapper: &[&str],
    ) -> std::io::Result<ServerChild> {
        let name = kind_name(kind);
        let exe = std::env::current_exe()?;
        let mut words = wrapper.iter();
        let mut cmd = match words.next() {
            Some(program) => {
                let mut cmd = Command::new(program);
                cmd.args(words).arg(exe);
                cmd
            }
            None => Command::new(exe),
        };
        cmd.args(["--serve", &name, "--body", body]);
        if let Some(n) = threads {
            cmd.args(["--server-threads", &n.to_string()]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        match read_addr(&mut child) {
            Some(addr) => Ok(ServerChild { child, addr }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(std::io::Error::other(format!(
                    "the {name} server did not start"
                )))
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes the server's stdin and waits up to `patience` for it to exit (a wrapper may
    /// need a while to write its report); kills it after that.
    pub fn finish(mut self, patience: Duration) {
        self.stop(patience);
    }

    fn stop(&mut self, patience: Duration) {
        drop(self.child.stdin.take());
        stop_child(&mut self.child, patience);
    }
}

/// Waits up to `patience` for `child` to exit (its stdin closed), then kills it.
pub fn stop_child(child: &mut Child, patience: Duration) {
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The name `--serve` takes for `kind`.
pub fn kind_name(kind: Kind) -> String {
    clap::ValueEnum::to_possible_value(&kind)
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(3));
    }
}

/// The first line of the child's stdout that is an address (a wrapper may print lines of
/// its own); the rest of its output is drained so it never blocks on a full pipe.
fn read_addr(child: &mut Child) -> Option<SocketAddr> {
    let mut stdout = BufReader::new(child.stdout.take()?);
    let mut line = String::new();
    let mut addr = None;
    while addr.is_none() && stdout.read_line(&mut line).ok()? > 0 {
        addr = line.trim().parse().ok();
        line.clear();
    }
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    addr
}

/// Resident set size of process `pid` (`"self"` for this one), in bytes: `VmRSS`.
pub fn rss_bytes(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib * 1024)
}

/// CPU time (user + system) process `pid` has used, all threads. `/proc/<pid>/stat` counts
/// in clock ticks, which are 10 ms on Linux (USER_HZ = 100).
pub fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}
