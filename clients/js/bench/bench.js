// The page side of the browser benchmark: the same echo workloads through a raw browser WebSocket
// on the proxy's websockify bridge, through the Sockbridge client over WebSocket, and through the
// client over WebTransport. The driver (run.mjs) calls window.sbBench.run(...) and gets JSON back.
//
// bulk: `total` bytes in `chunk`-byte writes through a native TCP echo server, at most `window`
//       bytes sent and not yet echoed (the same pacing for every row), MiB/s of payload one way
// rtt:  `count` sequential round trips of `size` bytes after `warmup` ones; p50/p99 in ms

import { connect } from '../src/sockbridge.js';

const log = (s) => { document.getElementById('log').textContent += `${s}\n`; };
/** Where the current measurement is, for the driver to read when one does not finish. */
let stage = 'idle';

/** `p`, or a rejection naming the stage after `ms`. */
function bounded(p, ms, what) {
  let timer;
  return Promise.race([p, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing in ${ms} ms (at ${stage})`)), ms);
  })]).finally(() => clearTimeout(timer));
}

function pattern(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// ------------------------------------------------------------------ the three ways to an echo server

/** A raw WebSocket on the websockify bridge (subprotocol 'binary'): one TCP connection to the echo server. */
async function rawWebSocket(bridgeUrl) {
  const ws = new WebSocket(bridgeUrl, ['binary']);
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot open ${bridgeUrl}`));
  });
  let ondata = null;
  ws.onmessage = (ev) => ondata?.(ev.data.byteLength);
  return {
    write: (b) => ws.send(b),
    onData: (fn) => { ondata = fn; },
    close: async () => ws.close(),
    info: {},
  };
}

/** A TCP socket through the Sockbridge client (over WebSocket or WebTransport). */
async function clientSocket(url, options, echo, socketOptions = {}) {
  const session = await connect(url, options);
  const [host, port] = echo.split(':');
  const sock = await session.connect(host, Number(port), { noDelay: true, ...socketOptions });
  let ondata = null;
  let stopped = false;
  (async () => {
    try {
      for await (const chunk of sock) {
        if (stopped) break;
        ondata?.(chunk.length);
      }
    } catch (e) {
      if (!stopped) log(`read failed: ${e.message}`);
    }
  })();
  return {
    write: (b) => { sock.write(b).catch((e) => { if (!stopped) log(`write failed: ${e.message}`); }); },
    onData: (fn) => { ondata = fn; },
    close: async () => { stopped = true; await sock.close().catch(() => {}); await session.close(); },
    info: { transport: session.transportKind, features: session.transport.features ?? null },
  };
}

async function open(row, cfg) {
  if (row === 'raw-ws') return rawWebSocket(cfg.bridgeUrl);
  // cfg.socket: options for session.connect (e.g. {window}) to try other settings than the defaults
  if (row === 'client-ws') return clientSocket(cfg.wsUrl, {}, cfg.echo, cfg.socket);
  if (row === 'client-wt') {
    const info = await (await fetch('/webtransport.json', { cache: 'no-store' })).json();
    return clientSocket(info.url, { certificateHashes: info.certificateHashes }, cfg.echo, cfg.socket);
  }
  throw new Error(`unknown row ${row}`);
}

// ------------------------------------------------------------------ workloads

async function bulk(conn, { total = 32 << 20, chunk = 64 << 10, window = 4 << 20 }) {
  const data = pattern(chunk);
  let sent = 0;
  let received = 0;
  let chunks = 0;
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bulk: ${received} of ${total} bytes echoed in 120 s`)), 120000);
    const pump = () => {
      while (sent < total && sent - received + chunk <= window) {
        const n = Math.min(chunk, total - sent);
        conn.write(n === chunk ? data : data.subarray(0, n));
        sent += n;
      }
    };
    conn.onData((n) => {
      received += n;
      chunks++;
      if (received >= total) {
        clearTimeout(timer);
        resolve();
      } else {
        pump();
      }
    });
    pump();
  });
  const seconds = (performance.now() - t0) / 1000;
  return { mibPerSecond: total / (1 << 20) / seconds, seconds, chunks };
}

async function rtt(conn, { size = 64, count = 300, warmup = 30 }) {
  const data = pattern(size);
  let got = 0;
  let wake = null;
  conn.onData((n) => {
    got += n;
    if (got >= size && wake) { const w = wake; wake = null; w(); }
  });
  const samples = [];
  for (let i = 0; i < warmup + count; i++) {
    const t0 = performance.now();
    const echoed = new Promise((r) => { wake = r; });
    stage = `round trip ${i}, ${got} bytes back`;
    conn.write(data);
    if (got < size) await bounded(echoed, 10000, 'rtt');
    got -= size;
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), count };
}

window.sbBench = {
  /**
   * One measurement on a fresh connection.
   * @param {{row: 'raw-ws'|'client-ws'|'client-wt', workload: 'bulk'|'rtt', bridgeUrl: string,
   *          wsUrl: string, echo: string, total?: number, chunk?: number, window?: number}} cfg
   */
  async run(cfg) {
    stage = `opening ${cfg.row}`;
    const conn = await bounded(open(cfg.row, cfg), 20000, `open ${cfg.row}`);
    stage = `${cfg.row} ${cfg.workload}`;
    try {
      const r = cfg.workload === 'bulk' ? await bulk(conn, cfg) : await rtt(conn, cfg);
      log(`${cfg.row} ${cfg.workload} ${JSON.stringify(r)}`);
      return { ...r, ...conn.info };
    } finally {
      stage = `closing ${cfg.row}`;
      await bounded(conn.close(), 10000, `close ${cfg.row}`).catch((e) => log(e.message));
      stage = 'idle';
    }
  },
  stage: () => stage,
  hasWebTransport: () => typeof WebTransport === 'function',
  userAgent: () => navigator.userAgent,
};
window.sbBenchReady = true;
