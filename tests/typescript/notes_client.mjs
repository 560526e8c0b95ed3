// Drive the `notes` example server with the official MCP TypeScript SDK
// (@modelcontextprotocol/sdk 1.32.2): its `Client`, over `StdioClientTransport`
// or `StreamableHTTPClientTransport`.
//
// Usage (Node 22):
//   MCP_NODE_MODULES=DIR node notes_client.mjs stdio PATH_TO_NOTES_BINARY
//   MCP_NODE_MODULES=DIR node notes_client.mjs streamable-http URL
//
// MCP_NODE_MODULES is the `node_modules` directory that `cargo xtask peers`
// fills (target/peers/node/node_modules). The SDK is loaded from there with a
// `require` anchored in that directory (see `loadSdk`), not from wherever this
// script happens to live: ESM `import` ignores NODE_PATH and would only search
// `node_modules` directories above tests/typescript/, where there are none.
//
// The SDK validates every result against the protocol's schema (and tool
// results against the tool's outputSchema) before we see it; the checks below
// then compare it with what the server is meant to expose. They mirror
// tests/python/notes_client.py and are the same for both transports.
//
// Exits 0 after printing a one-line summary, or 1 with a message naming the
// first check that failed. Run by tests/typescript_sdk.rs (`cargo xtask test`).

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual, inspect } from 'node:util';

const REQUESTED_VERSION = '2025-11-25'; // what the 1.32.2 client offers in `initialize`
const RESOURCE_NOT_FOUND = -32002;
const WELCOME_BODY = 'This server keeps notes in memory.';
// A whole run takes about a second; a hung server fails it instead of blocking.
const RUN_TIMEOUT_MS = 60_000;
const TRANSPORTS = ['stdio', 'streamable-http'];

class CheckFailed extends Error {}

let checksPassed = 0;
let step = 'start';

/** Counts a passing check, or stops with `message` (and the actual value). */
function check(condition, message, actual) {
  if (!condition) {
    const detail = actual === undefined ? '' : `\n  actual: ${JSON.stringify(actual, null, 2)}`;
    throw new CheckFailed(`${message}${detail}`);
  }
  checksPassed += 1;
}

function checkEq(actual, expected, what) {
  check(
    isDeepStrictEqual(actual, expected),
    `${what}: expected ${inspect(expected, { depth: null })}, got ${inspect(actual, { depth: null })}`,
  );
}

/** Whether a JSON Schema's `type` is `name` or a list containing it (e.g. ["array", "null"]). */
function hasType(schema, name) {
  const ty = schema?.type;
  return ty === name || (Array.isArray(ty) && ty.includes(name));
}

/** Paths of every object key in `keys`, anywhere inside `value`. */
function findKeys(value, keys, path = '$') {
  const found = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => found.push(...findKeys(item, keys, `${path}[${index}]`)));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (keys.has(key)) found.push(`${path}.${key}`);
      found.push(...findKeys(item, keys, `${path}.${key}`));
    }
  }
  return found;
}

/** The text of a result whose content is exactly one text item. */
function onlyText(result, what) {
  const content = result.content;
  check(content?.length === 1 && content[0].type === 'text', `${what}: expected one text content item`, content);
  return content[0].text;
}

async function callOk(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  check(!result.isError, `tools/call ${name} ${JSON.stringify(args)}: unexpected isError result`, result);
  return result;
}

// --- the SDK -------------------------------------------------------------------

/**
 * The SDK modules, resolved from MCP_NODE_MODULES as if this script lived in the
 * npm project that owns it: `createRequire` with a directory (trailing slash)
 * searches that directory's `node_modules` chain, which starts with the directory
 * itself when it is named `node_modules`. `require` picks the SDK's CommonJS build
 * through its package `exports` (the same sources as the ESM build); every module
 * comes from that one build, so `instanceof McpError` holds across them.
 */
function loadSdk() {
  const modules = process.env.MCP_NODE_MODULES;
  if (!modules) {
    throw new Error('MCP_NODE_MODULES is not set (cargo xtask test sets it to target/peers/node/node_modules)');
  }
  const require = createRequire(join(modules, '/'));
  const manifest = JSON.parse(readFileSync(join(modules, '@modelcontextprotocol/sdk/package.json'), 'utf8'));
  return {
    version: manifest.version,
    ...require('@modelcontextprotocol/sdk/client/index.js'),
    ...require('@modelcontextprotocol/sdk/client/stdio.js'),
    ...require('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    ...require('@modelcontextprotocol/sdk/types.js'),
  };
}

/**
 * Keeps every message the transport hands to the client, as the transport
 * decoded it (before the client parses results into their schemas), by
 * wrapping the `onmessage` callback the client installs.
 */
function recordIncoming(transport) {
  const received = [];
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () =>
      handler &&
      ((message, extra) => {
        received.push(message);
        handler(message, extra);
      }),
    set: (h) => {
      handler = h;
    },
  });
  return received;
}

// --- initialize ------------------------------------------------------------------

function checkInitialize(client, received) {
  const initialize = received.find((m) => m.result?.protocolVersion !== undefined);
  check(initialize !== undefined, 'no initialize result came over the wire', received);
  // The server supports the version the client offered, so it must agree to it.
  checkEq(initialize.result.protocolVersion, REQUESTED_VERSION, 'negotiated protocol version');
  const info = client.getServerVersion();
  checkEq(info?.name, 'notes', 'serverInfo.name');
  checkEq(info?.version, '0.1.0', 'serverInfo.version');
  const capabilities = client.getServerCapabilities() ?? {};
  for (const capability of ['tools', 'resources', 'prompts']) {
    check(capability in capabilities, `server capabilities lack '${capability}'`, capabilities);
  }
  const instructions = client.getInstructions();
  check(typeof instructions === 'string' && instructions.length > 0, 'initialize result has no instructions', instructions);
  return initialize.result.protocolVersion;
}

// --- tools -------------------------------------------------------------------------

const TOOL_DESCRIPTIONS = {
  add_note: 'Add a note to the knowledge base.',
  search_notes: 'Find notes whose title or body contains the query (case-insensitive).',
  delete_note: 'Delete a note by id.',
  count_words: 'Count the words in a text.',
};
// tool -> [property -> JSON Schema type, required properties]
const TOOL_PARAMS = {
  add_note: [{ title: 'string', body: 'string', tags: 'array' }, ['body', 'title']],
  search_notes: [{ query: 'string', limit: 'integer' }, ['query']],
  delete_note: [{ id: 'integer' }, ['id']],
  count_words: [{ text: 'string' }, ['text']],
};
const TOOL_ANNOTATIONS = {
  add_note: {},
  search_notes: { readOnlyHint: true },
  delete_note: { destructiveHint: true },
  count_words: { readOnlyHint: true },
};
const ADD_NOTE_PARAM_DESCRIPTIONS = {
  title: 'Short title of the note.',
  body: "The note's text, in Markdown.",
  tags: 'Labels to file the note under.',
};

const sorted = (values) => [...values].sort();

async function checkToolList(client, { received }) {
  const listed = await client.listTools();
  const tools = Object.fromEntries(listed.tools.map((tool) => [tool.name, tool]));
  checkEq(sorted(Object.keys(tools)), sorted(Object.keys(TOOL_DESCRIPTIONS)), 'tool names');
  // On the raw answer: the SDK's parsing could drop keys it does not know.
  const wire = received.findLast((m) => Array.isArray(m.result?.tools));
  const refs = findKeys(wire, new Set(['$ref', '$defs', 'definitions']));
  check(refs.length === 0, `tools/list must be self-contained, without $ref/$defs; found: ${refs.join(', ')}`);

  for (const [name, tool] of Object.entries(tools)) {
    checkEq(tool.description, TOOL_DESCRIPTIONS[name], `${name}: description`);
    const schema = tool.inputSchema;
    checkEq(schema.type, 'object', `${name}: inputSchema.type`);
    const [expectedTypes, required] = TOOL_PARAMS[name];
    const properties = schema.properties ?? {};
    checkEq(sorted(Object.keys(properties)), sorted(Object.keys(expectedTypes)), `${name}: inputSchema properties`);
    for (const [prop, ty] of Object.entries(expectedTypes)) {
      check(hasType(properties[prop], ty), `${name}: property '${prop}' should have type '${ty}'`, properties[prop]);
    }
    checkEq(sorted(schema.required ?? []), required, `${name}: inputSchema.required`);
    const annotations = tool.annotations ?? {};
    for (const [hint, value] of Object.entries(TOOL_ANNOTATIONS[name])) {
      checkEq(annotations[hint], value, `${name}: annotations.${hint}`);
    }
    if (Object.keys(TOOL_ANNOTATIONS[name]).length === 0) {
      check(Object.keys(annotations).length === 0, `${name}: expected no annotations`, annotations);
    }
  }

  const addNote = tools.add_note.inputSchema.properties;
  for (const [prop, description] of Object.entries(ADD_NOTE_PARAM_DESCRIPTIONS)) {
    checkEq(addNote[prop].description, description, `add_note: description of '${prop}'`);
  }
  check(hasType(addNote.tags.items, 'string'), 'add_note: tags should be an array of strings', addNote.tags);

  let output = tools.add_note.outputSchema;
  check(output?.type === 'object', 'add_note: outputSchema of type object', output);
  for (const prop of ['id', 'title', 'body', 'tags']) {
    check(prop in (output.properties ?? {}), `add_note: outputSchema lacks property '${prop}'`, output);
  }
  output = tools.search_notes.outputSchema;
  check(output?.type === 'object', 'search_notes: outputSchema of type object', output);
  check(hasType(output.properties?.result, 'array'), 'search_notes: outputSchema.properties.result should be an array', output);
}

async function checkToolCalls(client) {
  // The client itself validates structuredContent against each tool's outputSchema
  // (it compiled them in listTools).
  const args = { title: 'Rust tips', body: 'Run `cargo clippy` early.', tags: ['rust', 'tooling'] };
  const added = await callOk(client, 'add_note', args);
  const note = added.structuredContent;
  check(note !== null && typeof note === 'object', 'add_note: structuredContent should be the note object', added);
  const noteId = note.id;
  check(Number.isInteger(noteId), 'add_note: note id should be an integer', note);
  check(noteId !== 1, "add_note: the new note reused id 1 (the Welcome note's)", note);
  checkEq(note, { id: noteId, ...args }, 'add_note: structuredContent');
  const text = onlyText(added, 'add_note');
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    check(false, `add_note: text content is not JSON (${error.message}): ${JSON.stringify(text)}`);
  }
  checkEq(parsed, note, 'add_note: text content parsed as JSON');

  let found = await callOk(client, 'search_notes', { query: 'CLIPPY' });
  const hits = found.structuredContent?.result;
  check(Array.isArray(hits), 'search_notes: structuredContent should be {"result": [...]}', found);
  checkEq(hits.map((hit) => [hit.id, hit.title]), [[noteId, 'Rust tips']], "search_notes 'CLIPPY' [id, title] hits");
  found = await callOk(client, 'search_notes', { query: 'welcome' });
  checkEq(found.structuredContent.result.map((hit) => hit.title), ['Welcome'], "search_notes 'welcome' titles");
  found = await callOk(client, 'search_notes', { query: 'e', limit: 1 });
  checkEq(found.structuredContent.result.length, 1, "search_notes 'e' with limit 1: number of hits");

  const counted = await callOk(client, 'count_words', { text: 'the quick brown fox' });
  checkEq(counted.structuredContent, { result: 4 }, 'count_words: structuredContent');

  const missing = await client.callTool({ name: 'delete_note', arguments: { id: 999 } });
  check(missing.isError === true, 'delete_note 999: expected a result with isError true', missing);
  checkEq(onlyText(missing, 'delete_note 999'), 'no note with id 999', 'delete_note 999: error text');
  const deleted = await callOk(client, 'delete_note', { id: noteId });
  checkEq(onlyText(deleted, 'delete_note'), `Deleted note ${noteId}.`, 'delete_note: text');
  found = await callOk(client, 'search_notes', { query: 'clippy' });
  checkEq(found.structuredContent, { result: [] }, 'search_notes after delete_note');
}

// --- resources -----------------------------------------------------------------------

const pick = (object, keys) => Object.fromEntries(keys.map((key) => [key, object[key]]));

async function checkResources(client, { sdk }) {
  const { resources } = await client.listResources();
  let expected = {
    uri: 'notes://index',
    name: 'index',
    mimeType: 'text/markdown',
    description: 'Every note, one line each.',
  };
  checkEq(resources.map((r) => pick(r, Object.keys(expected))), [expected], 'resources/list');

  const { resourceTemplates } = await client.listResourceTemplates();
  expected = {
    uriTemplate: 'notes://{id}',
    name: 'note',
    mimeType: 'text/markdown',
    description: 'A note, by id.',
  };
  checkEq(resourceTemplates.map((t) => pick(t, Object.keys(expected))), [expected], 'resources/templates/list');

  const index = await readText(client, 'notes://index');
  check(index.startsWith('# Notes'), "notes://index should start with '# Notes'", index);
  check(index.includes('Welcome'), 'notes://index should list the Welcome note', index);
  const note = await readText(client, 'notes://1');
  check(note.startsWith('# Welcome'), "notes://1 should start with '# Welcome'", note);
  check(note.includes(WELCOME_BODY), "notes://1 should contain the note's body", note);

  let result;
  try {
    result = await client.readResource({ uri: 'notes://999' });
  } catch (error) {
    check(error instanceof sdk.McpError, `resources/read notes://999: expected an McpError, got ${error}`);
    checkEq(error.code, RESOURCE_NOT_FOUND, `resources/read notes://999: error code (message ${JSON.stringify(error.message)})`);
    return;
  }
  check(false, 'resources/read notes://999: expected a JSON-RPC error -32002', result);
}

async function readText(client, uri) {
  const { contents } = await client.readResource({ uri });
  check(contents.length === 1 && 'text' in contents[0], `resources/read ${uri}: expected one text item`, contents);
  checkEq(contents[0].uri, uri, `resources/read ${uri}: contents uri`);
  if ('mimeType' in contents[0]) {
    checkEq(contents[0].mimeType, 'text/markdown', `resources/read ${uri}: mimeType`);
  }
  return contents[0].text;
}

// --- prompts ---------------------------------------------------------------------------

async function checkPrompts(client) {
  const prompts = Object.fromEntries((await client.listPrompts()).prompts.map((p) => [p.name, p]));
  checkEq(sorted(Object.keys(prompts)), ['review', 'summarize_note'], 'prompt names');

  const review = prompts.review;
  checkEq(review.description, 'Ask for a review of some code.', 'review: description');
  let args = Object.fromEntries((review.arguments ?? []).map((a) => [a.name, a]));
  checkEq(sorted(Object.keys(args)), ['code', 'focus'], 'review: argument names');
  checkEq(args.code.required, true, 'review: code.required');
  check(!args.focus.required, 'review: focus should be optional', args.focus);
  checkEq(args.code.description, 'The code to review.', 'review: code.description');
  checkEq(args.focus.description, 'Optional focus, e.g. "security".', 'review: focus.description');

  const summarize = prompts.summarize_note;
  checkEq(summarize.description, 'Summarize one note.', 'summarize_note: description');
  args = Object.fromEntries((summarize.arguments ?? []).map((a) => [a.name, a]));
  checkEq(sorted(Object.keys(args)), ['id'], 'summarize_note: argument names');
  checkEq(args.id.required, true, 'summarize_note: id.required');

  const code = 'fn main() { println!("hi"); }';
  let text = await promptText(client, 'review', { code });
  check(text.includes(code), 'review: the message should contain the code', text);
  text = await promptText(client, 'review', { code, focus: 'security' });
  check(text.includes(code) && text.includes('security'), 'review with focus: the message should contain code and focus', text);
  text = await promptText(client, 'summarize_note', { id: '1' });
  check(text.includes(WELCOME_BODY), "summarize_note 1: the message should contain the note's body", text);
}

async function promptText(client, name, args) {
  const { messages } = await client.getPrompt({ name, arguments: args });
  const what = `prompts/get ${name} ${JSON.stringify(args)}`;
  check(messages.length === 1, `${what}: expected one message`, messages);
  checkEq(messages[0].role, 'user', `${what}: role`);
  checkEq(messages[0].content.type, 'text', `${what}: content type`);
  return messages[0].content.text;
}

// --- main --------------------------------------------------------------------------------

function connectTransport(sdk, transport, target) {
  if (transport === 'stdio') {
    // The server's log goes to our stderr, which the test shows when a check fails.
    return new sdk.StdioClientTransport({ command: target, args: [], stderr: 'inherit' });
  }
  return new sdk.StreamableHTTPClientTransport(new URL(target));
}

async function run(sdk, transportName, target) {
  const transport = connectTransport(sdk, transportName, target);
  const received = recordIncoming(transport);
  const client = new sdk.Client({ name: 'mcp-examples-typescript-test', version: '0.1.0' });
  step = 'connect (initialize)';
  await client.connect(transport);
  let version;
  try {
    version = await runChecks(client, transport, transportName, { sdk, received });
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  step = 'shutdown';
  await client.close();
  return version;
}

async function runChecks(client, transport, transportName, context) {
  const version = checkInitialize(client, context.received);
  if (transportName === 'streamable-http') {
    const sessionId = transport.sessionId;
    check(typeof sessionId === 'string' && sessionId.length > 0, 'initialize over HTTP gave no Mcp-Session-Id', sessionId);
    checkEq(transport.protocolVersion, version, 'MCP-Protocol-Version the HTTP transport sends');
  }
  for (const [name, checks] of [
    ['tools/list', checkToolList],
    ['tools/call', checkToolCalls],
    ['resources', checkResources],
    ['prompts', checkPrompts],
  ]) {
    step = name;
    await checks(client, context);
  }
  if (transportName === 'streamable-http') {
    // DELETE ends the session; the SDK throws unless the server answers 2xx (or 405).
    step = 'terminate session (DELETE)';
    await transport.terminateSession();
    checkEq(transport.sessionId, undefined, 'session id after terminateSession');
  }
  return version;
}

/** An error with its chain of causes (fetch failures hide the reason in `cause`). */
function describeError(error) {
  const lines = [error?.stack ?? String(error)];
  for (let cause = error?.cause; cause; cause = cause.cause) {
    lines.push(`caused by: ${cause.stack ?? cause}`);
  }
  return lines.join('\n');
}

async function main() {
  const [transportName, target] = process.argv.slice(2);
  if (process.argv.length !== 4 || !TRANSPORTS.includes(transportName)) {
    console.error(`usage: node ${process.argv[1]} stdio PATH_TO_NOTES_BINARY | streamable-http URL`);
    return 2;
  }
  const timer = setTimeout(() => {
    console.error(`FAIL (${step}; after ${checksPassed} checks passed): not finished within ${RUN_TIMEOUT_MS} ms`);
    process.exit(1);
  }, RUN_TIMEOUT_MS);
  timer.unref();
  try {
    const sdk = loadSdk();
    const version = await run(sdk, transportName, target);
    console.log(
      `typescript SDK ${sdk.version} client: ${checksPassed} checks passed over ${transportName} against ${target} (protocol ${version})`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof CheckFailed ? error.message : describeError(error);
    console.error(`FAIL (${step}; after ${checksPassed} checks passed): ${message}`);
    return 1;
  }
}

process.exitCode = await main();
