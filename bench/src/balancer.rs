//! A throwaway nginx in front of one or more server children, round robin, no
//! stickiness: the configuration the README's Deployment section gives, for the rows
//! measured through a load balancer.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// nginx in a directory of its own, stopped (and the directory removed) when dropped.
pub struct NginxChild {
    child: Child,
    dir: PathBuf,
    pub addr: SocketAddr,
}

impl NginxChild {
    /// nginx balancing `upstreams`; `None` when there is no nginx here or it did not start.
    pub fn start(upstreams: &[SocketAddr]) -> Option<NginxChild> {
        let binary = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .ok()?
            .port();
        let dir =
            std::env::temp_dir().join(format!("mcp-bench-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let servers: String = upstreams
            .iter()
            .map(|u| format!("        server {u} max_fails=0;\n"))
            .collect();
        let d = dir.display();
        let config = format!(
            r#"daemon off;
worker_processes 1;
pid {d}/nginx.pid;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    # The load generator keeps its connections for the whole run (nginx closes a client
    # connection after 1000 requests by default, an upstream one likewise).
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream mcp {{
{servers}        keepalive 64;
        keepalive_requests 100000000;
    }}
    server {{
        listen 127.0.0.1:{port};
        location /mcp {{
            proxy_pass http://mcp;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_buffering off;
            proxy_cache off;
            client_max_body_size 4m;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
    }}
}}
"#
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config).ok()?;
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .ok()?;
        let nginx = NginxChild {
            child,
            dir,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(nginx.addr).is_err() {
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(nginx)
    }
}

impl Drop for NginxChild {
    /// SIGTERM, not SIGKILL: the master then stops its workers (killed, it would leave
    /// them running, orphaned); SIGKILL only if it has not exited within 5 s.
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
