// Fault injection under workerd: the simulator's /__sim/faults modes (and its delay)
// make ServiceNow misbehave; every case must give the model a clear isError (never a
// worker 5xx), and no write may be sent twice (checked in the simulator's request log).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, provision, rpc } from './harness.mjs';

let world, sim, worker, server, oauthServer;
let rpcId = 0;

/** Arms a simulator fault for the next `count` Table API requests. */
async function fault(mode, extra = {}) {
  const r = await fetch(`${sim.url}/__sim/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode, ...extra }),
  });
  assert.equal(r.status, 200, await r.text());
}

async function clearFault() { await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' }); }

const call = (url, name, args) => rpc(url, { jsonrpc: '2.0', id: ++rpcId, method: 'tools/call', params: { name, arguments: args } });

/** The isError text of a tools/call answer, asserting the HTTP and JSON-RPC shape. */
function errorText(r) {
  assert.equal(r.status, 200, `HTTP ${r.status}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.result?.isError, true, JSON.stringify(r.body));
  return r.body.result.content[0].text;
}

async function tableRequests() {
  return (await sim.requests()).filter((e) => e.path.startsWith('/api/now/table/'));
}

before(async () => {
  world = await startWorld({
    sdkClient: false,
    accountId: 'faults',
    vars: { UPSTREAM_TIMEOUT_MS: '1500', UPSTREAM_MAX_BODY_BYTES: String(1024 * 1024) },
  });
  ({ sim, worker, server } = world);
  oauthServer = await provision(worker, sim, {
    accountId: 'faults-oauth',
    auth: { type: 'oauth2_client_credentials', client_id: 'mcp-demo-client', client_secret: 'mcp-demo-secret' },
  });
});

after(async () => {
  await clearFault().catch(() => {});
  await world?.stop();
});

const CREATE = ['create_a_service_now_incident', { short_description: 'fault injection e2e', caller_id: '62826bf03710200044e0bfc8bcbe5d88' }];

test('a 500 with an HTML page is an isError quoting the page text, and the create is sent once', async () => {
  await sim.clearRequests();
  await fault('html_500');
  const text = errorText(await call(server.url, ...CREATE));
  assert.match(text, /HTTP 500/);
  assert.match(text, /Internal Server Error/);
  assert.doesNotMatch(text, /<script|<html|var t=/);
  assert.match(text, /whether the change was applied/);
  const writes = (await tableRequests()).filter((e) => e.method === 'POST');
  assert.equal(writes.length, 1, JSON.stringify(writes));
});

test('a 200 with invalid JSON is an isError, not a worker error', async () => {
  await fault('invalid_json');
  const text = errorText(await call(server.url, 'list_all_service_now_incident', { limit: 1 }));
  assert.match(text, /HTTP 200/);
  assert.match(text, /result/);
});

test('an oversized answer is an isError that suggests fields or a smaller limit', async () => {
  await fault('oversized', { oversized_bytes: 2 * 1024 * 1024 });
  const text = errorText(await call(server.url, 'list_all_service_now_incident', { limit: 100 }));
  assert.match(text, /larger than 1 MiB/);
  assert.match(text, /`fields`/);
  assert.match(text, /`limit`/);
});

test('a redirect to another host is not followed and the isError names the host', async () => {
  await sim.clearRequests();
  await fault('redirect');
  const text = errorText(await call(server.url, ...CREATE));
  assert.match(text, /redirect/);
  assert.match(text, /redirect-target\.invalid/);
  const log = await sim.requests();
  assert.equal(log.filter((e) => e.method === 'POST').length, 1, 'the create went out once and was not re-sent');
});

test('a connection reset is an isError about reaching ServiceNow, and the create is sent once', async () => {
  await sim.clearRequests();
  await fault('reset');
  const started = Date.now();
  const r = await call(server.url, ...CREATE);
  const text = errorText(r);
  assert.match(text, /Could not reach ServiceNow/);
  assert.ok(Date.now() - started < 1400, 'failed at once, not by the 1.5 s timeout');
  const writes = (await tableRequests()).filter((e) => e.method === 'POST');
  assert.equal(writes.length, 1, JSON.stringify(writes));
});

test('an instance slower than UPSTREAM_TIMEOUT_MS is an isError saying the write may or may not have applied', async () => {
  await sim.clearRequests();
  await sim.configure({ delay_ms: 3000 });
  try {
    const started = Date.now();
    const text = errorText(await call(server.url, ...CREATE));
    assert.ok(Date.now() - started < 3000, 'answered before the simulator');
    assert.match(text, /did not answer within 1\.5 s/);
    assert.match(text, /may or may not have been applied/);
  } finally {
    await sim.configure({ delay_ms: 0 });
  }
  // Let the delayed request land before counting.
  await new Promise((r) => setTimeout(r, 2000));
  const writes = (await tableRequests()).filter((e) => e.method === 'POST');
  assert.equal(writes.length, 1, JSON.stringify(writes));
});

test('OAuth: a 401 on a cached token re-authenticates once and the create is applied exactly once', async () => {
  const warm = await call(oauthServer.url, 'list_all_service_now_incident', { limit: 1, fields: ['sys_id'] });
  assert.equal(warm.body.result?.isError, false, JSON.stringify(warm.body));
  await sim.clearRequests();
  const before = (await sim.table('incident')).result.length;
  await fault('unauthorized');
  const r = await call(oauthServer.url, ...CREATE);
  assert.equal(r.status, 200);
  assert.equal(r.body.result?.isError, false, JSON.stringify(r.body));
  const log = await sim.requests();
  assert.deepEqual(log.map((e) => [e.method, e.path, e.status]), [
    ['POST', '/api/now/table/incident', 401],
    ['POST', '/oauth_token.do', 200],
    ['POST', '/api/now/table/incident', 201],
  ]);
  assert.equal((await sim.table('incident')).result.length, before + 1, 'one incident created');
});

test('no fault ever produced a worker 5xx', async () => {
  // wrangler relays the worker's log asynchronously: wait (bounded) for the lines of the
  // requests already answered to arrive before counting them.
  let lines = [];
  let answered = [];
  for (const deadline = Date.now() + 5000; ;) {
    lines = worker.logs().split('\n').map((l) => l.trim());
    answered = lines.filter((l) => /^POST \/mcp\/\S+ \d{3} /.test(l));
    if (answered.length >= 8 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(answered.length >= 8, `the worker logged its answers:\n${lines.slice(-20).join('\n')}`);
  assert.deepEqual(answered.filter((l) => /^POST \/mcp\/\S+ 5\d\d /.test(l)), []);
});

/** POSTs `total` bytes as a chunked stream (no Content-Length) and returns the status. */
async function chunkedPost(url, total, headers = {}) {
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= total) { controller.close(); return; }
      const n = Math.min(16 * 1024, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
  const r = await fetch(url, { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/json', ...headers } });
  return { status: r.status, body: await r.json().catch(() => null) };
}

test('a chunked body past the cap is 413 on /mcp (1 MiB) and on the admin API (64 KiB)', async () => {
  const mcp = await chunkedPost(server.url, 2 * 1024 * 1024, { accept: 'application/json' });
  assert.equal(mcp.status, 413, JSON.stringify(mcp.body));
  const admin = await chunkedPost(`${worker.url}/integrated-account/chunky`, 100 * 1024, { authorization: 'Bearer x' });
  assert.equal(admin.status, 413, JSON.stringify(admin.body));
  assert.equal(admin.body?.error?.code, 'payload_too_large');
  const small = await chunkedPost(server.url, 10, { accept: 'application/json' });
  assert.equal(small.status, 400, 'a small chunked body is read and parsed (blank is not JSON)');
});
