// The benchmark page (never part of the app). It runs, each in its own dedicated worker:
// - Leadpack's own worker, loaded from the app's folder, spoken to with the app's protocol
//   (src/protocol.rs): a check from the File to the complete report, and the reading and
//   compressor diagnostics;
// - the peers (peers.js): Papa Parse, uDSV and fflate.
// The Node side (browser.mjs) chooses the file in the input above and calls window.bench.
'use strict';

const APP = '../app/';

/**
 * A message as `{ kind, ...body }`: the peers' worker writes that form; Leadpack's worker names
 * each reply by its variant instead (`"ready"`, `{ checked: { … } }`, src/protocol.rs).
 */
function flat(data) {
  if (typeof data === 'string') return { kind: data };
  if (!data || data.kind) return data;
  const kind = Object.keys(data).find((key) => key !== 'blobs');
  return { kind, ...data[kind] };
}

/** A worker that answers one request at a time, with the reply whose kind is wanted. */
function start(url, ready) {
  const worker = new Worker(url);
  let waiting = null;
  const started = new Promise((resolve, reject) => {
    worker.addEventListener('error', (event) => reject(new Error(`${url}: ${event.message}`)));
    worker.addEventListener('message', function first(event) {
      if (flat(event.data)?.kind === ready) {
        worker.removeEventListener('message', first);
        resolve();
      }
    });
  });
  worker.addEventListener('message', (event) => {
    const data = flat(event.data);
    if (!waiting || !data || data.kind === 'ready' || data.kind === 'progress') return;
    const { resolve, reject } = waiting;
    waiting = null;
    if (data.kind === 'failed' || data.kind === 'error') reject(new Error(data.message));
    else resolve(data);
  });
  return {
    started,
    ask(message) {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        worker.postMessage(message);
      });
    },
  };
}

let ours = null;
let peers = null;
let job = 0;

function chosen() {
  const file = document.getElementById('file').files[0];
  if (!file) throw new Error('no file chosen');
  return file;
}

window.bench = {
  /** Starts both workers and waits until each is ready. */
  async start() {
    ours = start(`${APP}leadpack-worker_loader.js`, 'ready');
    peers = start('peers.js', 'ready');
    await Promise.all([ours.started, peers.started]);
  },

  /** Leadpack's check in its worker, from the File to the complete report (the Checked reply). */
  async check() {
    const file = chosen();
    job += 1;
    const started = performance.now();
    const reply = await ours.ask({ kind: 'check', job, file_id: 1, settings: {}, template: null, file });
    const ms = performance.now() - started;
    return { ms, bytes: file.size, records: reply.checked.report.summary.records, findings: reply.checked.findings };
  },

  /**
   * The same check in Leadpack's worker alone, without its second worker's help (the
   * `check-alone` diagnostic): the work of one core, beside the native check on one thread.
   */
  async checkAlone() {
    const file = chosen();
    job += 1;
    const started = performance.now();
    const reply = await ours.ask({ kind: 'check-alone', job, file });
    const ms = performance.now() - started;
    return { ms, bytes: file.size, records: reply.checked.report.summary.records };
  },

  /**
   * Leadpack's reading alone in its worker (slices, UTF-8 decoding, records split at commas, no
   * rule): the floor under a check's time.
   */
  async readOnly() {
    const file = chosen();
    job += 1;
    const started = performance.now();
    const reply = await ours.ask({ kind: 'read-only', job, file });
    return { ms: performance.now() - started, bytes: file.size, records: reply.records };
  },

  /** Leadpack's compressor (the packages' DEFLATE) on the first `bytes` of the chosen file. */
  async deflate(bytes) {
    const file = new File([chosen().slice(0, bytes)], 'slice.csv');
    job += 1;
    const reply = await ours.ask({ kind: 'deflate', job, file });
    return { ms: reply.millis, input: reply.input, output: reply.output };
  },

  /** fflate's deflateSync at level 6 on the same bytes. */
  fflate(bytes) {
    return peers.ask({ op: 'fflate', file: new File([chosen().slice(0, bytes)], 'slice.csv'), level: 6 });
  },

  /** Papa.parse(text) after file.text(): both times, apart. */
  papaText() {
    return peers.ask({ op: 'papa-text', file: chosen() });
  },

  /** uDSV's inferSchema, initParser and stringArrs on the text after file.text(): both times, apart. */
  udsvText() {
    return peers.ask({ op: 'udsv-text', file: chosen() });
  },

  /** Papa Parse streaming the File with a step callback. */
  papaStep() {
    return peers.ask({ op: 'papa-step', file: chosen() });
  },
};
