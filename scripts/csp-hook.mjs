// Trunk post-build hook: adds a Content-Security-Policy to the built index.html. Trunk writes the
// app's start-up script inline, so the policy allows exactly that script by its SHA-256 hash and
// nothing else: every script, style, image, worker and connection comes from the app's own origin.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('csp-hook: TRUNK_STAGING_DIR is not set; run this through trunk build');
  process.exit(1);
}
const file = join(dir, 'index.html');
let html = readFileSync(file, 'utf8');
const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
  ([, body]) => `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`,
);
const policy = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');
const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/g, '');
html = html.replace(/(<meta charset="utf-8">)/i, `$1\n    ${meta}`);
if (!html.includes(meta)) {
  console.error('csp-hook: index.html has no <meta charset="utf-8"> to put the policy after');
  process.exit(1);
}
writeFileSync(file, html);
console.log(`csp-hook: policy set with ${hashes.length} script hash(es)`);
