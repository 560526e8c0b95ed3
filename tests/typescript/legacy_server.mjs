// A server that speaks only the legacy revisions of MCP (2025-11-25 and earlier): the
// official TypeScript SDK's low-level `Server` (@modelcontextprotocol/sdk 1.32.2), with one
// tool, `echo`. Our `Client` must find out that it does not speak 2026-07-28 and fall back
// to `initialize` (tests/typescript_sdk.rs).
//
// Usage (Node 22):
//   MCP_NODE_MODULES=DIR node legacy_server.mjs stdio
//   MCP_NODE_MODULES=DIR node legacy_server.mjs streamable-http
//
// Over Streamable HTTP it listens on a free loopback port, prints
// `listening http://127.0.0.1:PORT/mcp` on stdout, and serves sessions the way the SDK's
// own examples do: a POST without a session must be `initialize`, anything else gets the
// SDK's 400 "No valid session ID provided".

import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';

const modules = process.env.MCP_NODE_MODULES;
if (!modules) {
  console.error('MCP_NODE_MODULES is not set (cargo xtask test sets it to target/peers/node/node_modules)');
  process.exit(2);
}
const require = createRequire(join(resolve(modules), '/'));
const { Server } = require('@modelcontextprotocol/sdk/server/index.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  isInitializeRequest,
} = require('@modelcontextprotocol/sdk/types.js');

function makeServer() {
  const server = new Server({ name: 'ts-legacy', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{
      name: 'echo',
      description: 'Says the text back',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    if (request.params.name !== 'echo') {
      return { content: [{ type: 'text', text: `no tool ${request.params.name}` }], isError: true };
    }
    return { content: [{ type: 'text', text: String(request.params.arguments?.text ?? '') }] };
  });
  return server;
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

async function serveHttp() {
  const transports = new Map();
  const http = createServer(async (req, res) => {
    try {
      const sid = req.headers['mcp-session-id'];
      const known = typeof sid === 'string' ? transports.get(sid) : undefined;
      if (known) {
        await known.handleRequest(req, res);
        return;
      }
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
          id: null,
        }));
        return;
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await makeServer().connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (e) {
      console.error(e);
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  http.listen(0, '127.0.0.1', () => {
    const { port } = http.address();
    console.log(`listening http://127.0.0.1:${port}/mcp`);
  });
}

const mode = process.argv[2];
if (mode === 'stdio') {
  await makeServer().connect(new StdioServerTransport());
} else if (mode === 'streamable-http') {
  await serveHttp();
} else {
  console.error(`usage: legacy_server.mjs stdio|streamable-http (got ${mode})`);
  process.exit(2);
}
