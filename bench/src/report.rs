//! Percentiles, the results table, and the ratios against the targets.

use crate::load::Outcome;
use crate::memory::MemoryReport;
use std::time::Duration;

/// Throughput of ours / bare at least this, or the target is missed.
const STATELESS_TARGET: f64 = 0.8;
const SESSION_TARGET: f64 = 0.7;
/// stdio: piped calls/s of ours / the echo's at least this; lockstep p50 of ours / the
/// echo's at most this.
const STDIO_PIPED_TARGET: f64 = 0.5;
const STDIO_LOCKSTEP_TARGET: f64 = 2.0;
/// Server CPU per call with a bearer token checked, at most this times without.
const AUTH_TARGET: f64 = 1.2;
/// Bytes of RSS per idle session at most.
const SESSION_BYTES_TARGET: f64 = 8192.0;

/// Which server a row measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Stateless,
    Session,
    Bare,
    /// Our server, MCP 2026-07-28 requests.
    Modern,
    /// hyper alone, answering the bytes of the 2026-07-28 answer.
    BareModern,
    /// Our server, a 2026-07-28 call in two rounds (`input_required`, then the retry).
    ModernRetry,
    /// Our server with sessions, kept in Redis.
    SessionRedis,
    /// Our server, stateless, checking a bearer token on every call.
    StatelessAuth,
    /// nginx in front of the bare server.
    BalancedBare,
    /// nginx in front of one instance of ours, sessions in Redis.
    BalancedOne,
    /// nginx in front of three instances of ours, round robin, sessions in Redis.
    BalancedThree,
    /// Ours on stdio, calls piped without waiting.
    StdioPiped,
    /// The stdio echo ceiling, piped.
    EchoPiped,
    /// Ours on stdio, one call at a time.
    StdioLockstep,
    /// The stdio echo ceiling, one call at a time.
    EchoLockstep,
}

impl Scenario {
    fn label(self) -> &'static str {
        match self {
            Scenario::Stateless => "ours, stateless",
            Scenario::Session => "ours, session",
            Scenario::Bare => "bare hyper",
            Scenario::Modern => "ours, 2026-07-28",
            Scenario::BareModern => "bare (2026 bytes)",
            Scenario::ModernRetry => "ours, 2026, 2 rounds",
            Scenario::SessionRedis => "ours, session in Redis",
            Scenario::StatelessAuth => "ours, stateless, auth",
            Scenario::BalancedBare => "nginx -> bare",
            Scenario::BalancedOne => "nginx -> 1 x ours (Redis)",
            Scenario::BalancedThree => "nginx -> 3 x ours (Redis)",
            Scenario::StdioPiped => "stdio, ours, piped",
            Scenario::EchoPiped => "stdio, echo, piped",
            Scenario::StdioLockstep => "stdio, ours, lockstep",
            Scenario::EchoLockstep => "stdio, echo, lockstep",
        }
    }
}

/// One scenario, summed over the rounds.
pub struct Row {
    scenario: Scenario,
    conns: usize,
    calls: u64,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
    latencies: Vec<u64>,
    server_cpu: Duration,
    client_cpu: Duration,
    /// Throughput of each round, calls/s.
    rounds: Vec<f64>,
}

impl Row {
    fn throughput(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn cpu_per_call(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1e6 / self.calls.max(1) as f64
    }
}

/// Adds one round of a scenario to its row.
pub fn merge(rows: &mut Vec<Row>, scenario: Scenario, conns: usize, outcome: Outcome) {
    let index = match rows
        .iter()
        .position(|r| r.scenario == scenario && r.conns == conns)
    {
        Some(i) => i,
        None => {
            rows.push(Row {
                scenario,
                conns,
                calls: 0,
                errors: 0,
                first_error: None,
                elapsed: Duration::ZERO,
                latencies: Vec::new(),
                server_cpu: Duration::ZERO,
                client_cpu: Duration::ZERO,
                rounds: Vec::new(),
            });
            rows.len() - 1
        }
    };
    let row = &mut rows[index];
    row.rounds
        .push(outcome.calls as f64 / outcome.elapsed.as_secs_f64().max(1e-9));
    row.calls += outcome.calls;
    row.errors += outcome.errors;
    row.first_error = row.first_error.take().or(outcome.first_error);
    row.elapsed += outcome.elapsed;
    row.latencies.extend(outcome.latencies);
    row.server_cpu += outcome.server_cpu;
    row.client_cpu += outcome.client_cpu;
}

/// The `q`-quantile (0..=1) of sorted values, nearest rank.
fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn micros(nanos: u64) -> f64 {
    nanos as f64 / 1000.0
}

/// Prints the table and the ratios; false when any scenario saw an error (then the
/// numbers mean nothing).
pub fn print(rows: &mut [Row], connections: &[usize]) -> bool {
    println!(
        "{:<16} {:>5} {:>10} {:>17} {:>9} {:>9} {:>11} {:>11} {:>6}",
        "server",
        "conns",
        "calls/s",
        "rounds min-max",
        "p50 µs",
        "p99 µs",
        "srv CPU/call",
        "gen CPU/call",
        "errors"
    );
    for row in rows.iter_mut() {
        row.latencies.sort_unstable();
        let (min, max) = row
            .rounds
            .iter()
            .fold((f64::MAX, 0.0f64), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        println!(
            "{:<16} {:>5} {:>10.0} {:>8.0}-{:<8.0} {:>9.1} {:>9.1} {:>9.1}µs {:>9.1}µs {:>6}",
            row.scenario.label(),
            row.conns,
            row.throughput(),
            min,
            max,
            micros(percentile(&row.latencies, 0.50)),
            micros(percentile(&row.latencies, 0.99)),
            row.cpu_per_call(row.server_cpu),
            row.cpu_per_call(row.client_cpu),
            row.errors,
        );
    }
    println!();
    print_ratios(rows, connections);
    let mut valid = true;
    for row in rows.iter().filter(|r| r.errors > 0) {
        valid = false;
        println!(
            "INVALID: {} at {} connections had {} errors; first: {}",
            row.scenario.label(),
            row.conns,
            row.errors,
            row.first_error.as_deref().unwrap_or("?")
        );
    }
    valid
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn print_ratios(rows: &[Row], connections: &[usize]) {
    let find = |s: Scenario, c: usize| rows.iter().find(|r| r.scenario == s && r.conns == c);
    println!("throughput, ours / bare. \"paired\" is the median over rounds of the ratio within");
    println!("a round (the servers run back to back in each round, so a burst of outside load");
    println!(
        "hits them alike); \"overall\" divides the totals. The target is judged on \"paired\"."
    );
    println!(
        "{:<30} {:>6} {:>8} {:>8} {:>8}",
        "", "conns", "paired", "overall", "target"
    );
    for (ours, ceiling, target) in [
        (Scenario::Stateless, Scenario::Bare, STATELESS_TARGET),
        (Scenario::Session, Scenario::Bare, SESSION_TARGET),
        (Scenario::Modern, Scenario::BareModern, STATELESS_TARGET),
    ] {
        for &c in connections {
            let (Some(mine), Some(bare)) = (find(ours, c), find(ceiling, c)) else {
                continue;
            };
            let paired = median(
                mine.rounds
                    .iter()
                    .zip(&bare.rounds)
                    .map(|(m, b)| m / b)
                    .collect(),
            );
            let overall = mine.throughput() / bare.throughput();
            let verdict = if paired >= target { "ok" } else { "MISSED" };
            println!(
                "{:<30} {:>6} {:>8.2} {:>8.2} {:>5}{:.2} {verdict}",
                format!("{} / bare", ours.label()),
                c,
                paired,
                overall,
                ">= ",
                target
            );
        }
    }
    println!();
    println!("server CPU per call, bare / ours (1.0 = as cheap as the ceiling; undiluted by the");
    println!("load generator, which shares the cores):");
    for (ours, ceiling) in [
        (Scenario::Stateless, Scenario::Bare),
        (Scenario::Session, Scenario::Bare),
        (Scenario::Modern, Scenario::BareModern),
    ] {
        for &c in connections {
            let (Some(mine), Some(bare)) = (find(ours, c), find(ceiling, c)) else {
                continue;
            };
            let ratio = bare.cpu_per_call(bare.server_cpu) / mine.cpu_per_call(mine.server_cpu);
            println!(
                "  {:<30} {:>3} conns: {:.2}",
                format!("{} / bare", ours.label()),
                c,
                ratio
            );
        }
    }
    // One row against another: server CPU per call and calls/s, as ratios. Sessions in
    // Redis against in memory; through the balancer, one instance against the ceiling
    // behind the same nginx, three against one, and one through nginx against the same
    // instance direct; a call in two rounds (counted as one) against a one-round call.
    for (label, mine, other) in [
        (
            "Redis store / memory store",
            Scenario::SessionRedis,
            Scenario::Session,
        ),
        (
            "nginx: 1 x ours / bare",
            Scenario::BalancedOne,
            Scenario::BalancedBare,
        ),
        (
            "nginx: 3 x ours / 1 x ours",
            Scenario::BalancedThree,
            Scenario::BalancedOne,
        ),
        (
            "nginx: 1 x ours / direct",
            Scenario::BalancedOne,
            Scenario::SessionRedis,
        ),
        (
            "2 rounds / 1 round (2026)",
            Scenario::ModernRetry,
            Scenario::Modern,
        ),
    ] {
        for &c in connections {
            let (Some(mine), Some(other)) = (find(mine, c), find(other, c)) else {
                continue;
            };
            println!(
                "  {:<30} {:>3} conns: {:.2} CPU, {:.2} calls/s",
                label,
                c,
                mine.cpu_per_call(mine.server_cpu) / other.cpu_per_call(other.server_cpu),
                mine.throughput() / other.throughput()
            );
        }
    }
    // A bearer token checked on every call against none (target: 1.2x the CPU at most).
    for &c in connections {
        let (Some(auth), Some(open)) = (
            find(Scenario::StatelessAuth, c),
            find(Scenario::Stateless, c),
        ) else {
            continue;
        };
        let ratio = auth.cpu_per_call(auth.server_cpu) / open.cpu_per_call(open.server_cpu);
        let verdict = if ratio <= AUTH_TARGET { "ok" } else { "MISSED" };
        println!(
            "  {:<30} {:>3} conns: {ratio:.2} CPU (target <= {AUTH_TARGET:.1}) {verdict}, {:.2} calls/s",
            "auth on / auth off",
            c,
            auth.throughput() / open.throughput()
        );
    }
    // stdio against the echo ceiling: piped calls/s (target >= 0.5), lockstep p50 (<= 2).
    if let (Some(ours), Some(echo)) = (find(Scenario::StdioPiped, 1), find(Scenario::EchoPiped, 1))
    {
        let ratio = ours.throughput() / echo.throughput();
        let verdict = if ratio >= STDIO_PIPED_TARGET {
            "ok"
        } else {
            "MISSED"
        };
        println!(
            "  {:<30}        {ratio:.2} calls/s (target >= {STDIO_PIPED_TARGET:.1}) {verdict}; {:.2} CPU",
            "stdio piped, ours / echo",
            ours.cpu_per_call(ours.server_cpu) / echo.cpu_per_call(echo.server_cpu),
        );
    }
    if let (Some(ours), Some(echo)) = (
        find(Scenario::StdioLockstep, 1),
        find(Scenario::EchoLockstep, 1),
    ) {
        let p50 = |r: &Row| {
            let mut sorted = r.latencies.clone();
            sorted.sort_unstable();
            percentile(&sorted, 0.5) as f64
        };
        let ratio = p50(ours) / p50(echo).max(1.0);
        let verdict = if ratio <= STDIO_LOCKSTEP_TARGET {
            "ok"
        } else {
            "MISSED"
        };
        println!(
            "  {:<30}        {ratio:.2} p50 (target <= {STDIO_LOCKSTEP_TARGET:.1}) {verdict}",
            "stdio lockstep, ours / echo",
        );
    }
    // The modern call against the legacy one, on the same server.
    for &c in connections {
        let (Some(modern), Some(legacy)) =
            (find(Scenario::Modern, c), find(Scenario::Stateless, c))
        else {
            continue;
        };
        println!(
            "  {:<30} {:>3} conns: {:.2}",
            "2026-07-28 CPU / stateless",
            c,
            modern.cpu_per_call(modern.server_cpu) / legacy.cpu_per_call(legacy.server_cpu)
        );
    }
    println!();
}

/// Prints the idle-session memory measurement against its target.
pub fn print_memory(mem: &MemoryReport) {
    let per_session = mem.after.saturating_sub(mem.before) as f64 / mem.sessions as f64;
    let verdict = if per_session <= SESSION_BYTES_TARGET {
        "ok"
    } else {
        "MISSED"
    };
    println!(
        "idle sessions: {} (initialize + initialized each, over {} connections kept open)",
        mem.sessions, mem.connections
    );
    println!(
        "server RSS: {} KiB before, {} KiB after -> {:.0} bytes/session (target <= {:.0}) {verdict}",
        mem.before / 1024,
        mem.after / 1024,
        per_session,
        SESSION_BYTES_TARGET
    );
    println!(
        "the same {} connections with no new sessions added {} KiB (noise floor)",
        mem.connections,
        mem.noise.saturating_sub(mem.before) / 1024
    );
}
