// The command-line tool the browser tests compare the page with, and use to generate big files:
// the debug build (`cargo build -p leadpack-cli --bin leadpack`), in CARGO_TARGET_DIR when that is set.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The folder cargo builds into. */
export const targetDir = resolve(process.env.CARGO_TARGET_DIR ?? 'target');

/** The `leadpack` binary (LEADPACK_CLI overrides it). */
export const cli = process.env.LEADPACK_CLI ?? join(targetDir, 'debug', 'leadpack');

/** Runs `leadpack` with `args`; returns its standard output. */
export function leadpack(args) {
  return execFileSync(cli, args, { encoding: 'utf8' });
}

/**
 * A generated lead file of `rows` leads (`leadpack generate`), kept in the target folder and
 * reused by later runs.
 */
export function generated(rows, seed) {
  const dir = join(targetDir, 'e2e-data');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `leads-${rows}-seed-${seed}.csv`);
  if (!existsSync(file)) {
    const partial = `${file}.partial`;
    leadpack(['generate', '--rows', String(rows), '--seed', String(seed), '--out', partial]);
    renameSync(partial, file);
  }
  return file;
}
