// `make demo`: the ServiceNow simulator (seeded with the article's people and records),
// the worker under workerd on 127.0.0.1:8787 with local KV, and a real provisioning run
// through the `snmcp` CLI and the admin API. Prints a working MCP URL and the dashboard's;
// Ctrl-C stops all.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, CLI_BIN, startSimulator } from '../tests/e2e/harness.mjs';

const PORT = Number(process.env.DEMO_PORT || 8787);
const BASE = `http://127.0.0.1:${PORT}`;

function devVars() {
  const path = join(ROOT, '.dev.vars');
  if (!existsSync(path)) throw new Error('.dev.vars is missing: run `make setup`');
  return Object.fromEntries(readFileSync(path, 'utf8').split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
}

async function waitFor(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try { if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}

function cli(args, env) {
  const r = spawnSync(CLI_BIN, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`snmcp ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

const vars = devVars();
// The audit log's tables in wrangler's local D1 (.wrangler/state), as `--remote` does on deploy.
const migrated = spawnSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local'],
  { cwd: ROOT, encoding: 'utf8', timeout: 60000, env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } });
if (migrated.status !== 0) throw new Error(`wrangler d1 migrations apply failed: ${migrated.stderr || migrated.stdout}`);
const sim = await startSimulator({ seed: 'demo' });
const worker = spawn(join(ROOT, 'node_modules', '.bin', 'wrangler'),
  ['dev', '--ip', '127.0.0.1', '--port', String(PORT), '--show-interactive-dev-session=false', '--var', 'ALLOW_HTTP_UPSTREAM:true'],
  { cwd: ROOT, detached: true, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, SKIP_WORKER_BUILD: '1' } });
const stopAll = async () => {
  try { process.kill(-worker.pid, 'SIGTERM'); } catch { /* gone */ }
  await sim.stop();
};
process.on('SIGINT', async () => { await stopAll(); process.exit(0); });
process.on('SIGTERM', async () => { await stopAll(); process.exit(0); });

try {
  await waitFor(`${BASE}/health`, 60000);
  const env = { SNMCP_ADMIN_URL: BASE, SNMCP_ADMIN_TOKEN: vars.ADMIN_TOKEN, SNMCP_PASSWORD: 'admin' };
  cli(['account', 'put', 'demo', '--instance-url', sim.url, '--auth', 'basic', '--username', 'admin'], env);
  const created = JSON.parse(cli(['--json', 'server', 'create', 'demo', '--name', 'Demo ITSM Agent', '--methods', 'read,write', '--expires-in', '7d'], env));
  const url = created.url;
  // Prove the URL works before printing it.
  const probe = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  const tools = (await probe.json()).result?.tools?.length ?? 0;
  if (!probe.ok || tools === 0) throw new Error(`the minted URL does not work: HTTP ${probe.status}`);
  const dashboard = await fetch(`${BASE}/dashboard`);
  if (!dashboard.ok) throw new Error(`the dashboard does not answer: HTTP ${dashboard.status}`);
  const mcpJson = { mcpServers: { 'servicenow-demo': { command: 'npx', args: ['-y', 'mcp-remote', url] } } };
  console.log(`
ServiceNow simulator: ${sim.url} (users admin/admin, itil/itil, readonly/readonly)
Worker (workerd, local KV): ${BASE}
Dashboard: ${BASE}/dashboard (account id "demo")
Admin token (random for this clone, kept in .dev.vars): ${vars.ADMIN_TOKEN}

MCP server URL (${tools} tools, read+write, expires ${created.expires_at}):
  ${url}

mcp.json for Cursor / Claude Desktop:
${JSON.stringify(mcpJson, null, 2)}

MCP Inspector:
  npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list

Press Ctrl-C to stop.`);
  if (process.env.DEMO_EXIT_AFTER_READY === '1') { await stopAll(); process.exit(0); }
} catch (e) {
  console.error(`demo: ${e.message}`);
  await stopAll();
  process.exit(1);
}
