// `make demo` works: scripts/demo.mjs starts the simulator and the worker, provisions
// through the CLI, proves the minted URL answers, prints it with an mcpServers block and,
// with DEMO_EXIT_AFTER_READY=1, stops everything and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort } from './harness.mjs';

const DEMO_TIMEOUT_MS = 120000;

/** Runs the demo in its own process group; resolves with its exit and output, bounded. */
function runDemo(port) {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.mjs')], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEMO_PORT: String(port), DEMO_EXIT_AFTER_READY: '1', SKIP_WORKER_BUILD: '1', WRANGLER_SEND_METRICS: 'false', CI: 'true' },
  });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      resolve({ code: null, timedOut: true, output });
    }, DEMO_TIMEOUT_MS);
    // 'exit', not 'close': the worker it started may hold the pipes a moment longer.
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, timedOut: false, output }); });
  });
}

async function answers(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

test('the demo prints a working MCP URL and an mcpServers block, then exits 0', { timeout: DEMO_TIMEOUT_MS + 20000 }, async () => {
  // `make demo` runs `make setup` first, which writes .dev.vars with random local secrets.
  const made = spawnSync('bash', [join(ROOT, 'scripts', 'dev-vars.sh')], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const token = readFileSync(join(ROOT, '.dev.vars'), 'utf8').match(/^ADMIN_TOKEN=(.*)$/m)[1].trim();
  assert.match(token, /^[0-9a-f]{64}$/, 'a random local admin token, not a published default');
  const port = await freePort();
  const { code, timedOut, output } = await runDemo(port);
  assert.equal(timedOut, false, `the demo did not finish within ${DEMO_TIMEOUT_MS / 1000} s:\n${output}`);
  assert.equal(code, 0, output);

  const url = output.match(new RegExp(`http://127\\.0\\.0\\.1:${port}/mcp/[A-Za-z0-9_-]{43}`))?.[0];
  assert.ok(url, `no MCP URL on port ${port} in:\n${output}`);
  assert.match(output, /\d+ tools/);
  assert.match(output, new RegExp(`Dashboard: http://127\\.0\\.0\\.1:${port}/dashboard`));
  assert.ok(output.includes(`Admin token (random for this clone, kept in .dev.vars): ${token}`), output);

  const block = output.match(/^\{\n[\s\S]*?\n\}$/m)?.[0];
  assert.ok(block, `no JSON block in:\n${output}`);
  const config = JSON.parse(block);
  const entries = Object.values(config.mcpServers ?? {});
  assert.equal(entries.length, 1, block);
  assert.ok(entries[0].args.includes(url), 'the mcpServers entry points at the printed URL');

  // Everything it started is stopped: the worker's port stops answering.
  const deadline = Date.now() + 10000;
  while (await answers(`http://127.0.0.1:${port}/health`)) {
    assert.ok(Date.now() < deadline, `the demo left a worker on port ${port}`);
    await new Promise((r) => setTimeout(r, 250));
  }
});
