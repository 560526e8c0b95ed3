//! Memory per idle session: the server's RSS before and after many sessions are created
//! and left alone.

use crate::BoxError;
use crate::child::{ServerChild, rss_bytes};
use crate::load::Client;
use std::time::Duration;

/// Connections the sessions are created over (kept open for both readings, so their
/// buffers are in "before" and "after" alike).
const CONNECTIONS: usize = 8;
/// Sessions created before the first reading: the code paths, the session table and the
/// allocator's arenas are warm by then.
const WARM_SESSIONS: usize = 16;

/// What the measurement read.
pub struct MemoryReport {
    pub sessions: usize,
    pub connections: usize,
    /// RSS with the warm-up sessions only, bytes.
    pub before: u64,
    /// RSS after `sessions` more, bytes.
    pub after: u64,
    /// RSS after a pause with nothing added, bytes (how much RSS drifts by itself).
    pub noise: u64,
}

/// Creates `sessions` sessions (initialize + initialized) on a fresh server and reads its
/// RSS around them.
pub async fn idle_sessions(child: &ServerChild, sessions: usize) -> Result<MemoryReport, BoxError> {
    let pid = child.pid().to_string();
    let mut clients = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        clients.push(Client::connect(child.addr).await?);
    }
    clients = create(clients, WARM_SESSIONS).await?;
    let rss = || rss_bytes(&pid).ok_or("cannot read the server's VmRSS");
    settle().await;
    let before = rss()?;
    settle().await;
    let noise = rss()?;
    let clients = create(clients, sessions).await?;
    settle().await;
    let after = rss()?;
    drop(clients);
    Ok(MemoryReport {
        sessions,
        connections: CONNECTIONS,
        before,
        after,
        noise,
    })
}

/// Creates `n` sessions, spread over the connections, which run concurrently.
async fn create(clients: Vec<Client>, n: usize) -> Result<Vec<Client>, BoxError> {
    let count = clients.len();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut client)| {
            let mine = n / count + usize::from(i < n % count);
            tokio::spawn(async move {
                for _ in 0..mine {
                    client.initialize().await?;
                }
                Ok::<_, BoxError>(client)
            })
        })
        .collect();
    let mut clients = Vec::with_capacity(count);
    for task in tasks {
        clients.push(task.await??);
    }
    Ok(clients)
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}
