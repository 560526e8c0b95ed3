# The flagship server (examples/notes) over Streamable HTTP on port 8000, built with
# the cargo feature `redis`: give several containers the same MCP_REDIS_URL (and
# MCP_REQUEST_STATE_KEY) and put them behind a balancer (README, Deployment).
#
#   docker build -t mcp-notes .
#   docker run -p 8000:8000 -e MCP_REDIS_URL=redis://redis:6379/0 \
#       -e MCP_REQUEST_STATE_KEY=... mcp-notes \
#       --allowed-host mcp.example.com --auth-issuer https://issuer.example.com
#
# The probes are GET /healthz and GET /readyz. tests/cli.rs starts this entrypoint, with
# this environment, and checks that it serves.

FROM rust:1.95.0-slim-bookworm AS build
# The toolchain of rust-toolchain.toml, as the image ships it (no download).
ENV RUSTUP_TOOLCHAIN=1.95.0
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features redis --bin notes

FROM debian:bookworm-slim
# CA certificates: the authorization server's metadata and keys are fetched over HTTPS.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 mcp
COPY --from=build /src/target/release/notes /usr/local/bin/notes
USER mcp
ENV MCP_TRANSPORT=streamable-http MCP_HOST=0.0.0.0 MCP_PORT=8000 MCP_DRAIN_DELAY=5
EXPOSE 8000
# SIGTERM: /readyz turns 503 for MCP_DRAIN_DELAY seconds, then the requests in flight
# finish within --shutdown-grace.
STOPSIGNAL SIGTERM
ENTRYPOINT ["notes", "--allow-remote"]
