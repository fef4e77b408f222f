// The lean catalog end to end (release wasm under workerd, official MCP SDK client,
// simulator upstream): names resolved by the server before writes, ambiguity and
// unknown names writing nothing (the simulator's request log proves it), results that
// validate against each tool's outputSchema with display values and resource links,
// the byte budget of tools/list, and discovery mode driving a whole workflow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, connect, provision, rpc } from './harness.mjs';

// Demo seed ids (docs/simulator.md, "The demo seed").
const ALICE = '53d86e88688b9dc38aee004be53106fc';
const SERVICE_DESK = '300de7eb2d6baaa0201f6fb40fa3280b';
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let world, sim, worker, server, client;

before(async () => {
  world = await startWorld({ name: 'e2e-lean' });
  ({ sim, worker, server, client } = world);
  // The SDK client validates each call's structuredContent against the outputSchema
  // it learned from tools/list (and throws when they disagree).
  await client.listTools();
});

after(async () => {
  await world?.stop();
});

async function tableWrites() {
  return (await sim.requests()).filter((r) => WRITE_VERBS.has(r.method) && r.path.startsWith('/api/now/table/'));
}

test('create an incident naming the caller and group as a person would', async () => {
  await sim.clearRequests();
  // The SDK client itself validates structuredContent against the tool's outputSchema.
  const r = await client.callTool({
    name: 'create_a_service_now_incident',
    arguments: { short_description: 'VPN drops every hour', caller_id: 'Alice Johnson', assignment_group: 'Service Desk' },
  });
  assert.equal(r.isError, false, r.content?.[0]?.text);
  const created = r.structuredContent.result;
  const row = (await sim.table('incident')).result.find((i) => i.sys_id === created.sys_id);
  assert.equal(row.caller_id, ALICE, 'the caller was resolved to her sys_id');
  assert.equal(row.assignment_group, SERVICE_DESK, 'the group was resolved to its sys_id');
  // One read-only lookup per name, then the write.
  const log = (await sim.requests()).filter((x) => x.path.startsWith('/api/now/table/'));
  assert.deepEqual(log.map((x) => `${x.method} ${x.path}`), [
    'GET /api/now/table/sys_user',
    'GET /api/now/table/sys_user_group',
    'POST /api/now/table/incident',
  ]);
  const link = r.content.find((c) => c.type === 'resource_link');
  assert.ok(link, 'a resource_link to the new record');
  assert.equal(link.uri, `${sim.url}/nav_to.do?uri=incident.do%3Fsys_id%3D${created.sys_id}`);
  assert.equal(link.name, created.number);
  assert.equal(link.mimeType, 'text/html');

  // The same names work by user_name and e-mail; a sys_id is used with no lookup.
  await sim.clearRequests();
  const byId = await client.callTool({
    name: 'update_a_service_now_incident_by_id',
    arguments: { id: created.number, caller_id: ALICE },
  });
  assert.equal(byId.isError, false, byId.content?.[0]?.text);
  const lookups = (await sim.requests()).filter((x) => x.path === '/api/now/table/sys_user');
  assert.deepEqual(lookups, [], 'a sys_id needs no lookup');
  const byUserName = await client.callTool({
    name: 'update_a_service_now_incident_by_id',
    arguments: { id: created.sys_id, caller_id: 'alice.johnson' },
  });
  assert.equal(byUserName.isError, false, byUserName.content?.[0]?.text);
});

test('an unknown name, an ambiguous name and an injection attempt write nothing', async () => {
  // A second "Alice Johnson" makes the full name ambiguous (user_name still unique).
  const auth = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
  const dup = await fetch(`${sim.url}/api/now/table/sys_user`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ user_name: 'alice.johnson2', first_name: 'Alice', last_name: 'Johnson', name: 'Alice Johnson', email: 'alice2@example.com' }),
  });
  assert.equal(dup.status, 201, await dup.text());
  const users = (await sim.table('sys_user')).result.filter((u) => u.name === 'Alice Johnson');
  assert.equal(users.length, 2, 'the simulator now holds two Alice Johnsons');

  const cases = [
    ['unknown', 'Zaphod Beeblebrox', [/caller_id: no sys_user records whose user_name, email or name is "Zaphod Beeblebrox"/, /nothing was written/]],
    ['ambiguous', 'Alice Johnson', [/caller_id is ambiguous: 2 sys_user records/, new RegExp(ALICE), /alice|Alice Johnson \(sys_id/, /Nothing was written/]],
    ['injection refused', 'Bob^ORactive=true', [/contains `\^`/, /Nothing was sent to ServiceNow/]],
    ['script refused', 'javascript:gs.getUserID()', [/javascript:/, /never sends it/]],
  ];
  for (const [label, name, patterns] of cases) {
    await sim.clearRequests();
    const before = (await sim.table('incident')).result.length;
    const r = await client.callTool({ name: 'create_a_service_now_incident', arguments: { short_description: `case ${label}`, caller_id: name } });
    assert.equal(r.isError, true, `${label}: ${JSON.stringify(r)}`);
    assert.equal(r.structuredContent, undefined, `${label}: errors are text only`);
    for (const p of patterns) assert.match(r.content[0].text, p, label);
    assert.deepEqual(await tableWrites(), [], `${label}: no write reached the simulator`);
    const log = await sim.requests();
    if (label.endsWith('refused')) {
      assert.deepEqual(log, [], `${label}: nothing sent, not even a lookup`);
    } else {
      assert.equal(log.length, 1, `${label}: exactly one lookup`);
      assert.equal(log[0].method, 'GET');
    }
    assert.equal((await sim.table('incident')).result.length, before, `${label}: no incident created`);
  }

  // Implausible values never reach ServiceNow at all.
  for (const bad of ['   ', 'Alice\nJohnson', 'x'.repeat(256)]) {
    await sim.clearRequests();
    const r = await client.callTool({ name: 'create_a_service_now_incident', arguments: { short_description: 'bad', caller_id: bad } });
    assert.equal(r.isError, true);
    assert.deepEqual(await sim.requests(), [], `${JSON.stringify(bad)}: no request at all`);
  }
});

test('a list filter takes a name too: resolved once, then matched by sys_id', async () => {
  await sim.clearRequests();
  const r = await client.callTool({ name: 'list_all_service_now_incident', arguments: { caller_id: 'alice.johnson', fields: ['number', 'caller_id'] } });
  assert.equal(r.isError, false, r.content?.[0]?.text);
  assert.ok(r.structuredContent.result.length > 0);
  assert.ok(r.structuredContent.result.every((i) => i.caller_id === ALICE));
  const log = (await sim.requests()).filter((x) => x.path.startsWith('/api/now/table/'));
  assert.deepEqual(log.map((x) => `${x.method} ${x.path}`), ['GET /api/now/table/sys_user', 'GET /api/now/table/incident']);
});

test('list and get results carry names and labels beside codes, within 2x the bytes', async () => {
  const list = await client.callTool({ name: 'list_all_service_now_incident', arguments: { limit: 10, query: 'ORDERBYnumber' } });
  assert.equal(list.isError, false, list.content?.[0]?.text);
  const withCaller = list.structuredContent.result.find((i) => i.caller_id === ALICE);
  assert.ok(withCaller, 'a seeded incident of Alice');
  assert.equal(withCaller.display_values.caller_id, 'Alice Johnson');
  assert.match(withCaller.state, /^\d+$/, 'the code stays the value');
  assert.ok(withCaller.display_values.state, 'the state label is beside it');

  const codes = await client.callTool({ name: 'list_all_service_now_incident', arguments: { limit: 10, query: 'ORDERBYnumber', display_value: 'false' } });
  assert.equal(codes.structuredContent.result[0].display_values, undefined, 'display_value asks for one form');
  const ratio = JSON.stringify(list.structuredContent).length / JSON.stringify(codes.structuredContent).length;
  assert.ok(ratio < 2, `the richer answer is ${ratio.toFixed(2)}x the codes-only one`);

  const get = await client.callTool({ name: 'get_single_service_now_incident_by_id', arguments: { id: withCaller.number } });
  assert.equal(get.isError, false, get.content?.[0]?.text);
  assert.equal(get.structuredContent.result.display_values.caller_id, 'Alice Johnson');
  assert.ok(get.content.some((c) => c.type === 'resource_link' && c.name === withCaller.number));
});

test('every tool has title, four hints and an outputSchema; tools/list stays within 1,000 bytes a tool', async () => {
  const { tools } = await client.listTools();
  for (const t of tools) {
    assert.ok(t.title, `${t.name}: title`);
    assert.ok(t.name.length <= 64, t.name);
    assert.ok(t.description.length <= 1024, `${t.name}: description ${t.description.length}`);
    for (const h of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
      assert.equal(typeof t.annotations[h], 'boolean', `${t.name}: ${h}`);
    }
    assert.equal(t.outputSchema?.type, 'object', `${t.name}: outputSchema`);
  }
  const raw = await rpc(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const perTool = JSON.stringify(raw.body.result.tools).length / raw.body.result.tools.length;
  assert.ok(perTool <= 1000, `${perTool.toFixed(0)} bytes a tool`);
});

test('discovery mode: three tools drive a whole workflow; hidden tools stay unreachable', async () => {
  const discovery = await provision(worker, sim, { accountId: 'disco', server: { name: 'discovery', config: { methods: ['read', 'create', 'update'], tool_mode: 'discovery' } } });
  const c = await connect(discovery.url, 'e2e-discovery');
  try {
    const raw = await rpc(discovery.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.deepEqual(raw.body.result.tools.map((t) => t.name), ['search_service_now_tools', 'describe_service_now_tool', 'call_service_now_tool']);
    assert.ok(JSON.stringify(raw.body.result).length <= 4096, 'tools/list fits in 4 KB');
    const callTool = raw.body.result.tools[2];
    assert.equal(callTool.annotations.readOnlyHint, false, 'this server writes');

    const found = await c.callTool({ name: 'search_service_now_tools', arguments: { query: 'create incident' } });
    assert.equal(found.isError, false, found.content?.[0]?.text);
    assert.equal(found.structuredContent.tools[0].name, 'create_a_service_now_incident');
    const described = await c.callTool({ name: 'describe_service_now_tool', arguments: { name: 'create_a_service_now_incident' } });
    assert.ok(described.structuredContent.tool.inputSchema.properties.caller_id);

    const run = async (name, args) => {
      const r = await c.callTool({ name: 'call_service_now_tool', arguments: { name, arguments: args } });
      assert.equal(r.isError, false, `${name}: ${r.content?.[0]?.text}`);
      return r.structuredContent;
    };
    // Seed workflow: find the caller, open an incident for her, then work it.
    const users = await run('list_all_service_now_sys_users', { user_name: 'alice.johnson', fields: ['sys_id', 'name'] });
    assert.equal(users.result[0].sys_id, ALICE);
    const created = await run('create_a_service_now_incident', { short_description: 'Laptop will not boot', caller_id: users.result[0].sys_id });
    const updated = await run('update_a_service_now_incident_by_id', { id: created.result.number, state: '2', assignment_group: 'Service Desk' });
    assert.equal(updated.result.state, '2');
    const row = (await sim.table('incident')).result.find((i) => i.sys_id === created.result.sys_id);
    assert.equal(row.caller_id, ALICE);
    assert.equal(row.assignment_group, SERVICE_DESK);
    assert.equal(row.state, '2');

    // A tool the filter hides (delete) is refused like an unknown one and reaches nothing.
    await sim.clearRequests();
    const hidden = await rpc(discovery.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'call_service_now_tool', arguments: { name: 'delete_a_service_now_cmdb_rel_ci_by_id', arguments: { id: ALICE } } } });
    assert.equal(hidden.body.error?.code, -32602, JSON.stringify(hidden.body));
    const direct = await rpc(discovery.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_all_service_now_incident', arguments: {} } });
    assert.equal(direct.body.error?.code, -32602, 'catalog tools are reached only through call_service_now_tool');
    const notFound = await c.callTool({ name: 'search_service_now_tools', arguments: { query: 'delete' } });
    assert.ok(!notFound.structuredContent.tools.some((t) => t.name.startsWith('delete_')), 'search shows only exposed tools');
    assert.deepEqual(await sim.requests(), []);
  } finally {
    await c.close();
  }
});
