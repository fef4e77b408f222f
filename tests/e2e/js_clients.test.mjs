// JavaScript agent frameworks against the wasm under workerd and the simulator, with the
// real packages (pinned in tests/js-clients/package.json, installed by scripts/setup-clients.sh): the AI
// SDK's MCP client, LangChain.js's MCP adapters, MCP Inspector's CLI and mcp-remote.
// Each lists every tool and calls one; a ServiceNow rate limit reaches each with the
// delay, whichever way the server answers it (HTTP 429 or a tool error).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startClientWorld } from './harness.mjs';

const CLIENTS = join(ROOT, 'tests', 'js-clients');
const skip = existsSync(join(CLIENTS, 'node_modules', '@ai-sdk', 'mcp')) ? false : 'run make clients first (tests/js-clients)';
const LIST = 'list_all_service_now_incident';

let sim, worker, plain, toolError, js;

before(async () => {
  if (skip) return;
  js = await import(join(CLIENTS, 'clients.mjs'));
  ({ sim, worker, plain, toolError } = await startClientWorld());
});

after(async () => {
  await worker?.stop();
  await sim?.stop();
});

const DELAY = /rate limit exceeded.*retry after \d+ seconds/i;

test('the AI SDK, LangChain.js, Inspector\'s CLI and mcp-remote list every tool and call one', { skip }, async () => {
  const ai = await js.aiSdk(plain);
  assert.ok(ai.tools > 128 && !ai.isError, JSON.stringify(ai));
  assert.match(ai.text, /INC\d+/);
  const lc = await js.langchain(plain);
  assert.ok(lc.tools > 128 && !lc.raised, JSON.stringify(lc));
  assert.match(lc.text, /INC\d+/);
  const listed = js.inspector(plain, 'tools/list');
  assert.ok(listed.tools?.length > 128, JSON.stringify(listed).slice(0, 300));
  const called = js.inspector(plain, 'tools/call', ['--tool-name', LIST, '--tool-arg', 'limit=1']);
  assert.equal(called.isError, false, JSON.stringify(called).slice(0, 300));
  const remote = await js.mcpRemote(plain, [
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: LIST, arguments: { limit: 1 } } },
  ]);
  assert.ok(remote.get(1).result.tools.length > 128);
  assert.equal(remote.get(2).result.isError, false, JSON.stringify(remote.get(2)).slice(0, 300));
});

test('a rate limit reaches every JavaScript client with its delay, as HTTP 429 or as a tool error', { skip }, async () => {
  await sim.configure({ rate_limit: { limit: 0, window_secs: 3600 } });
  try {
    // The default: each reads the 429's JSON-RPC error and passes its text on.
    await assert.rejects(js.aiSdk(plain), (e) => DELAY.test(e.message));
    const lc = await js.langchain(plain);
    assert.match(lc.text, DELAY, JSON.stringify(lc));
    const inspected = js.inspector(plain, 'tools/call', ['--tool-name', LIST, '--tool-arg', 'limit=1']);
    assert.match(inspected.stderr, /429/, JSON.stringify(inspected));
    const remote = await js.mcpRemote(plain, [{ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: LIST, arguments: { limit: 1 } } }]);
    assert.match(remote.get(2).error.message, DELAY);
    // tool_error: an isError result with the same text.
    const ai = await js.aiSdk(toolError);
    assert.equal(ai.isError, true);
    assert.match(ai.text, DELAY);
    assert.match((await js.langchain(toolError)).text, DELAY);
    const asResult = await js.mcpRemote(toolError, [{ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: LIST, arguments: { limit: 1 } } }]);
    assert.equal(asResult.get(2).result.isError, true);
    assert.match(asResult.get(2).result.content[0].text, DELAY);
    assert.equal(asResult.get(2).result._meta['io.snmcp/rate_limit'].status, 429);
  } finally {
    await sim.configure({ rate_limit: null });
  }
});
