// Watching the page and its worker from a test: every message between them is logged (kind, job
// and, for progress, stage only), so a test can wait until the worker has really ended a job, whatever the page shows.
import { expect } from './guard.mjs';

/** Logs the messages between the page and its worker in `window.__jobs`; call before `goto`. */
export async function recordJobs(page) {
  await page.addInitScript(() => {
    const log = [];
    window.__jobs = log;
    const Base = window.Worker;
    window.Worker = class extends Base {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (event) => {
          // A reply is named by its variant: "ready", or { progress: { job, … } } (src/protocol.rs).
          const data = event.data;
          const kind = typeof data === 'string' ? data : Object.keys(data ?? {}).find((key) => key !== 'blobs');
          const body = (typeof data === 'object' && data?.[kind]) || {};
          log.push({ from: 'worker', kind, job: body.job, stage: body.stage });
        });
      }

      postMessage(message, ...rest) {
        log.push({ from: 'page', kind: message?.kind, job: message?.job });
        return super.postMessage(message, ...rest);
      }
    };
  });
}

/** The job of the last request of this kind (`check`, `pack`) the page sent. */
export async function lastRequest(page, kind) {
  const jobs = await page.evaluate((wanted) => window.__jobs.filter((m) => m.from === 'page' && m.kind === wanted).map((m) => m.job), kind);
  expect(jobs.length, `the page sent no ${kind} request`).toBeGreaterThan(0);
  return jobs.at(-1);
}

/** Waits until the worker has answered `job` for good; returns how (`packed`, `cancelled`, …). */
export async function ended(page, job, timeout = 60_000) {
  let answer;
  await expect
    .poll(
      async () => {
        answer = await page.evaluate(
          (wanted) => window.__jobs.find((m) => m.from === 'worker' && m.job === wanted && m.kind !== 'progress')?.kind,
          job,
        );
        return answer !== undefined;
      },
      { timeout, message: `the worker never ended job ${job}` },
    )
    .toBe(true);
  return answer;
}

/** The text of the progress bar shown now, if any (does not wait). */
export function progressText(page) {
  return page.evaluate(() => document.querySelector('[data-testid="progress"] span')?.textContent ?? null);
}

/** Watches the progress bar until `done()` holds; returns the distinct percentages shown. */
export async function watchProgress(page, done, timeout) {
  const seen = new Set();
  const until = Date.now() + timeout;
  while (!(await done())) {
    const text = await progressText(page);
    const percent = text?.match(/(\d+)%/);
    if (percent) seen.add(Number(percent[1]));
    if (Date.now() > until) throw new Error(`still working after ${timeout} ms; progress seen: ${[...seen]}`);
    await page.waitForTimeout(50);
  }
  return [...seen].sort((a, b) => a - b);
}
