// Python agent frameworks against the wasm under workerd and the simulator, with the
// real packages (pinned in tests/python/requirements-*.txt, installed by setup into
// target/pyenv/): the MCP SDK 1.x and 2.x, FastMCP's client, the OpenAI Agents SDK,
// LangChain's MCP adapters and Pydantic AI.
// Each runs tests/python/clients.py and prints one JSON line this file asserts on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startClientWorld } from './harness.mjs';

const PYTHON = (env) => join(ROOT, 'target', 'pyenv', env, 'bin', 'python');
const SCRIPT = join(ROOT, 'tests', 'python', 'clients.py');
const missing = ['mcp1', 'mcp2'].filter((env) => !existsSync(PYTHON(env)));
const skip = missing.length ? `run make clients first (no ${missing.join(', ')} venv)` : false;

let sim, worker, plain, toolError;

before(async () => {
  if (skip) return;
  ({ sim, worker, plain, toolError } = await startClientWorld());
});

after(async () => {
  await worker?.stop();
  await sim?.stop();
});

/** Runs one scenario of clients.py in `env`'s venv; its JSON line, bounded in time. */
function run(env, scenario, url) {
  const r = spawnSync(PYTHON(env), [SCRIPT, scenario, url], { encoding: 'utf8', timeout: 90000 });
  assert.equal(r.status, 0, `${env} ${scenario}: exit ${r.status}\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

async function rateLimited(fn) {
  await sim.configure({ rate_limit: { limit: 0, window_secs: 3600 } });
  try {
    return await fn();
  } finally {
    await sim.configure({ rate_limit: null });
  }
}

test('the Python MCP SDK 1.x and 2.x list every tool and call one', { skip }, () => {
  for (const env of ['mcp1', 'mcp2']) {
    const out = run(env, 'sdk', plain);
    assert.ok(out.tools > 128, `${env}: ${JSON.stringify(out)}`);
    assert.equal(out.is_error, false, JSON.stringify(out));
    assert.equal(out.records, 2);
    for (const n of out.numbers) assert.match(n, /^INC\d+/);
  }
});

test('LangChain\'s MCP adapters and Pydantic AI list every tool and read a call\'s records', { skip }, () => {
  for (const scenario of ['langchain', 'pydantic_ai']) {
    const out = run('mcp1', scenario, plain);
    assert.ok(out.tools > 128, `${scenario}: ${JSON.stringify(out)}`);
    assert.equal(out.raised, undefined, `${scenario}: ${JSON.stringify(out)}`);
    assert.match(out.text, /INC\d+/, `${scenario}: ${JSON.stringify(out)}`);
    assert.match(out.text, /total_count/, `${scenario}: ${JSON.stringify(out)}`);
  }
});

test('a rate limit reaches the model on Python stacks when the server answers it as a tool error', { skip }, async () => {
  await rateLimited(async () => {
    for (const env of ['mcp1', 'mcp2']) {
      // tool_error: an isError result naming the delay, and the session goes on.
      const out = run(env, 'ratelimit', toolError);
      assert.equal(out.is_error, true, `${env}: ${JSON.stringify(out)}`);
      assert.match(out.text, /rate limit/i);
      assert.match(out.text, /retry after \d+ seconds|wait before calling again/);
      assert.equal(out.meta?.status, 429, JSON.stringify(out));
      assert.ok(out.tools_after > 0, 'the session survived the rate limit');
    }
    // OpenAI Agents SDK: the text the model reads names the limit, not a generic failure.
    const agents = run('mcp1', 'agents', toolError);
    assert.equal(agents.is_error, true, JSON.stringify(agents));
    assert.match(agents.text, /rate limit/i);
    // FastMCP raises the tool error with the same text (on either server: SDK 2.x
    // reads a 429's JSON-RPC error too).
    for (const url of [toolError, plain]) {
      const fast = run('mcp2', 'fastmcp_ratelimit', url);
      assert.match(fast.text, /rate limit exceeded.*retry after \d+ seconds/i, JSON.stringify(fast));
    }
    // LangChain's adapters and Pydantic AI hand the model the same text (Pydantic AI
    // raises it as ModelRetry, which is how a tool error reaches its model).
    for (const scenario of ['langchain', 'pydantic_ai']) {
      const out = run('mcp1', scenario, toolError);
      assert.match(out.text, /rate limit exceeded.*retry after \d+ seconds/i, `${scenario}: ${JSON.stringify(out)}`);
    }
  });
});

test('FastMCP keeps every record field and the total in result.data', { skip }, () => {
  const out = run('mcp2', 'fastmcp', plain);
  assert.equal(out.records, 2, JSON.stringify(out));
  for (const key of ['number', 'short_description', 'state', 'sys_id', 'display_values']) {
    assert.ok(out.first_keys.includes(key), `${key} missing from ${out.first_keys}`);
  }
  assert.ok(Number.isInteger(out.total_count) && out.total_count >= 2, JSON.stringify(out));
});

test('every tool converts under OpenAI Agents\' strict conversion, and a strict-shaped call is the plain call', { skip }, () => {
  const out = run('mcp1', 'strict', plain);
  assert.ok(out.tools > 128, JSON.stringify(out));
  assert.deepEqual(out.not_strict, [], 'tools the strict conversion fell back on');
  assert.equal(out.is_error, false, JSON.stringify(out));
  assert.equal(out.same, true, 'every property present with null does what leaving them out does');
});

test('tool counts past a client\'s limit are warned about, and discovery mode fits every client', { skip }, async () => {
  const preview = async (config) => (await (await worker.admin('POST', '/catalog/preview', { config })).json());
  const all = await preview(null);
  assert.deepEqual(all.warnings.map((w) => w.limit), [128, 40], JSON.stringify(all.warnings));
  assert.deepEqual((await preview({ tags: ['incident'] })).warnings, []);
  const r = await worker.admin('POST', '/integrated-account/demo/mcp', { name: 'discovery', config: { tool_mode: 'discovery' } });
  assert.equal(r.status, 201);
  const created = await r.json();
  assert.equal(created.warnings, undefined, 'three tools warn no client');
  for (const env of ['mcp1', 'mcp2']) {
    const out = run(env, 'tools', created.url);
    assert.equal(out.tools, 3, `${env}: ${JSON.stringify(out)}`);
  }
});
