// Runs the built worker the way `wrangler dev` does (wrangler's own dev server: its
// proxy, workerd, local KV, the same wrangler.toml) but without the DevTools inspector
// session the `wrangler dev` command always attaches. That session enables V8's Runtime
// and workerd's Network domains, so every subrequest and console line is reported over a
// WebSocket: about 2.5 ms per outbound fetch on this machine, which a deployed Worker
// never pays. The benchmarks use this to measure the worker rather than the debugger.
//
//   node scripts/dev-worker.mjs --port P --persist-to DIR [--var K:V ...] [--inspector]
//                               [--config wrangler.toml]   (default: the project's)
//
// Prints "ready <url>" once serving; stops (and stops workerd) on SIGTERM or SIGINT.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { port: 0, persist: undefined, vars: {}, inspector: false, config: join(ROOT, 'wrangler.toml') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--port') opts.port = Number(value());
    else if (arg === '--persist-to') opts.persist = value();
    else if (arg === '--inspector') opts.inspector = true;
    else if (arg === '--config') opts.config = value();
    else if (arg === '--var') {
      const pair = value();
      const at = pair.indexOf(':');
      if (at < 1) throw new Error(`--var takes NAME:VALUE, got ${JSON.stringify(pair)}`);
      opts.vars[pair.slice(0, at)] = pair.slice(at + 1);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0-65535');
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`dev-worker: ${e.message}`);
  process.exit(2);
}

// Same environment the test harness gives `wrangler dev`: no metrics, no fetch of the
// Request.cf object from the network (the machines have none), the prebuilt bundle.
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.SKIP_WORKER_BUILD = '1';

const { unstable_startWorker: startWorker } = await import(join(ROOT, 'node_modules', 'wrangler', 'wrangler-dist', 'cli.js'));

const bindings = Object.fromEntries(Object.entries(opts.vars).map(([name, value]) => [name, { type: 'plain_text', value }]));
const worker = await startWorker({
  config: opts.config,
  bindings,
  dev: {
    server: { hostname: '127.0.0.1', port: opts.port },
    inspector: opts.inspector ? { hostname: '127.0.0.1', port: 0 } : false,
    persist: opts.persist,
    watch: false,
    liveReload: false,
    logLevel: 'log',
  },
});
await worker.ready;
console.log(`ready ${(await worker.url).origin}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await worker.dispose();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
