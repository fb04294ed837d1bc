// The browser half of scripts/bench: every browser figure, taken in one headless Chromium run
// on files made by the project's seeded generator, each beside a peer measured in the same run.
//
//   node tests/bench/browser.mjs [--write docs/performance.md]
//
// It serves the built app (dist/) under /app/ and, beside it under /bench/, a page of its own
// (tests/bench/page/) with the peers, Papa Parse, uDSV and fflate, read from node_modules: they
// are development dependencies of the benchmark and never enter dist/. The check is compared
// with the strongest peer's parse of the same text: the faster, in the same run and on the same
// file, of Papa.parse(text) and uDSV (the fastest JavaScript CSV parser in published figures),
// counting only a parse that returns one row per lead.
//
// Settings (environment):
//   BENCH_ROWS=1000,100000,1000000   file sizes in leads (add 5000000 for the 5M file)
//   BENCH_HUGE=1                     also load and pack a 1 GB file in the app (slow)
//   BENCH_PROFILE=1                  also CPU-profile both workers during a check and a pack of
//                                    the largest file (target/bench-data/*.cpuprofile)
//   BENCH_DIST, BENCH_CLI, BENCH_DATA, BENCH_PORT, BENCH_DEFLATE_MB, CHROMIUM
//
// Figures go to target/bench-data/browser.json; with --write, a table goes into the file
// named, between <!-- bench:browser:start --> and <!-- bench:browser:end -->.
import { chromium } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import e2e from '../../playwright.config.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const env = process.env;
const config = {
  dist: resolve(ROOT, env.BENCH_DIST ?? 'dist'),
  cli: resolve(ROOT, env.BENCH_CLI ?? 'target/release/leadpack'),
  data: resolve(ROOT, env.BENCH_DATA ?? 'target/bench-data'),
  rows: (env.BENCH_ROWS ?? '1000,100000,1000000').split(',').map(Number).sort((a, b) => a - b),
  huge: env.BENCH_HUGE === '1',
  profile: env.BENCH_PROFILE === '1',
  port: Number(env.BENCH_PORT ?? 8093),
  deflateBytes: Math.round(Number(env.BENCH_DEFLATE_MB ?? 32) * 1e6),
  // For working on one part: startup, peers, small, flow, memory, cancel (the table is then
  // printed but not written).
  only: env.BENCH_ONLY ? env.BENCH_ONLY.split(',') : null,
  chromium: env.CHROMIUM ?? '/usr/bin/chromium',
};
/** Leads in the 1 GB file (about 137 bytes a lead). */
const HUGE_ROWS = 7_500_000;
const SMALL_ROUNDS = 5;
const LARGE_ROUNDS = 3;
const wanted = (part) => !config.only || config.only.includes(part);
const writeTo = process.argv.includes('--write') ? process.argv[process.argv.indexOf('--write') + 1] : null;

const log = (...parts) => console.error('bench:', ...parts);
const mb = (bytes) => bytes / 1e6;
const best = (runs, key = 'ms') => runs.reduce((a, b) => (b[key] < a[key] ? b : a));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------
// Input files: the project's generator, seed 42, reused when present.

function generated(rows) {
  mkdirSync(config.data, { recursive: true });
  const file = join(config.data, `leads-${rows}.csv`);
  if (!existsSync(file)) {
    log(`generating ${rows.toLocaleString('en')} leads`);
    const run = spawnSync(config.cli, ['generate', '--rows', String(rows), '--seed', '42', '--out', file], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`leadpack generate failed for ${rows} rows`);
  }
  return { rows, path: file, bytes: statSync(file).size };
}

// ---------------------------------------------------------------------------------------------
// The server: the app under /app/, the benchmark page under /bench/, the peers from node_modules.

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};
const ROUTES = [
  ['/bench/vendor/papaparse.min.js', join(ROOT, 'node_modules/papaparse/papaparse.min.js')],
  ['/bench/vendor/uDSV.iife.min.js', join(ROOT, 'node_modules/udsv/dist/uDSV.iife.min.js')],
  ['/bench/vendor/fflate.js', join(ROOT, 'node_modules/fflate/umd/index.js')],
  ['/bench/', join(ROOT, 'tests/bench/page')],
  ['/app/', config.dist],
];

function serve() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    const route = ROUTES.find(([prefix]) => path.startsWith(prefix));
    if (!route) return res.writeHead(404).end('not found');
    const [prefix, target] = route;
    let file = prefix.endsWith('/') ? normalize(join(target, path.slice(prefix.length))) : target;
    if (prefix.endsWith('/') && file !== target && !file.startsWith(target + sep)) return res.writeHead(403).end();
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ready, fail) => {
    server.once('error', (error) => fail(new Error(`cannot serve on port ${config.port} (${error.code}); set BENCH_PORT`)));
    server.listen(config.port, '127.0.0.1', () => ready(server));
  });
}

const base = () => `http://127.0.0.1:${config.port}`;

// ---------------------------------------------------------------------------------------------
// DevTools protocol: the page's own session, and the sessions of its dedicated workers (which
// Playwright does not offer), reached through the page session's auto-attach.

async function devtools(context, page) {
  const cdp = await context.newCDPSession(page);
  // Every worker's session: its script URL and the session it is reached through (null: the
  // page's). The page's worker starts a second one (the package assembler): workers of workers
  // are attached through their parent's session.
  const workers = new Map();
  const pending = new Map();
  let next = 0;
  const call = (sessionId, method, params = {}) =>
    new Promise((resolvePromise, reject) => {
      next += 1;
      pending.set(next, { resolve: resolvePromise, reject });
      const message = JSON.stringify({ id: next, method, params });
      const parent = workers.get(sessionId)?.parent;
      const sent = parent
        ? call(parent, 'Target.sendMessageToTarget', { sessionId, message })
        : cdp.send('Target.sendMessageToTarget', { sessionId, message });
      sent.catch(reject);
    });
  const attached = (sessionId, targetInfo, parent) => {
    if (targetInfo.type !== 'worker') return;
    workers.set(sessionId, { url: targetInfo.url, parent });
    call(sessionId, 'Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false }).catch(() => {});
  };
  const fromWorker = (sessionId, text) => {
    const message = JSON.parse(text);
    const waiting = message.id !== undefined && pending.get(message.id);
    if (waiting) {
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result);
    } else if (message.method === 'Target.receivedMessageFromTarget') {
      fromWorker(message.params.sessionId, message.params.message);
    } else if (message.method === 'Target.attachedToTarget') {
      attached(message.params.sessionId, message.params.targetInfo, sessionId);
    } else if (message.method === 'Target.detachedFromTarget') {
      workers.delete(message.params.sessionId);
    }
  };
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => attached(sessionId, targetInfo, null));
  cdp.on('Target.detachedFromTarget', ({ sessionId }) => workers.delete(sessionId));
  cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => fromWorker(sessionId, message));
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const inWorker = (sessionId) => (method, params = {}) => call(sessionId, method, params);
  return {
    page: (method, params) => cdp.send(method, params),
    /** The session of the first worker whose script URL contains `part`. */
    async worker(part) {
      for (let i = 0; i < 100; i += 1) {
        for (const [sessionId, { url }] of workers) if (url.includes(part)) return inWorker(sessionId);
        await sleep(50);
      }
      throw new Error(`no worker ${part}`);
    },
    /** Every worker attached now (the page's and theirs), by session. */
    workers: () =>
      [...workers].map(([sessionId, { parent }]) => ({ sessionId, nested: parent !== null, send: inWorker(sessionId) })),
  };
}

/**
 * A function reading the total size of every WebAssembly.Memory of a realm. The memories are
 * looked for until one is found (a worker that is starting has none yet).
 */
async function wasmMemories(send) {
  const prototype = await send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
  let found = null;
  return async () => {
    if (!found) {
      const query = await send('Runtime.queryObjects', { prototypeObjectId: prototype.result.objectId });
      const count = await send('Runtime.callFunctionOn', {
        objectId: query.objects.objectId,
        functionDeclaration: 'function () { return this.length; }',
        returnByValue: true,
      });
      if (count.result.value === 0) return 0;
      found = query;
    }
    const size = await send('Runtime.callFunctionOn', {
      objectId: found.objects.objectId,
      functionDeclaration: 'function () { return this.reduce((sum, m) => sum + m.buffer.byteLength, 0); }',
      returnByValue: true,
    });
    return size.result.value;
  };
}

/**
 * Samples, every 100 ms until stopped, the JS heap in use of the page and of its worker and the
 * size of their wasm memories; keeps the peak of the sum.
 */
async function memoryProbe(tools) {
  await tools.worker('leadpack-worker');
  const pageWasm = await wasmMemories(tools.page);
  // Every worker's wasm memories, set up as each worker appears (the assembler starts with the
  // first build).
  const workerWasm = new Map();
  let running = true;
  const peak = { total: 0 };
  let first = null;
  const samples = [];
  const started = Date.now();
  const sample = async () => {
    const workers = tools.workers();
    for (const { sessionId, send } of workers) {
      if (!workerWasm.has(sessionId)) workerWasm.set(sessionId, await wasmMemories(send));
    }
    const sum = (values) => values.reduce((a, b) => a + b, 0);
    const [pageHeap, workerHeaps, pageMemory, workerMemories] = await Promise.all([
      tools.page('Runtime.getHeapUsage'),
      Promise.all(workers.map(({ send }) => send('Runtime.getHeapUsage'))),
      pageWasm(),
      Promise.all(workers.map(({ sessionId }) => workerWasm.get(sessionId)())),
    ]);
    const now = {
      workers: workers.length,
      pageHeap: pageHeap.usedSize,
      workerHeap: sum(workerHeaps.map((heap) => heap.usedSize)),
      pageWasm: pageMemory,
      workerWasm: sum(workerMemories),
    };
    now.total = now.pageHeap + now.workerHeap + now.pageWasm + now.workerWasm;
    first ??= now;
    samples.push({ at: Date.now() - started, ...now });
    if (now.total > peak.total) Object.assign(peak, now);
  };
  const loop = (async () => {
    while (running) {
      await sample().catch(() => {});
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sample().catch(() => {});
      return { ...peak, before: first, samples };
    },
  };
}

/**
 * The module a profiled function belongs to, from its Rust path: `zlib_rs::deflate`,
 * `leadpack_engine::check::rules`, `csv_core::reader`… (the profile names wasm functions by their
 * symbols when the build keeps its name section).
 */
function area(fn) {
  if (fn.startsWith('(')) return fn;
  if (fn.startsWith('__wbg')) return 'wasm-bindgen glue';
  const clean = fn.replace(/\[[0-9a-f]+\]/g, '');
  // `<T as Trait>::f` belongs to the trait's module when T is a bare type parameter.
  const generic = clean.match(/^<[A-Z]\w* as ([^>]+)>/);
  const path = generic ? generic[1] : clean.replace(/^<+/, '').split(/ as |>|</)[0];
  const parts = path.split('::').filter((p) => p && !/^h[0-9a-f]{16}$/.test(p));
  if (parts.length < 2) return parts[0] ?? fn;
  if (['alloc', 'dlmalloc', '__rustc'].includes(parts[0])) return 'memory allocation';
  return parts.slice(0, parts[0] === 'leadpack' ? 3 : 2).join('::');
}

/**
 * CPU profiles of the app's workers (its worker, and the helper that worker starts), from
 * start() to stop(), each summarised by function (self time).
 */
async function profiler(tools) {
  await tools.worker('leadpack-worker');
  // The helper is attached through the first worker's session once it has started.
  for (let i = 0; i < 100 && !tools.workers().some((w) => w.nested); i += 1) await sleep(50);
  const sessions = tools.workers().map((w) => ({ role: w.nested ? 'helper' : 'worker', send: w.send }));
  for (const { send } of sessions) {
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: 500 });
  }
  return {
    start: () => Promise.all(sessions.map(({ send }) => send('Profiler.start'))),
    async stop(name) {
      const summaries = [];
      for (const { role, send } of sessions) {
        const { profile } = await send('Profiler.stop');
        const file = `${name}-${role}.cpuprofile`;
        writeFileSync(join(config.data, file), JSON.stringify(profile));
        summaries.push({ role, file, ...summarise(profile) });
      }
      return summaries;
    },
  };
}

/** Self time by function and by module of a DevTools CPU profile. */
function summarise(profile) {
  const total = profile.endTime - profile.startTime;
  const samples = profile.samples.length || 1;
  const byName = new Map();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const key = frame.functionName || `(anonymous ${basename(frame.url) || 'native'})`;
    byName.set(key, (byName.get(key) ?? 0) + node.hitCount);
  }
  const byArea = new Map();
  for (const [fn, hits] of byName) byArea.set(area(fn), (byArea.get(area(fn)) ?? 0) + hits);
  const ranked = (map, count) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([fn, hits]) => ({ fn, share: hits / samples, ms: ((hits / samples) * total) / 1000 }));
  return { ms: total / 1000, areas: ranked(byArea, 15), top: ranked(byName, 25) };
}

// ---------------------------------------------------------------------------------------------
// The app, driven as a user drives it.

const INSTRUMENT = readFileSync(join(ROOT, 'tests/bench/instrument.js'), 'utf8');

/** A fresh page of the app whose worker is ready; `tools` when DevTools sessions are wanted. */
async function openApp(context, { tools = false } = {}) {
  const page = await context.newPage();
  await page.addInitScript(INSTRUMENT);
  const devtoolsSessions = tools ? await devtools(context, page) : null;
  await page.goto(`${base()}/app/`);
  await page.waitForFunction(() => window.__bench.messages.some((m) => m.kind === 'ready'));
  return { page, tools: devtoolsSessions };
}

const state = (page) => page.evaluate(() => window.__bench);

/** Progress as the page received it during one job: how often, and the longest silence. */
function progressOf(messages, kind) {
  const request = messages.find((m) => m.dir === 'out' && m.kind === kind);
  if (!request) return null;
  const job = request.job;
  const mine = messages.filter((m) => m.job === job);
  const end = mine.find((m) => m.dir === 'in' && m.kind !== 'progress');
  const times = [request.at, ...mine.filter((m) => m.kind === 'progress').map((m) => m.at), end.at];
  let gap = 0;
  for (let i = 1; i < times.length; i += 1) gap = Math.max(gap, times[i] - times[i - 1]);
  const updates = times.length - 2;
  const seconds = (end.at - request.at) / 1000;
  return { updates, perSecond: updates / seconds, longestGapMs: gap, jobMs: end.at - request.at };
}

/** Main-thread long tasks that overlap [from, to]. */
const longTasksIn = (tasks, from, to) => tasks.filter((t) => t.start < to && t.start + t.duration > from);

/** Drop → findings on screen, median of several fresh pages. */
async function smallFile(context, file) {
  const runs = [];
  for (let i = 0; i < SMALL_ROUNDS; i += 1) {
    const { page } = await openApp(context);
    await page.getByLabel('Choose files').setInputFiles(file.path);
    await page.waitForFunction(() => window.__bench.seen.summary);
    const s = await state(page);
    const sent = s.messages.find((m) => m.dir === 'out' && m.kind === 'check');
    const reply = s.messages.find((m) => m.kind === 'checked');
    runs.push({
      ms: s.seen.summary[0].shown - s.marks.drop,
      // Where the time goes: until the request leaves, in the worker, until the summary is in the DOM.
      requestMs: sent.at - s.marks.drop,
      workerMs: reply.at - sent.at,
      renderMs: s.seen.summary[0].dom - reply.at,
    });
    await page.close();
  }
  return { runs, ms: median(runs.map((r) => r.ms)) };
}

/** The whole flow: drop, check, map, review, package, build; with memory and profiles on request. */
async function flow(context, file, { memory = false, profile = false } = {}) {
  const { page, tools } = await openApp(context, { tools: memory || profile });
  let crashed = false;
  page.on('crash', () => {
    crashed = true;
  });
  const probe = memory ? await memoryProbe(tools) : null;
  const cpu = profile ? await profiler(tools) : null;
  // About 2 MB/s at the least, for check and build together.
  const timeout = Math.max(120_000, mb(file.bytes) * 500);
  // The page's own messages when something went wrong.
  const trouble = '[data-testid=banner], [data-testid=file-error], [data-testid=pack-error]';
  const failed = async () => new Error(`the app said: ${(await page.locator(trouble).first().textContent()).trim()}`);
  const result = { rows: file.rows, bytes: file.bytes };
  try {
    if (cpu) await cpu.start();
    await page.getByLabel('Choose files').setInputFiles(file.path);
    await page.waitForFunction((selector) => window.__bench.seen.summary || document.querySelector(selector), trouble, { timeout, polling: 100 });
    if (!(await state(page)).seen.summary) throw await failed();
    if (cpu) result.checkProfile = await cpu.stop(`profile-check-${file.rows}`);
    await page.getByTestId('to-map').click();
    await page.getByTestId('to-review').click();
    await page.getByTestId('to-package').click();
    if (cpu) await cpu.start();
    await page.getByTestId('build').click();
    await page.waitForFunction((selector) => window.__bench.seen.packed || document.querySelector(selector), trouble, { timeout, polling: 100 });
    if (cpu) result.packProfile = await cpu.stop(`profile-pack-${file.rows}`);
    await sleep(200);
    const s = await state(page);
    if (!s.seen.packed) throw await failed();
    const checked = s.seen.summary[0].shown;
    const packed = s.seen.packed[0].shown;
    Object.assign(result, {
      checkMs: checked - s.marks.drop,
      packMs: packed - s.marks.build,
      endToEndMs: checked - s.marks.drop + (packed - s.marks.build),
      checkProgress: progressOf(s.messages, 'check'),
      packProgress: progressOf(s.messages, 'pack'),
      longTasks: [...longTasksIn(s.longtasks, s.marks.drop, checked), ...longTasksIn(s.longtasks, s.marks.build, packed)],
      allLongTasks: s.longtasks,
      // The moments of the flow (page clock), to place long tasks and gaps.
      marks: { ...s.marks, checkedShown: checked, packedShown: packed, packedReply: s.messages.find((m) => m.kind === 'packed')?.at },
      packSummary: await page.getByTestId('pack-summary').textContent(),
      completed: true,
    });
  } catch (error) {
    result.completed = false;
    result.error = crashed ? 'the tab crashed' : String(error.message ?? error);
  }
  if (probe) result.memory = await probe.stop().catch(() => null);
  result.crashed = crashed;
  await page.close().catch(() => {});
  return result;
}

/**
 * The review grid on a large file: how soon its first rows show once the check has ended and
 * the review is opened, how soon the last row shows after Ctrl+End (the worker finds where rows
 * start, once), and the page's long tasks while the keys scroll and a cell is edited.
 */
async function grid(context, file) {
  const { page } = await openApp(context);
  const timeout = Math.max(120_000, mb(file.bytes) * 500);
  const result = { rows: file.rows, bytes: file.bytes };
  try {
    await page.getByLabel('Choose files').setInputFiles(file.path);
    await page.waitForFunction(() => window.__bench.seen.summary, null, { timeout, polling: 100 });
    await page.getByTestId('to-map').click();
    const opened = await page.evaluate(() => performance.now());
    await page.getByTestId('to-review').click();
    await page.locator('[data-testid=grid-row]').first().waitFor({ timeout });
    const firstShown = await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done(performance.now()))));
    const cell = page.getByRole('grid').locator('[role="gridcell"][tabindex="0"]');
    await cell.focus();
    const from = await page.evaluate(() => performance.now());
    await page.keyboard.press('Control+End');
    await page.locator(`[data-testid=grid-row][data-row="${file.rows + 1}"]`).waitFor({ timeout });
    const lastShown = await page.evaluate(() => performance.now());
    // Scrolling by keys: a page up at a time, then row by row.
    for (let step = 0; step < 30; step += 1) await page.keyboard.press('PageUp');
    for (let step = 0; step < 30; step += 1) await page.keyboard.press('ArrowUp');
    await page.getByTestId('grid-jump').fill(String(Math.floor(file.rows / 2)));
    await page.getByTestId('grid-jump').press('Enter');
    await page.locator(`[data-testid=grid-row][data-row="${Math.floor(file.rows / 2)}"]`).waitFor({ timeout });
    const scrolled = await page.evaluate(() => performance.now());
    Object.assign(result, { firstRowsMs: firstShown - opened, lastRowMs: lastShown - from });
    let s = await state(page);
    result.longTasksScrolling = longTasksIn(s.longtasks, from, scrolled);
    // An edit: the focused cell edited by keys, then the whole file checked again.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.getByTestId('grid-editor').waitFor({ timeout: 10_000 });
    await page.keyboard.type('Edited');
    await page.keyboard.press('Enter');
    await page.getByTestId('checking-again').filter({ hasText: /./ }).waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=checking-again]')?.textContent === '', null, { timeout, polling: 50 });
    const edited = await page.evaluate(() => performance.now());
    s = await state(page);
    Object.assign(result, {
      longTasksEditing: longTasksIn(s.longtasks, scrolled, edited),
      recheckMs: edited - scrolled,
      completed: true,
    });
  } catch (error) {
    result.completed = false;
    result.error = String(error.message ?? error);
  }
  await page.close().catch(() => {});
  return result;
}

/** Cancel mid-check: from the click to the page showing the check was cancelled. */
async function cancel(context, file) {
  const { page } = await openApp(context);
  await page.getByLabel('Choose files').setInputFiles(file.path);
  await page.waitForFunction(() => window.__bench.messages.some((m) => m.kind === 'progress' && m.done > m.total / 4), null, { polling: 20 });
  await page.locator('.file-status button', { hasText: 'Cancel' }).click();
  await page.waitForFunction(() => window.__bench.seen.error, null, { timeout: 60_000 });
  const s = await state(page);
  const reply = s.messages.find((m) => m.kind === 'cancelled');
  await page.close();
  return {
    ms: s.seen.error[0].shown - s.marks.cancel,
    workerMs: reply ? reply.at - s.marks.cancel : null,
    doneAtCancel: s.messages.filter((m) => m.kind === 'progress' && m.at <= s.marks.cancel).pop()?.done,
  };
}

/** The assets of a first visit, gzipped, and first contentful paint (median of three visits). */
async function startup(browser) {
  const paints = [];
  let assets = null;
  for (let i = 0; i < 3; i += 1) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const bodies = new Map();
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (response.ok()) bodies.set(basename(url.pathname) || 'index.html', await response.body().catch(() => null));
    });
    await page.goto(`${base()}/app/`);
    await page.getByTestId('title').waitFor();
    // The paint's entry is recorded once the frame is shown, which can be after the title is in
    // the page.
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, { timeout: 10_000 }).catch(() => {});
    paints.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
    await sleep(300);
    if (!assets) {
      const gz = (bytes) => gzipSync(bytes, { level: 6 }).length;
      const initial = [...bodies].filter(([name, body]) => body && /\.(js|wasm|css)$/.test(name) && !name.startsWith('leadpack-worker'));
      // The worker's files load after the page is up, off the critical path: counted apart.
      const worker = ['leadpack-worker_loader.js', 'leadpack-worker.js', 'leadpack-worker_bg.wasm'].map((name) => [name, readFileSync(join(config.dist, name))]);
      assets = {
        initial: Object.fromEntries(initial.map(([name, body]) => [name, { bytes: body.length, gzip: gz(body) }])),
        worker: Object.fromEntries(worker.map(([name, body]) => [name, { bytes: body.length, gzip: gz(body) }])),
      };
      const sum = (set) => Object.values(set).reduce((total, a) => total + a.gzip, 0);
      assets.initialGzip = sum(assets.initial);
      assets.workerGzip = sum(assets.worker);
    }
    await context.close();
  }
  return { ...assets, paints, fcpMs: median(paints) };
}

// ---------------------------------------------------------------------------------------------
// The worker alone beside the peers, on the benchmark page.

async function workerAndPeers(context, files, reference) {
  const page = await context.newPage();
  const tools = await devtools(context, page);
  await page.goto(`${base()}/bench/`);
  await page.evaluate(() => window.bench.start());
  const peersWorker = await tools.worker('peers.js');
  const collect = () => peersWorker('HeapProfiler.collectGarbage').catch(() => {});
  const bySize = [];
  let native = null;
  for (const file of files) {
    log(`worker and the peers: ${file.rows.toLocaleString('en')} leads (${mb(file.bytes).toFixed(1)} MB)`);
    await page.locator('#file').setInputFiles(file.path);
    const rounds = file.bytes < 50e6 ? SMALL_ROUNDS : file.bytes < 400e6 ? LARGE_ROUNDS : 1;
    const runs = { ours: [], oursAlone: [], readOnly: [], papaText: [], udsvText: [], papaStep: [], native: [], nativeTwoCores: [] };
    for (let i = 0; i < rounds; i += 1) {
      if (file === reference) {
        runs.native.push(nativeCheck(file, ['--threads', '1']));
        runs.nativeTwoCores.push(nativeCheck(file, ['--threads', '2']));
      }
      runs.ours.push(await page.evaluate(() => window.bench.check()));
      await collect();
      if (file === reference) {
        runs.oursAlone.push(await page.evaluate(() => window.bench.checkAlone()));
        await collect();
      }
      runs.readOnly.push(await page.evaluate(() => window.bench.readOnly()));
      await collect();
      const text = await page.evaluate(() => window.bench.papaText()).catch((e) => ({ ms: NaN, error: String(e.message ?? e) }));
      // A parse that did not read every row (Papa Parse gives up on very long texts) does not count.
      if (!(text.rows > file.rows)) text.ms = NaN;
      runs.papaText.push(text);
      await collect();
      const udsv = await page.evaluate(() => window.bench.udsvText()).catch((e) => ({ ms: NaN, error: String(e.message ?? e) }));
      // uDSV reads well-formed CSV only (every row with the header's fields): a parse that does
      // not return exactly one row per lead is not the same work and does not count. Its time
      // stays in browser.json as parseMs.
      if (Number.isFinite(udsv.ms) && udsv.rows !== file.rows) {
        udsv.parseMs = udsv.ms;
        udsv.ms = NaN;
        udsv.error = `${udsv.rows.toLocaleString('en')} rows for ${file.rows.toLocaleString('en')} leads`;
      }
      runs.udsvText.push(udsv);
      await collect();
      runs.papaStep.push(await page.evaluate(() => window.bench.papaStep()));
      await collect();
    }
    const fastest = (list) => (list.some((r) => Number.isFinite(r.ms)) ? best(list.filter((r) => Number.isFinite(r.ms))) : list[0]);
    const measured = { ...file, runs, ours: fastest(runs.ours), readOnly: fastest(runs.readOnly), papaText: fastest(runs.papaText), udsvText: fastest(runs.udsvText), papaStep: fastest(runs.papaStep) };
    for (const peer of PARSE_PEERS) {
      const failed = runs[peer.key].filter((r) => !Number.isFinite(r.ms));
      if (failed.length) log(`WARNING: ${peer.call} did not count in ${failed.length} of ${rounds} rounds on ${basename(file.path)}: ${failed[0].error ?? 'failed'}`);
    }
    measured.strongest = strongestParse(measured);
    bySize.push(measured);
    if (file === reference) {
      native = {
        rows: file.rows,
        runs: runs.native,
        ms: best(runs.native).ms,
        twoCoresMs: best(runs.nativeTwoCores).ms,
        aloneMs: best(runs.oursAlone).ms,
      };
    }
  }

  log(`DEFLATE beside fflate: the first ${mb(config.deflateBytes)} MB of ${basename(reference.path)}`);
  await page.locator('#file').setInputFiles(reference.path);
  const deflate = { ours: [], fflate: [] };
  for (let i = 0; i < LARGE_ROUNDS; i += 1) {
    deflate.ours.push(await page.evaluate((n) => window.bench.deflate(n), config.deflateBytes));
    deflate.fflate.push(await page.evaluate((n) => window.bench.fflate(n), config.deflateBytes));
    await collect();
  }
  await page.close();
  return { bySize, native, deflate: { rows: reference.rows, runs: deflate, ours: best(deflate.ours), fflate: best(deflate.fflate) } };
}

/** The peers' parses of the whole text, each timed after `file.text()` on the same file. */
const PARSE_PEERS = [
  { key: 'papaText', name: 'Papa Parse', call: 'Papa.parse(text)' },
  { key: 'udsvText', name: 'uDSV', call: 'uDSV stringArrs(text)' },
];

/** The fastest counted parse of a file's text among the peers, or null when none counted. */
function strongestParse(s) {
  const counted = PARSE_PEERS.filter((peer) => Number.isFinite(s[peer.key]?.ms));
  if (!counted.length) return null;
  const peer = counted.reduce((a, b) => (s[b.key].ms < s[a.key].ms ? b : a));
  return { ...peer, ms: s[peer.key].ms };
}

/**
 * The same check natively, `leadpack check --format json [ARGS] FILE` (output discarded), timed
 * from start to exit. Run between the browser's rounds, so both see the same load on the
 * machine. With `--threads 1` it does the work of the worker checking alone, on one core; with
 * `--threads 2`, the work of the app's two workers, on two.
 */
function nativeCheck(file, args) {
  const started = process.hrtime.bigint();
  const run = spawnSync(config.cli, ['check', '--format', 'json', ...args, file.path], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0 && run.status !== 1) throw new Error('leadpack check failed');
  return { ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

// ---------------------------------------------------------------------------------------------
// The table.

function cpuModel() {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
}

function table(results) {
  const rows = [];
  const f = (value, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
  const verdict = (ok) => (ok === null ? '' : ok ? 'pass' : 'fail');
  const add = (measurement, ours, peer, ratio, target, ok) => rows.push(`| ${measurement} | ${ours} | ${peer} | ${ratio} | ${target} | ${verdict(ok)} |`);
  const rate = (bytes, ms) => mb(bytes) / (ms / 1000);
  const size = (file) => `${f(file.rows)} leads, ${mb(file.bytes) < 1 ? f(mb(file.bytes), 2) : f(mb(file.bytes))} MB`;

  const times = (ratio) => (Number.isFinite(ratio) ? `${f(ratio, 2)}×` : 'n/a');
  for (const s of results.bySize ?? []) {
    const ours = rate(s.bytes, s.ours.ms);
    const step = rate(s.bytes, s.papaStep.ms);
    // The headline: the check against the fastest counted parse of the same text in this run.
    const peer = strongestParse(s);
    const text = peer ? rate(s.bytes, peer.ms) : NaN;
    const why = PARSE_PEERS.map((p) => `${p.name}: ${s[p.key]?.error ?? 'failed'}`).join('; ');
    const r1 = ours / text;
    const r2 = ours / step;
    add(`Check in the worker vs the strongest peer's parse of the text (${peer ? peer.name : 'none counted'}), ${size(s)}`, `${f(ours)} MB/s`, peer ? `${f(text)} MB/s (${peer.call})` : `n/a (${why})`, times(r1), '≥ 3× the strongest peer', Number.isFinite(r1) ? r1 >= 3 : null);
    for (const p of PARSE_PEERS) {
      const theirs = rate(s.bytes, s[p.key]?.ms);
      add(`Check in the worker vs ${p.call}, ${size(s)}`, `${f(ours)} MB/s`, Number.isFinite(theirs) ? `${f(theirs)} MB/s` : `n/a (${s[p.key]?.error ?? 'failed'})`, times(ours / theirs), '', null);
    }
    add(`Check in the worker vs Papa Parse step mode, ${size(s)}`, `${f(ours)} MB/s`, `${f(step)} MB/s`, `${f(r2, 2)}×`, '≥ 1.5×', r2 >= 1.5);
    if (s.readOnly) {
      // Not a target: the floor under the check, the worker reading the file with no rule.
      const read = rate(s.bytes, s.readOnly.ms);
      add(`Reading alone in the worker (no rules) vs the strongest peer's parse of the text (${peer ? peer.name : 'none counted'}), ${size(s)}`, `${f(read)} MB/s`, peer ? `${f(text)} MB/s (${peer.call})` : 'n/a', times(read / text), '', null);
    }
  }

  const d = results.deflate;
  if (d) {
  const speed = d.fflate.ms / d.ours.ms;
  const bigger = d.ours.output / d.fflate.output;
  add(`DEFLATE speed, first ${f(mb(d.ours.input))} MB of the ${f(d.rows)}-lead file`, `${f(rate(d.ours.input, d.ours.ms))} MB/s`, `${f(rate(d.fflate.input, d.fflate.ms))} MB/s (fflate, level 6)`, `${f(speed, 2)}×`, '≥ 2×', speed >= 2);
  add('DEFLATE output size, same bytes', `${f(d.ours.output)} B`, `${f(d.fflate.output)} B`, `${f(bigger, 3)}`, '≤ 1.03', bigger <= 1.03);
  }

  const e = results.endToEnd;
  if (e && !e.completed) add(`End to end, drop to all packages ready, ${size(e)}`, `failed: ${e.error}`, '', '', '≤ 4× the strongest peer', false);
  if (results.memory && !results.memory.completed) add(`Peak memory, check and build, ${size(results.memory)}`, `failed: ${results.memory.error}`, '', '', '≤ 1.00', false);
  if (e?.completed) {
    const measured = results.bySize?.find((s) => s.rows === e.rows);
    const peer = measured ? strongestParse(measured) : null;
    const ratio = e.endToEndMs / (peer?.ms ?? NaN);
    add(`End to end, drop to all packages ready, vs the strongest peer's parse of the text (${peer ? peer.name : 'none measured'}), ${size(e)} (check ${f(e.checkMs / 1000, 1)} s + build ${f(e.packMs / 1000, 1)} s)`, `${f(e.endToEndMs / 1000, 1)} s`, peer ? `${f(peer.ms / 1000, 1)} s (${peer.call})` : 'n/a', times(ratio), '≤ 4× the strongest peer', Number.isFinite(ratio) ? ratio <= 4 : null);
  }
  const small = results.small;
  if (small) add(`Small file, drop to findings on screen, ${size(small.file)} (median of ${small.runs.length})`, `${f(small.ms)} ms`, '', '', '< 100 ms', small.ms < 100);

  const m = results.memory;
  if (m?.completed && m.memory) {
    const limit = 1.5 * m.bytes + 64e6;
    const peak = m.memory.total;
    add(`Peak memory, check and build, ${size(m)} (JS heap ${f(mb(m.memory.pageHeap + m.memory.workerHeap))} MB + wasm ${f(mb(m.memory.pageWasm + m.memory.workerWasm))} MB; the page and ${m.memory.workers ?? 1} worker(s))`, `${f(mb(peak))} MB`, `${f(mb(limit))} MB (1.5 × input + 64 MB)`, `${f(peak / limit, 2)}`, '≤ 1.00', peak <= limit);
  }
  const h = results.huge;
  if (h) {
    const limit = 1.5 * h.bytes + 64e6;
    const peak = h.memory?.total;
    add(`1 GB file, ${size(h)}: check and build complete without a crash`, h.completed ? `completed in ${f(h.endToEndMs / 1000)} s` : `failed: ${h.error}`, '', '', 'completes', h.completed);
    if (peak && h.completed) add(`Peak memory, ${size(h)}`, `${f(mb(peak))} MB`, `${f(mb(limit))} MB (1.5 × input + 64 MB)`, `${f(peak / limit, 2)}`, '≤ 1.00', peak <= limit);
  } else {
    add('1 GB file completes without the tab crashing', 'not run (BENCH_HUGE=1)', '', '', 'completes', null);
  }

  if (e?.completed) {
    const tasks = e.longTasks;
    const longest = tasks.reduce((max, t) => Math.max(max, t.duration), 0);
    add(`Main-thread long tasks (> 50 ms) during check and build, ${size(e)}`, `${tasks.length}${tasks.length ? ` (longest ${f(longest)} ms)` : ''}`, '', '', '0', tasks.length === 0);
    for (const [what, p] of [['check', e.checkProgress], ['build', e.packProgress]]) {
      add(`Progress updates during the ${what}, ${size(e)}`, `${f(p.perSecond, 1)} a second, longest gap ${f(p.longestGapMs)} ms`, '', '', '≥ 4 a second (no gap over 250 ms)', p.perSecond >= 4 && p.longestGapMs <= 250);
    }
  }
  const c = results.cancel;
  if (c) add(`Cancel mid-check, click to "cancelled" on screen, ${size(c.file)}`, `${f(c.ms)} ms`, '', '', '≤ 200 ms', c.ms <= 200);

  const st = results.startup;
  if (st) {
  add('Start-up download: the page\'s wasm + JS + CSS, gzipped', `${f(st.initialGzip / 1024)} KB`, '', '', '≤ 200 KB', st.initialGzip <= 200 * 1024);
  add('The worker\'s wasm + JS, gzipped (loaded after first paint)', `${f(st.workerGzip / 1024)} KB`, '', '', '', null);
  add('First contentful paint (served on loopback, median of 3)', `${f(st.fcpMs)} ms`, '', '', '< 1,000 ms', st.fcpMs < 1000);
  }

  const g = results.grid;
  if (g) {
    const gsize = size(g);
    const over = (tasks) => (tasks ?? []).filter((t) => t.duration > 50);
    if (Number.isFinite(g.firstRowsMs)) {
      add(`Review grid: first rows shown after opening the review, ${gsize}`, `${f(g.firstRowsMs)} ms`, '', '', '≤ 1,000 ms', g.firstRowsMs <= 1000);
      add(`Review grid: the last row shown after Ctrl+End (rows located once), ${gsize}`, `${f(g.lastRowMs)} ms`, '', '', '', null);
      add(`Review grid: long tasks (> 50 ms) while scrolling by keys and going to a row, ${gsize}`, `${over(g.longTasksScrolling).length}`, '', '', '0', over(g.longTasksScrolling).length === 0);
    }
    if (g.longTasksEditing) {
      add(`Review grid: long tasks (> 50 ms) while a cell edit is checked again (${f(g.recheckMs)} ms), ${gsize}`, `${over(g.longTasksEditing).length}`, '', '', '0', over(g.longTasksEditing).length === 0);
    }
    if (!g.completed) {
      add(`Review grid, ${gsize}`, `did not complete: ${g.error.split('\n')[0]}`, '', '', '', false);
    }
  }

  const n = results.native;
  if (n) {
    const s = results.bySize.find((x) => x.rows === n.rows);
    // One core each: the worker checking alone (no help from its second worker) beside
    // `--threads 1`, which compares the builds (the target). Two cores each: the app's check
    // (both workers) beside `--threads 2`, which also compares how the work is shared: threads
    // share memory, workers pass messages.
    const alone = n.aloneMs / n.ms;
    add(`Check, wasm in one worker vs native \`leadpack check --threads 1\` (one core each), ${size(s)}`, `${f(rate(s.bytes, n.aloneMs))} MB/s`, `${f(rate(s.bytes, n.ms))} MB/s (native)`, `${f(alone, 2)}× the native time`, '≤ 1.5×', alone <= 1.5);
    const both = s.ours.ms / n.twoCoresMs;
    add(`Check, wasm in both workers (the app's check) vs native \`leadpack check --threads 2\` (two cores each), ${size(s)}`, `${f(rate(s.bytes, s.ours.ms))} MB/s`, `${f(rate(s.bytes, n.twoCoresMs))} MB/s (native)`, `${f(both, 2)}× the native time`, '', null);
  }

  return [
    `Machine: ${cpuModel()}, ${os.cpus().length} cores, ${f(os.totalmem() / 2 ** 30)} GB; ${results.browser}, headless; Node ${process.version}.`,
    `Inputs: files from \`leadpack generate --seed 42\` (5% defects). Throughput is the best of ${SMALL_ROUNDS} runs (${LARGE_ROUNDS} above 50 MB, 1 above 400 MB); ratios compare figures of the same run.`,
    `The strongest peer is the faster of ${PARSE_PEERS.map((p) => p.call).join(' and ')} on the same file in this run; a parse that does not return one row per lead does not count.`,
    '',
    '| measurement | ours | peer | ratio | target | result |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function writeTable(file, text) {
  const start = '<!-- bench:browser:start -->';
  const end = '<!-- bench:browser:end -->';
  const path = resolve(ROOT, file);
  let doc = readFileSync(path, 'utf8');
  const block = `${start}\n${text}\n${end}`;
  if (doc.includes(start) && doc.includes(end)) {
    doc = doc.slice(0, doc.indexOf(start)) + block + doc.slice(doc.indexOf(end) + end.length);
  } else {
    doc = `${doc.trimEnd()}\n\n## In the browser\n\n${block}\n`;
  }
  writeFileSync(path, doc);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  for (const needed of [join(config.dist, 'index.html'), config.cli]) {
    if (!existsSync(needed)) throw new Error(`${needed} is missing: build the app (trunk build --release) and the CLI first`);
  }
  // Every peer is measured in every run: one that is not installed stops the benchmark.
  for (const [, path] of ROUTES.filter(([prefix]) => prefix.startsWith('/bench/vendor/'))) {
    if (!existsSync(path)) throw new Error(`${path} is missing: install the npm packages (scripts/setup)`);
  }
  // The peers belong to the benchmark alone: the shipped app must never carry them.
  for (const name of readdirSync(config.dist)) {
    const path = join(config.dist, name);
    if (statSync(path).isFile() && /papaparse|udsv|fflate/i.test(readFileSync(path, 'latin1'))) {
      throw new Error(`${path} contains a benchmark peer (Papa Parse, uDSV or fflate); it must not ship`);
    }
  }
  const files = config.rows.map(generated);
  const largest = files.at(-1);
  const reference = files.find((f) => f.rows === 1_000_000) ?? largest;
  const huge = config.huge ? generated(HUGE_ROWS) : null;

  const server = await serve();
  const browser = await chromium.launch({ executablePath: config.chromium, args: e2e.use.launchOptions.args });
  const results = { browser: `Chromium ${browser.version()}`, date: new Date().toISOString() };
  try {
    if (wanted('startup')) {
      log('start-up');
      results.startup = await startup(browser);
    }
    const context = await browser.newContext({ serviceWorkers: 'block' });
    if (wanted('peers')) Object.assign(results, await workerAndPeers(context, files, reference));
    if (wanted('small')) {
      log('the app: small file');
      results.small = { file: files[0], ...(await smallFile(context, files[0])) };
    }
    if (wanted('flow')) {
      log(`the app: the whole flow on ${basename(reference.path)}`);
      results.endToEnd = await flow(context, reference);
    }
    if (wanted('memory')) {
      log('the app: memory');
      results.memory = await flow(context, reference, { memory: true });
    }
    if (wanted('grid')) {
      log(`the app: the review grid on ${basename(reference.path)}`);
      results.grid = await grid(context, reference);
    }
    if (wanted('cancel')) {
      log('the app: cancel');
      results.cancel = { file: reference, ...(await cancel(context, reference)) };
    }
    if (config.profile) {
      log(`the app: CPU profiles on ${basename(largest.path)}`);
      results.profile = await flow(context, largest, { profile: true });
    }
    await context.close();
    if (huge) {
      log(`the app: ${basename(huge.path)}`);
      const hugeContext = await browser.newContext({ serviceWorkers: 'block' });
      results.huge = await flow(hugeContext, huge, { memory: true });
      await hugeContext.close();
    }
  } finally {
    await browser.close();
    server.close();
  }

  writeFileSync(join(config.data, 'browser.json'), JSON.stringify(results, null, 2));
  const text = table(results);
  console.log(text);
  if (results.profile) {
    for (const which of ['checkProfile', 'packProfile']) {
      for (const p of results.profile[which] ?? []) {
        console.log(`\n${which}, ${p.role} (${p.file}, ${(p.ms / 1000).toFixed(1)} s), self time:`);
        console.log('  by module:');
        for (const t of p.areas) console.log(`  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}`);
        console.log('  by function:');
        for (const t of p.top) console.log(`  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}`);
      }
    }
  }
  if (writeTo && !config.only) writeTable(writeTo, text);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
