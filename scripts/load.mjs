// `make load`: LOAD_CLIENTS concurrent MCP clients (default 50) for LOAD_SECONDS (default
// 60) against the built worker under workerd and the (threaded) simulator, all on
// 127.0.0.1, twice: on a server with the audit log off, then on one with it on (one D1
// row per request, checked by counting them). A mix of tools/list and tools/call;
// prints requests/second, p50/p99 latency and answers by HTTP status (plus tool-level
// isError counts) per phase, and the p50 of one against the other. Exits 1 on any
// worker 5xx or an answered request without its audit row.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, startWorker, provision } from '../tests/e2e/harness.mjs';

const CLIENTS = Number(process.env.LOAD_CLIENTS || 50);
const SECONDS = Number(process.env.LOAD_SECONDS || 60);

const CALLS = [
  [30, { method: 'tools/list', params: {} }],
  [40, { method: 'tools/call', params: { name: 'list_all_service_now_incident', arguments: { limit: 5, fields: ['number', 'short_description', 'state'] } } }],
  [20, { method: 'tools/call', params: { name: 'get_single_service_now_incident_by_id', arguments: { id: 'INC0010001', fields: ['number', 'state'] } } }],
  [10, { method: 'tools/call', params: { name: 'list_all_service_now_sys_users', arguments: { limit: 3, fields: ['name'] } } }],
];

// LOAD_ONLY=tools/call (or tools/list) runs one method alone, to see which one a
// figure (or a failure) belongs to.
const MIX = process.env.LOAD_ONLY ? CALLS.filter(([, c]) => c.method === process.env.LOAD_ONLY) : CALLS;
const TOTAL_WEIGHT = MIX.reduce((a, [w]) => a + w, 0);

function pick(n) {
  let r = n % TOTAL_WEIGHT;
  for (const [weight, call] of MIX) {
    if (r < weight) return call;
    r -= weight;
  }
  return MIX[0][1];
}

const PROXY_LOST = 'Your worker restarted mid-request.';

/** What the worker itself logged (src/shell.rs): one line per answer, `METHOD /path
 * STATUS Nms`, and the `isolate <id>: ...` lines (src/isolate_stats.rs). */
function workerLog(text) {
  const answers = {};
  const isolates = new Map();
  for (const line of text.split('\n')) {
    const answer = /^(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD) \/mcp\/\S+ (\d{3}) \d+ms/.exec(line.trim());
    if (answer) answers[answer[2]] = (answers[answer[2]] || 0) + 1;
    const isolate = /^isolate (\S+): (\d+) requests served, wasm memory (\d+) KiB, (\d+) live JS references/.exec(line.trim());
    if (isolate) {
      const now = { served: Number(isolate[2]), memoryKiB: Number(isolate[3]), jsRefs: Number(isolate[4]) };
      isolates.set(isolate[1], { first: isolates.get(isolate[1])?.first ?? now, last: now });
    }
  }
  return { answers, isolates };
}

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function client(url, deadline, stats, index) {
  let n = index * 37;
  while (Date.now() < deadline) {
    const call = pick(n++);
    const started = performance.now();
    let status = 'network-error';
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: n, ...call }),
        signal: AbortSignal.timeout(30000),
      });
      const text = await r.text();
      const body = (() => { try { return JSON.parse(text); } catch { return null; } })();
      status = r.status;
      if (status >= 500) {
        // wrangler's dev proxy answers this itself when its connection to workerd fails
        // (its "restart" branch is taken for any failed POST); the worker never saw an answer.
        if (text.startsWith(PROXY_LOST)) stats.proxyLost += 1;
        else if (stats.fiveXX.length < 5) stats.fiveXX.push(`${status} ${call.method}: ${text.slice(0, 300)}`);
      }
      if (body?.result?.isError) stats.isError += 1;
      if (body?.error) stats.rpcError += 1;
    } catch (e) {
      stats.failures.push(e.message);
    }
    stats.latencies.push(performance.now() - started);
    stats.byStatus[status] = (stats.byStatus[status] || 0) + 1;
    stats.byMethod[call.method] = (stats.byMethod[call.method] || 0) + 1;
  }
}

/** Every audit row of `serverId` (paged), to check one row per answered request. */
async function auditRows(worker, serverId) {
  let count = 0;
  let cursor = null;
  for (let i = 0; i < 1000; i++) {
    const r = await worker.admin('GET', `/audit?server=${serverId}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    const body = await r.json();
    count += body.entries.length;
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return count;
}

const sim = await startSimulator();
let worker;
let exitCode = 0;
const p50s = {};
try {
  worker = await startWorker();
  // The same load twice: on a server whose requests leave no audit row, then on one
  // whose every request leaves one (written to the local D1 after each answer).
  for (const audit of ['off', 'metadata']) {
    const label = audit === 'off' ? 'audit off' : 'audit on';
    const server = await provision(worker, sim, { accountId: `load-${audit}`, server: { config: { methods: ['read'] }, audit } });
    // Warm the isolate (catalog, validators) so the figure is steady-state.
    const fresh = () => ({ latencies: [], byStatus: {}, byMethod: {}, failures: [], fiveXX: [], proxyLost: 0, isError: 0, rpcError: 0 });
    const logStart = worker.logs().length;
    await client(server.url, Date.now() + 1000, fresh(), 0);
    const stats = fresh();
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(server.url, deadline, stats, i)));
    const elapsed = (Date.now() - started) / 1000;
    const sorted = [...stats.latencies].sort((a, b) => a - b);
    const total = sorted.length;
    p50s[label] = percentile(sorted, 50);
    console.log(`load, ${label}: ${CLIENTS} clients for ${elapsed.toFixed(1)} s on 127.0.0.1 (worker under workerd, simulator threaded)`);
    console.log(`  requests      ${total} (${(total / elapsed).toFixed(1)} req/s)`);
    console.log(`  latency       p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted[total - 1] || 0).toFixed(1)} ms`);
    console.log(`  by status     ${JSON.stringify(stats.byStatus)}`);
    console.log(`  by method     ${JSON.stringify(stats.byMethod)}`);
    console.log(`  isError ${stats.isError}, JSON-RPC errors ${stats.rpcError}, network failures ${stats.failures.length}${stats.failures.length ? ` (first: ${stats.failures[0]})` : ''}`);
    // Judged by origin: the worker's own answers (its log), a restarted isolate (a second
    // isolate id), and failures of the local dev proxy in front of workerd.
    const phaseLog = worker.logs().slice(logStart);
    const { answers, isolates } = workerLog(phaseLog);
    const workerFiveXX = Object.entries(answers).filter(([s]) => Number(s) >= 500).reduce((a, [, n]) => a + n, 0);
    const otherFiveXX = Object.entries(stats.byStatus).filter(([s]) => Number(s) >= 500).reduce((a, [, n]) => a + n, 0) - stats.proxyLost;
    const mib = (kib) => (kib / 1024).toFixed(1);
    const memory = [...isolates.values()].map(({ first, last }) => `requests ${first.served} -> ${last.served}: wasm memory ${mib(first.memoryKiB)} -> ${mib(last.memoryKiB)} MiB, live JS references ${first.jsRefs} -> ${last.jsRefs}`).join('; ');
    console.log(`  worker        answers by status ${JSON.stringify(answers)} (its own log); isolates ${isolates.size} (${memory})`);
    console.log(`  dev proxy     ${stats.proxyLost} requests lost between wrangler's dev proxy and workerd (503 "${PROXY_LOST}..."), never answered by the worker`);
    if (audit !== 'off') {
      // Rows land after their answers: give the last ones a moment, then count.
      await new Promise((r) => setTimeout(r, 2000));
      const rows = await auditRows(worker, server.id);
      const warmup = rows - total;
      const unwritten = phaseLog.split('\n').filter((l) => /audit: \d+ row\(s\) not written/.test(l)).length;
      console.log(`  audit rows    ${rows} for ${total} timed requests (+ warm-up ${warmup}); ${unwritten} write failure(s) logged`);
      if (rows < total || unwritten > 0) {
        console.log(`  FAIL: ${total - rows} answered request(s) without an audit row`);
        exitCode = 1;
      }
    }
    if (workerFiveXX > 0 || otherFiveXX > 0 || isolates.size > 1 || stats.failures.length > 0) {
      console.log(`  FAIL: ${workerFiveXX} worker 5xx, ${otherFiveXX} other 5xx, ${isolates.size} isolates, ${stats.failures.length} network failures`);
      for (const line of stats.fiveXX) console.log(`    ${line}`);
      const logged = phaseLog.split('\n').filter((l) => / 5\d\d |error|Error/.test(l)).slice(0, 10);
      for (const line of logged) console.log(`    worker log: ${line.trim().slice(0, 300)}`);
      exitCode = 1;
    }
    if (exitCode || stats.proxyLost > 0) {
      const saved = join(tmpdir(), 'snmcp-load-worker.log');
      writeFileSync(saved, worker.logs());
      console.log(`  full worker log: ${saved}`);
    }
  }
  const on = p50s['audit on']; const off = p50s['audit off'];
  console.log(`audit on against off: p50 ${on.toFixed(1)} ms against ${off.toFixed(1)} ms (${(((on - off) / off) * 100).toFixed(1)}%)`);
} finally {
  await worker?.stop();
  await sim.stop();
}
process.exit(exitCode);
