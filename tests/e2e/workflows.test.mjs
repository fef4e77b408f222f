// The source article's workflows, driven by the official MCP SDK client through the worker
// under workerd; the simulator's own tables (not the worker's answers) prove each result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, callOk } from './harness.mjs';

// Demo seed ids (docs/simulator.md, "The demo seed").
const ALICE = '53d86e88688b9dc38aee004be53106fc';
const NETWORK_SECURITY = '2246c6f0b2a7ac8ef8d14a558286e18e';
const ORA_ARTICLE = '2ac5600d795e88d312d286caa6f32e9b';

let world, sim, worker, client, toolNames;

before(async () => {
  world = await startWorld({ name: 'e2e-workflows' });
  ({ sim, worker, client } = world);
  toolNames = (await client.listTools()).tools.map((t) => t.name);
});

after(async () => {
  await world?.stop();
});

/** Calls a tool and returns its structured result, failing with the tool's text on isError. */
async function call(name, args) {
  const r = await callOk(client, name, args);
  // The text block carries the same JSON as structuredContent.
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  return r.structuredContent;
}

async function simRow(table, sysId) {
  const { result } = await sim.table(table);
  return result.find((row) => row.sys_id === sysId);
}

test('L1 triage: no active problem, the KB article, Alice as caller, a P1 incident', async () => {
  await sim.clearRequests();
  const problems = await call('list_all_service_now_problem', {
    query: '123TEXTQUERY321=ORA-01033', active: true, fields: ['sys_id', 'number', 'short_description'],
  });
  assert.deepEqual(problems.result, []);
  const [search] = await sim.requests();
  assert.equal(search.path, '/api/now/table/problem');
  assert.match(search.params.sysparm_query, /123TEXTQUERY321=ORA-01033/);
  assert.match(search.params.sysparm_query, /active=true/);

  const articles = await call('list_all_service_now_kb_knowledge', {
    query: 'short_descriptionLIKEORA-01033^ORtextLIKEORA-01033', fields: ['sys_id', 'number', 'short_description'],
  });
  assert.deepEqual(articles.result.map((a) => a.sys_id), [ORA_ARTICLE]);
  assert.equal(articles.result[0].number, 'KB0010001');

  const article = await call('get_single_service_now_kb_knowledge_by_id', { id: articles.result[0].sys_id });
  assert.match(article.result.short_description, /ORA-01033/);
  assert.match(article.result.text, /ALTER DATABASE OPEN/);

  const users = await call('list_all_service_now_sys_users', { query: 'nameLIKEAlice Johnson', fields: ['sys_id', 'name'] });
  assert.deepEqual(users.result, [{ sys_id: ALICE, name: 'Alice Johnson' }]);

  const before = (await sim.table('incident')).result.length;
  const created = await call('create_a_service_now_incident', {
    short_description: 'Payroll database down: ORA-01033 ORACLE initialization or shutdown in progress',
    description: 'Followed KB0010001; database still not open.',
    caller_id: users.result[0].sys_id,
    impact: '1',
    urgency: 1,
    category: 'database',
  });
  const sysId = created.result.sys_id;
  assert.match(created.result.number, /^INC\d{7}$/);
  const incidents = (await sim.table('incident')).result;
  assert.equal(incidents.length, before + 1);
  const row = incidents.find((r) => r.sys_id === sysId);
  assert.ok(row, 'the simulator holds the new incident');
  assert.equal(row.number, created.result.number);
  assert.equal(row.caller_id, ALICE);
  assert.equal(row.impact, '1');
  assert.equal(row.urgency, '1');
  assert.equal(row.priority, '1');
  assert.equal(row.category, 'database');
});

test('change orchestration: a change request with plans, assigned to Network Security', async () => {
  const groups = await call('list_all_service_now_sys_user_groups', { name: 'Network Security', fields: ['sys_id', 'name'] });
  assert.deepEqual(groups.result, [{ sys_id: NETWORK_SECURITY, name: 'Network Security' }]);

  const plans = {
    implementation_plan: '1. Back up FW-CORE-01 config. 2. Apply rule 4711 allowing 10.20.0.0/16 to 443.',
    backout_plan: 'Restore the backed-up FW-CORE-01 configuration.',
    test_plan: 'curl https://payments.internal from the 10.20.0.0/16 jump host returns 200.',
  };
  const created = await call('create_a_service_now_change_request', {
    short_description: 'Open 443 to the payment service from the new VPN range',
    assignment_group: groups.result[0].sys_id,
    type: 'normal',
    ...plans,
  });
  assert.match(created.result.number, /^CHG\d{7}$/);
  const row = await simRow('change_request', created.result.sys_id);
  assert.ok(row, 'the simulator holds the new change request');
  assert.equal(row.assignment_group, NETWORK_SECURITY);
  for (const [field, value] of Object.entries(plans)) assert.equal(row[field], value, field);
  assert.equal(row.type, 'normal');
});

test('an incident updated by its INC number changes in the simulator', async () => {
  const { result } = await sim.table('incident');
  const target = result.find((r) => r.number === 'INC0010002');
  assert.ok(target, 'seed has INC0010002');
  const updated = await call('update_a_service_now_incident_by_id', {
    id: 'INC0010002', urgency: '1', short_description: 'Outlook password prompt loops for the whole finance floor',
  });
  assert.equal(updated.result.sys_id, target.sys_id);
  const row = await simRow('incident', target.sys_id);
  assert.equal(row.short_description, 'Outlook password prompt loops for the whole finance floor');
  assert.equal(row.urgency, '1');
  assert.equal(row.sys_mod_count, String(Number(target.sys_mod_count) + 1));
});

test('resolve_service_now_incident resolves with close code and notes', async (t) => {
  if (!toolNames.includes('resolve_service_now_incident')) {
    t.skip('no resolve_service_now_incident tool in this catalog');
    return;
  }
  const { result } = await sim.table('incident');
  const target = result.find((r) => r.number === 'INC0010001');
  assert.notEqual(target.state, '6');
  const resolved = await call('resolve_service_now_incident', {
    id: 'INC0010001', close_code: 'Solution provided', close_notes: 'VPN client profile re-deployed; drops stopped.',
  });
  assert.equal(resolved.result.sys_id, target.sys_id);
  const row = await simRow('incident', target.sys_id);
  assert.equal(row.state, '6');
  assert.equal(row.close_code, 'Solution provided');
  assert.equal(row.close_notes, 'VPN client profile re-deployed; drops stopped.');
  assert.notEqual(row.resolved_at, '');
});

test('a partial name is looked up, matches no user exactly, and writes nothing', async () => {
  await sim.clearRequests();
  const before = (await sim.table('incident')).result.length;
  const r = await client.callTool({
    name: 'create_a_service_now_incident',
    arguments: { short_description: 'VPN drops again', caller_id: 'Alice' },
  });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /caller_id/);
  assert.match(r.content[0].text, /list_all_service_now_sys_users/);
  const log = await sim.requests();
  assert.deepEqual(log.map((x) => `${x.method} ${x.path}`), ['GET /api/now/table/sys_user'], 'one read-only lookup, no write');
  assert.equal((await sim.table('incident')).result.length, before);
});
