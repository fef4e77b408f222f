// How ServiceNow's answers reach the MCP client through the worker under workerd: method
// filters that keep writes from the instance, 429 passthrough with normalized rate-limit
// headers, every auth type, ACL-hidden fields and rows, 401/404, cursor pagination and
// upstream timeouts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startWorld, startWorker, provision, rpc } from './harness.mjs';

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let world, sim, worker, admin;

before(async () => {
  world = await startWorld({ sdkClient: false, accountId: 'demo' });
  ({ sim, worker } = world);
  admin = world.server;
});

after(async () => {
  await world?.stop();
});

function connect(url, name = 'e2e-upstream') {
  return world.connect(url, name);
}

async function listAllTools(client) {
  return (await listAllToolDefinitions(client)).map((t) => t.name);
}

async function listAllToolDefinitions(client) {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

/** A second server on an existing account. */
async function createServer(accountId, body) {
  const r = await worker.admin('POST', `/integrated-account/${accountId}/mcp`, { name: 'e2e', ...body });
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

/** Lists incidents page by page through next_cursor; returns every sys_id seen. */
async function followCursor(client, args, pageSizes = []) {
  const seen = [];
  let cursor;
  do {
    const r = await client.callTool({ name: 'list_all_service_now_incident', arguments: cursor ? { ...args, next_cursor: cursor } : args });
    assert.equal(r.isError, false, r.content?.[0]?.text);
    seen.push(...r.structuredContent.result.map((row) => row.sys_id));
    pageSizes.push(r.structuredContent.result.length);
    cursor = r.structuredContent.next_cursor;
    assert.ok(pageSizes.length <= 50, 'pagination ends');
  } while (cursor);
  return seen;
}

let rpcId = 100;
const callRpc = (url, name, args) => rpc(url, { jsonrpc: '2.0', id: ++rpcId, method: 'tools/call', params: { name, arguments: args } });

test('a read-only server lists no write tools, refuses them with -32602 and never writes upstream', async () => {
  const server = await createServer('demo', { config: { methods: ['read'] } });
  const client = await connect(server.url);
  const tools = await listAllToolDefinitions(client);
  const names = tools.map((t) => t.name);
  assert.ok(names.includes('list_all_service_now_incident'));
  assert.ok(names.includes('get_single_service_now_incident_by_id'));
  // Standard reads, custom methods of kind get or list (read_notes, read_file, ...) and
  // the read-only answer tools (search, fetch, aggregate_service_now_records).
  const writes = tools.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name);
  assert.deepEqual(writes, [], 'only get and list tools');
  assert.ok(names.includes('read_notes_service_now_sys_journal_field'), 'custom reads stay');

  await sim.clearRequests();
  const refused = [
    ['create_a_service_now_incident', { short_description: 'x', caller_id: '53d86e88688b9dc38aee004be53106fc' }],
    ['update_a_service_now_incident_by_id', { id: 'INC0010001', state: '2' }],
    ['resolve_service_now_incident', { id: 'INC0010001', close_code: 'Solution provided', close_notes: 'x' }],
    ['delete_a_service_now_sys_user_grmembers_by_id', { id: '0123456789abcdef0123456789abcdef' }],
  ];
  // Each exists on a read+write server of the same account: the filter is what refuses it.
  const full = await listAllTools(await connect(admin.url));
  for (const [name] of refused) assert.ok(full.includes(name), `${name} exists on a read+write server`);
  for (const [name, args] of refused) {
    await assert.rejects(client.callTool({ name, arguments: args }), (e) => {
      assert.ok(e instanceof McpError, `${name}: ${e}`);
      assert.equal(e.code, -32602, name);
      assert.match(e.message, new RegExp(name));
      return true;
    });
  }
  // Reads still work on the same server, so the log below is not empty by accident.
  const list = await client.callTool({ name: 'list_all_service_now_incident', arguments: { limit: 2 } });
  assert.equal(list.isError, false, list.content?.[0]?.text);
  const get = await client.callTool({ name: 'get_single_service_now_incident_by_id', arguments: { id: 'INC0010001' } });
  assert.equal(get.isError, false, get.content?.[0]?.text);

  const log = await sim.requests();
  assert.ok(log.length >= 2, 'the reads reached the simulator');
  assert.deepEqual(log.filter((r) => WRITE_VERBS.has(r.method)), []);
});

test('upstream 429 passes through once, with the delay and normalized headers; 2xx carry ratelimit-*', async () => {
  const window = 3600;
  await sim.configure({ rate_limit: { limit: 2, window_secs: window } });
  try {
    // Two calls within the limit: 2xx with ServiceNow's X-RateLimit-* normalized.
    for (let i = 0; i < 2; i++) {
      const ok = await callRpc(admin.url, 'list_all_service_now_incident', { limit: 1, fields: ['sys_id'] });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.result.isError, false, JSON.stringify(ok.body));
      assert.equal(ok.headers.get('ratelimit-limit'), '2');
      const reset = Number(ok.headers.get('ratelimit-reset'));
      assert.ok(Number.isInteger(reset) && reset >= 0 && reset <= window, `ratelimit-reset ${reset}`);
      assert.equal(ok.headers.get('ratelimit-remaining'), null);
    }

    await sim.clearRequests();
    const id = 'rate-limited-call';
    const limited = await rpc(admin.url, {
      jsonrpc: '2.0', id, method: 'tools/call',
      params: { name: 'list_all_service_now_incident', arguments: { limit: 1 } },
    });
    // ServiceNow's own answer to the same caller right after, for its Retry-After.
    const direct = await fetch(`${sim.url}/api/now/table/incident?sysparm_limit=1`, {
      headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`, accept: 'application/json' },
    });
    assert.equal(direct.status, 429);
    const simRetryAfter = Number(direct.headers.get('retry-after'));

    assert.equal(limited.status, 429);
    assert.equal(limited.body.jsonrpc, '2.0');
    assert.equal(limited.body.id, id);
    assert.equal(typeof limited.body.error.code, 'number');
    const retryAfter = Number(limited.headers.get('retry-after'));
    // Equal unless a second boundary fell between the two requests.
    assert.ok(Math.abs(retryAfter - simRetryAfter) <= 1, `retry-after ${retryAfter} vs simulator ${simRetryAfter}`);
    assert.match(limited.body.error.message, new RegExp(`retry after (${retryAfter}|${retryAfter - 1}|${retryAfter + 1}) seconds`));
    assert.match(limited.body.error.message, /429/);
    assert.equal(limited.headers.get('ratelimit-limit'), '2');
    const reset = Number(limited.headers.get('ratelimit-reset'));
    assert.ok(Number.isInteger(reset) && reset >= 0 && reset <= window, `ratelimit-reset ${reset}`);
    assert.equal(limited.headers.get('ratelimit-remaining'), null);

    const log = (await sim.requests()).filter((r) => r.path.startsWith('/api/now/table/'));
    // The call's one request, then our direct probe: the worker never retried.
    assert.equal(log.length, 2, JSON.stringify(log.map((r) => `${r.method} ${r.path} ${r.status}`)));
    assert.deepEqual([log[0].method, log[0].path, log[0].status], ['GET', '/api/now/table/incident', 429]);
    assert.equal(log[1].params.sysparm_limit, '1');
    assert.equal(log[1].headers['cf-worker'], undefined, 'the second entry is the direct probe');

    // A write by record number is refused at its lookup: 429 again, and nothing written.
    await sim.clearRequests();
    const update = await callRpc(admin.url, 'update_a_service_now_incident_by_id', { id: 'INC0010004', urgency: '2' });
    assert.equal(update.status, 429, JSON.stringify(update.body));
    assert.equal(update.body.error.code, limited.body.error.code);
    const updateLog = await sim.requests();
    assert.deepEqual(updateLog.map((r) => [r.method, r.status]), [['GET', 429]]);
  } finally {
    await sim.configure({ rate_limit: null });
  }
});

test('an itil account sees hidden_fields for ACL-dropped fields and no security incidents', async () => {
  const server = await provision(worker, sim, { accountId: 'itil', auth: { type: 'basic', username: 'itil', password: 'itil' } });
  const client = await connect(server.url);
  const r = await client.callTool({
    name: 'list_all_service_now_incident',
    arguments: { fields: ['sys_id', 'number', 'category', 'close_notes'], limit: 100 },
  });
  assert.equal(r.isError, false, r.content?.[0]?.text);
  const { result, hidden_fields: hidden } = r.structuredContent;
  assert.deepEqual(hidden, ['close_notes']);
  for (const row of result) assert.equal('close_notes' in row, false, row.number);

  const all = (await sim.table('incident')).result;
  const visible = all.filter((row) => row.category !== 'security').map((row) => row.sys_id).sort();
  const security = all.filter((row) => row.category === 'security');
  assert.ok(security.length > 0, 'the seed has security incidents');
  assert.deepEqual(result.map((row) => row.sys_id).sort(), visible);

  // Row ACLs apply after the limit, so pages can come back short: paging must go on.
  const paged = await followCursor(client, { fields: ['sys_id'], limit: 5 });
  assert.equal(new Set(paged).size, paged.length, 'no duplicates');
  assert.deepEqual([...paged].sort(), visible);
});

test('wrong credentials are an isError about 401 without the secret', async () => {
  const secret = 'Wr0ng-Passw0rd-e2e-7f3a9c';
  const server = await provision(worker, sim, { accountId: 'badpw', auth: { type: 'basic', username: 'admin', password: secret } });
  const client = await connect(server.url);
  const r = await client.callTool({ name: 'list_all_service_now_incident', arguments: { limit: 1 } });
  assert.equal(r.isError, true);
  const text = r.content[0].text;
  assert.match(text, /401/);
  assert.match(text, /credentials/i);
  assert.equal(text.includes(secret), false, 'the password is not in the message');
  assert.equal(JSON.stringify(r).includes(secret), false);
  assert.equal(worker.logs().includes(secret), false, 'the password is not in the worker log');
});

test('every auth type reaches ServiceNow as its user; an OAuth token is fetched once and reused', async () => {
  const cases = [
    ['basic', { type: 'basic', username: 'itil', password: 'itil' }, 'itil', 'basic'],
    ['oauth2_password', { type: 'oauth2_password', client_id: 'mcp-demo-client', client_secret: 'mcp-demo-secret', username: 'itil', password: 'itil' }, 'itil', 'bearer'],
    ['oauth2_client_credentials', { type: 'oauth2_client_credentials', client_id: 'mcp-demo-client', client_secret: 'mcp-demo-secret' }, 'admin', 'bearer'],
    ['api_key', { type: 'api_key', key: 'sim-api-key-admin' }, 'admin', 'apikey'],
  ];
  for (const [label, auth, user, scheme] of cases) {
    const server = await provision(worker, sim, { accountId: `auth-${label.replace(/_/g, '-')}`, auth });
    await sim.clearRequests();
    for (let i = 0; i < 2; i++) {
      const r = await callRpc(server.url, 'list_all_service_now_sys_users', { user_name: 'alice.johnson', fields: ['name'] });
      assert.equal(r.body.result?.isError, false, `${label}: ${JSON.stringify(r.body)}`);
    }
    const log = await sim.requests();
    const table = log.filter((e) => e.path.startsWith('/api/now/table/'));
    assert.deepEqual(table.map((e) => [e.user, e.auth, e.status]), [[user, scheme, 200], [user, scheme, 200]], label);
    const tokenRequests = log.filter((e) => e.path === '/oauth_token.do');
    assert.equal(tokenRequests.length, scheme === 'bearer' ? 1 : 0, `${label}: token requests`);
    if (tokenRequests.length) assert.equal(tokenRequests[0].status, 200);
  }
});

test('a well-formed sys_id that does not exist is an isError about 404 naming the list tool', async () => {
  const client = await connect(admin.url);
  const r = await client.callTool({ name: 'get_single_service_now_incident_by_id', arguments: { id: 'fedcba9876543210fedcba9876543210' } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /404/);
  assert.match(r.content[0].text, /list_all_service_now_incident/);
});

test('following next_cursor with limit 5 yields every incident exactly once', async () => {
  const client = await connect(admin.url);
  const pages = [];
  const seen = await followCursor(client, { limit: 5, fields: ['sys_id'] }, pages);
  const all = (await sim.table('incident')).result.map((row) => row.sys_id);
  assert.ok(all.length > 5, 'more than one page of incidents');
  assert.equal(new Set(seen).size, seen.length, 'no duplicates');
  assert.deepEqual([...seen].sort(), [...all].sort());
  assert.equal(pages.length, Math.ceil(all.length / 5));
  assert.ok(pages.every((n) => n <= 5));
});

test('a slow instance times out as an isError well before the simulator answers', async () => {
  const slow = await startWorker({ vars: { UPSTREAM_TIMEOUT_MS: '1000' } });
  try {
    const server = await provision(slow, sim, { accountId: 'slow' });
    await sim.configure({ delay_ms: 3000 });
    const started = Date.now();
    const r = await callRpc(server.url, 'list_all_service_now_incident', { limit: 1 });
    const elapsed = Date.now() - started;
    assert.equal(r.status, 200);
    assert.equal(r.body.result.isError, true, JSON.stringify(r.body));
    assert.match(r.body.result.content[0].text, /did not answer within 1 s/);
    assert.ok(elapsed < 2500, `answered after ${elapsed} ms`);
  } finally {
    await sim.configure({ delay_ms: 0 });
    await slow.stop();
  }
});
