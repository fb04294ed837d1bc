// The peers of the benchmark, in a dedicated worker like Leadpack's own: Papa Parse 5 and uDSV
// (parse only, no checks) and fflate. Loaded from node_modules by the benchmark's server, never
// shipped.
'use strict';
importScripts('vendor/papaparse.min.js', 'vendor/uDSV.iife.min.js', 'vendor/fflate.js');

async function run(request) {
  const { op, file } = request;
  if (op === 'papa-text') {
    const started = performance.now();
    const text = await file.text();
    const read = performance.now();
    const result = Papa.parse(text);
    const parsed = performance.now();
    const first = result.errors[0];
    return { readMs: read - started, ms: parsed - read, rows: result.data.length, errors: result.errors.length, error: first && `${first.code}: ${first.message}` };
  }
  if (op === 'udsv-text') {
    // uDSV's own way to parse a whole text, every value as a string (as Papa.parse gives them):
    // the schema (delimiters, header) guessed from the text, a parser made for it, string tuples.
    const started = performance.now();
    const text = await file.text();
    const read = performance.now();
    const schema = uDSV.inferSchema(text);
    const parser = uDSV.initParser(schema);
    const rows = parser.stringArrs(text);
    const parsed = performance.now();
    return { readMs: read - started, ms: parsed - read, rows: rows.length, columns: schema.cols.length };
  }
  if (op === 'papa-step') {
    const started = performance.now();
    let rows = 0;
    await new Promise((resolve, reject) => {
      Papa.parse(file, {
        step() {
          rows += 1;
        },
        complete: resolve,
        error: reject,
      });
    });
    return { ms: performance.now() - started, rows };
  }
  if (op === 'fflate') {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const started = performance.now();
    const output = fflate.deflateSync(bytes, { level: request.level });
    return { ms: performance.now() - started, input: bytes.length, output: output.length };
  }
  throw new Error(`unknown operation ${op}`);
}

self.onmessage = async (event) => {
  try {
    postMessage({ kind: 'done', ...(await run(event.data)) });
  } catch (error) {
    postMessage({ kind: 'error', message: `${event.data.op}: ${error && error.message ? error.message : error}` });
  }
};
postMessage({ kind: 'ready' });
