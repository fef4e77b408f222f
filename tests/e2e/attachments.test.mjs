// Attachment API tools through the worker under workerd: a text file attached to an
// incident and read back, an image read as MCP image content, refusals (path in the
// name, oversized, refused type) that write nothing (the simulator's request log and
// sys_attachment table prove it), delete, a 4 MiB upload (bodies past 1 MiB only for an
// upload call on a server exposing the upload tool), and the instance refusing a file
// by its extension or size (glide.attachment.extensions, com.glide.attachment.max_size).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startWorld, callOk, rpc } from './harness.mjs';

const ATTACH = 'attach_file_service_now_sys_attachment';
const READ = 'read_file_service_now_sys_attachment';
const LIST = 'list_all_service_now_sys_attachment';
const DELETE = 'delete_a_service_now_sys_attachment_by_id';
const GET = 'get_single_service_now_sys_attachment_by_id';
const MIB = 1024 * 1024;
// A 1x1 transparent PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

let world, sim, worker, client, incident, serverUrl, readOnlyUrl;

before(async () => {
  world = await startWorld({ name: 'e2e-attachments' });
  ({ sim, worker, client } = world);
  serverUrl = world.server.url;
  const r = await worker.admin('POST', '/integrated-account/demo/mcp', { name: 'read only', config: { methods: ['read'] } });
  assert.equal(r.status, 201);
  readOnlyUrl = (await r.json()).url;
  incident = (await call('create_a_service_now_incident', { short_description: 'Attachment e2e: printer jam', caller_id: 'Alice Johnson' })).structuredContent.result;
});

after(async () => {
  await world?.stop();
});

async function call(name, args) {
  return callOk(client, name, args);
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
    [{ content: 'a'.repeat(5 * MIB + 1) }, /up to 5242880 bytes \(5 MiB\)/],
    [{ content_type: 'application/x-msdownload', file_name: 'setup.exe' }, /not attached by this server/],
    [{ file_name: 'page.html' }, /not attached by this server/],
    [{ file_name: 'logo.svg', content_type: 'image/png' }, /not attached by this server/],
    [{ file_name: 'run.js', content_type: 'application/octet-stream' }, /not attached by this server/],
    [{ file_name: 'notes.txt', content_type: 'text/html' }, /declared as text\/html/],
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

const uploadPosts = async () => (await sim.requests()).filter((r) => r.method === 'POST' && r.path.startsWith('/api/now/attachment'));

test('a 4 MiB file in base64 is attached and its size reads back', async () => {
  const bytes = Buffer.alloc(4 * MIB, 0);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 31) & 0xff;
  const created = (await call(ATTACH, {
    table_name: 'incident', table_sys_id: incident.sys_id, file_name: 'capture.zip',
    content_type: 'application/octet-stream', content: bytes.toString('base64'), encoding: 'base64',
  })).structuredContent.result;
  const meta = (await call(GET, { id: created.sys_id })).structuredContent.result;
  assert.equal(Number(meta.size_bytes), 4 * MIB);
  assert.equal(meta.file_name, 'capture.zip');
});

test('over 5 MiB is refused before any request reaches ServiceNow', async () => {
  const before = (await rows()).length;
  await sim.clearRequests();
  const r = await client.callTool({ name: ATTACH, arguments: {
    table_name: 'incident', table_sys_id: incident.sys_id, file_name: 'big.zip', content_type: 'application/octet-stream',
    content: Buffer.alloc(5 * MIB + 1, 7).toString('base64'), encoding: 'base64',
  } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /up to 5242880 bytes \(5 MiB\); nothing was written/);
  assert.deepEqual(await uploadPosts(), [], 'no POST reached the simulator');
  assert.equal((await rows()).length, before);
});

test('the instance refusing an extension or a size is a clear isError and no row', async () => {
  const before = (await rows()).length;
  const attach = (file_name, content) => client.callTool({ name: ATTACH, arguments: {
    table_name: 'incident', table_sys_id: incident.sys_id, file_name, content_type: 'application/octet-stream',
    content: Buffer.from(content).toString('base64'), encoding: 'base64',
  } });
  try {
    await sim.configure({ attachment_extensions: 'txt,png,log' });
    const refused = await attach('report.pdf', '%PDF-1.4');
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /does not accept files with the extension \.pdf/);
    assert.match(refused.content[0].text, /glide\.attachment\.extensions/);
    assert.match(refused.content[0].text, /nothing was written/);
    await sim.configure({ attachment_extensions: '', attachment_max_size_mb: 1 });
    const big = await attach('trace.log', Buffer.alloc(MIB + 1, 65));
    assert.equal(big.isError, true);
    assert.match(big.content[0].text, /com\.glide\.attachment\.max_size/);
  } finally {
    await sim.configure({ attachment_extensions: '', attachment_max_size_mb: 1024 });
  }
  assert.equal((await rows()).length, before);
});

test('past 1 MiB anything but an upload call, or any call on a server without the upload tool, is 413', async () => {
  await sim.clearRequests();
  const pad = 'x'.repeat(2 * MIB);
  const list = await rpc(serverUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { pad } } });
  assert.equal(list.status, 413);
  assert.equal(list.body.error.code, 'body_too_large');
  const other = await rpc(serverUrl, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: {
    name: 'create_a_service_now_incident', arguments: { short_description: pad },
  } });
  assert.equal(other.status, 413);
  const upload = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: ATTACH, arguments: {
    table_name: 'incident', table_sys_id: incident.sys_id, file_name: 'a.zip', content_type: 'application/octet-stream',
    content: Buffer.alloc(2 * MIB).toString('base64'), encoding: 'base64',
  } } };
  const readOnly = await rpc(readOnlyUrl, upload);
  assert.equal(readOnly.status, 413);
  assert.match(readOnly.body.error.message, /exceeds 1048576 bytes/);
  const beyond = await rpc(serverUrl, { ...upload, params: { ...upload.params, arguments: {
    ...upload.params.arguments, content: 'A'.repeat(7_492_952) } } });
  assert.equal(beyond.status, 413);
  assert.match(beyond.body.error.message, /exceeds 7492950 bytes/);
  assert.deepEqual(await uploadPosts(), []);
  const ok = await rpc(serverUrl, upload);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.result.isError, false, JSON.stringify(ok.body).slice(0, 300));
});

test('a server for incidents reaches no attachment of another table, and sends nothing for a refused one', async () => {
  // A file on a user record, put there straight through the simulator's Attachment API.
  const auth = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
  const user = (await sim.table('sys_user')).result[0];
  const put = await fetch(`${sim.url}/api/now/attachment/file?table_name=sys_user&table_sys_id=${user.sys_id}&file_name=passport.txt`, {
    method: 'POST', headers: { authorization: auth, 'content-type': 'text/plain', accept: 'application/json' }, body: 'private',
  });
  const putText = await put.text();
  assert.equal(put.status, 201, putText);
  const foreign = JSON.parse(putText).result;

  const r = await worker.admin('POST', '/integrated-account/demo/mcp', { name: 'incident files', config: { tags: ['incident', 'attachments'] } });
  assert.equal(r.status, 201);
  const scoped = new Client({ name: 'e2e-attachments-scoped', version: '1.0.0' });
  await scoped.connect(new StreamableHTTPClientTransport(new URL((await r.json()).url)));
  try {
    const listed = await scoped.callTool({ name: LIST, arguments: { limit: 100 } });
    assert.equal(listed.isError, false, listed.content?.[0]?.text);
    const tables = new Set(listed.structuredContent.result.map((a) => a.table_name));
    assert.ok(tables.has('incident') && !tables.has('sys_user'), [...tables].join(','));

    for (const [name, args, kind] of [[GET, { id: foreign.sys_id }, 'read'], [READ, { id: foreign.sys_id }, 'read'], [DELETE, { id: foreign.sys_id }, 'write']]) {
      await sim.clearRequests();
      const refused = await scoped.callTool({ name, arguments: args });
      assert.equal(refused.isError, true, name);
      assert.match(refused.content[0].text, new RegExp(`"sys_user", which this server may not ${kind}`));
      const sent = await sim.requests();
      assert.deepEqual(sent.map((q) => `${q.method} ${q.path}`), [`GET /api/now/attachment/${foreign.sys_id}`], `${name}: only the metadata read`);
    }
    await sim.clearRequests();
    const upload = await scoped.callTool({ name: ATTACH, arguments: {
      table_name: 'sys_user', table_sys_id: user.sys_id, file_name: 'x.txt', content_type: 'text/plain', content: 'x' } });
    assert.equal(upload.isError, true);
    assert.deepEqual(await sim.requests(), [], 'an upload to a hidden table sends nothing');
    assert.ok((await rows()).some((a) => a.sys_id === foreign.sys_id), 'the foreign file is still there');
  } finally {
    await scoped.close();
  }
});
