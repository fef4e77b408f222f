// A record's work notes and comments read back through the journal tool
// (read_notes_service_now_sys_journal_field): newest first, only that record's entries,
// in the readable shape the spec's `returns` names; the simulator's request log proves
// the fixed query reached ServiceNow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, callOk } from './harness.mjs';

const NOTES = 'read_notes_service_now_sys_journal_field';
let world, sim, worker, client;

before(async () => {
  world = await startWorld({ name: 'e2e-journals' });
  ({ sim, worker, client } = world);
});

after(async () => {
  await world?.stop();
});

async function call(name, args) {
  const r = await callOk(client, name, args);
  return r.structuredContent;
}

test('the journal tool is listed read-only with element_id required', async () => {
  const { tools } = await client.listTools();
  const tool = tools.find((t) => t.name === NOTES);
  assert.ok(tool, 'journal tool listed');
  assert.equal(tool.annotations.readOnlyHint, true);
  assert.deepEqual(tool.inputSchema.required, ['element_id']);
});

test('work notes and comments of one record come back newest first, readable', async () => {
  const mine = (await call('create_a_service_now_incident', { short_description: 'Journal e2e: VPN drops', caller_id: 'Alice Johnson' })).result;
  const other = (await call('create_a_service_now_incident', { short_description: 'Journal e2e: other record', caller_id: 'Alice Johnson' })).result;
  await call('update_a_service_now_incident_by_id', { id: mine.sys_id, work_notes: 'First: checked the VPN concentrator' });
  await call('update_a_service_now_incident_by_id', { id: other.sys_id, work_notes: 'Not mine' });
  await call('update_a_service_now_incident_by_id', { id: mine.sys_id, comments: 'We are on it' });

  await sim.clearRequests();
  const notes = await call(NOTES, { element_id: mine.sys_id });
  const [request] = await sim.requests();
  assert.equal(request.path, '/api/now/table/sys_journal_field');
  // Journal rows of the tables the server exposes only, as the first condition.
  assert.match(request.params.sysparm_query, /^nameIN[a-z_,]*\bincident\b[a-z_,]*\^elementINwork_notes,comments\^ORDERBYDESCsys_created_on\^element_id=/);
  assert.doesNotMatch(request.params.sysparm_query, /\bsys_journal_field\b|\bsys_attachment\b/);
  assert.equal(request.params.sysparm_fields, 'sys_created_on,sys_created_by,element,value');

  const entries = notes.result;
  assert.deepEqual(entries.map((e) => e.value).sort(), ['First: checked the VPN concentrator', 'We are on it']);
  for (const e of entries) {
    assert.deepEqual(Object.keys(e).filter((k) => k !== 'display_values').sort(), ['element', 'sys_created_by', 'sys_created_on', 'value']);
    assert.equal(e.sys_created_by, 'admin');
  }
  const kinds = Object.fromEntries(entries.map((e) => [e.value, e.element]));
  assert.equal(kinds['We are on it'], 'comments');
  assert.equal(kinds['First: checked the VPN concentrator'], 'work_notes');
  const times = entries.map((e) => e.sys_created_on);
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first');

  const onlyNotes = await call(NOTES, { element_id: mine.sys_id, element: 'work_notes' });
  assert.deepEqual(onlyNotes.result.map((e) => e.value), ['First: checked the VPN concentrator']);
});

test('a query cannot open a block that escapes the fixed journal filter', async () => {
  await sim.clearRequests();
  const r = await client.callTool({ name: NOTES, arguments: { element_id: '0'.repeat(32), query: '^NQelement=approval_history' } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /elementINwork_notes/);
  assert.deepEqual(await sim.requests(), [], 'nothing sent');
});
