// Provisioning and access control through workerd: the admin API's bearer check, secrets
// that never leave the worker in clear (answers, local KV files), server and account
// revocation, expiry read from the stored record, API-token servers, validation errors,
// and the `snmcp` CLI driving the same API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startWorld, startWorker, rpc, ROOT, ADMIN_TOKEN, CLI_BIN } from './harness.mjs';

let world, sim, worker;
// Every secret this file hands to the worker or gets from it: none may reach KV in clear.
const secrets = [];
const PING = { jsonrpc: '2.0', id: 1, method: 'ping' };

before(async () => {
  world = await startWorld({ provisioned: false });
  ({ sim, worker } = world);
});

after(async () => {
  await world?.stop();
});

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const urlToken = (url) => new URL(url).pathname.split('/').pop();

/** An admin call that returns status, headers, raw text and parsed JSON. */
async function admin(method, path, body, token) {
  const r = await worker.admin(method, path, body, token);
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, text, json };
}

async function putAccount(id, auth = { type: 'basic', username: 'admin', password: 'admin' }) {
  const r = await admin('PUT', `/integrated-account/${id}`, { instance_url: sim.url, auth });
  assert.ok(r.status === 201 || r.status === 200, r.text);
  return r;
}

async function createServer(accountId, body = {}) {
  const r = await admin('POST', `/integrated-account/${accountId}/mcp`, { name: `e2e ${accountId}`, config: { methods: ['read'] }, ...body });
  assert.equal(r.status, 201, r.text);
  secrets.push(urlToken(r.json.url));
  return r.json;
}

/**
 * `wrangler kv key ...` on the worker's local KV; bounded, fails with wrangler's stderr.
 * Asynchronous on purpose: blocking the event loop for seconds would leave the HTTP
 * client holding keep-alive sockets the worker has meanwhile closed.
 */
function kv(...args) {
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'wrangler'),
    ['kv', 'key', ...args, '--binding', 'MCP_STATE', '--local', '--persist-to', worker.persist],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`wrangler kv key ${args[0]} took over 30 s`)); }, 30000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`wrangler kv key ${args[0]} exited ${code}: ${stderr}`));
    });
  });
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

async function connect(url, headers) {
  const client = new Client({ name: 'e2e-provisioning', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : undefined);
  await client.connect(transport);
  return client;
}

test('every admin route answers 401 without a bearer or with a wrong one, and changes nothing', async () => {
  const routes = [
    ['PUT', '/integrated-account/intruder', { instance_url: 'https://x.service-now.com', auth: { type: 'bearer', token: 't' } }],
    ['GET', '/integrated-account/intruder'],
    ['DELETE', '/integrated-account/intruder'],
    ['POST', '/integrated-account/intruder/mcp', { name: 'x' }],
    ['GET', '/integrated-account/intruder/mcp'],
    ['GET', '/integrated-account/intruder/mcp/mcp_00000000000000000000'],
    ['PATCH', '/integrated-account/intruder/mcp/mcp_00000000000000000000', { name: 'y' }],
    ['DELETE', '/integrated-account/intruder/mcp/mcp_00000000000000000000'],
    ['POST', '/api-tokens', { name: 'x' }],
    ['GET', '/api-tokens'],
    ['GET', '/api-tokens/tok_00000000000000000000'],
    ['DELETE', '/api-tokens/tok_00000000000000000000'],
    ['GET', '/integrated-account/no/such/route/here'],
  ];
  const wrong = [undefined, 'wrong-token', ADMIN_TOKEN.slice(0, -1), `${ADMIN_TOKEN}x`];
  for (const [method, path, body] of routes) {
    for (const token of wrong) {
      const headers = { 'content-type': 'application/json' };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const r = await fetch(`${worker.url}${path}`, { method, headers, body: body && JSON.stringify(body) });
      const label = `${method} ${path} with ${token === undefined ? 'no token' : 'a wrong token'}`;
      assert.equal(r.status, 401, label);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/, label);
      assert.equal((await r.json()).error.code, 'unauthorized', label);
    }
  }
  // The admin token in another scheme is not a bearer token.
  const basic = await fetch(`${worker.url}/api-tokens`, { headers: { authorization: `Basic ${Buffer.from(`x:${ADMIN_TOKEN}`).toString('base64')}` } });
  assert.equal(basic.status, 401);
  assert.equal((await admin('GET', '/integrated-account/intruder')).status, 404, 'the unauthenticated PUT wrote nothing');
  assert.deepEqual((await admin('GET', '/api-tokens')).json.result, [], 'the unauthenticated POST minted nothing');
});

test('account answers never echo a secret, not even in errors', async () => {
  const password = 'S3cret-basic-Passw0rd-e2e';
  const clientSecret = 'S3cret-oauth-client-e2e';
  const oauthPassword = 'S3cret-oauth-Passw0rd-e2e';
  secrets.push(password, clientSecret, oauthPassword);
  const answers = [];
  const record = (r) => { answers.push(r.text); return r; };
  const basic = { type: 'basic', username: 'admin', password };
  assert.equal(record(await admin('PUT', '/integrated-account/acme', { instance_url: sim.url, auth: basic })).status, 201);
  assert.equal(record(await admin('PUT', '/integrated-account/acme', { instance_url: sim.url, auth: basic })).status, 200);
  const got = record(await admin('GET', '/integrated-account/acme'));
  assert.deepEqual(got.json.auth, { type: 'basic', username: 'admin' });
  const oauth = { type: 'oauth2_password', client_id: 'mcp-demo-client', client_secret: clientSecret, username: 'itil', password: oauthPassword };
  assert.equal(record(await admin('PUT', '/integrated-account/acme-oauth', { instance_url: sim.url, auth: oauth })).status, 201);
  record(await admin('GET', '/integrated-account/acme-oauth'));
  // Refused bodies that carry the secrets.
  const refused = [
    { instance_url: 'ftp://acme.example', auth: basic },
    { instance_url: sim.url, auth: { ...basic, extra: password } },
    { instance_url: sim.url, auth: { type: 'basic', username: 'admin', password: 42 } },
    { instance_url: sim.url, auth: { ...oauth, type: 'oauth2_magic' } },
  ];
  for (const body of refused) {
    const r = record(await admin('PUT', '/integrated-account/acme', body));
    assert.equal(r.status, 400, r.text);
  }
  for (const text of answers) {
    for (const secret of [password, clientSecret, oauthPassword]) {
      assert.equal(text.includes(secret), false, `an answer echoed a secret: ${text}`);
    }
  }
  // The replaced account still works with the password it was given.
  const server = await createServer('acme');
  const r = await rpc(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_all_service_now_incident', arguments: { limit: 1 } } });
  assert.equal(r.body.result.isError, true, 'the password is wrong for the simulator, so ServiceNow says 401');
  assert.match(r.body.result.content[0].text, /HTTP 401/);
});

// A password pasted into the URL must not come back in the error that refuses it.
test('an instance_url with user:password@ is refused without echoing the password', async () => {
  const password = 'S3cret-in-url-Passw0rd-e2e';
  for (const url of [`http://admin:${password}@127.0.0.1:1`, `https://admin:${password}@acme.service-now.com/path`]) {
    const r = await admin('PUT', '/integrated-account/acme', { instance_url: url, auth: { type: 'basic', username: 'admin', password: 'x' } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'invalid_instance_url');
    assert.equal(r.text.includes(password), false, `the answer echoed the password: ${r.text}`);
  }
});

test('a minted URL works with the SDK client and two servers get different tokens', async () => {
  await putAccount('demo');
  const a = await createServer('demo', { config: { methods: ['read', 'write'] } });
  const b = await createServer('demo');
  assert.notEqual(urlToken(a.url), urlToken(b.url));
  assert.notEqual(a.id, b.id);
  for (const server of [a, b]) {
    assert.match(urlToken(server.url), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(new URL(server.url).origin, worker.url);
  }
  const client = await connect(a.url);
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'create_a_service_now_incident'));
    const r = await client.callTool({ name: 'list_all_service_now_sys_users', arguments: { user_name: 'alice.johnson', fields: ['name'] } });
    assert.equal(r.isError, false, r.content?.[0]?.text);
    assert.deepEqual(r.structuredContent.result.map((u) => u.name), ['Alice Johnson']);
  } finally {
    await client.close();
  }
  const readOnly = await rpc(b.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
  assert.equal(readOnly.body.result.tools.some((t) => t.name === 'create_a_service_now_incident'), false, 'each URL selects its own server');
});

test('a deleted server answers 404, and deleting the account revokes its other servers', async () => {
  await putAccount('doomed');
  const [first, second, third] = [await createServer('doomed'), await createServer('doomed'), await createServer('doomed')];
  const bystander = await createServer('demo');
  for (const s of [first, second, third, bystander]) assert.equal((await rpc(s.url, PING)).status, 200);

  const del = await admin('DELETE', `/integrated-account/doomed/mcp/${first.id}`);
  assert.equal(del.status, 200, del.text);
  const gone = await rpc(first.url, PING);
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.code, 'unknown_mcp_server');
  assert.equal((await rpc(second.url, PING)).status, 200);
  assert.equal((await admin('GET', `/integrated-account/doomed/mcp/${first.id}`)).status, 404);

  const delAccount = await admin('DELETE', '/integrated-account/doomed');
  assert.equal(delAccount.status, 200, delAccount.text);
  assert.equal(delAccount.json.revoked_servers, 2);
  for (const s of [second, third]) assert.equal((await rpc(s.url, PING)).status, 404, s.id);
  assert.equal((await admin('GET', '/integrated-account/doomed')).status, 404);
  assert.equal((await rpc(bystander.url, PING)).status, 200, "another account's server lives on");

  // Registering the same id again does not revive the old URLs.
  await putAccount('doomed');
  assert.equal((await rpc(second.url, PING)).status, 404);
});

/** One SQL command on the worker's local D1 (wrangler's own), its rows. */
function d1(sql) {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'wrangler'),
    ['d1', 'execute', 'DB', '--local', '--persist-to', worker.persist, '--json', '--command', sql],
    { cwd: ROOT, encoding: 'utf8', timeout: 60000, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout).at(-1).results;
}

test('a server past its expiry answers 404 and is not listed; the cron job purges it from KV and marks it in D1', async () => {
  await putAccount('expiring');
  const expiresAt = new Date(Date.now() + 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const doomed = await createServer('expiring', { expires_at: expiresAt });
  const live = await createServer('expiring', { expires_at: expiresAt });
  assert.equal(doomed.expires_at, expiresAt);
  assert.equal((await rpc(doomed.url, PING)).status, 200);

  // Its expiry moved an hour into the past, in D1 (the record) and in KV (the edge copy),
  // as if the day had gone by.
  const key = `server:${sha256(urlToken(doomed.url))}`;
  const stored = JSON.parse(await kv('get', key));
  const past = Math.floor(Date.now() / 1000) - 3600;
  stored.expires_at = new Date(past * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  stored.expires_at_unix = past;
  await kv('put', key, JSON.stringify(stored));
  const record = JSON.stringify(stored).replaceAll("'", "''");
  d1(`UPDATE mcp_servers SET record = '${record}', expires_at_ms = ${past * 1000} WHERE id = '${doomed.id}'`);

  // A write made outside this isolate is seen once its cached copy (5 s) has lapsed.
  let r;
  for (const until = Date.now() + 10000; ; await new Promise((res) => setTimeout(res, 250))) {
    r = await rpc(doomed.url, PING);
    if (r.status === 404 || Date.now() > until) break;
  }
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'unknown_mcp_server');
  assert.equal((await rpc(live.url, PING)).status, 200);
  const keysNow = async () => JSON.parse(await kv('list', '--prefix', 'server:')).map((k) => k.name);
  assert.ok((await keysNow()).includes(key), 'KV purges lazily: the expired copy is still there');
  const listed = await admin('GET', '/integrated-account/expiring/mcp');
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.json.result.map((s) => s.id), [live.id]);
  assert.equal((await admin('GET', `/integrated-account/expiring/mcp/${doomed.id}`)).status, 404);

  // The cron trigger's reconcile purges it from KV and marks it expired in D1.
  const cron = await fetch(`${worker.url}/__scheduled?cron=17+*+*+*+*`);
  assert.equal(cron.status, 200);
  let state;
  for (const until = Date.now() + 10000; ; await new Promise((res) => setTimeout(res, 200))) {
    state = d1(`SELECT state FROM mcp_servers WHERE id = '${doomed.id}'`)[0].state;
    if (state === 'expired' || Date.now() > until) break;
  }
  assert.equal(state, 'expired');
  assert.ok(!(await keysNow()).includes(key), 'purged from KV');
  const expired = await admin('GET', '/mcp-servers?account=expiring&expired=true');
  assert.deepEqual(expired.json.result.map((s) => [s.id, s.purged]), [[doomed.id, true]]);
});

test('a require_api_token_auth server needs a live API token scoped to it', async () => {
  await putAccount('guarded');
  const server = await createServer('guarded', { require_api_token_auth: true });
  assert.equal(server.require_api_token_auth, true);

  const none = await rpc(server.url, PING);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  const wrong = await rpc(server.url, PING, { authorization: 'Bearer not-a-live-api-token-0000000000' });
  assert.equal(wrong.status, 401);
  assert.equal((await rpc(server.url, PING, { authorization: `Bearer ${ADMIN_TOKEN}` })).status, 401, 'the admin token is not an API token');

  const unscoped = await admin('POST', '/api-tokens', { name: 'e2e laptop' });
  assert.equal(unscoped.status, 400, unscoped.text);
  assert.equal(unscoped.json.error.code, 'invalid_scope');
  await putAccount('elsewhere');
  const foreign = await admin('POST', '/integrated-account/elsewhere/api-tokens', { name: 'other team' });
  assert.equal(foreign.status, 201, foreign.text);
  secrets.push(foreign.json.token);
  assert.equal((await rpc(server.url, PING, { authorization: `Bearer ${foreign.json.token}` })).status, 401, 'a token of another account');

  const minted = await admin('POST', '/integrated-account/guarded/api-tokens', { name: 'e2e laptop', servers: [server.id] });
  assert.equal(minted.status, 201, minted.text);
  assert.deepEqual(minted.json.scope, { accounts: ['guarded'], servers: [server.id] });
  const { id, token } = minted.json;
  secrets.push(token);
  const client = await connect(server.url, { Authorization: `Bearer ${token}` });
  try {
    const r = await client.callTool({ name: 'get_single_service_now_incident_by_id', arguments: { id: 'INC0010001', fields: ['number'] } });
    assert.equal(r.isError, false, r.content?.[0]?.text);
    assert.equal(r.structuredContent.result.number, 'INC0010001');
  } finally {
    await client.close();
  }
  const listed = await admin('GET', '/api-tokens');
  assert.equal(listed.text.includes(token), false, 'listings never show the token');

  assert.equal((await admin('DELETE', `/api-tokens/${id}`)).status, 200);
  const revoked = await rpc(server.url, PING, { authorization: `Bearer ${token}` });
  assert.equal(revoked.status, 401);
});

test('invalid server and account requests are 400 with the reason', async () => {
  await putAccount('strict');
  const inAMinute = new Date(Date.now() + 30e3).toISOString();
  const cases = [
    ['filters leaving no tool', { config: { methods: ['delete'], tags: ['knowledge'] } }, 'no_tools'],
    ['an unknown tag', { config: { tags: ['no_such_tag'] } }, 'unknown_tag'],
    ['an unknown method', { config: { methods: ['explode'] } }, 'unknown_method'],
    ['expires_at in the past', { expires_at: '2020-01-01T00:00:00Z' }, 'invalid_expires_at'],
    ['expires_at under 60 s ahead', { expires_at: inAMinute }, 'invalid_expires_at'],
    ['expires_at not RFC 3339', { expires_at: '31/12/2030' }, 'invalid_expires_at'],
    ['an unknown field', { expire_at: '2030-01-01T00:00:00Z' }, 'unknown_fields'],
  ];
  for (const [label, extra, code] of cases) {
    const r = await admin('POST', '/integrated-account/strict/mcp', { name: label, ...extra });
    assert.equal(r.status, 400, `${label}: ${r.text}`);
    assert.equal(r.json.error.code, code, label);
    assert.ok(r.json.error.message.length > 20, label);
  }
  const listed = await admin('GET', '/integrated-account/strict/mcp');
  assert.deepEqual(listed.json.result, [], 'nothing was created');

  const noHttp = await startWorker({ vars: { ALLOW_HTTP_UPSTREAM: 'false' } });
  try {
    const put = (instance_url) => noHttp.admin('PUT', '/integrated-account/acme', { instance_url, auth: { type: 'basic', username: 'u', password: 'p' } });
    const http = await put(sim.url);
    const body = await http.json();
    assert.equal(http.status, 400, JSON.stringify(body));
    assert.equal(body.error.code, 'invalid_instance_url');
    assert.match(body.error.message, /https/);
    assert.equal((await put('https://acme.service-now.com')).status, 201, 'https is accepted');
  } finally {
    await noHttp.stop();
  }
});

test('the snmcp CLI puts an account, creates, lists and deletes a server, and fails in one line', async () => {
  const env = { ...process.env, SNMCP_ADMIN_URL: worker.url, SNMCP_ADMIN_TOKEN: ADMIN_TOKEN };
  const snmcp = (args, extra = {}) => spawnSync(CLI_BIN, args, { cwd: ROOT, encoding: 'utf8', timeout: 30000, env: { ...env, ...extra } });
  const ok = (r, what) => { assert.equal(r.status, 0, `${what}: ${r.stderr}`); return r.stdout; };

  const out = ok(snmcp(['account', 'put', 'cli', '--instance-url', sim.url, '--auth', 'basic', '--username', 'admin'], { SNMCP_PASSWORD: 'admin' }), 'account put');
  assert.match(out, /cli/);
  assert.equal(out.includes('admin:admin'), false);
  assert.deepEqual((await admin('GET', '/integrated-account/cli')).json.auth, { type: 'basic', username: 'admin' });

  const created = ok(snmcp(['server', 'create', 'cli', '--name', 'CLI agent', '--methods', 'read', '--tags', 'incident', '--expires-in', '1d']), 'server create');
  const url = created.trim().split('\n').pop();
  assert.match(url, new RegExp(`^${worker.url}/mcp/[A-Za-z0-9_-]{43}$`));
  secrets.push(urlToken(url));
  const tools = await rpc(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  assert.equal(tools.status, 200);
  const names = tools.body.result.tools.map((t) => t.name);
  assert.ok(names.includes('list_all_service_now_incident'));
  assert.equal(names.includes('create_a_service_now_incident'), false, '--methods read was applied');
  assert.equal(names.includes('list_all_service_now_sys_users'), false, '--tags incident was applied');

  const listed = ok(snmcp(['server', 'list', 'cli']), 'server list');
  const id = listed.match(/mcp_[0-9a-f]{20}/)?.[0];
  assert.ok(id, listed);
  assert.match(listed, /CLI agent/);
  assert.equal(listed.includes(urlToken(url)), false, 'listings never show the URL');

  ok(snmcp(['server', 'delete', 'cli', id]), 'server delete');
  assert.equal((await rpc(url, PING)).status, 404);
  assert.equal(ok(snmcp(['server', 'list', 'cli']), 'server list').includes(id), false);

  const failures = [
    [['server', 'delete', 'cli', id], 1],
    [['server', 'create', 'nosuch', '--name', 'x'], 1],
    [['server', 'create', 'cli', '--name', 'x', '--tags', 'no_such_tag'], 1],
    [['server', 'create'], 2],
  ];
  for (const [args, status] of failures) {
    const r = snmcp(args);
    const label = `snmcp ${args.join(' ')}`;
    assert.equal(r.status, status, `${label}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${label}: one line, got ${r.stderr}`);
    assert.match(lines[0], /^snmcp: \S/, label);
  }
  const wrongToken = snmcp(['server', 'list', 'cli'], { SNMCP_ADMIN_TOKEN: 'wrong' });
  assert.equal(wrongToken.status, 1);
  assert.match(wrongToken.stderr, /^snmcp: .*401/);
});

test('local KV holds neither a password nor any token in clear, only token hashes', async () => {
  assert.ok(secrets.length >= 10, `collected ${secrets.length} secrets`);
  const keys = JSON.parse(await kv('list')).map((k) => k.name);
  for (const secret of secrets) {
    for (const key of keys) assert.equal(key.includes(secret), false, `a key holds a secret: ${key}`);
  }
  // Live servers are reachable only through the SHA-256 of their token.
  const liveServers = keys.filter((k) => k.startsWith('server:'));
  assert.ok(liveServers.length > 0);
  for (const key of liveServers) assert.match(key, /^server:[0-9a-f]{64}$/);
  const tokenHashes = new Set(secrets.map(sha256));
  assert.ok(liveServers.every((k) => tokenHashes.has(k.slice('server:'.length))), 'every server key is the hash of a minted token');

  // Every byte of the local KV store (values, keys, metadata, journals).
  const files = filesUnder(worker.persist);
  assert.ok(files.length > 0);
  const blobs = files.map((f) => readFileSync(f));
  // The scan itself works: it finds a value the worker did store in clear.
  assert.ok(blobs.some((b) => b.includes('mcp-demo-client') || b.includes('"account_id":"demo"')), 'the scan sees KV values');
  for (const secret of secrets) {
    assert.equal(blobs.some((b) => b.includes(secret)), false, `a secret is stored in clear: ${secret.slice(0, 4)}…`);
  }
});

test('20 concurrent PATCHes of one server end as one of them; the rest are answered 409, none lost silently', async () => {
  await putAccount('racing');
  const server = await createServer('racing', {});
  const path = `/integrated-account/racing/mcp/${server.id}`;
  const names = Array.from({ length: 20 }, (_, i) => `racer-${i}`);
  const answers = await Promise.all(names.map((name) => admin('PATCH', path, { name })));
  const won = answers.filter((a) => a.status === 200).map((a) => a.json.name);
  const lost = answers.filter((a) => a.status !== 200);
  assert.ok(won.length >= 1, 'at least one write wins');
  console.log(`concurrent PATCHes: ${won.length} applied, ${lost.length} answered 409`);
  assert.equal(won.length + lost.length, 20);
  for (const a of lost) {
    assert.equal(a.status, 409, a.text);
    assert.equal(a.json.error.code, 'conflict');
  }
  // The final state is the last winner's (each winner moved the version by one), and
  // the version says exactly how many writes won: none was lost without an answer.
  const final = await admin('GET', path);
  assert.equal(final.status, 200);
  assert.ok(won.includes(final.json.name), `${final.json.name} is one of ${won}`);
  assert.equal(final.headers.get('etag'), `"${1 + won.length}"`);
  // The edge copy serves the same record.
  assert.equal((await rpc(server.url, PING)).status, 200);
});

test('the snmcp CLI lists accounts and lists, exports and tails the audit log', async () => {
  const env = { PATH: process.env.PATH, SNMCP_ADMIN_URL: worker.url, SNMCP_ADMIN_TOKEN: ADMIN_TOKEN };
  const snmcp = (args) => spawnSync(CLI_BIN, args, { cwd: ROOT, encoding: 'utf8', timeout: 30000, env });
  await putAccount('cli-audit');
  const server = await createServer('cli-audit', {});
  await rpc(server.url, PING);

  const accounts = snmcp(['account', 'list', '--search', 'cli-audit']);
  assert.equal(accounts.status, 0, accounts.stderr);
  assert.match(accounts.stdout, /^cli-audit {2}http:\/\/127\.0\.0\.1:\d+ {2}basic$/m);

  // Rows are written after each answer: wait (bounded) for the ping's.
  let listed;
  for (const until = Date.now() + 10000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    listed = snmcp(['audit', 'list', '--server', server.id]);
    if (/ping/.test(listed.stdout)) break;
  }
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${server.id}  node  ping  -  ok  HTTP 200  \\d+ ms`));

  const csv = snmcp(['audit', 'export', '--account', 'cli-audit']);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\r\n');
  assert.match(lines[0], /^id,at,at_ms,request_id,kind,/);
  assert.ok(lines.length >= 3, 'the account write, the server write and the ping');
  const jsonl = snmcp(['audit', 'export', '--account', 'cli-audit', '--format', 'jsonl']);
  assert.ok(jsonl.stdout.trim().split('\n').every((l) => JSON.parse(l).account_id === 'cli-audit'));

  const bad = snmcp(['audit', 'list', '--outcome', 'great']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /`outcome`/);

  // tail: the last entries first, then what arrives while it follows (bounded: 4 s).
  const tail = spawn(CLI_BIN, ['audit', 'tail', '--server', server.id, '--interval', '1', '--for', '4'], { cwd: ROOT, env });
  let out = '';
  tail.stdout.on('data', (c) => { out += c; });
  await new Promise((r) => setTimeout(r, 1500));
  await rpc(server.url, { jsonrpc: '2.0', id: 9, method: 'tools/list' });
  const code = await new Promise((resolve) => tail.once('exit', resolve));
  assert.equal(code, 0);
  const seen = out.trim().split('\n');
  assert.match(seen[0], /ping/);
  assert.match(seen.at(-1), /tools\/list/);
});
