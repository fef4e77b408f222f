// The way `make bench` runs the worker: scripts/dev-worker.mjs (wrangler's dev server
// without the DevTools session the `wrangler dev` command attaches). The bench reads its
// figures from this worker and its log lines, so both must be the real ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startWorld, provision, rpc } from './harness.mjs';

let world, sim, worker;

before(async () => {
  world = await startWorld({ provisioned: false, inspector: false });
  ({ sim, worker } = world);
});

after(async () => {
  await world?.stop();
});

test('the launcher serves the built worker with its KV, vars and assets', async () => {
  const health = await fetch(`${worker.url}/health`);
  assert.equal(health.status, 200);
  assert.equal((await health.json()).status, 'ok');
  // The admin API works: the vars (ADMIN_TOKEN, CREDENTIALS_KEY) reached the worker.
  const server = await provision(worker, sim);
  const r = await rpc(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_all_service_now_sys_users', arguments: { limit: 2 } } });
  assert.equal(r.status, 200);
  assert.equal(r.body.result.isError, false, JSON.stringify(r.body));
  assert.equal(r.body.result.structuredContent.result.length, 2);
  // The text item carries the same JSON as structuredContent.
  assert.deepEqual(JSON.parse(r.body.result.content[0].text), r.body.result.structuredContent);
  // wrangler.toml's assets are served before the worker, as under `wrangler dev`.
  const page = await fetch(`${worker.url}/dashboard.html`, { redirect: 'manual' });
  assert.ok([200, 307, 308].includes(page.status), `dashboard: ${page.status}`);
  // The worker's own request line, which the bench reads.
  assert.match(worker.logs(), /POST \/mcp\/<[0-9a-f]{8}> 200 \d+ms \(ServiceNow \d+ms over 1 request\(s\)\)/);
});

test('the launcher refuses bad arguments with a clear message', () => {
  for (const [args, message] of [
    [['--port', 'x'], /--port must be 0-65535/],
    [['--var', 'NOVALUE'], /--var takes NAME:VALUE/],
    [['--bogus'], /unknown argument --bogus/],
    [['--port'], /--port needs a value/],
  ]) {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'dev-worker.mjs'), ...args], { encoding: 'utf8', timeout: 30000 });
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});
