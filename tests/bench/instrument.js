// Injected into the app's page by the benchmark (before the app's own scripts) to observe it
// from outside, without any code path of its own in the app:
// - every message between the page and its worker (kind, job, progress), with its time;
// - main-thread long tasks (PerformanceObserver 'longtask');
// - when the user's actions happen (choosing a file, Build, Cancel);
// - when results reach the screen: the first frame after the file summary, the pack summary
//   or the file's error message appear.
(() => {
  const log = { messages: [], longtasks: [], marks: {}, seen: {} };
  window.__bench = log;
  const now = () => performance.now();

  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        // A reply is named by its variant: "ready", or { progress: { job, … } } (src/protocol.rs).
        const data = event.data;
        const kind = typeof data === 'string' ? data : data && Object.keys(data).find((key) => key !== 'blobs');
        const d = (typeof data === 'object' && data && data[kind]) || {};
        if (kind) log.messages.push({ at: now(), dir: 'in', kind, job: d.job, done: d.done, total: d.total });
      });
    }
    postMessage(message, ...rest) {
      if (message && message.kind) log.messages.push({ at: now(), dir: 'out', kind: message.kind, job: message.job });
      return super.postMessage(message, ...rest);
    }
  };

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) log.longtasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });

  document.addEventListener('change', (event) => {
    if (event.target.type === 'file') log.marks.drop = now();
  }, true);
  document.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest('button');
    if (!button) return;
    if (button.dataset.testid === 'build') log.marks.build = now();
    if (button.textContent.trim() === 'Cancel') log.marks.cancel ??= now();
  }, true);

  // The selectors watched, with the count seen so far: a new element is a new result.
  const watched = { summary: '[data-testid=file-summary]', packed: '[data-testid=pack-summary]', error: '[data-testid=file-error]' };
  const counts = { summary: 0, packed: 0, error: 0 };
  const observer = new MutationObserver(() => {
    for (const [name, selector] of Object.entries(watched)) {
      const count = document.querySelectorAll(selector).length;
      if (count > counts[name]) {
        const at = now();
        // On screen: after the next frame has been produced.
        requestAnimationFrame(() => setTimeout(() => {
          (log.seen[name] ??= []).push({ dom: at, shown: now() });
        }, 0));
      }
      counts[name] = count;
    }
  });
  observer.observe(document, { childList: true, subtree: true });
})();
