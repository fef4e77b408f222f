// search, fetch and aggregate_service_now_records through the worker under workerd with
// the official MCP SDK client (which validates structuredContent against each tool's
// outputSchema), against the simulator's Knowledge, Table and Aggregate APIs; the
// simulator's request log and tables prove what was asked and what the answer must be.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, callOk } from './harness.mjs';

const TAG = /<\/?[a-z][^>]*>/i;
let world, sim, worker;

/** A client on `url` (closed with the world) and the names of every tool it lists. */
async function connect(url) {
  const client = await world.connect(url);
  // The SDK validates structuredContent only for tools it has listed.
  let cursor;
  const names = [];
  for (let i = 0; i < 20; i += 1) {
    const page = await client.listTools(cursor ? { cursor } : {});
    names.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { client, names };
}

let full;
before(async () => {
  world = await startWorld({ name: 'e2e-answers' });
  ({ sim, worker } = world);
  full = await connect(world.server.url);
});

after(async () => {
  await world?.stop();
});

/** A successful call's structured result; the text item must hold the same JSON. */
async function call(client, name, args) {
  const r = await callOk(client, name, args);
  // OpenAI's contract: one text item; catalog tools may add a resource_link.
  if (['search', 'fetch', 'aggregate_service_now_records'].includes(name)) assert.equal(r.content.length, 1);
  assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
  return r.structuredContent;
}

test('the answer tools are listed, read-only, with an outputSchema', async () => {
  for (const name of ['search', 'fetch', 'aggregate_service_now_records']) assert.ok(full.names.includes(name), name);
  const { tools } = await full.client.listTools();
  const last = tools.slice(-3);
  assert.deepEqual(last.map((t) => t.name), ['search', 'fetch', 'aggregate_service_now_records']);
  for (const tool of last) {
    assert.equal(tool.annotations.readOnlyHint, true);
    assert.equal(tool.annotations.destructiveHint, false);
    assert.equal(tool.outputSchema.type, 'object');
  }
});

test('search by a phrase from an article body finds that article first', async () => {
  await sim.clearRequests();
  const { results } = await call(full.client, 'search', { query: 'captive portal certificate' });
  assert.ok(results.length >= 1);
  assert.match(results[0].title, /Wi-Fi drops in the London office/);
  const articles = (await sim.table('kb_knowledge')).result;
  const wifi = articles.find((a) => a.short_description === 'Wi-Fi drops in the London office');
  assert.equal(results[0].id, `kb_knowledge:${wifi.sys_id}`);
  assert.equal(results[0].url, `${sim.url}/nav_to.do?uri=kb_knowledge.do%3Fsys_id%3D${wifi.sys_id}`);
  const paths = (await sim.requests()).map((r) => r.path);
  assert.ok(paths.includes('/api/sn_km_api/knowledge/articles'), paths.join(' '));
  assert.ok(!paths.includes('/api/now/table/kb_knowledge'), 'the Knowledge API answered: no fallback');
});

test('search by an incident number returns that incident first', async () => {
  const incidents = (await sim.table('incident')).result;
  const target = incidents.find((i) => i.number === 'INC0010003');
  const { results } = await call(full.client, 'search', { query: 'INC0010003' });
  assert.equal(results[0].id, `incident:${target.sys_id}`);
  assert.equal(results[0].title, `INC0010003: ${target.short_description}`);
});

test('fetch of an article returns readable text without HTML, tables legible', async () => {
  const { results } = await call(full.client, 'search', { query: 'printer error codes' });
  const hit = results.find((r) => /Printer error codes/.test(r.title));
  assert.ok(hit, JSON.stringify(results));
  const doc = await call(full.client, 'fetch', { id: hit.id });
  assert.equal(doc.id, hit.id);
  assert.equal(doc.title, 'Printer error codes and what to do');
  assert.doesNotMatch(doc.text, TAG);
  assert.doesNotMatch(doc.text, /trackView|padding/, 'scripts and styles are dropped');
  assert.match(doc.text, /Code \| Meaning \| What to do/);
  assert.match(doc.text, /E13 \| Paper jam in tray 2 \| Open door B/);
  assert.match(doc.text, /toner in the service catalog & keep printing/);
  assert.equal(doc.metadata.workflow_state, 'Published');
  assert.equal(doc.url, hit.url);
});

test('fetch of an incident by number reads labels, assignment and journal entries', async () => {
  const incidents = (await sim.table('incident')).result;
  const inc = incidents.find((i) => i.number === 'INC0010001');
  // A work note written through the Table API lands in sys_journal_field and is fetched.
  const update = full.names.find((n) => n === 'update_a_service_now_incident_by_id');
  assert.ok(update, 'update tool listed');
  await call(full.client, update, { id: inc.sys_id, work_notes: 'Client logs received; gateway patch scheduled.' });
  const journal = (await sim.table('sys_journal_field')).result.filter((j) => j.element_id === inc.sys_id);
  assert.ok(journal.some((j) => j.value === 'Client logs received; gateway patch scheduled.'));

  const doc = await call(full.client, 'fetch', { id: 'INC0010001' });
  assert.equal(doc.id, `incident:${inc.sys_id}`);
  assert.doesNotMatch(doc.text, TAG);
  for (const line of ['INC0010001: VPN drops every 10 minutes when working from home', 'State: In Progress', 'Assignment group: Network Ops', 'Assigned to: Sarah Connor', 'Description:']) {
    assert.ok(doc.text.includes(line), `${line} missing:\n${doc.text}`);
  }
  assert.match(doc.text, /\(Work note\): Client logs received; gateway patch scheduled\./);
  assert.match(doc.text, /\(Comment\): Hi Alice, could you send the VPN client log/);
  // Newest first: the note just written comes before the seeded ones.
  assert.ok(doc.text.indexOf('Client logs received') < doc.text.indexOf('IKE rekey failures'));
  assert.equal(doc.metadata.state, 'In Progress');
  assert.equal(doc.metadata.number, 'INC0010001');
});

test('fetch of a change request and a problem reads their plans and notes as text', async () => {
  const change = await call(full.client, 'fetch', { id: 'CHG0010001' });
  assert.doesNotMatch(change.text, TAG);
  assert.match(change.text, /^CHG0010001: Apply Oracle 19\.22 release update to ORAPROD/);
  assert.match(change.text, /State: Scheduled/);
  assert.match(change.text, /Implementation plan:\n\S/);
  assert.match(change.text, /Backout plan:\n\S/);
  const problem = await call(full.client, 'fetch', { id: 'PRB0010001' });
  assert.match(problem.text, /State: Assess/);
  assert.match(problem.text, /\(Work note\): Heap dumps from two restarts/);
  assert.equal(problem.metadata.assignment_group, 'Database Admins');
});

test('without the Knowledge API plugin, search falls back to the Table API', async () => {
  await sim.configure({ knowledge_api: false });
  try {
    await sim.clearRequests();
    const { results } = await call(full.client, 'search', { query: 'captive portal certificate' });
    assert.ok(results.some((r) => /Wi-Fi drops in the London office/.test(r.title)), JSON.stringify(results));
    const log = await sim.requests();
    const km = log.find((r) => r.path === '/api/sn_km_api/knowledge/articles');
    assert.equal(km.status, 404);
    const fallback = log.find((r) => r.path === '/api/now/table/kb_knowledge');
    assert.ok(fallback, log.map((r) => r.path).join(' '));
    assert.match(fallback.params.sysparm_query, /^workflow_state=published\^/);
  } finally {
    await sim.configure({ knowledge_api: true });
  }
});

test('an aggregate count grouped by assignment group matches the simulator data', async () => {
  const result = await call(full.client, 'aggregate_service_now_records', {
    table: 'incident', query: 'active=true', group_by: ['assignment_group'], count: true, order_by: 'COUNT^DESC',
  });
  const expected = new Map();
  for (const inc of (await sim.table('incident')).result.filter((i) => i.active === 'true')) {
    expected.set(inc.assignment_group, (expected.get(inc.assignment_group) ?? 0) + 1);
  }
  const got = new Map(result.groups.map((g) => [g.group.assignment_group, g.stats.count]));
  assert.deepEqual(got, expected);
  for (const g of result.groups) assert.equal(typeof g.stats.count, 'number');
  const counts = result.groups.map((g) => g.stats.count);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'ordered by COUNT^DESC');
  const groups = (await sim.table('sys_user_group')).result;
  const network = groups.find((g) => g.name === 'Network Ops');
  assert.equal(result.groups.find((g) => g.group.assignment_group === network.sys_id).labels.assignment_group, 'Network Ops');

  const all = (await sim.table('incident')).result;
  const total = await call(full.client, 'aggregate_service_now_records', { table: 'incident', avg_fields: ['priority'], max_fields: ['opened_at'], count: true });
  assert.equal(total.stats.count, all.length);
  const mean = all.reduce((sum, i) => sum + Number(i.priority), 0) / all.length;
  assert.ok(Math.abs(total.stats.avg.priority - mean) < 0.001, `${total.stats.avg.priority} vs ${mean}`);
  assert.equal(total.stats.max.opened_at, all.map((i) => i.opened_at).sort().at(-1), 'dates stay strings');
});

test('a tag-filtered server never queries a hidden table, and bad input sends nothing', async () => {
  const r = await worker.admin('POST', '/integrated-account/demo/mcp', { name: 'incidents only', config: { methods: ['read'], tags: ['incident'] } });
  assert.equal(r.status, 201, await r.clone().text());
  const { client, names } = await connect((await r.json()).url);
  assert.ok(names.includes('search') && names.includes('fetch'));
  await sim.clearRequests();
  const { results } = await call(client, 'search', { query: 'VPN certificate KB0010002 reset' });
  assert.ok(results.every((x) => x.id.startsWith('incident:')), JSON.stringify(results));
  assert.ok(results.some((x) => /VPN certificate warning/.test(x.title)));
  const paths = (await sim.requests()).map((x) => x.path);
  assert.ok(paths.length > 0);
  assert.deepEqual([...new Set(paths)], ['/api/now/table/incident']);

  await sim.clearRequests();
  for (const [name, args, fragment] of [
    ['search', { query: '' }, /empty/],
    ['search', { query: 'x'.repeat(400) }, /characters/],
    ['fetch', { id: 'KB0010002' }, /No table this server reads/],
    ['fetch', { id: 'nonsense' }, /Unknown id/],
    ['aggregate_service_now_records', { table: 'kb_knowledge' }, /cannot read the table/],
    ['aggregate_service_now_records', { table: 'incident', group_by: ['no_such_field'] }, /no field/],
    ['aggregate_service_now_records', { table: 'incident', having: 'count^assignment_group' }, /having/],
  ]) {
    const res = await client.callTool({ name, arguments: args });
    assert.equal(res.isError, true, `${name} ${JSON.stringify(args)}`);
    assert.match(res.content[0].text, fragment);
  }
  assert.deepEqual(await sim.requests(), [], 'bad input never reaches ServiceNow');
});
