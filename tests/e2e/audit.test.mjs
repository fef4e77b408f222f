// The audit log under workerd with wrangler's local D1: every MCP request of a scripted
// run leaves exactly one row (written by waitUntil, after the answer) with its outcome;
// GET /audit filters, pages and exports; the cron trigger's retention deletes only rows
// older than AUDIT_RETENTION_DAYS (old rows planted with `wrangler d1 execute`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startWorld, rpc } from './harness.mjs';

let world, worker, server;
let rpcId = 0;
const CALLER = '62826bf03710200044e0bfc8bcbe5d88';

before(async () => {
  world = await startWorld({ sdkClient: false, accountId: 'audit', vars: { AUDIT_RETENTION_DAYS: '7' } });
  ({ worker, server } = world);
});

after(async () => { await world?.stop(); });

const send = (method, params) => rpc(server.url, { jsonrpc: '2.0', id: ++rpcId, method, params },
  { 'user-agent': 'audit-e2e/0.9' });

async function audit(query = '') {
  const r = await worker.admin('GET', `/audit?${query}`);
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body;
}

/** Waits (bounded: 10 s) until `query` finds `count` rows: they are written after the answer. */
async function rowsOnceWritten(query, count) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const { entries } = await audit(query);
    if (entries.length >= count || Date.now() > deadline) return entries;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function d1(sql) {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'wrangler'),
    ['d1', 'execute', 'DB', '--local', '--persist-to', worker.persist, '--json', '--command', sql],
    { cwd: ROOT, encoding: 'utf8', timeout: 60000, env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout)[0].results;
}

test('every MCP request of a scripted run has exactly one row with its outcome', async () => {
  const init = await send('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'audit-e2e-client', version: '2.0.0' } });
  assert.equal(init.status, 200);
  assert.equal((await send('tools/list', {})).status, 200);
  const ok = await send('tools/call', { name: 'create_a_service_now_incident', arguments: { short_description: 'audit e2e', caller_id: CALLER } });
  assert.equal(ok.body.result.isError, false, JSON.stringify(ok.body));
  const refused = await send('tools/call', { name: 'create_a_service_now_incident', arguments: { caller_id: 7 } });
  assert.equal(refused.body.result.isError, true);
  const unknown = await send('tools/frobnicate', {});
  assert.equal(unknown.body.error.code, -32601);
  const mcp = await rowsOnceWritten('kind=mcp&limit=100', 5);
  const seen = mcp.reverse().map((r) => [r.method, r.tool, r.outcome, r.http_status]);
  assert.deepEqual(seen, [
    ['initialize', null, 'ok', 200],
    ['tools/list', null, 'ok', 200],
    ['tools/call', 'create_a_service_now_incident', 'ok', 200],
    ['tools/call', 'create_a_service_now_incident', 'tool_error', 200],
    ['tools/frobnicate', null, 'rpc_error', 200],
  ]);
  const [initRow, , created] = mcp;
  assert.equal(initRow.client_name, 'audit-e2e-client');
  assert.equal(created.client_name, 'audit-e2e');
  assert.equal(created.client_version, '0.9');
  assert.deepEqual(created.argument_keys, ['caller_id', 'short_description']);
  assert.equal(created.arguments, null);
  assert.equal(created.upstream_status, 201);
  assert.equal(created.upstream_requests >= 1, true);
  assert.equal(typeof created.total_ms, 'number');
  assert.equal(created.account_id, 'audit');
  assert.match(created.at, /^\d{4}-\d\d-\d\dT/);
  // A second run of queries finds the same rows: nothing was written twice.
  assert.equal((await audit('kind=mcp&limit=100')).entries.length, 5);
  const admin = await audit('kind=admin');
  assert.deepEqual(admin.entries.map((r) => r.method).reverse(), ['PUT /integrated-account/audit', 'POST /integrated-account/audit/mcp']);
  assert.doesNotMatch(JSON.stringify(await audit('limit=1000')), /"admin"\s*,\s*"password"|"password":"admin"/);
});

test('filters, cursor paging and the CSV export read D1', async () => {
  const errors = await audit('outcome=tool_error');
  assert.equal(errors.entries.length, 1);
  const first = await audit('limit=2');
  assert.equal(first.entries.length, 2);
  assert.ok(first.next_cursor);
  const second = await audit(`limit=2&cursor=${first.next_cursor}`);
  assert.ok(second.entries.every((r) => r.id < first.entries[1].id));
  const bad = await worker.admin('GET', '/audit?cursor=zzz');
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /`cursor`/);
  const csv = await worker.admin('GET', '/audit?format=csv&kind=mcp');
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const lines = (await csv.text()).trim().split('\r\n');
  assert.equal(lines.length, 1 + 5);
  assert.match(lines[0], /^id,at,at_ms,request_id,kind,/);
  const series = await worker.admin('GET', '/audit/series?bucket=3600');
  const { points } = await series.json();
  assert.equal(points.reduce((n, p) => n + p.calls, 0), 5);
  assert.equal(points.reduce((n, p) => n + p.tool_errors, 0), 1);
});

test('the cron trigger deletes rows older than AUDIT_RETENTION_DAYS and keeps the rest', async () => {
  const before = (await audit('limit=1000')).entries.length;
  const old = Date.now() - 8 * 86400000;
  const young = Date.now() - 6 * 86400000;
  d1(`INSERT INTO audit_log (at_ms, request_id, kind, method, outcome, http_status, total_ms, bytes_out) VALUES
      (${old}, 'old1', 'mcp', 'ping', 'ok', 200, 1, 10), (${old - 1000}, 'old2', 'mcp', 'ping', 'ok', 200, 1, 10),
      (${young}, 'young', 'mcp', 'ping', 'ok', 200, 1, 10)`);
  assert.equal((await audit('limit=1000')).entries.length, before + 3);
  const r = await fetch(`${worker.url}/__scheduled?cron=17+*+*+*+*`);
  assert.equal(r.status, 200, await r.text());
  const deadline = Date.now() + 10000;
  let left;
  do {
    left = d1("SELECT request_id FROM audit_log WHERE request_id IN ('old1', 'old2', 'young')").map((row) => row.request_id);
    if (left.length === 1) break;
    await new Promise((res) => setTimeout(res, 200));
  } while (Date.now() < deadline);
  assert.deepEqual(left, ['young']);
  assert.equal((await audit('limit=1000')).entries.length, before + 1);
  assert.match(worker.logs(), /scheduled: audit retention 7 days, 2 row\(s\) deleted/);
});
