// Diagnostic hook for POSIX-proxy programs: node --require ./diag-hook.js out/bench_posix.js ...
// On the main (runtime) thread it replaces the WebSocket the bridge uses with a timed one (pre/
// posix.js then keeps it) and, at exit, prints where each socket call's time went, as the main
// thread sees it:
//   wire    = ws.send(request) .. reply message arrives   (node ws client + network + proxy)
//   handler = time spent in the onmessage handler          (wasm callback: malloc, memdup, wake)
//   gap     = reply handled .. next request's ws.send      (worker wakes, returns, makes the
//             next call, proxies emscripten_websocket_send_binary to the main thread)
// Only for calls made strictly one after another (the round-trip phase).
'use strict';
const { isMainThread } = require('worker_threads');
if (isMainThread && typeof globalThis.WebSocket === 'undefined') {
  const WS = require('ws');
  const sent = new Map();
  const wire = [], handler = [], gap = [];
  let lastDone = 0;
  globalThis.WebSocket = class TimedWebSocket extends WS {
    constructor(...a) {
      super(...a);
      this.on('error', () => {});
    }
    send(data, ...rest) {
      const t = performance.now();
      const b = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer || data, data.byteOffset || 0, data.byteLength);
      if (b.length >= 4) sent.set(b.readInt32LE(0), t);
      if (lastDone && sent.size === 1) gap.push((t - lastDone) * 1000);
      return super.send(data, ...rest);
    }
    set onmessage(fn) {
      super.onmessage = (e) => {
        const t = performance.now();
        const id = Buffer.from(e.data).readInt32LE(0);
        const s = sent.get(id);
        sent.delete(id);
        fn(e);
        const d = performance.now();
        if (s !== undefined && sent.size === 0) { wire.push((t - s) * 1000); handler.push((d - t) * 1000); lastDone = d; }
        else lastDone = 0;
      };
    }
    get onmessage() { return super.onmessage; }
  };
  process.on('exit', () => {
    const p = (v, q) => { v.sort((x, y) => x - y); return v.length ? v[Math.min(v.length - 1, Math.ceil(q / 100 * v.length) - 1)].toFixed(0) : '-'; };
    console.log(`DIAG calls=${wire.length} wire_p50_us=${p(wire, 50)} handler_p50_us=${p(handler, 50)} ` +
      `gap_p50_us=${p(gap, 50)} (wire p99 ${p(wire, 99)}, gap p99 ${p(gap, 99)})`);
  });
}
