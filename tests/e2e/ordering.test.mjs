// Service catalog ordering through the worker under workerd: items found by text, an
// item's variables shown as a JSON Schema, orders refused before anything is sent (a
// missing mandatory variable, a value of the wrong type: no order_now request reaches the
// simulator and no sc_request row is added), a valid order returning its REQ and RITM
// numbers with the rows in the simulator, the request's items listed by REQ number, an
// order for someone else named by user_name or full name (requested_for on the sc_request
// and sc_req_item rows) or refused when that name is unknown or ambiguous, and a
// read-only server that neither lists nor reaches the order tool (directly or through
// discovery mode's call tool).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, callOk, provision, rpc } from './harness.mjs';

const SEARCH = 'search_service_now_sc_cat_item';
const SHOW = 'show_variables_service_now_sc_cat_item';
const ORDER = 'order_now_service_now_sc_cat_item';
const ITEMS = 'list_all_service_now_sc_req_item';

let world, sim, worker, client, readOnly, readOnlyDiscovery, vpn;

before(async () => {
  // As itil (may insert requests): the admin account's password "admin" would be
  // redacted from messages, and one of the choice values is "admin".
  world = await startWorld({ name: 'e2e-ordering', auth: { type: 'basic', username: 'itil', password: 'itil' } });
  ({ sim, worker, client } = world);
  readOnly = await provision(worker, sim, { accountId: 'ro', server: { name: 'read-only', config: { methods: ['read'] } } });
  readOnlyDiscovery = await provision(worker, sim, { accountId: 'rod', server: { name: 'read-only discovery', config: { methods: ['read'], tool_mode: 'discovery' } } });
});

after(async () => {
  await world?.stop();
});

async function call(name, args) {
  return callOk(client, name, args);
}

async function refused(name, args) {
  const r = await client.callTool({ name, arguments: args });
  assert.equal(r.isError, true, `${name} should fail: ${JSON.stringify(r.structuredContent)}`);
  return r.content[0].text;
}

const rows = async (table) => (await sim.table(table)).result;
const orderRequests = async () => (await sim.requests()).filter((r) => r.path.endsWith('/order_now'));

test('catalog items are found by text', async () => {
  const found = (await call(SEARCH, { text: 'vpn' })).structuredContent.result;
  assert.deepEqual(found.map((i) => i.name), ['Request VPN access']);
  vpn = found[0].sys_id;
  const [sent] = (await sim.requests()).filter((r) => r.path === '/api/sn_sc/servicecatalog/items');
  assert.equal(sent.params.sysparm_text, 'vpn');
});

test("an item's variables come back as a JSON Schema", async () => {
  const item = (await call(SHOW, { id: vpn })).structuredContent.result;
  assert.equal(item.name, 'Request VPN access');
  const schema = item.variables_schema;
  assert.deepEqual(schema.required, ['access_level', 'business_justification']);
  assert.deepEqual(schema.properties.access_level.enum, ['standard', 'admin']);
  assert.equal(schema.properties.hardware_token.type, 'boolean');
  assert.equal(schema.properties.start_date.pattern, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$');
  assert.equal(schema.additionalProperties, false);
});

test('an order missing a mandatory variable is refused and nothing is ordered', async () => {
  await sim.clearRequests();
  const before = (await rows('sc_request')).length;
  const text = await refused(ORDER, { id: vpn, variables: { access_level: 'standard' } });
  assert.match(text, /Nothing was ordered/);
  assert.match(text, /missing mandatory variable 'business_justification' \(Business justification\)/);
  assert.deepEqual(await orderRequests(), [], 'no order_now request reached the simulator');
  assert.equal((await rows('sc_request')).length, before);
});

test('an order with a value of the wrong type is refused and nothing is ordered', async () => {
  await sim.clearRequests();
  const before = (await rows('sc_request')).length;
  const text = await refused(ORDER, {
    id: vpn,
    variables: { access_level: 'superuser', business_justification: 'Travel', hardware_token: 'maybe', colour: 'red' },
  });
  assert.match(text, /variable 'access_level' \(Access level\) must be one of "standard" \(Standard\), "admin" \(Administrator\), got "superuser"/);
  assert.match(text, /variable 'hardware_token' \(Hardware token\) must be true or false, got "maybe"/);
  assert.match(text, /unknown variable 'colour'/);
  assert.deepEqual(await orderRequests(), []);
  assert.equal((await rows('sc_request')).length, before);
});

test('an order with all variables returns its REQ and RITM numbers; the rows are in the simulator', async () => {
  await sim.clearRequests();
  const before = (await rows('sc_request')).length;
  const r = await call(ORDER, {
    id: vpn, quantity: 1,
    variables: { access_level: 'admin', business_justification: 'On-call support', hardware_token: true, start_date: '2026-01-05' },
  });
  const result = r.structuredContent.result;
  assert.match(result.number, /^REQ\d{7}$/);
  assert.equal(result.table, 'sc_request');
  assert.equal(result.items.length, 1);
  assert.match(result.items[0].number, /^RITM\d{7}$/);
  assert.equal(result.items[0].state, '1');
  assert.equal(result.items[0].display_values.state, 'Open');
  const link = r.content.find((c) => c.type === 'resource_link');
  assert.equal(link.name, result.number);
  assert.match(link.uri, /sc_request\.do/);

  const [sent] = await orderRequests();
  assert.equal(sent.method, 'POST');
  const requests = await rows('sc_request');
  assert.equal(requests.length, before + 1);
  const req = requests.find((q) => q.number === result.number);
  assert.ok(req, `${result.number} in sc_request`);
  const ritm = (await rows('sc_req_item')).find((i) => i.number === result.items[0].number);
  assert.equal(ritm.request, req.sys_id);
  assert.equal(ritm.cat_item, vpn);
  assert.equal(ritm.quantity, '1');

  // The request's items and their state, by REQ number.
  const listed = (await call(ITEMS, { request: result.number })).structuredContent.result;
  assert.deepEqual(listed.map((i) => [i.number, i.state]), [[result.items[0].number, '1']]);
});

const user = async (userName) => (await rows('sys_user')).find((u) => u.user_name === userName);
const vpnOrder = (extra) => ({
  id: vpn, ...extra,
  variables: { access_level: 'standard', business_justification: 'New starter' },
});

test('an order for someone named by user_name or full name is requested for that user', async () => {
  for (const [who, given] of [['alice.johnson', 'alice.johnson'], ['david.smith', 'David Smith']]) {
    await sim.clearRequests();
    const expected = (await user(who)).sys_id;
    const result = (await call(ORDER, vpnOrder({ requested_for: given }))).structuredContent.result;
    const [sent] = await orderRequests();
    assert.equal(sent.body.sysparm_requested_for, expected, `${given}: the order names the user's sys_id`);
    const req = (await rows('sc_request')).find((q) => q.number === result.number);
    assert.equal(req.requested_for, expected, `${given}: sc_request.requested_for`);
    const ritm = (await rows('sc_req_item')).find((i) => i.number === result.items[0].number);
    assert.equal(ritm.requested_for, expected, `${given}: sc_req_item.requested_for`);
  }
});

test('an order for an unknown or ambiguous person is refused and nothing is ordered', async () => {
  // A second "Fred Luddy" makes that full name ambiguous (user_name stays unique).
  const auth = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
  const dup = await fetch(`${sim.url}/api/now/table/sys_user`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ user_name: 'fred.luddy2', first_name: 'Fred', last_name: 'Luddy', name: 'Fred Luddy', email: 'fred2@example.com' }),
  });
  assert.equal(dup.status, 201, await dup.text());
  const cases = [
    ['unknown', 'Zaphod Beeblebrox', /requested_for: no sys_user records whose user_name, email or name is "Zaphod Beeblebrox"/],
    ['ambiguous', 'Fred Luddy', /requested_for is ambiguous: 2 sys_user records/],
  ];
  for (const [kind, given, expected] of cases) {
    await sim.clearRequests();
    const before = (await rows('sc_request')).length;
    const text = await refused(ORDER, vpnOrder({ requested_for: given }));
    assert.match(text, expected, kind);
    assert.match(text, /nothing was written/i, kind);
    assert.deepEqual(await orderRequests(), [], `${kind}: no order_now request reached the simulator`);
    assert.equal((await rows('sc_request')).length, before, `${kind}: no sc_request row`);
  }
});

test('a read-only server neither lists nor reaches the order tool', async () => {
  const init = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
  const listed = await rpc(readOnly.url, init);
  const names = listed.body.result.tools.map((t) => t.name);
  assert.ok(names.includes(SEARCH) && names.includes(SHOW), 'the read tools are there');
  assert.ok(!names.includes(ORDER));
  await sim.clearRequests();
  const called = await rpc(readOnly.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: ORDER, arguments: { id: vpn, variables: {} } } });
  assert.equal(called.body.error?.code, -32602, JSON.stringify(called.body));
  const viaDiscovery = await rpc(readOnlyDiscovery.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'call_service_now_tool', arguments: { name: ORDER, arguments: { id: vpn, variables: {} } } } });
  assert.equal(viaDiscovery.body.error?.code, -32602, JSON.stringify(viaDiscovery.body));
  const searched = await rpc(readOnlyDiscovery.url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'search_service_now_tools', arguments: { query: 'order catalog item', limit: 50 } } });
  assert.ok(!JSON.stringify(searched.body).includes(ORDER), 'discovery search does not offer it');
  assert.deepEqual(await sim.requests(), [], 'nothing reached ServiceNow');
});
