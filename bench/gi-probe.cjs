// Instruments inside a bootstrap process, preloaded by `bench/bootstrap-load.mjs --probe`
// (NODE_OPTIONS=--require): where a `g/i`'s time goes. For each `g/i` datagram in, the wall time
// it was handed to JavaScript and the time its answer was handed to the socket (so the bench can
// split a slow round trip into: waiting to be read, served, and waiting in the asker); every GC
// pause (PerformanceObserver 'gc'); the event loop's delay (monitorEventLoopDelay, 1 ms
// resolution); and every timer or immediate callback that ran longer than 1 ms, by name. Written
// as JSON to $NANCE_GI_PROBE when the process exits. Observation only: it changes no behaviour.
'use strict';
const dgram = require('node:dgram');
const fs = require('node:fs');
const { monitorEventLoopDelay, performance, PerformanceObserver } = require('node:perf_hooks');

const out = process.env.NANCE_GI_PROBE;
const wall = () => performance.timeOrigin + performance.now();
const LONG_CALLBACK_MS = 1;
const MAX_RECORDS = 200_000;

const served = []; // [z, receivedAt, answeredAt] (wall ms)
const waiting = new Map(); // z -> receivedAt
const gcs = []; // [startAt (wall ms), duration ms, kind]
const longCallbacks = []; // [startAt, duration ms, kind, name]

const zOfGetPeers = (msg) => {
  try {
    const o = JSON.parse(Buffer.from(msg.toString('latin1'), 'base64').toString('utf8'));
    return o?.m === 'r' && o.t === 'g' && o.d === 'i' && typeof o.z === 'string' ? o.z : undefined;
  } catch {
    return undefined;
  }
};
const zOfAnswer = (msg) => {
  try {
    const o = JSON.parse(Buffer.from(Buffer.from(msg).toString('latin1'), 'base64').toString('utf8'));
    return o?.m === 'R' && typeof o.z === 'string' ? o.z : undefined;
  } catch {
    return undefined;
  }
};

const emit = dgram.Socket.prototype.emit;
dgram.Socket.prototype.emit = function (event, msg, ...rest) {
  if (event === 'message') {
    const z = zOfGetPeers(msg);
    if (z !== undefined) waiting.set(z, wall());
  }
  return emit.call(this, event, msg, ...rest);
};
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (msg, ...rest) {
  if (waiting.size > 0 && served.length < MAX_RECORDS) {
    const z = zOfAnswer(msg);
    const at = z === undefined ? undefined : waiting.get(z);
    if (at !== undefined) {
      waiting.delete(z);
      served.push([z, at, wall()]);
    }
  }
  return send.call(this, msg, ...rest);
};

// Callbacks of timers and immediates: the ones that hold the loop for more than a millisecond.
for (const name of ['setTimeout', 'setInterval', 'setImmediate']) {
  const original = globalThis[name];
  globalThis[name] = function (fn, ...rest) {
    if (typeof fn !== 'function') return original.call(this, fn, ...rest);
    const label = fn.name || fn.toString().slice(0, 80).replace(/\s+/g, ' ');
    const timed = function (...args) {
      const start = wall();
      try {
        return fn.apply(this, args);
      } finally {
        const ms = wall() - start;
        if (ms > LONG_CALLBACK_MS && longCallbacks.length < MAX_RECORDS)
          longCallbacks.push([start, +ms.toFixed(3), name, label]);
      }
    };
    return original.call(this, timed, ...rest);
  };
}

new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (gcs.length < MAX_RECORDS)
      gcs.push([performance.timeOrigin + e.startTime, +e.duration.toFixed(3), e.detail?.kind ?? e.kind]);
}).observe({ entryTypes: ['gc'] });

const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

// $NANCE_GI_CPU_PROF: a CPU profile of the whole run too (NODE_OPTIONS may not carry --cpu-prof).
const profileFile = process.env.NANCE_GI_CPU_PROF;
let session;
if (profileFile) {
  const inspector = require('node:inspector');
  session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 100 });
  session.post('Profiler.start');
}

process.on('exit', () => {
  // In-process inspector calls answer synchronously, so the profile is written before exit.
  session?.post('Profiler.stop', (err, result) => {
    if (!err) fs.writeFileSync(profileFile, JSON.stringify(result.profile));
  });
  if (!out) return;
  const ms = (ns) => +(ns / 1e6).toFixed(3);
  fs.writeFileSync(
    out,
    JSON.stringify({
      served,
      gcs,
      longCallbacks,
      loopDelay: {
        p50: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max),
      },
    }),
  );
});
