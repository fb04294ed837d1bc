// Trunk post-build hook for the built app:
// 1. adds a Content-Security-Policy to index.html. Trunk writes the app's start-up script inline,
//    so the policy allows exactly that script by its SHA-256 hash and nothing else: every script,
//    style, image, worker and connection comes from the app's own origin;
// 2. writes sw.js, the service worker that keeps the app's own files for use without a network.
//    Its cache is named after a hash of every file, so a new version replaces the old one.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('build hook: TRUNK_STAGING_DIR is not set; run this through trunk build');
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
  console.error('build hook: index.html has no <meta charset="utf-8"> to put the policy after');
  process.exit(1);
}
writeFileSync(file, html);

const files = readdirSync(dir)
  .filter((name) => name !== 'sw.js' && !name.startsWith('.'))
  .sort();
const version = createHash('sha256');
for (const name of files) version.update(name).update(readFileSync(join(dir, name)));
const cache = `leadpack-${version.digest('hex').slice(0, 16)}`;
const worker = `// Keeps Leadpack's own files so it works without a network. Written by the build.
const CACHE = ${JSON.stringify(cache)};
const FILES = ${JSON.stringify(['./', ...files.map((name) => `./${name}`)])};

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith('leadpack-') && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

// The app's own files come from the cache first; nothing else is ever fetched by the app.
self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  event.respondWith(caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || fetch(event.request)));
});
`;
writeFileSync(join(dir, 'sw.js'), worker);
console.log(`build hook: policy set with ${hashes.length} script hash(es); sw.js caches ${files.length + 1} files as ${cache}`);
