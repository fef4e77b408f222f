// CMDB Instance API tools through the worker under workerd: a CI with its inbound and
// outbound relationships (display values and sys_ids), and the CIs of one class; the
// simulator's request log proves the CMDB API (not the Table API) was called.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, callOk } from './harness.mjs';

// Demo seed CIs (docs/simulator.md, "The demo seed").
const SD_DB_01 = '9edcddf6c7a2643e570eb4b68f2675ab';
const ORAPROD = 'de42db1db90adaa2d8b606087473c60d';
const PAYMENT_SERVICE = '8689b6e180f751fb522a9c2aa6171ef2';
const SD_APP_01 = '5fd57ab2410233ef0da2a764bf4c99f1';
// Seeded relationship types (cmdb_rel_type, seed keys are their names).
const RUNS_ON = 'ebde3d8ab7303ede31f3ff8c772c3b0c';
const DEPENDS_ON = 'd6894264ffec7a1845c45084bde2477f';

let world, sim, worker, client;

before(async () => {
  world = await startWorld({ name: 'e2e-cmdb' });
  ({ sim, worker, client } = world);
});

after(async () => {
  await world?.stop();
});

async function call(name, args) {
  const r = await callOk(client, name, args);
  return r.structuredContent;
}

test('a CI comes with its inbound and outbound relationships', async () => {
  // The demo seed has ORAPROD Runs on sd-db-01 and sd-app-01 Depends on ORAPROD; the
  // Payment Service is made to depend on ORAPROD too.
  const dependsOn = (await call('create_a_service_now_cmdb_rel_ci', { parent: PAYMENT_SERVICE, child: ORAPROD, type: DEPENDS_ON })).result;

  await sim.clearRequests();
  const ci = (await call('get_with_relations_service_now_cmdb_ci', { id: ORAPROD })).result;
  const [request] = await sim.requests();
  assert.equal(request.path, `/api/now/cmdb/instance/cmdb_ci/${ORAPROD}`);
  assert.equal(ci.attributes.name, 'ORAPROD');
  assert.equal(ci.attributes.sys_id, ORAPROD);

  assert.equal(ci.outbound_relations.length, 1);
  const out = ci.outbound_relations[0];
  assert.deepEqual([out.target.value, out.target.display_value], [SD_DB_01, 'sd-db-01']);
  assert.equal(out.type.value, RUNS_ON);

  assert.equal(ci.inbound_relations.length, 2);
  const inbound = ci.inbound_relations.find((r) => r.sys_id === dependsOn.sys_id);
  assert.ok(inbound, 'the new relationship is inbound');
  assert.deepEqual([inbound.target.value, inbound.target.display_value], [PAYMENT_SERVICE, 'Payment Service']);
  assert.equal(inbound.type.value, DEPENDS_ON);
  const seeded = ci.inbound_relations.find((r) => r.sys_id !== dependsOn.sys_id);
  assert.deepEqual([seeded.target.value, seeded.target.display_value], [SD_APP_01, 'sd-app-01']);
});

test('the CIs of one class are listed through the CMDB API', async () => {
  await sim.clearRequests();
  const listed = (await call('list_instances_service_now_cmdb_ci', { sys_class_name: 'cmdb_ci_linux_server' })).result;
  const [request] = await sim.requests();
  assert.equal(request.path, '/api/now/cmdb/instance/cmdb_ci');
  assert.equal(request.params.sysparm_query, 'sys_class_name=cmdb_ci_linux_server');
  assert.deepEqual(listed.map((ci) => ci.name).sort(), ['sd-app-01', 'sd-db-01']);
  for (const ci of listed) assert.deepEqual(Object.keys(ci).sort(), ['name', 'sys_id']);
});

test('an unknown CI is a clear error', async () => {
  const r = await client.callTool({ name: 'get_with_relations_service_now_cmdb_ci', arguments: { id: '0'.repeat(32) } });
  assert.equal(r.isError, true);
});
