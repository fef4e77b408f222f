// The official MCP conformance suite (@modelcontextprotocol/conformance) against the
// worker under workerd: the server scenarios that apply to a tools-only server. The
// suite needs Node >= 22, which the npm package node@22 in tests/conformance brings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startWorld } from './harness.mjs';

const SUITE = join(ROOT, 'tests', 'conformance', 'node_modules');
const NODE22 = join(SUITE, '.bin', 'node');
const CLI = join(SUITE, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'];

let world, server, outDir;

before(async () => {
  assert.ok(existsSync(NODE22) && existsSync(CLI), 'run scripts/setup.sh: it installs tests/conformance');
  world = await startWorld({ sdkClient: false });
  server = world.server;
  outDir = mkdtempSync(join(tmpdir(), 'snmcp-conformance-'));
});

after(async () => {
  await world?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Runs one scenario (bounded to 120 s); resolves with its exit code and output. */
function runScenario(scenario, dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE22, [CLI, 'server', '--url', server.url, '--scenario', scenario, '-o', dir], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => { output += c; });
    child.stderr.on('data', (c) => { output += c; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${scenario} ran over 120 s:\n${output}`)); }, 120000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

for (const scenario of SCENARIOS) {
  test(`conformance scenario ${scenario} passes every check`, async () => {
    const dir = join(outDir, scenario);
    const { code, output } = await runScenario(scenario, dir);
    assert.equal(code, 0, output);
    // Read the suite's own verdicts rather than trusting the exit code alone.
    const [run] = readdirSync(dir);
    const checks = JSON.parse(readFileSync(join(dir, run, 'checks.json'), 'utf8'));
    assert.ok(checks.length > 0, `${scenario} ran no check`);
    for (const check of checks) {
      assert.equal(check.status, 'SUCCESS', `${check.id}: ${check.errorMessage ?? ''}`);
    }
  });
}
