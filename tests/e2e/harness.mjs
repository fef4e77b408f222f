// Test harness: starts the ServiceNow simulator and the built worker under workerd
// (wrangler dev, local KV) on free 127.0.0.1 ports, provisions through the admin API,
// and stops everything it started by process group. Every wait is bounded.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdefghijkl';
export const CREDENTIALS_KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, 'target');
export const SIM_BIN = join(TARGET, 'debug', 'servicenow-sim');
/** The release build, for the benchmarks: the debug one spends milliseconds of CPU on each
 * answer, on the same two cores as the worker being measured. */
export const SIM_RELEASE_BIN = join(TARGET, 'release', 'servicenow-sim');
export const CLI_BIN = join(TARGET, 'debug', 'snmcp');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stopGroup(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      resolve();
    }, 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    try { process.kill(-child.pid, 'SIGTERM'); } catch { clearTimeout(timer); resolve(); }
  });
}

/** Starts the simulator; resolves when it printed its address. */
export async function startSimulator({ seed = 'demo', rateLimit, rateWindow, bin = SIM_BIN } = {}) {
  const args = ['--host', '127.0.0.1', '--port', '0', '--seed', seed, '--specs', join(ROOT, 'tool-specs', 'servicenow')];
  if (rateLimit) args.push('--rate-limit', String(rateLimit));
  if (rateWindow) args.push('--rate-window', String(rateWindow));
  const child = spawn(bin, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start in 15 s:\n${output}`)), 15000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => { output += c; });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`simulator exited (${code}):\n${output}`)); });
    child.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start ${bin}: ${e.message} (run \`make bins\`)`)); });
  });
  child.stdout.resume();
  return {
    url,
    async requests() { return (await fetch(`${url}/__sim/requests`)).json(); },
    async clearRequests() { await fetch(`${url}/__sim/requests`, { method: 'DELETE' }); },
    async table(name) { return (await fetch(`${url}/__sim/tables/${name}`)).json(); },
    async configure(body) {
      const r = await fetch(`${url}/__sim/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`simulator config failed: ${r.status} ${await r.text()}`);
    },
    stop: () => stopGroup(child),
  };
}

/** Starts the built worker under workerd with its own local KV directory: by default
 * through the `wrangler dev` command, as a developer runs it; with `inspector: false`
 * through wrangler's dev server API without the DevTools session that command attaches
 * (scripts/dev-worker.mjs), for figures that measure the worker and not the debugger;
 * `config` then runs another wrangler.toml (the bench's reference worker). */
export async function startWorker({ vars = {}, inspector = true, config } = {}) {
  const port = await freePort();
  const persist = mkdtempSync(join(tmpdir(), 'snmcp-kv-'));
  if (!config) applyMigrations(persist);
  const allVars = { ADMIN_TOKEN, CREDENTIALS_KEY, ALLOW_HTTP_UPSTREAM: 'true', ...vars };
  let command;
  let args;
  if (inspector) {
    const inspectorPort = await freePort();
    command = join(ROOT, 'node_modules', '.bin', 'wrangler');
    args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
      '--persist-to', persist, '--show-interactive-dev-session=false', '--log-level', 'log', '--test-scheduled'];
  } else {
    command = process.execPath;
    args = [join(ROOT, 'scripts', 'dev-worker.mjs'), '--port', String(port), '--persist-to', persist];
    if (config) args.push('--config', config);
  }
  for (const [k, v] of Object.entries(allVars)) args.push('--var', `${k}:${v}`);
  const child = spawn(command, args, {
    cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SKIP_WORKER_BUILD: '1', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
  });
  // stdout and stderr joined whole line by whole line: a chunk of one stream arriving in
  // the middle of a line of the other (workerd's multi-line errors) must not split it.
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.on('data', (chunk) => {
      partial += chunk;
      const end = partial.lastIndexOf('\n');
      if (end >= 0) {
        output += partial.slice(0, end + 1);
        partial = partial.slice(end + 1);
      }
    });
    stream.on('end', () => { output += partial; partial = ''; });
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { await stopGroup(child); throw new Error(`worker did not start in 60 s:\n${output}`); }
    await sleep(250);
  }
  return {
    url,
    persist,
    logs: () => output,
    admin: (method, path, body, token = ADMIN_TOKEN) => fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    async stop() { await stopGroup(child); rmSync(persist, { recursive: true, force: true }); },
  };
}

/** Applies migrations/ to wrangler's local D1 under `persist`, as a deploy applies them
 * with `--remote` (wrangler's own migration runner, bounded to 60 s). */
export function applyMigrations(persist) {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'wrangler'),
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], {
      cwd: ROOT, encoding: 'utf8', timeout: 60000,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
    });
  if (r.status !== 0) throw new Error(`wrangler d1 migrations apply failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** Registers the simulator as `accountId` with Basic auth and mints an MCP server URL. */
export async function provision(worker, sim, { accountId = 'demo', auth = { type: 'basic', username: 'admin', password: 'admin' }, server = {} } = {}) {
  let r = await worker.admin('PUT', `/integrated-account/${accountId}`, { instance_url: sim.url, auth });
  if (r.status !== 200 && r.status !== 201) throw new Error(`account: ${r.status} ${await r.text()}`);
  r = await worker.admin('POST', `/integrated-account/${accountId}/mcp`, { name: 'e2e', config: { methods: ['read', 'write'] }, ...server });
  if (r.status !== 201) throw new Error(`server: ${r.status} ${await r.text()}`);
  return r.json();
}

/** The world the agent-framework tests run in: the simulator, the worker, and two
 * read+write servers on it, one answering a ServiceNow 429 as HTTP 429 (`plain`), one
 * as a tool error (`toolError`). */
export async function startClientWorld() {
  const world = await startWorld({ sdkClient: false });
  const { sim, worker } = world;
  const r = await worker.admin('POST', '/integrated-account/demo/mcp', {
    name: 'agents', config: { methods: ['read', 'write'] }, rate_limit_response: 'tool_error',
  });
  if (r.status !== 201) {
    const text = await r.text();
    await world.stop();
    throw new Error(`server: ${r.status} ${text}`);
  }
  return { sim, worker, plain: world.server.url, toolError: (await r.json()).url };
}

/** An official SDK client (1.x) connected to an MCP URL. */
export async function connect(url, name = 'e2e') {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** A tool call that must succeed: the SDK's result (failing with the tool's own text). */
export async function callOk(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  assert.equal(r.isError, false, `${name} failed: ${r.content?.[0]?.text}`);
  return r;
}

/** The world every end-to-end file that runs the worker starts in: the simulator, the
 * worker (with `vars`; `inspector` as startWorker's), one read+write server
 * (`provision`'s options; none when `provisioned` is false) and, unless `sdkClient` is
 * false, an SDK client named `name` on it. `connect` adds clients that `stop` closes with
 * the rest. */
export async function startWorld({ name = 'e2e', vars = {}, sdkClient = true, provisioned = true, inspector = true, ...options } = {}) {
  const sim = await startSimulator();
  let worker;
  const clients = [];
  const stop = async () => {
    for (const c of clients) await c.close().catch(() => {});
    await worker?.stop();
    await sim.stop();
  };
  try {
    worker = await startWorker({ vars, inspector });
    const server = provisioned ? await provision(worker, sim, options) : undefined;
    const open = async (url, clientName = name) => {
      const client = await connect(url, clientName);
      clients.push(client);
      return client;
    };
    const client = sdkClient && server ? await open(server.url) : undefined;
    return { sim, worker, server, client, connect: open, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A JSON-RPC POST to an MCP URL; returns status, headers and parsed body. A header
 * given as `undefined` is left out. */
export async function rpc(url, message, headers = {}) {
  const all = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers };
  const r = await fetch(url, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)),
    body: typeof message === 'string' ? message : JSON.stringify(message),
  });
  const text = await r.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, headers: r.headers, body };
}

export function readJson(path) { return JSON.parse(readFileSync(path, 'utf8')); }
