// Listings read from D1 under workerd: a thousand servers page by page, each once, with
// the filters; accounts searched. (Native tests cover the same over SQLite; this proves
// the SQL and the paging on wrangler's local D1.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld } from './harness.mjs';

let world, worker;

before(async () => {
  world = await startWorld({ sdkClient: false, accountId: 'many' });
  ({ worker } = world);
});

after(async () => { await world?.stop(); });

async function admin(method, path, body) {
  const r = await worker.admin(method, path, body);
  return { status: r.status, json: await r.json() };
}

test('a thousand servers list page by page, each once, and filter by account, auth mode and name', async () => {
  // 999 more servers beside the one the world made, 25 requests at a time.
  const names = Array.from({ length: 999 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 25) {
    const batch = names.slice(i, i + 25).map((name, j) => admin('POST', '/integrated-account/many/mcp',
      { name, require_api_token_auth: (i + j) % 100 === 0 }));
    for (const r of await Promise.all(batch)) assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  const seen = [];
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const r = await admin('GET', `/mcp-servers?account=many&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    seen.push(...r.json.result.map((s) => s.id));
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  assert.equal(seen.length, 1000);
  assert.equal(new Set(seen).size, 1000, 'no server twice');
  assert.deepEqual(seen, [...seen].sort(), 'in id order');
  const tokened = await admin('GET', '/mcp-servers?account=many&auth_mode=api_token');
  assert.equal(tokened.json.result.length, 10);
  const named = await admin('GET', '/mcp-servers?name=BULK-099');
  assert.equal(named.json.result.length, 9, 'bulk-0990 to bulk-0998');
  const bad = await admin('GET', '/mcp-servers?expired=soon');
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /`expired`/);
  const accounts = await admin('GET', '/integrated-accounts?q=MANY');
  assert.deepEqual(accounts.json.result.map((a) => a.id), ['many']);
});
