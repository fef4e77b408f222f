// Where the bundle's bytes go. Prints the deployable size by wrangler's own measure
// (`wrangler deploy --dry-run --outdir`, the gzip figure it checks against the plan
// limit) against the team's 1 MiB budget, then a per-crate breakdown of the wasm code
// section from the names section of the copy the build keeps before stripping
// (target/index_bg.names.wasm). `--summary` prints only the wrangler figure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET_KIB = 1024;

function wranglerSize() {
  const out = mkdtempSync(join(tmpdir(), 'snmcp-dry-'));
  try {
    const text = execFileSync(join(ROOT, 'node_modules', '.bin', 'wrangler'),
      ['deploy', '--dry-run', '--outdir', out], {
        cwd: ROOT, encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SKIP_WORKER_BUILD: '1', WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      });
    const m = text.match(/Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/);
    if (!m) throw new Error(`no "Total Upload" line in wrangler's output:\n${text}`);
    return { raw: Number(m[1]), gzip: Number(m[2]) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Unsigned LEB128 at `pos`: [value, next position]. */
function leb(bytes, pos) {
  let value = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, pos];
}

function name(bytes, pos) {
  const [len, start] = leb(bytes, pos);
  return [Buffer.from(bytes.subarray(start, start + len)).toString('utf8'), start + len];
}

/** Sizes of sections, function bodies, and the names section's function names. */
function parseWasm(bytes) {
  const sections = [];
  const bodies = [];
  const names = new Map();
  let importedFunctions = 0;
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, start] = leb(bytes, pos + 1);
    const end = start + size;
    let label = `section ${id}`;
    if (id === 0) {
      const [custom, after] = name(bytes, start);
      label = `custom:${custom}`;
      if (custom === 'name') {
        let p = after;
        while (p < end) {
          const sub = bytes[p];
          const [subSize, subStart] = leb(bytes, p + 1);
          if (sub === 1) {
            let [count, q] = leb(bytes, subStart);
            for (let i = 0; i < count; i++) {
              let index, fname;
              [index, q] = leb(bytes, q);
              [fname, q] = name(bytes, q);
              names.set(index, fname);
            }
          }
          p = subStart + subSize;
        }
      }
    } else if (id === 2) {
      label = 'import';
      let [count, p] = leb(bytes, start);
      for (let i = 0; i < count; i++) {
        [, p] = name(bytes, p);
        [, p] = name(bytes, p);
        const kind = bytes[p++];
        if (kind === 0) { [, p] = leb(bytes, p); importedFunctions++; }
        else if (kind === 1) { p += 1; const flags = bytes[p++]; [, p] = leb(bytes, p); if (flags & 1) [, p] = leb(bytes, p); }
        else if (kind === 2) { const flags = bytes[p++]; [, p] = leb(bytes, p); if (flags & 1) [, p] = leb(bytes, p); }
        else if (kind === 3) { p += 2; }
        else if (kind === 4) { p += 1; [, p] = leb(bytes, p); }
      }
    } else if (id === 10) {
      label = 'code';
      let [count, p] = leb(bytes, start);
      for (let i = 0; i < count; i++) {
        const [bodySize, bodyStart] = leb(bytes, p);
        bodies.push(bodySize + (bodyStart - p));
        p = bodyStart + bodySize;
      }
    } else if (id === 11) {
      label = 'data';
    }
    sections.push([label, size]);
    pos = end;
  }
  return { sections, bodies, names, importedFunctions };
}

/** The crate a (legacy- or v0-mangled, or plain) Rust symbol belongs to. */
function crateOf(symbol) {
  let s = symbol;
  const generic = s.match(/^<(.+?)( as |>)/);
  if (generic) s = generic[1];
  s = s.replace(/^_ZN/, '').replace(/^&(mut )?/, '');
  const legacy = s.match(/^(\d+)([A-Za-z_][A-Za-z0-9_$.]*)/);
  if (legacy) return legacy[2].slice(0, Number(legacy[1]));
  const path = s.split('::')[0];
  if (/^[a-z_][a-z0-9_]*$/.test(path)) return path;
  return '(other)';
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

const summary = process.argv.includes('--summary');
const size = wranglerSize();
console.log(`bundle (wrangler deploy --dry-run): ${size.raw.toFixed(2)} KiB raw, ${size.gzip.toFixed(2)} KiB gzip; budget ${BUDGET_KIB} KiB gzip: ${size.gzip <= BUDGET_KIB ? 'within' : `over by ${(size.gzip - BUDGET_KIB).toFixed(2)} KiB`}`);
if (!summary) {
  const wasmPath = join(ROOT, 'target', 'index_bg.names.wasm');
  if (!existsSync(wasmPath)) {
    console.log(`no ${wasmPath}: run \`make build\` (scripts/build-worker.sh keeps it)`);
    process.exit(0);
  }
  const bytes = readFileSync(wasmPath);
  const { sections, bodies, names, importedFunctions } = parseWasm(bytes);
  console.log(`\nsections of the unstripped wasm (${kib(bytes.length)}, before wasm-opt):`);
  for (const [label, n] of sections.sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${label.padEnd(28)} ${kib(n).padStart(11)}`);
  const byCrate = new Map();
  let total = 0;
  bodies.forEach((n, i) => {
    const crate = crateOf(names.get(i + importedFunctions) || '(unnamed)');
    byCrate.set(crate, (byCrate.get(crate) || 0) + n);
    total += n;
  });
  console.log(`\ncode by crate (${bodies.length} functions, ${kib(total)}; shares carry over roughly to the optimised, gzipped bundle):`);
  for (const [crate, n] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${crate.padEnd(28)} ${kib(n).padStart(11)} ${(100 * n / total).toFixed(1).padStart(5)}%`);
  }
}
