// Prints the project's figures: bundle size, MCP latency through workerd on loopback,
// tools/list size, and the latency a tools/call adds over calling the simulator directly.
// Every loop is bounded; everything started is stopped.
import { readFileSync, existsSync, mkdtempSync, writeFileSync, rmSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync, gunzipSync, inflateSync } from 'node:zlib';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { ROOT, SIM_BIN, SIM_RELEASE_BIN, startSimulator, startWorker, provision, rpc } from '../tests/e2e/harness.mjs';

const N = Number(process.env.BENCH_N || 400);
const WARMUP = 5;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };
const fmt = (ms) => `${ms.toFixed(2)} ms`;

// The timed client: node:http with one kept-alive connection per host (as fetch keeps
// one), asking for gzip as MCP clients do, and reading every answer whole: inflated,
// decoded as UTF-8, nothing parsed, the same for /health as for an MCP answer. Not Node's
// fetch: on this machine its WHATWG streams spend about as much CPU turning the 14.8 KB
// tools/list answer into a string as the worker and workerd spend producing it, which is
// the client's cost, not the worker's (the fetch figures are printed too, for comparison).
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const sized = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
    const req = http.request({
      agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method,
      headers: { 'accept-encoding': 'gzip, deflate', ...headers, ...sized },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => { chunks.push(c); });
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode >= 400) { reject(new Error(`${method} ${u.pathname}: HTTP ${res.statusCode}`)); return; }
        const raw = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        try {
          resolve((encoding === 'gzip' ? gunzipSync(raw) : encoding === 'deflate' ? inflateSync(raw) : raw).toString('utf8'));
        } catch (e) { reject(e); }
      });
    });
    req.setTimeout(30000, () => req.destroy(new Error(`${method} ${u.pathname}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const post = (url, message, headers = {}) => request(url, { method: 'POST', headers: { ...mcpHeaders, ...headers }, body: JSON.stringify(message) });
// The same requests through Node's fetch (it sends Accept-Encoding: gzip, deflate too).
const fetchPost = (url, message) => fetch(url, { method: 'POST', headers: mcpHeaders, body: JSON.stringify(message) }).then((r) => r.text());

/** An answer as it crosses the wire (not inflated): its bytes and Content-Encoding. */
function wireBytes(url, message, acceptEncoding = 'gzip, deflate') {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'accept-encoding': acceptEncoding },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => { chunks.push(c); });
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ body, bytes: body.length, encoding: res.headers['content-encoding'] || 'identity' });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(message));
  });
}

/**
 * Starts scripts/reference-worker.js under the same wrangler dev server, in a temporary
 * directory holding the real worker's tools/list answer (`gzip` and `plain` bytes), with
 * assets routing like the real worker's; its calls go to `upstreamUrl`.
 */
async function startReference(gzip, plain, upstreamUrl, upstreamAuth) {
  const dir = mkdtempSync(join(tmpdir(), 'snmcp-reference-'));
  copyFileSync(join(ROOT, 'scripts', 'reference-worker.js'), join(dir, 'index.js'));
  writeFileSync(join(dir, 'list.gz'), gzip);
  writeFileSync(join(dir, 'list.json.txt'), plain);
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'public', 'robots.txt'), 'User-agent: *\nDisallow: /\n');
  writeFileSync(join(dir, 'wrangler.toml'), [
    'name = "reference"', 'main = "index.js"', 'compatibility_date = "2026-04-01"',
    '[[rules]]', 'type = "Data"', 'globs = ["**/*.gz"]',
    '[[rules]]', 'type = "Text"', 'globs = ["**/*.txt"]',
    '[assets]', 'directory = "./public"', '',
  ].join('\n'));
  const worker = await startWorker({ inspector: false, config: join(dir, 'wrangler.toml'), vars: { UPSTREAM_URL: upstreamUrl, UPSTREAM_AUTH: upstreamAuth } });
  return { ...worker, async stop() { await worker.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function bundle() {
  const files = ['index.js', 'index_bg.wasm', 'worker/shim.mjs'].map((f) => join(ROOT, 'build', f)).filter(existsSync);
  let raw = 0; let gz = 0;
  for (const f of files) { const b = readFileSync(f); raw += b.length; gz += gzipSync(b, { level: 9 }).length; }
  return { raw, gz };
}

const { raw, gz } = bundle();
console.log(`bundle: ${(raw / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzip (budget 1024 KiB gzip)`);

const catalogBench = spawnSync('cargo', ['run', '-q', '--release', '-p', 'snmcp-catalog', '--example', 'builtin_stats'], { cwd: ROOT, encoding: 'utf8' });
if (catalogBench.status === 0) process.stdout.write(catalogBench.stdout);
else console.log(`catalog bench unavailable: ${catalogBench.stderr.trim().split('\n').pop()}`);

// The simulator's release build (see SIM_RELEASE_BIN); the debug one if it cannot be built.
const simBuild = spawnSync('cargo', ['build', '-q', '--release', '-p', 'servicenow-simulator'], { cwd: ROOT, encoding: 'utf8' });
if (simBuild.status !== 0) console.log(`simulator release build failed, using the debug one: ${simBuild.stderr.trim().split('\n').pop()}`);
const sim = await startSimulator({ bin: simBuild.status === 0 ? SIM_RELEASE_BIN : SIM_BIN });
let reference;
const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } };
const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
const call = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_all_service_now_sys_users', arguments: { query: 'active=true', limit: 5 } } };
// The same GET the worker sends for this call (it asks for display values too, and
// ServiceNow, like the simulator, works harder for them), and the codes-only GET the
// bench compared against before.
const same = `${sim.url}/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=5&sysparm_offset=0&sysparm_display_value=all&sysparm_exclude_reference_link=true`;
const codes = `${sim.url}/api/now/table/sys_user?sysparm_query=active%3Dtrue&sysparm_limit=5&sysparm_exclude_reference_link=true`;
const auth = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
const get = (url) => request(url, { headers: { authorization: auth, accept: 'application/json' } });
const fetchGet = (url) => fetch(url, { headers: { authorization: auth, accept: 'application/json' } }).then((r) => r.text());
/** The timed requests to a worker at `url` serving the MCP server at `mcp`. */
const requestsTo = (url, mcp) => ({
  health: () => request(`${url}/health`),
  list: () => post(mcp, list),
  // The same answer uncompressed: what the worker and the runtime cost without the
  // client inflating 160 KB.
  listPlain: () => post(mcp, list, { 'accept-encoding': 'identity' }),
  call: () => post(mcp, call),
});
// One round of every request per iteration, so that a neighbour's load on a shared
// machine falls on all of them alike rather than on whichever loop ran at the time.
async function measure(rounds, n) {
  const times = Object.fromEntries(Object.keys(rounds).map((k) => [k, []]));
  for (let i = 0; i < WARMUP; i++) for (const fn of Object.values(rounds)) await fn();
  for (let i = 0; i < n; i++) for (const [k, fn] of Object.entries(rounds)) times[k].push(await time(fn));
  return times;
}
// The `wrangler dev` command attaches a DevTools inspector session to the worker, which
// reports every subrequest and console line over a WebSocket (about 2.5 ms per outbound
// fetch here); a deployed Worker has none, so the figures below run the same worker
// through wrangler's dev server without it (scripts/dev-worker.mjs). The cost of the
// session is printed at the end.
const worker = await startWorker({ inspector: false });
// BENCH_AUDIT=off measures a server whose requests leave no audit row (the default, on,
// writes one row per request to the local D1 after each answer).
const AUDIT = process.env.BENCH_AUDIT === 'off' ? 'off' : 'metadata';
try {
  const server = await provision(worker, sim, { server: { audit: AUDIT } });
  console.log(`audit: ${AUDIT === 'off' ? 'off' : 'on (one D1 row per request, written after the answer)'}`);
  // What the catalog costs a model on every turn, per mode: bytes of the tools/list
  // result's tools array, bytes per tool, and estimated tokens (bytes / 4).
  const listed = await rpc(server.url, list);
  const listBytes = Buffer.byteLength(JSON.stringify(listed.body));
  const tokens = (bytes) => Math.round(bytes / 4);
  const sizeOf = (body) => Buffer.byteLength(JSON.stringify(body.result.tools));
  const full = listed.body.result.tools.length;
  const fullBytes = sizeOf(listed.body);
  console.log(`tools/list (mode tools, unfiltered): ${full} tools, ${fullBytes} bytes of tools (${listBytes} bytes of response), ${Math.round(fullBytes / full)} bytes per tool, ~${tokens(fullBytes)} tokens`);
  const wire = await wireBytes(server.url, list);
  console.log(`tools/list on the wire to a client accepting gzip: ${wire.bytes} bytes (${wire.encoding})`);
  const modes = [
    ['tools, methods [read]', { methods: ['read'] }],
    ['tools, tags [incident]', { tags: ['incident'] }],
    ['discovery, unfiltered', { tool_mode: 'discovery' }],
  ];
  for (const [label, config] of modes) {
    const s = await provision(worker, sim, { accountId: 'bench', server: { name: label, config } });
    const r = await rpc(s.url, list);
    const n = r.body.result.tools.length;
    const bytes = sizeOf(r.body);
    console.log(`tools/list (mode ${label}): ${n} tools, ${bytes} bytes, ${Math.round(bytes / n)} bytes per tool, ~${tokens(bytes)} tokens`);
  }

  // A 10-record incident list: codes only (today's answer) vs. codes with names and
  // labels beside them (the default now).
  const incidents = async (args) => {
    const r = await rpc(server.url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'list_all_service_now_incident', arguments: { limit: 10, ...args } } });
    if (r.body?.result?.isError !== false) throw new Error(`incident list failed: ${JSON.stringify(r.body)}`);
    return Buffer.byteLength(JSON.stringify(r.body.result.structuredContent));
  };
  const before = await incidents({ display_value: 'false' });
  const after = await incidents({});
  console.log(`10-record incident list (structuredContent): codes only ${before} bytes, with display values ${after} bytes (${(after / before).toFixed(2)}x)`);

  const check = await rpc(server.url, call);
  if (check.body?.result?.isError !== false) throw new Error(`tools/call failed: ${JSON.stringify(check.body)}`);
  const ours = requestsTo(worker.url, server.url);
  const times = await measure({ ...ours, init: () => post(server.url, init), same: () => get(same), codes: () => get(codes) }, N);
  const m = (k) => median(times[k]);
  const line = (k) => `median ${fmt(m(k))}, p95 ${fmt(p95(times[k]))} (n=${N})`;
  // Floor of the local stack (wrangler's dev proxy + workerd) without KV or MCP work.
  console.log(`GET /health via workerd (no KV): ${line('health')}`);
  console.log(`initialize via workerd: ${line('init')}`);
  console.log(`tools/list via workerd: ${line('list')}: ${fmt(m('list') - m('health'))} over /health (goal: 1 ms)`);
  console.log(`  the same, Accept-Encoding: identity (no inflating on the client): ${line('listPlain')}: ${fmt(m('listPlain') - m('health'))} over /health`);
  const w = m('call'); const d = m('same');
  console.log(`tools/call list_all_service_now_sys_users (limit 5): via worker median ${fmt(w)}, the same GET direct to the simulator ${fmt(d)} (codes-only GET ${fmt(m('codes'))}), added ${fmt(w - d)}: ${fmt(w - d - m('health'))} over /health + direct (goal: 1.5 ms) (n=${N})`);
  // The worker's own log line splits each call into ServiceNow's time and the rest.
  const logged = worker.logs().split('\n').map((l) => / (\d+)ms \(ServiceNow (\d+)ms over 1 /.exec(l)).filter(Boolean).slice(-N);
  if (logged.length) {
    const total = median(logged.map((x) => Number(x[1]))); const waited = median(logged.map((x) => Number(x[2])));
    console.log(`  inside the worker (its log, ms resolution): ${total} ms per call, of which ${waited} ms waiting for the simulator`);
  }

  // What the audit log costs a call: the same tools/call on a server with audit on and
  // one with it off, alternated, each round followed by 25 ms of quiet. A deployed worker
  // sends its audit row to D1 over the network after the answer; here the local D1 runs
  // on the same two cores, so without the pause its write would land on the next request.
  const quiet = await provision(worker, sim, { accountId: 'bench-quiet', server: { name: 'audit off', audit: 'off' } });
  const audited = await provision(worker, sim, { accountId: 'bench-audited', server: { name: 'audit on', audit: 'metadata' } });
  const pause = () => new Promise((r) => setTimeout(r, 25));
  const auditTimes = { on: [], off: [] };
  const auditRounds = Math.max(1, Math.round(N / 2));
  for (let i = 0; i < WARMUP + auditRounds; i++) {
    const on = await time(() => post(audited.url, call));
    await pause();
    const off = await time(() => post(quiet.url, call));
    await pause();
    if (i >= WARMUP) { auditTimes.on.push(on); auditTimes.off.push(off); }
  }
  const on = median(auditTimes.on); const off = median(auditTimes.off);
  console.log(`tools/call with the audit log on: median ${fmt(on)}, off ${fmt(off)}: ${fmt(on - off)} for the row (n=${auditRounds}, rounds 25 ms apart)`);

  // The same worker with Node's fetch as the client: what the client's own reading of the
  // answers adds (not part of the goals, which measure the worker).
  const viaFetch = await measure({
    health: () => fetch(`${worker.url}/health`).then((r) => r.text()),
    list: () => fetchPost(server.url, list),
    call: () => fetchPost(server.url, call),
    same: () => fetchGet(same),
  }, Math.max(1, Math.round(N / 2)));
  const fm = (k) => median(viaFetch[k]);
  console.log(`with Node's fetch as the client (n=${viaFetch.health.length}): /health ${fmt(fm('health'))}, tools/list ${fmt(fm('list') - fm('health'))} over /health, tools/call ${fmt(fm('call') - fm('same') - fm('health'))} over /health + direct`);

  // What is the worker's and what is the stack's: the least a worker can do for the same
  // two requests (scripts/reference-worker.js), under the same dev server, measured in
  // rounds beside the real one. A second phase, so that the goals above are measured
  // with nothing else running.
  const plainWire = await wireBytes(server.url, list, 'identity');
  reference = await startReference(wire.body, plainWire.body, same, auth);
  const ref = reference;
  const theirs = requestsTo(ref.url, `${ref.url}/mcp`);
  const paired = await measure({
    ...ours,
    same: () => get(same),
    refHealth: theirs.health,
    refList: theirs.list,
    refListPlain: theirs.listPlain,
    refCall: theirs.call,
  }, Math.max(1, Math.round(N / 2)));
  const pm = (k) => median(paired[k]);
  const over = (k, floor) => pm(k) - pm(floor);
  const n2 = paired.health.length;
  console.log(`reference worker (n=${n2}, beside the worker): answering the same tools/list bytes from memory ${fmt(over('refList', 'refHealth'))} over its /health (${fmt(over('refListPlain', 'refHealth'))} identity) against the worker's ${fmt(over('list', 'health'))} (${fmt(over('listPlain', 'health'))}): the worker's own share ${fmt(over('list', 'health') - over('refList', 'refHealth'))} (${fmt(over('listPlain', 'health') - over('refListPlain', 'refHealth'))} identity)`);
  const refCall = pm('refCall') - pm('same') - pm('refHealth');
  const ourCall = pm('call') - pm('same') - pm('health');
  console.log(`  sending the same GET: ${fmt(refCall)} over its /health + direct against the worker's ${fmt(ourCall)}: the worker's own share ${fmt(ourCall - refCall)}`);
} finally {
  await reference?.stop();
  await worker.stop();
}

// The same call under the `wrangler dev` command, DevTools session attached.
try {
  const debugged = await startWorker();
  try {
    const server = await provision(debugged, sim);
    const { health, call: debuggedCall } = requestsTo(debugged.url, server.url);
    const times = await measure({ health, call: debuggedCall, same: () => get(same) }, N);
    const m = (k) => median(times[k]);
    console.log(`with the \`wrangler dev\` command's DevTools session attached: /health ${fmt(m('health'))}, tools/call ${fmt(m('call'))}, direct ${fmt(m('same'))}: ${fmt(m('call') - m('same') - m('health'))} over /health + direct (n=${N})`);
  } finally {
    await debugged.stop();
  }
} finally {
  await sim.stop();
  agent.destroy();
}
