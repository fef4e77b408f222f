// JavaScript agent frameworks as their users connect them, one function each: the AI
// SDK's MCP client, LangChain.js's MCP adapters, MCP Inspector's CLI and mcp-remote (the
// stdio proxy Cursor and Claude Desktop run). Used by tests/e2e/js_clients.test.mjs; the
// packages are pinned in this folder's package.json and installed by scripts/setup-clients.sh.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMCPClient } from '@ai-sdk/mcp';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = (name) => join(HERE, 'node_modules', '.bin', name);
const LIST = 'list_all_service_now_incident';

const textOf = (content) => (content || []).map((c) => c.text || '').join(' ');

/** AI SDK: the tools it offers a model, and what one call gives back. */
export async function aiSdk(url, args = { limit: 2, fields: ['number'] }) {
  const client = await createMCPClient({ transport: { type: 'http', url } });
  try {
    const tools = await client.tools();
    const result = await tools[LIST].execute(args, { toolCallId: 'e2e', messages: [] });
    return { tools: Object.keys(tools).length, isError: result.isError === true, text: textOf(result.content) };
  } finally {
    await client.close();
  }
}

/** LangChain.js: its tools, and the text one call hands the model (or the error it throws). */
export async function langchain(url, args = { limit: 2, fields: ['number'] }) {
  const client = new MultiServerMCPClient({ mcpServers: { servicenow: { url, transport: 'http' } } });
  try {
    const tools = await client.getTools();
    const tool = tools.find((t) => t.name === LIST || t.name.endsWith(`__${LIST}`));
    try {
      const out = await tool.invoke(args);
      const text = typeof out === 'string' ? out : JSON.stringify(out);
      return { tools: tools.length, text };
    } catch (error) {
      return { tools: tools.length, raised: error.name, text: String(error.message) };
    }
  } finally {
    await client.close();
  }
}

/** MCP Inspector's CLI: one method, its JSON answer. */
export function inspector(url, method, extra = []) {
  const r = spawnSync(BIN('mcp-inspector'), ['--cli', url, '--transport', 'http', '--method', method, ...extra], {
    encoding: 'utf8', timeout: 60000,
  });
  if (r.status !== 0) return { exit: r.status, stderr: r.stderr.slice(0, 1000), stdout: r.stdout.slice(0, 1000) };
  return JSON.parse(r.stdout);
}

/** mcp-remote: JSON-RPC over its stdio, as a desktop client speaks it: `initialize`,
 * then `requests` (each with an id) once it answered; the answers by id. */
export async function mcpRemote(url, requests) {
  const child = spawn(BIN('mcp-remote'), [url, '--transport', 'http-only'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const answers = new Map();
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const send = (message) => child.stdin.write(`${JSON.stringify(message)}\n`);
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`mcp-remote timed out:\n${stderr.slice(-800)}`)); }, 60000);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith('{')) continue;
        const message = JSON.parse(line);
        if (message.id === undefined) continue;
        answers.set(message.id, message);
        if (message.id === 0) {
          send({ jsonrpc: '2.0', method: 'notifications/initialized' });
          for (const request of requests) send(request);
        }
        if (answers.size === requests.length + 1) {
          clearTimeout(timer);
          child.kill('SIGTERM');
          resolve(answers);
        }
      }
    });
    child.once('exit', (code) => {
      if (answers.size < requests.length + 1) { clearTimeout(timer); reject(new Error(`mcp-remote exited ${code}:\n${stderr.slice(-800)}`)); }
    });
  });
  send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e-desktop', version: '1.0.0' } } });
  return done;
}
