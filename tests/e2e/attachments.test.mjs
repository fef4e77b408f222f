// Attachment API tools through the worker under workerd: a text file attached to an
// incident and read back, an image read as MCP image content, refusals (path in the
// name, oversized, refused type) that write nothing (the simulator's request log and
// sys_attachment table prove it), and delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startSimulator, startWorker, provision } from './harness.mjs';

const ATTACH = 'attach_file_service_now_sys_attachment';
const READ = 'read_file_service_now_sys_attachment';
const LIST = 'list_all_service_now_sys_attachment';
const DELETE = 'delete_a_service_now_sys_attachment_by_id';
// A 1x1 transparent PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

let sim, worker, client, incident;

before(async () => {
  sim = await startSimulator();
  worker = await startWorker();
  const server = await provision(worker, sim);
  client = new Client({ name: 'e2e-attachments', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  incident = (await call('create_a_service_now_incident', { short_description: 'Attachment e2e: printer jam', caller_id: 'Alice Johnson' })).structuredContent.result;
});

after(async () => {
  await client?.close();
  await worker?.stop();
  await sim?.stop();
});

async function call(name, args) {
  const r = await client.callTool({ name, arguments: args });
  assert.equal(r.isError, false, `${name} failed: ${r.content?.[0]?.text}`);
  return r;
}

const rows = async () => (await sim.table('sys_attachment')).result;

test('a text file attached to an incident reads back as text', async () => {
  await sim.clearRequests();
  const text = 'printer log\nline 2: paper jam in tray 3\n';
  const created = (await call(ATTACH, {
    table_name: 'incident', table_sys_id: incident.sys_id, file_name: 'printer.log', content_type: 'text/plain', content: text,
  })).structuredContent.result;
  const [upload] = await sim.requests();
  assert.equal(upload.method, 'POST');
  assert.equal(upload.path, '/api/now/attachment/file');
  assert.deepEqual(
    [upload.params.table_name, upload.params.table_sys_id, upload.params.file_name],
    ['incident', incident.sys_id, 'printer.log'],
  );
  const row = (await rows()).find((r) => r.sys_id === created.sys_id);
  assert.equal(row.table_sys_id, incident.sys_id);
  assert.equal(row.size_bytes, String(Buffer.byteLength(text)));

  const read = await call(READ, { id: created.sys_id });
  assert.equal(read.structuredContent.result.text, text);
  assert.equal(read.structuredContent.result.returned_as, 'text');
  assert.equal(read.structuredContent.result.file_name, 'printer.log');

  const listed = (await call(LIST, { table_name: 'incident', table_sys_id: incident.sys_id })).structuredContent.result;
  assert.deepEqual(listed.map((a) => a.file_name), ['printer.log']);
  const listing = (await sim.requests()).at(-1);
  assert.equal(listing.path, '/api/now/attachment');
});

test('an image attachment reads as MCP image content', async () => {
  const created = (await call(ATTACH, {
    table_name: 'incident', table_sys_id: incident.sys_id, file_name: 'pixel.png', content_type: 'image/png', content: PNG, encoding: 'base64',
  })).structuredContent.result;
  const read = await call(READ, { id: created.sys_id });
  const image = read.content.find((c) => c.type === 'image');
  assert.ok(image, `image content in ${JSON.stringify(read.content.map((c) => c.type))}`);
  assert.equal(image.mimeType, 'image/png');
  assert.equal(image.data, PNG);
  assert.equal(read.structuredContent.result.returned_as, 'image');
  assert.equal(read.structuredContent.result.size_bytes, Buffer.from(PNG, 'base64').length);
});

test('oversized, path-like names and refused types are refused and nothing is written', async () => {
  const before = (await rows()).length;
  await sim.clearRequests();
  const base = { table_name: 'incident', table_sys_id: incident.sys_id, file_name: 'ok.txt', content_type: 'text/plain', content: 'x' };
  const cases = [
    [{ file_name: '../../etc/passwd' }, /without \/ or \\/],
    [{ file_name: 'evil\r\n.txt' }, /control characters/],
    [{ content: 'a'.repeat(700 * 1024 + 1) }, /up to 716800 bytes/],
    [{ content_type: 'application/x-msdownload', file_name: 'setup.exe' }, /not attached by this server/],
  ];
  for (const [change, expected] of cases) {
    const r = await client.callTool({ name: ATTACH, arguments: { ...base, ...change } });
    assert.equal(r.isError, true, JSON.stringify(change).slice(0, 80));
    assert.match(r.content[0].text, expected);
  }
  assert.deepEqual(await sim.requests(), [], 'no request reached ServiceNow');
  assert.equal((await rows()).length, before);
});

test('delete removes the attachment and its file', async () => {
  const created = (await call(ATTACH, {
    table_name: 'incident', table_sys_id: incident.sys_id, file_name: 'temp.txt', content_type: 'text/plain', content: 'bye',
  })).structuredContent.result;
  const deleted = await call(DELETE, { id: created.sys_id });
  assert.equal(deleted.structuredContent.deleted, true);
  assert.equal((await rows()).some((r) => r.sys_id === created.sys_id), false);
  const gone = await client.callTool({ name: READ, arguments: { id: created.sys_id } });
  assert.equal(gone.isError, true);
});
