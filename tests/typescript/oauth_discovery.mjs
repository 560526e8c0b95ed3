// The official MCP TypeScript SDK (@modelcontextprotocol/sdk 1.32.2) meets the `notes`
// server started with `--auth-issuer`: its StreamableHTTPClientTransport, given an OAuth
// client provider, is refused with 401, follows the `resource_metadata` URL of the
// `WWW-Authenticate` challenge to our Protected Resource Metadata, finds the
// authorization server there, and starts the authorization-code flow for our resource.
//
// Usage (Node 22):
//   MCP_NODE_MODULES=DIR node oauth_discovery.mjs SERVER_URL ISSUER_PORT
//
// The script plays the authorization server's metadata (RFC 8414) on 127.0.0.1:ISSUER_PORT,
// the issuer the server was started with. It checks that the SDK's authorization URL is
// that server's, names our resource (RFC 8707) and asks for the scopes we publish.
// Exits 0 after a one-line summary, or 1 with the first failed check. Run by
// tests/typescript_sdk.rs (`cargo xtask test`).

import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { join } from 'node:path';

function fail(message) {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

const [serverUrl, issuerPort] = process.argv.slice(2);
if (!serverUrl || !issuerPort) fail('usage: oauth_discovery.mjs SERVER_URL ISSUER_PORT');
const modules = process.env.MCP_NODE_MODULES;
if (!modules) fail('MCP_NODE_MODULES is not set');
const require = createRequire(join(modules, '/'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { UnauthorizedError } = require('@modelcontextprotocol/sdk/client/auth.js');

const issuer = `http://127.0.0.1:${issuerPort}`;
const fetched = [];
const metadata = createServer((req, res) => {
  fetched.push(req.url);
  if (req.url === '/.well-known/oauth-authorization-server') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
    }));
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((resolve) => metadata.listen(Number(issuerPort), '127.0.0.1', resolve));

let discovered;
let authorizationUrl;
const provider = {
  get redirectUrl() { return 'http://127.0.0.1:1/callback'; },
  get clientMetadata() {
    return { client_name: 'conformance-of-discovery', redirect_uris: ['http://127.0.0.1:1/callback'] };
  },
  clientInformation: () => ({ client_id: 'test-client' }),
  saveClientInformation: () => {},
  tokens: () => undefined,
  saveTokens: () => {},
  saveCodeVerifier: () => {},
  codeVerifier: () => 'verifier',
  saveDiscoveryState: (state) => { discovered = state; },
  discoveryState: () => undefined,
  redirectToAuthorization: (url) => { authorizationUrl = url; },
};

const client = new Client({ name: 'oauth-discovery', version: '0' });
const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider });
try {
  await client.connect(transport);
  fail('the connection succeeded without a token');
} catch (error) {
  if (!(error instanceof UnauthorizedError)) fail(`expected UnauthorizedError, got ${error}`);
} finally {
  metadata.close();
}

if (!discovered) fail('the SDK saved no discovery state');
const prm = discovered.resourceMetadata;
if (!prm) fail(`the SDK did not read the Protected Resource Metadata: ${JSON.stringify(discovered)}`);
if (prm.resource !== serverUrl) fail(`metadata resource ${prm.resource} is not ${serverUrl}`);
if (String(discovered.authorizationServerUrl).replace(/\/$/, '') !== issuer) {
  fail(`authorization server ${discovered.authorizationServerUrl} is not ${issuer}`);
}
if (!fetched.includes('/.well-known/oauth-authorization-server')) fail(`the issuer's metadata was not read: ${fetched}`);
if (!authorizationUrl) fail('the SDK did not start the authorization flow');
if (`${authorizationUrl.origin}${authorizationUrl.pathname}` !== `${issuer}/authorize`) {
  fail(`authorization URL ${authorizationUrl} is not the issuer's`);
}
if (authorizationUrl.searchParams.get('resource') !== serverUrl) {
  fail(`the authorization request names resource ${authorizationUrl.searchParams.get('resource')}, not ${serverUrl}`);
}
if (authorizationUrl.searchParams.get('scope') !== 'notes:write') {
  fail(`the authorization request asks for scope ${authorizationUrl.searchParams.get('scope')}, not notes:write`);
}
console.log(`ok: 401 -> ${prm.resource} metadata -> ${issuer} -> authorize for resource ${serverUrl} with scope notes:write`);
process.exit(0);
