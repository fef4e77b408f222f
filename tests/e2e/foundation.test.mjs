// The worker under workerd speaks MCP to the official TypeScript SDK client, and the
// transport rules hold over real HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startWorld, rpc } from './harness.mjs';

let world, sim, worker, server;

before(async () => {
  world = await startWorld({ sdkClient: false });
  ({ sim, worker, server } = world);
});

after(async () => {
  await world?.stop();
});

test('official SDK client initializes, lists tools and pings', async () => {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  try {
    assert.equal(client.getServerVersion().name, 'servicenow-mcp');
    assert.match(client.getInstructions(), /sys_id/);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of ['list_all_service_now_sys_users', 'create_a_service_now_incident', 'get_single_service_now_kb_knowledge_by_id']) {
      assert.ok(names.includes(name), `${name} missing`);
    }
    assert.deepEqual(await client.ping(), {});
  } finally {
    await client.close();
  }
});

test('wrong token is 404 with a JSON body', async () => {
  const r = await rpc(server.url.replace(/\/mcp\/.*/, '/mcp/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), { jsonrpc: '2.0', id: 1, method: 'ping' });
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'unknown_mcp_server');
});

test('GET is 405 with Allow: POST', async () => {
  const r = await fetch(server.url, { headers: { accept: 'text/event-stream' } });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST');
});

test('a foreign Origin is 403 and a localhost one is served', async () => {
  const bad = await rpc(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { origin: 'https://evil.example' });
  assert.equal(bad.status, 403);
  const good = await rpc(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { origin: 'http://localhost:6274' });
  assert.equal(good.status, 200);
  assert.equal(good.headers.get('access-control-allow-origin'), 'http://localhost:6274');
});

test('malformed bodies get JSON-RPC errors, notifications 202', async () => {
  const parse = await rpc(server.url, '{not json');
  assert.equal(parse.status, 400);
  assert.equal(parse.body.error.code, -32700);
  assert.equal(parse.body.id, null);
  const batch = await rpc(server.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
  assert.equal(batch.status, 400);
  assert.equal(batch.body.error.code, -32600);
  const note = await rpc(server.url, { jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(note.status, 202);
  const unknown = await rpc(server.url, { jsonrpc: '2.0', id: 7, method: 'server/discover' });
  assert.equal(unknown.body.error.code, -32601);
});

test('an SSE-only client gets one message event', async () => {
  const r = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }),
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  assert.equal(await r.text(), 'event: message\ndata: {"jsonrpc":"2.0","id":3,"result":{}}\n\n');
});
