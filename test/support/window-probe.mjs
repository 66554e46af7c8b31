// What the window's main thread does per pushed message (issue 13): for bench/push-latency.mjs
// --profile and e2e/web/push-render.spec.ts. Installed in the page before it loads:
//   - React's DevTools hook (it works with the production build): counts commits, which components
//     rendered in each (a fiber whose function ran has the PerformedWork flag; a subtree whose
//     child pointer is its previous version's was not visited at all), and which of them are a
//     row of the window (their first DOM node is a chat row, message row or day separator), split
//     into rows mounted and rows rendered again;
//   - the WebSocket: when each frame carrying "bench <n>" arrived (epoch ms, sub-ms);
//   - long tasks (> 50 ms) with their start and length.
// `watchRows()` then watches the message list: when each "bench <n>" row appeared, and how many DOM
// mutations touched a message row or day separator that was already there.

/** The page-side half; runs in the page (addInitScript), so it must not close over anything. */
function pageProbe() {
  const probe = {
    commits: 0,
    renders: {},
    frames: {},
    shown: {},
    longTasks: [],
    oldRowMutations: 0,
    rowsAdded: 0,
    rowMounts: {},
    rowRenders: {},
  };
  window.__probe = probe;
  const PERFORMED_WORK = 1;
  // Function, class, forwardRef, simple memo; a memo with a compare function (14) is counted by its
  // inner function's fiber.
  const COMPONENT_TAGS = new Set([0, 1, 11, 15]);
  const ROW = '[data-testid="chat-item"], [data-testid="message-item"], [data-testid="day-separator"]';
  /** The row a component draws: its first DOM node, when that node is a row itself. */
  const rowOf = (fiber) => {
    let f = fiber.child;
    while (f && f.tag !== 5 && f.tag !== 6) f = f.child;
    const node = f?.stateNode;
    return node?.nodeType === 1 && node.matches(ROW) ? node.dataset.testid : null;
  };
  const nameOf = (fiber) => {
    const type = fiber.type?.type ?? fiber.type?.render ?? fiber.type;
    return type?.displayName ?? type?.name ?? 'anonymous';
  };
  const walk = (fiber) => {
    for (let f = fiber; f; f = f.sibling) {
      const rendered = f.alternate === null || (f.flags & PERFORMED_WORK) !== 0;
      if (COMPONENT_TAGS.has(f.tag) && rendered) {
        const name = nameOf(f);
        probe.renders[name] = (probe.renders[name] ?? 0) + 1;
        const row = rowOf(f);
        const counts = f.alternate === null ? probe.rowMounts : probe.rowRenders;
        if (row) counts[row] = (counts[row] ?? 0) + 1;
      }
      // A subtree React did not visit keeps the previous commit's child fibers.
      if (f.child && !(f.alternate && f.alternate.child === f.child)) walk(f.child);
    }
  };
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject(renderer) {
      this.renderers.set(1, renderer);
      return 1;
    },
    checkDCE() {},
    onScheduleFiberRoot() {},
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    onCommitFiberRoot(_id, root) {
      probe.commits += 1;
      if (root.current.child) walk(root.current.child);
    },
  };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const at = performance.timeOrigin + performance.now();
        for (const m of String(e.data).matchAll(/bench (\d+)/g)) probe.frames[m[1]] ??= at;
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

/** The probe as an init script (for a context, or `openWindow`'s initScripts). */
export const probeScript = `(${pageProbe.toString()})();`;

/** Installs the probe; call before `page.goto`. */
export async function installProbe(page) {
  await page.addInitScript(probeScript);
}

/** Starts watching the open chat's message list (call once it shows). */
export async function watchRows(page) {
  await page.evaluate(() => {
    const probe = window.__probe;
    const list = document.querySelector('[data-testid="message-list"]');
    const ROW = '[data-testid="message-item"], [data-testid="day-separator"]';
    const rowOf = (node) => (node.nodeType === 1 ? node : node.parentElement)?.closest(ROW) ?? null;
    new MutationObserver((records) => {
      const at = performance.timeOrigin + performance.now();
      const added = new Set();
      for (const r of records)
        for (const n of r.addedNodes) if (n.nodeType === 1 && n.matches(ROW)) added.add(n);
      for (const n of added) if (n.matches('[data-testid="message-item"]')) probe.rowsAdded += 1;
      for (const r of records) {
        const row = rowOf(r.target);
        const removedRow = [...r.removedNodes].some((n) => n.nodeType === 1 && n.matches(ROW));
        if (removedRow || (row && !added.has(row))) probe.oldRowMutations += 1;
      }
      for (const row of added) {
        const m = /^bench (\d+)$/.exec(
          row.querySelector('[data-testid="message-content"]')?.textContent?.trim() ?? '',
        );
        if (m) probe.shown[m[1]] ??= at;
      }
    }).observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
  });
}

/** The probe's counters so far (copies). */
export function readProbe(page) {
  return page.evaluate(() => JSON.parse(JSON.stringify({ ...window.__probe, now: performance.now() })));
}

/** Chromium's own main-thread totals (CDP Performance): ms of script, layout, style, and counts. */
export async function threadMetrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  return {
    scriptMs: get('ScriptDuration') * 1000,
    layoutMs: get('LayoutDuration') * 1000,
    styleMs: get('RecalcStyleDuration') * 1000,
    taskMs: get('TaskDuration') * 1000,
    layouts: get('LayoutCount'),
    styles: get('RecalcStyleCount'),
  };
}

/** What happened between two probe readings (and metric readings), per `pushes` when given. */
export function workBetween(before, after, m0, m1, pushes) {
  const per = (x) => x / pushes;
  const renders = {};
  for (const [name, n] of Object.entries(after.renders)) {
    const d = n - (before.renders[name] ?? 0);
    if (d > 0) renders[name] = Number(per(d).toFixed(2));
  }
  const longTasks = after.longTasks.filter((t) => t.start >= before.now && t.start < after.now);
  return {
    commits: per(after.commits - before.commits),
    renders,
    oldRowMutations: per(after.oldRowMutations - before.oldRowMutations),
    longTasks: longTasks.length,
    longTaskMs: longTasks.reduce((s, t) => s + t.ms, 0),
    scriptMs: per(m1.scriptMs - m0.scriptMs),
    layoutMs: per(m1.layoutMs - m0.layoutMs),
    styleMs: per(m1.styleMs - m0.styleMs),
    taskMs: per(m1.taskMs - m0.taskMs),
    layouts: per(m1.layouts - m0.layouts),
    styles: per(m1.styles - m0.styles),
  };
}
