// Both protocol eras on one endpoint, through the worker under workerd: the dual-era
// SDK 2.x client in its three negotiation modes, and raw HTTP for every 2026-07-28 rule
// (server/discover, the result envelope, header checks and their error codes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startWorld, rpc } from './harness.mjs';

// Demo seed (docs/simulator.md, "The demo seed").
const ALICE = '53d86e88688b9dc38aee004be53106fc';
const MODERN = '2026-07-28';

let world, sim, worker, server;

before(async () => {
  world = await startWorld({ sdkClient: false });
  ({ sim, worker, server } = world);
});

after(async () => {
  await world?.stop();
});

function meta(overrides = {}) {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'e2e-raw', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
    ...overrides,
  };
}

/** A 2026-07-28 request with consistent headers unless `headers` overrides them. */
function modern(method, params = {}, headers = {}) {
  const base = { 'mcp-protocol-version': MODERN, 'mcp-method': method };
  if (method === 'tools/call' && typeof params.name === 'string') base['mcp-name'] = params.name;
  return rpc(server.url, { jsonrpc: '2.0', id: 7, method, params: { _meta: meta(), ...params } }, { ...base, ...headers });
}

/** Asserts a tool result is a success whose text block carries the structured JSON. */
function assertStructured(result, name) {
  assert.equal(result.isError, false, `${name} failed: ${result.content?.[0]?.text}`);
  const text = result.content.find((c) => c.type === 'text');
  assert.ok(text, `${name}: a text block`);
  assert.deepEqual(JSON.parse(text.text), result.structuredContent, `${name}: text mirrors structuredContent`);
  return result.structuredContent;
}

for (const mode of ['legacy', 'auto', { pin: MODERN }]) {
  const label = typeof mode === 'string' ? mode : `pin ${mode.pin}`;
  test(`SDK 2.x client, negotiation ${label}: lists tools, calls a list, a get and a create tool`, async () => {
    const client = new Client({ name: `e2e-sdk2-${label}`, version: '2.0.0' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    try {
      const expected = mode === 'legacy' ? '2025-11-25' : MODERN;
      assert.equal(client.getNegotiatedProtocolVersion(), expected);
      assert.equal(client.getServerVersion()?.name, 'servicenow-mcp');
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of ['list_all_service_now_incident', 'get_single_service_now_incident_by_id', 'create_a_service_now_incident']) {
        assert.ok(names.includes(name), `${name} listed`);
      }
      const list = await client.callTool({ name: 'list_all_service_now_incident', arguments: { limit: 2 } });
      assertStructured(list, 'list');
      const get = await client.callTool({ name: 'get_single_service_now_incident_by_id', arguments: { id: 'INC0010002' } });
      assert.match(JSON.stringify(assertStructured(get, 'get')), /INC0010002/);
      const before = (await sim.table('incident')).result.length;
      const short = `SDK 2.x ${label} cannot print to the 3rd floor printer`;
      const created = await client.callTool({
        name: 'create_a_service_now_incident',
        arguments: { short_description: short, caller_id: ALICE, urgency: '2', impact: '2' },
      });
      assertStructured(created, 'create');
      const rows = (await sim.table('incident')).result;
      assert.equal(rows.length, before + 1, 'exactly one incident written');
      const row = rows.find((r) => r.short_description === short);
      assert.ok(row, 'the incident reached the simulator');
      assert.equal(row.caller_id, ALICE);
    } finally {
      await client.close();
    }
  });
}

test('server/discover answers versions, capabilities, instructions and the cache hints', async () => {
  const r = await modern('server/discover');
  assert.equal(r.status, 200);
  const result = r.body.result;
  assert.deepEqual(result.supportedVersions, [MODERN, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']);
  assert.deepEqual(result.capabilities, { tools: { listChanged: false } });
  assert.match(result.instructions, /ServiceNow/);
  assert.equal(result.resultType, 'complete');
  assert.equal(result.cacheScope, 'private');
  assert.ok(Number.isInteger(result.ttlMs) && result.ttlMs > 0);
  assert.equal(result._meta['io.modelcontextprotocol/serverInfo'].name, 'servicenow-mcp');
});

test('modern tools/list and tools/call results carry resultType, serverInfo and (list) cache hints', async () => {
  const first = await modern('tools/list');
  assert.equal(first.status, 200);
  const list = first.body.result;
  assert.equal(list.resultType, 'complete');
  assert.equal(list.cacheScope, 'private');
  assert.ok(list.ttlMs > 0);
  assert.equal(list._meta['io.modelcontextprotocol/serverInfo'].name, 'servicenow-mcp');
  const again = await modern('tools/list');
  assert.deepEqual(again.body.result.tools.map((t) => t.name), list.tools.map((t) => t.name), 'a fixed order');
  const call = await modern('tools/call', { name: 'list_all_service_now_sys_users', arguments: { limit: 1 } });
  assert.equal(call.status, 200);
  assert.equal(call.body.result.resultType, 'complete');
  assert.equal(call.body.result.isError, false);
  assert.equal(call.body.result._meta['io.modelcontextprotocol/serverInfo'].name, 'servicenow-mcp');
});

test('modern header rules: missing or mismatched headers are 400 HeaderMismatch (-32020)', async () => {
  const cases = [
    ['no MCP-Protocol-Version', () => modern('tools/list', {}, { 'mcp-protocol-version': undefined })],
    ['MCP-Protocol-Version differs from _meta', () => modern('tools/list', {}, { 'mcp-protocol-version': '2025-11-25' })],
    ['no Mcp-Method', () => modern('tools/list', {}, { 'mcp-method': undefined })],
    ['Mcp-Method differs', () => modern('tools/list', {}, { 'mcp-method': 'tools/call' })],
    ['no Mcp-Name on tools/call', () => modern('tools/call', { name: 'list_all_service_now_sys_users', arguments: {} }, { 'mcp-name': undefined })],
    ['Mcp-Name differs', () => modern('tools/call', { name: 'list_all_service_now_sys_users', arguments: {} }, { 'mcp-name': 'delete_a_service_now_incident_by_id' })],
  ];
  const before = (await sim.requests()).length;
  for (const [name, send] of cases) {
    const r = await send();
    assert.equal(r.status, 400, name);
    assert.equal(r.body.error.code, -32020, name);
    assert.equal(r.body.id, 7, name);
  }
  assert.equal((await sim.requests()).length, before, 'nothing reached ServiceNow');
});

test('Mcp-Name in the Base64 sentinel form is decoded before comparing', async () => {
  const name = 'list_all_service_now_sys_users';
  const encoded = `=?base64?${Buffer.from(name).toString('base64')}?=`;
  const r = await modern('tools/call', { name, arguments: { limit: 1 } }, { 'mcp-name': encoded });
  assert.equal(r.status, 200);
  assert.equal(r.body.result.isError, false);
});

test('an unsupported version is 400 with -32022 listing supported and requested', async () => {
  const future = '2099-01-01';
  const r = await rpc(server.url,
    { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: meta({ 'io.modelcontextprotocol/protocolVersion': future }) } },
    { 'mcp-protocol-version': future, 'mcp-method': 'tools/list' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, -32022);
  assert.equal(r.body.error.data.requested, future);
  assert.ok(r.body.error.data.supported.includes(MODERN));
  assert.ok(r.body.error.data.supported.includes('2025-11-25'));
  // A legacy-era request with an unknown version header gets the same recognisable error.
  const legacy = await rpc(server.url, { jsonrpc: '2.0', id: 4, method: 'tools/list' }, { 'mcp-protocol-version': future });
  assert.equal(legacy.status, 400);
  assert.equal(legacy.body.error.code, -32022);
});

test('methods the modern era removed or never had are 404 with -32601', async () => {
  for (const method of ['ping', 'logging/setLevel', 'resources/list', 'subscriptions/listen']) {
    const r = await modern(method);
    assert.equal(r.status, 404, method);
    assert.equal(r.body.error.code, -32601, method);
    assert.equal(r.body.jsonrpc, '2.0', method);
  }
});

test('malformed modern _meta gets a JSON-RPC error naming the field', async () => {
  const cases = [
    ['io.modelcontextprotocol/clientInfo', meta({ 'io.modelcontextprotocol/clientInfo': undefined })],
    ['io.modelcontextprotocol/clientInfo', meta({ 'io.modelcontextprotocol/clientInfo': 'me' })],
    ['io.modelcontextprotocol/clientInfo', meta({ 'io.modelcontextprotocol/clientInfo': { name: 'x', version: 2 } })],
    ['io.modelcontextprotocol/clientCapabilities', meta({ 'io.modelcontextprotocol/clientCapabilities': null })],
    ['io.modelcontextprotocol/protocolVersion', meta({ 'io.modelcontextprotocol/protocolVersion': 20260728 })],
  ];
  for (const [field, bad] of cases) {
    const r = await rpc(server.url, { jsonrpc: '2.0', id: 9, method: 'tools/list', params: { _meta: bad } },
      { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' });
    assert.equal(r.status, 400, field);
    assert.equal(r.body.error.code, -32602, field);
    assert.ok(r.body.error.message.includes(field), `${field}: ${r.body.error.message}`);
  }
});

test('a legacy client sending server/discover gets a clean method-not-found', async () => {
  const r = await rpc(server.url, { jsonrpc: '2.0', id: 5, method: 'server/discover', params: {} }, { 'mcp-protocol-version': '2025-11-25' });
  assert.equal(r.status, 200);
  assert.equal(r.body.error.code, -32601);
  assert.equal(r.body.id, 5);
});

test('legacy rules still hold: notifications are 202, SSE-only clients get one event', async () => {
  const note = await rpc(server.url, { jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(note.status, 202);
  const sse = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  assert.equal(sse.headers.get('content-type'), 'text/event-stream');
  assert.equal(await sse.text(), 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n');
});

/** A POST with a Host header of our choosing (fetch may not set Host). */
function postWithHost(url, host, origin, body) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { host, origin, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      timeout: 10000,
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('DNS rebinding: a foreign Origin is refused even when it equals the Host', async () => {
  const host = 'evil.example.com';
  const status = await postWithHost(server.url, host, `http://${host}`, { jsonrpc: '2.0', id: 1, method: 'ping' });
  assert.equal(status, 403);
  const local = await rpc(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { origin: new URL(server.url).origin });
  assert.equal(local.status, 200);
});
