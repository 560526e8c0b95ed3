//! Benchmark of the Streamable HTTP transport: `tools/call` throughput and latency of our
//! server (stateless, with a session, and as MCP 2026-07-28 requests) against a bare hyper
//! server that answers the same bytes, plus the memory an idle session costs.
//!
//! ```text
//! cargo run --release -p mcp-bench
//! cargo run --release -p mcp-bench -- --help
//! ```
//!
//! Each server runs in a child process: this binary re-executed with `--serve <kind>`, with
//! its own tokio runtime. The parent is the load generator. Separate processes keep the
//! server's RSS apart from the load generator's, and let the parent read the server's CPU
//! time from `/proc/<pid>/stat`, so "server CPU per call" is measured on the server alone.
//! All three servers stay up for the whole run and the scenarios are interleaved in rounds,
//! so a burst of outside load (other builds on a small machine) hits every server alike.
//!
//! On a small machine the load generator needs about as much CPU per call as the bare
//! server, so throughput ratios understate the server's own cost. The "srv CPU/call"
//! column (user + system time of the server process over the measured window, from
//! `/proc/<pid>/stat`, 10 ms ticks) shows that cost undiluted.
//!
//! To profile the servers, run the whole benchmark under `perf record -g` and split the
//! samples by pid (the servers start in the order stateless, session, bare), or run each
//! server under a wrapper: `MCP_BENCH_SERVER_WRAPPER=heaptrack` writes one file per server.
//! `--instructions N` with `MCP_BENCH_CALLGRIND_DIR=dir` keeps the callgrind profiles there
//! for `callgrind_annotate`.

mod auth;
mod balancer;
mod child;
mod instructions;
mod load;
mod memory;
mod report;
mod serve;
mod stdio;

use child::ServerChild;
use clap::Parser;
use load::{Mode, Target};
use report::{Row, Scenario};
use std::process::ExitCode;
use std::time::Duration;

/// Benchmarks `tools/call` over Streamable HTTP against a bare hyper ceiling.
#[derive(Parser, Debug)]
#[command(name = "mcp-bench")]
struct Args {
    /// Internal: serve one kind of server on 127.0.0.1 (the child side).
    #[arg(long, value_enum, hide = true)]
    serve: Option<serve::Kind>,
    /// Internal: the response body the bare server answers with.
    #[arg(long, hide = true, default_value = "")]
    body: String,
    /// Concurrent connections of each scenario.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 32])]
    connections: Vec<usize>,
    /// Rounds: each round runs every scenario once, for `--slice` seconds. (With 7, the
    /// median of a noisy shared machine still moved by ±0.1 from run to run.)
    #[arg(long, default_value_t = 15)]
    rounds: u32,
    /// Measured seconds per scenario and round.
    #[arg(long, default_value_t = 1.0)]
    slice: f64,
    /// Warm-up seconds before each measured slice (fresh connections every slice).
    #[arg(long, default_value_t = 0.3)]
    warmup: f64,
    /// Idle sessions created for the memory measurement (0: skip it).
    #[arg(long, default_value_t = 2000)]
    sessions: usize,
    /// Also count each server's user-space instructions over this many calls, under
    /// valgrind's callgrind (0: don't). Slow (about a minute for 5,000), but immune to
    /// the machine's load.
    #[arg(long, default_value_t = 0)]
    instructions: u64,
    /// Worker threads of each server's runtime (default: one per core).
    #[arg(long)]
    server_threads: Option<usize>,
    /// Also measure stdio (piped and lockstep) against the echo ceiling.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    stdio: bool,
    /// Worker threads of the load generator's runtime (default: one per core).
    #[arg(long)]
    client_threads: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(kind) = args.serve {
        return match serve::run(kind, &args.body, args.server_threads) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mcp-bench server ({kind:?}): {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.client_threads {
        runtime.worker_threads(n);
    }
    let result = runtime
        .enable_all()
        .build()
        .map_err(Into::into)
        .and_then(|rt| rt.block_on(bench(&args)));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            eprintln!("mcp-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs every scenario and prints the report; false when a scenario saw errors.
async fn bench(args: &Args) -> Result<bool, BoxError> {
    let threads = args.server_threads;
    let stateless = ServerChild::spawn(serve::Kind::Stateless, "", threads)?;
    let session = ServerChild::spawn(serve::Kind::Session, "", threads)?;
    // The ceiling answers with the exact bytes our server answers the call with.
    let body = load::probe(stateless.addr, Mode::Stateless).await?;
    let session_body = load::probe(session.addr, Mode::Session).await?;
    if session_body != body {
        return Err(format!(
            "the session server answers differently from the stateless one:\n  {}\n  {}",
            String::from_utf8_lossy(&body),
            String::from_utf8_lossy(&session_body)
        )
        .into());
    }
    let text = std::str::from_utf8(&body)?;
    let bare = ServerChild::spawn(serve::Kind::Bare, text, threads)?;
    if load::probe(bare.addr, Mode::Bare).await? != body {
        return Err("the bare server does not answer the captured body".into());
    }
    // The 2026-07-28 call goes to the stateless server (a modern request needs no session
    // either way); its answer has more bytes (resultType, the server's identity), so it has
    // a ceiling of its own answering those.
    let modern_body = load::probe(stateless.addr, Mode::Modern).await?;
    let modern_text = std::str::from_utf8(&modern_body)?;
    let bare_modern = ServerChild::spawn(serve::Kind::Bare, modern_text, threads)?;
    if load::probe(bare_modern.addr, Mode::Bare).await? != modern_body {
        return Err("the bare server does not answer the captured 2026-07-28 body".into());
    }
    // A call in two rounds on the same server: its answer, once the retry carries the roots.
    let retry_body = load::probe(stateless.addr, Mode::Retry).await?;
    // Sessions in Redis, when a redis-server is at hand: the same answer, one Redis round
    // trip more per call.
    let redis = RedisChild::start();
    let session_redis = match &redis {
        Some(redis) => {
            let child = ServerChild::spawn(serve::Kind::SessionRedis, &redis.url(), threads)?;
            if load::probe(child.addr, Mode::Session).await? != body {
                return Err("the server with sessions in Redis answers differently".into());
            }
            Some(child)
        }
        None => {
            println!("(no redis-server on the PATH: the Redis session store is not measured)");
            None
        }
    };
    // Through nginx (round robin, no stickiness), when one is at hand: in front of the
    // bare server, of the instance above, and of it with two more.
    let mut more = Vec::new();
    let mut balanced = Vec::new();
    if let Some(first) = &session_redis
        && let Some(redis) = &redis
    {
        for _ in 0..2 {
            more.push(ServerChild::spawn(
                serve::Kind::SessionRedis,
                &redis.url(),
                threads,
            )?);
        }
        let three: Vec<_> = std::iter::once(first).chain(&more).collect();
        let nginx = [
            (Scenario::BalancedBare, vec![&bare]),
            (Scenario::BalancedOne, vec![first]),
            (Scenario::BalancedThree, three),
        ];
        for (scenario, upstreams) in nginx {
            let addrs: Vec<_> = upstreams.iter().map(|c| c.addr).collect();
            let Some(nginx) = balancer::NginxChild::start(&addrs) else {
                println!("(no nginx here: the rows through a balancer are not measured)");
                break;
            };
            let pids: Vec<u32> = upstreams.iter().map(|c| c.pid()).collect();
            let mode = if scenario == Scenario::BalancedBare {
                Mode::Bare
            } else {
                Mode::Session
            };
            if load::probe(nginx.addr, mode).await? != body {
                return Err(format!("{scenario:?} answers differently").into());
            }
            balanced.push((scenario, nginx, pids, mode));
        }
    }
    // The stateless server again, checking a bearer token on every call (a JWT, ES256,
    // its key from a JWKS file): the token is verified once and then found in the cache.
    let authed = match auth::setup() {
        Ok((jwks, token)) => {
            let child = ServerChild::spawn(
                serve::Kind::StatelessAuth,
                &jwks.display().to_string(),
                threads,
            )?;
            let bearer = http::HeaderValue::from_str(&format!("Bearer {token}"))?;
            if load::probe_with(child.addr, Mode::Stateless, Some(&bearer)).await? != body {
                return Err("the server checking tokens answers differently".into());
            }
            Some((child, bearer))
        }
        Err(e) => {
            println!("(no key for the auth row: {e})");
            None
        }
    };
    println!("tools/call response ({} bytes): {text}", body.len());
    println!(
        "2026-07-28 tools/call response ({} bytes): {modern_text}",
        modern_body.len()
    );
    println!(
        "{} rounds x {:.1} s measured (+{:.1} s warm-up) per scenario; servers are child processes\n",
        args.rounds, args.slice, args.warmup
    );

    let at = |child: &ServerChild| (child.addr, vec![child.pid()], None);
    let mut servers = vec![
        (Scenario::Stateless, at(&stateless), Mode::Stateless, &body),
        (Scenario::Session, at(&session), Mode::Session, &body),
        (Scenario::Bare, at(&bare), Mode::Bare, &body),
        (Scenario::Modern, at(&stateless), Mode::Modern, &modern_body),
        (
            Scenario::BareModern,
            at(&bare_modern),
            Mode::Bare,
            &modern_body,
        ),
        (
            Scenario::ModernRetry,
            at(&stateless),
            Mode::Retry,
            &retry_body,
        ),
    ];
    if let Some(child) = &session_redis {
        servers.push((Scenario::SessionRedis, at(child), Mode::Session, &body));
    }
    if let Some((child, bearer)) = &authed {
        let target = (child.addr, vec![child.pid()], Some(bearer.clone()));
        servers.push((Scenario::StatelessAuth, target, Mode::Stateless, &body));
    }
    for (scenario, nginx, pids, mode) in &balanced {
        servers.push((*scenario, (nginx.addr, pids.clone(), None), *mode, &body));
    }
    let mut rows: Vec<Row> = Vec::new();
    for round in 0..args.rounds {
        // Each server takes every place in the order in turn, so that what a place brings
        // (following a given server, the generator's state) favours none of them.
        if round > 0 {
            servers.rotate_left(1);
        }
        for &conns in &args.connections {
            for (scenario, (addr, pids, bearer), mode, expected) in &servers {
                let target = Target {
                    addr: *addr,
                    mode: *mode,
                    expected: (*expected).clone(),
                    server_pids: pids.clone(),
                    bearer: bearer.clone(),
                };
                let outcome = load::run(
                    &target,
                    conns,
                    Duration::from_secs_f64(args.warmup),
                    Duration::from_secs_f64(args.slice),
                )
                .await?;
                report::merge(&mut rows, *scenario, conns, outcome);
            }
        }
    }
    if args.stdio {
        stdio_rounds(args, &mut rows)?;
    }
    let valid = report::print(&mut rows, &args.connections);
    drop(servers);
    drop(balanced);
    drop(authed);
    drop((
        stateless,
        session,
        bare,
        bare_modern,
        session_redis,
        more,
        redis,
    ));

    if args.instructions > 0 {
        instructions::run(args.instructions, &body, &modern_body).await?;
    }
    if args.sessions > 0 {
        let child = ServerChild::spawn(serve::Kind::Session, "", threads)?;
        let mem = memory::idle_sessions(&child, args.sessions).await?;
        report::print_memory(&mem);
    }
    Ok(valid)
}

/// The stdio rounds: ours and the echo, piped and lockstep, alternating first place.
/// The echo answers with the bytes our server answered the probe call with.
fn stdio_rounds(args: &Args, rows: &mut Vec<Row>) -> Result<(), BoxError> {
    let mut ours = stdio::StdioChild::spawn(serve::Kind::Stdio, "")?;
    let expected = ours.probe()?;
    let text = std::str::from_utf8(&expected)?;
    let mut echo = stdio::StdioChild::spawn(serve::Kind::StdioEcho, text)?;
    if echo.probe()? != expected {
        return Err("the stdio echo does not answer the captured line".into());
    }
    println!("stdio tools/call answer ({} bytes): {text}", expected.len());
    let (warmup, slice) = (
        Duration::from_secs_f64(args.warmup),
        Duration::from_secs_f64(args.slice),
    );
    for round in 0..args.rounds {
        let mut order = [
            (Scenario::StdioPiped, true),
            (Scenario::EchoPiped, true),
            (Scenario::StdioLockstep, false),
            (Scenario::EchoLockstep, false),
        ];
        if round % 2 == 1 {
            order.swap(0, 1);
            order.swap(2, 3);
        }
        for (scenario, piped) in order {
            let child = match scenario {
                Scenario::StdioPiped | Scenario::StdioLockstep => &mut ours,
                _ => &mut echo,
            };
            let measured = if piped {
                stdio::piped(child, &expected, warmup, slice)?
            } else {
                stdio::lockstep(child, &expected, warmup, slice)?
            };
            report::merge(rows, scenario, 1, measured);
        }
    }
    Ok(())
}

/// A throwaway `redis-server` (no persistence) on a free port, stopped when dropped.
struct RedisChild {
    child: std::process::Child,
    port: u16,
}

impl RedisChild {
    /// `None` when no `redis-server` runs here.
    fn start() -> Option<RedisChild> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .ok()?
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let redis = RedisChild { child, port };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for RedisChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
