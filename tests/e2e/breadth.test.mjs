// The catalog's breadth end to end (release wasm under workerd, official MCP SDK client,
// simulator upstream with the demo seed): the tables documented for issue 11 are listed
// and return seeded data (the instance's own choice values, computers with their
// relationships, catalog variables), writes resolve names on the new tables, and a
// read-only server neither lists nor runs their write tools (the simulator's request
// log proves nothing was written).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startWorld, provision } from './harness.mjs';

// Demo seed ids (docs/simulator.md, "The demo seed").
const ALICE = '53d86e88688b9dc38aee004be53106fc';
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NEW_RESOURCES = [
  'sys_choice', 'item_option_new', 'sys_user_delegate', 'cmn_schedule', 'sysapproval_group',
  'sc_category', 'sc_cat_item_category', 'cmdb_ci_computer', 'cmdb_ci_netgear', 'cmdb_ci_db_instance',
  'cmdb_ci_business_app', 'cmdb_ci_outage', 'alm_hardware', 'cmn_cost_center', 'contract_sla',
  'cmdb_rel_type', 'sc_cat_item_producer',
];

let world, sim, worker, full, readOnly, client, readClient;

async function listAll(c) {
  const names = [];
  let cursor;
  for (let page = 0; page < 20; page++) {
    const r = await c.listTools(cursor ? { cursor } : {});
    names.push(...r.tools.map((t) => t.name));
    cursor = r.nextCursor;
    if (!cursor) return names;
  }
  throw new Error('tools/list did not end in 20 pages');
}

async function call(c, name, args) {
  const r = await c.callTool({ name, arguments: args });
  assert.equal(r.isError, false, `${name}: ${r.content?.[0]?.text}`);
  return r.structuredContent;
}

before(async () => {
  world = await startWorld({ name: 'e2e-breadth' });
  ({ sim, worker, client } = world);
  full = world.server;
  readOnly = await provision(worker, sim, { server: { name: 'read-only', config: { methods: ['read'] } } });
  readClient = await world.connect(readOnly.url, 'e2e-breadth-read');
});

after(async () => {
  await world?.stop();
});

test('the unfiltered catalog has at least 150 tools over 40 resources, the new ones included', async () => {
  const names = await listAll(client);
  assert.ok(names.length >= 150, `${names.length} tools`);
  // Every documented resource has a list tool.
  const resources = new Set(names.filter((n) => n.startsWith('list_all_service_now_')));
  assert.ok(resources.size >= 40, `${resources.size} resources`);
  for (const r of NEW_RESOURCES) {
    assert.ok(names.includes(`list_all_service_now_${r}`), `list tool of ${r}`);
    assert.ok(names.includes(`get_single_service_now_${r}_by_id`), `get tool of ${r}`);
  }
  // Read-only tables stay read-only.
  for (const r of ['sys_choice', 'item_option_new', 'cmdb_rel_type', 'contract_sla']) {
    assert.ok(!names.some((n) => n.startsWith('create_a_') && n.endsWith(`_${r}`)), `${r} has no create tool`);
  }
});

test('sys_choice returns the instance’s incident categories, including one it added', async () => {
  const { result } = await call(client, 'list_all_service_now_sys_choice', {
    name: 'incident', element: 'category', inactive: false, query: 'ORDERBYsequence',
  });
  const values = result.map((r) => r.value);
  assert.deepEqual(values, ['inquiry', 'software', 'hardware', 'network', 'database', 'security']);
  assert.equal(result.find((r) => r.value === 'security').label, 'Security');
  // Subcategories name the category they depend on.
  const subs = await call(client, 'list_all_service_now_sys_choice', {
    name: 'incident', element: 'subcategory', dependent_value: 'network',
  });
  assert.deepEqual(subs.result.map((r) => r.value).sort(), ['dhcp', 'dns', 'ip address', 'vpn', 'wireless']);
});

test('computers list laptops and servers; a database instance’s host is found through cmdb_rel_ci', async () => {
  const computers = await call(client, 'list_all_service_now_cmdb_ci_computer', { limit: 50, fields: ['name', 'sys_class_name', 'assigned_to'] });
  const byName = Object.fromEntries(computers.result.map((r) => [r.name, r]));
  assert.equal(byName['LT-ALICE-01']?.assigned_to, ALICE, 'the laptop is Alice’s');
  assert.equal(byName['LT-ALICE-01']?.display_values?.assigned_to, 'Alice Johnson');
  assert.equal(byName['sd-app-01']?.sys_class_name, 'cmdb_ci_linux_server', 'servers are computers too');
  // A person's machines, filtered by her name (resolved on the server).
  const hers = await call(client, 'list_all_service_now_cmdb_ci_computer', { assigned_to: 'alice.johnson' });
  assert.deepEqual(hers.result.map((r) => r.name), ['LT-ALICE-01']);

  const dbs = await call(client, 'list_all_service_now_cmdb_ci_db_instance', { name: 'HRDB' });
  assert.equal(dbs.result.length, 1);
  const hrdb = dbs.result[0];
  const rels = await call(client, 'list_all_service_now_cmdb_rel_ci', { parent: hrdb.sys_id });
  assert.equal(rels.result.length, 1);
  assert.equal(rels.result[0].display_values?.type, 'Runs on::Runs');
  assert.equal(rels.result[0].display_values?.child, 'sd-sql-01');

  const gear = await call(client, 'list_all_service_now_cmdb_ci_netgear', { ip_address: '10.20.0.2' });
  assert.deepEqual(gear.result.map((r) => r.name), ['core-sw-01']);
});

test('catalog variables of an item, found by the item’s sys_id', async () => {
  const items = await call(client, 'list_all_service_now_sc_cat_item', { query: 'name=Standard Laptop' });
  assert.equal(items.result.length, 1);
  const vars = await call(client, 'list_all_service_now_item_option_new', { cat_item: items.result[0].sys_id, query: 'ORDERBYorder' });
  assert.deepEqual(vars.result.map((v) => v.name), ['requested_for', 'ram', 'additional_software']);
  assert.equal(vars.result[0].display_values?.type, 'Reference');
});

test('a delegation is created with names and a relationship with a type name; both land upstream', async () => {
  await sim.clearRequests();
  const created = await call(client, 'create_a_service_now_sys_user_delegate', {
    user: 'alice.johnson', delegate: 'Bob Martinez', starts: '2026-12-24 00:00:00', ends: '2027-01-02 00:00:00', approvals: true,
  });
  const row = (await sim.table('sys_user_delegate')).result.find((r) => r.sys_id === created.result.sys_id);
  assert.equal(row.user, ALICE);
  assert.equal(row.approvals, 'true');
  const writes = (await sim.requests()).filter((r) => WRITE_VERBS.has(r.method));
  assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), ['POST /api/now/table/sys_user_delegate']);

  const laptop = (await call(client, 'list_all_service_now_cmdb_ci_computer', { name: 'LT-BOB-02' })).result[0];
  const rel = await call(client, 'create_a_service_now_cmdb_rel_ci', { parent: laptop.sys_id, child: 'core-sw-01', type: 'Connects to::Connected by' });
  const types = (await sim.table('cmdb_rel_type')).result;
  assert.equal(rel.result.type, types.find((t) => t.name === 'Connects to::Connected by').sys_id, 'the type name was resolved');
  const deleted = await call(client, 'delete_a_service_now_sys_user_delegate_by_id', { id: created.result.sys_id });
  assert.equal(deleted.deleted, true);
});

test('a read-only server lists none of the new write tools and cannot call them', async () => {
  const { tools, nextCursor } = await readClient.listTools();
  assert.equal(nextCursor, undefined, 'one page');
  const names = tools.map((t) => t.name);
  // No write tool of the new resources is listed; every listed tool (catalog reads,
  // custom reads such as read_notes, the answer tools) is read-only by annotation.
  const writes = names.filter((n) => /^(create_a|update_a|delete_a)_service_now_/.test(n));
  assert.deepEqual(writes, [], 'no create, update or delete tool');
  for (const r of NEW_RESOURCES) assert.ok(names.includes(`list_all_service_now_${r}`), `list tool of ${r}`);
  assert.deepEqual(tools.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name), [], 'every listed tool is read-only');
  assert.ok(names.includes('list_all_service_now_sys_choice'));
  await sim.clearRequests();
  const refused = [
    ['create_a_service_now_sys_user_delegate', { user: ALICE, delegate: ALICE, starts: '2026-12-24 00:00:00', ends: '2027-01-02 00:00:00' }],
    ['update_a_service_now_cmdb_ci_computer_by_id', { id: '0123456789abcdef0123456789abcdef', install_status: '7' }],
    ['delete_a_service_now_sc_cat_item_category_by_id', { id: '0123456789abcdef0123456789abcdef' }],
    ['create_a_service_now_cmdb_ci_outage', { cmdb_ci: 'core-sw-01', type: 'outage', begin: '2026-12-01 10:00:00' }],
  ];
  for (const [name, args] of refused) {
    await assert.rejects(readClient.callTool({ name, arguments: args }), (e) => {
      assert.ok(e instanceof McpError, `${name}: ${e}`);
      assert.equal(e.code, -32602, name);
      return true;
    });
  }
  // A read on the same server reaches the simulator, so the empty write log is not an accident.
  await call(readClient, 'list_all_service_now_cmn_schedule', { limit: 5 });
  const log = await sim.requests();
  assert.ok(log.some((r) => r.path === '/api/now/table/cmn_schedule'), 'the read reached the simulator');
  assert.deepEqual(log.filter((r) => WRITE_VERBS.has(r.method)), []);
});
