// The demo: echoes bytes over TCP and UDP through a Sockbridge proxy and reports PASS or FAIL.
// In a page it reads ?proxy=ws://...&tcp=host:port&udp=host:port&timeout=ms&transport=... and writes
// to #log and #result; `run()` is exported so Node can drive the same steps (test/proxy.test.js).
//
// Transport: the page fetches /webtransport.json from its origin; when that names a URL and the
// browser has WebTransport, the session goes over WebTransport (else, or if it does not open, over
// WebSocket). `transport=websocket` or `transport=webtransport` forces one (no fallback).

import { connect, connectBest, fetchWebTransportInfo, SockbridgeError, SUBPROTOCOL } from '../src/sockbridge.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Deterministic pseudo-random bytes. */
function pattern(n, seed) {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(chunks, total) {
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return out;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); }),
  ]);
}

/** Reads exactly `n` bytes from a TcpSocket. */
async function readExactly(sock, n) {
  const chunks = [];
  let total = 0;
  while (total < n) {
    const c = await sock.read();
    if (c === null) throw new Error(`end of stream after ${total} of ${n} bytes`);
    chunks.push(c);
    total += c.length;
  }
  return { data: concat(chunks, total), chunks: chunks.length };
}

/** TCP: small and large writes (the large one exceeds the receive window and the frame size). */
async function tcpEcho(session, target, log) {
  const t0 = performance.now();
  const sock = await session.connect(target.host, target.port, { noDelay: true });
  log(`tcp: connected to ${target.host}:${target.port} as fd ${sock.fd} in ${(performance.now() - t0).toFixed(1)} ms${sock.onOwnStream ? ' (on its own WebTransport stream)' : ''}`);
  try {
    const hello = enc.encode('hello, sockbridge');
    await sock.write(hello);
    const back = await readExactly(sock, hello.length);
    if (!equal(back.data, hello)) throw new Error(`tcp: echoed '${dec.decode(back.data)}'`);
    log(`tcp: echoed '${dec.decode(back.data)}'`);

    const big = pattern(3 * 1024 * 1024 + 17, 42);
    const t1 = performance.now();
    const reading = readExactly(sock, big.length);
    const writing = sock.write(big);
    const [echoed, written] = await Promise.all([reading, writing]);
    const ms = performance.now() - t1;
    if (written !== big.length) throw new Error(`tcp: write took ${written} of ${big.length} bytes`);
    if (!equal(echoed.data, big)) throw new Error('tcp: the 3 MiB echo differs');
    log(`tcp: 3 MiB echoed intact in ${echoed.chunks} chunks, ${ms.toFixed(0)} ms (${(big.length / 1048576 / (ms / 1000)).toFixed(1)} MiB/s each way)`);

    // the streams API on the same socket
    const writer = sock.writable.getWriter();
    await writer.write(enc.encode('via '));
    await writer.write(enc.encode('streams'));
    writer.releaseLock();
    const reader = sock.readable.getReader();
    let text = '';
    while (text.length < 'via streams'.length) {
      const { value, done } = await reader.read();
      if (done) throw new Error('tcp: stream ended early');
      text += dec.decode(value);
    }
    reader.releaseLock();
    if (text !== 'via streams') throw new Error(`tcp: streams echoed '${text}'`);
    log(`tcp: streams echoed '${text}'`);
  } finally {
    await sock.close();
  }
}

/** UDP: three datagrams, each answered by one from the echo server's address. */
async function udpEcho(session, target, log) {
  const udp = await session.udp({ bind: '127.0.0.1:0' });
  try {
    const local = await udp.localAddress();
    log(`udp: bound to ${local.host}:${local.port} as fd ${udp.fd}`);
    const sizes = [1, 100, 1400];
    const want = new Map(sizes.map((n, i) => [n, pattern(n, 7 + i)]));
    const got = new Map();
    let onAll;
    let bad = null;
    const all = new Promise((r) => { onAll = r; });
    udp.onMessage((data, from) => {
      const expect = want.get(data.length);
      if (!expect || !equal(data, expect)) bad = `udp: unexpected datagram of ${data.length} bytes`;
      else if (from.port !== target.port) bad = `udp: datagram from ${from.host}:${from.port}`;
      else got.set(data.length, from);
      if (bad || got.size === sizes.length) onAll();
    });
    // UDP may drop: resend what is missing, three tries
    for (let attempt = 1; attempt <= 3 && got.size < sizes.length && !bad; attempt++) {
      for (const n of sizes) if (!got.has(n)) await udp.sendTo(want.get(n), target.host, target.port);
      await Promise.race([all, new Promise((r) => setTimeout(r, 1500))]);
    }
    if (bad) throw new Error(bad);
    if (got.size < sizes.length) throw new Error(`udp: ${got.size} of ${sizes.length} datagrams came back`);
    const from = got.get(1);
    const st = udp.stats;
    const how = session.hasDatagrams ? ` (echoes: ${st.datagramsReceived} as QUIC datagrams, ${st.receivedOnStream} on the stream)` : '';
    log(`udp: ${sizes.length} datagrams (${sizes.join(', ')} bytes) echoed from ${from.host}:${from.port}${how}`);
  } finally {
    await udp.close();
  }
}

/**
 * WebTransport only: UDP sent as fire-and-forget QUIC datagrams (`datagrams: true`), echoes
 * pushed back as QUIC datagrams; a payload too large for one datagram is refused with EMSGSIZE.
 */
async function udpDatagrams(session, target, log) {
  const udp = await session.udp({ bind: '127.0.0.1:0', datagrams: true });
  try {
    const count = 20;
    const payload = (i) => pattern(64 + i * 47, 1000 + i); // 64 .. 957 bytes
    const got = new Set();
    let bad = null;
    let onAll;
    const all = new Promise((r) => { onAll = r; });
    udp.onMessage((data) => {
      const i = (data.length - 64) / 47;
      if (!Number.isInteger(i) || i < 0 || i >= count || !equal(data, payload(i))) bad = `udp datagrams: unexpected echo of ${data.length} bytes`;
      else got.add(i);
      if (bad || got.size === count) onAll();
    });
    for (let attempt = 1; attempt <= 3 && got.size < count && !bad; attempt++) {
      for (let i = 0; i < count; i++) {
        if (got.has(i)) continue;
        await udp.sendTo(payload(i), target.host, target.port);
        await new Promise((r) => setTimeout(r, 2)); // paced: browsers drop bursts of datagrams
      }
      await Promise.race([all, new Promise((r) => setTimeout(r, 1500))]);
    }
    if (bad) throw new Error(bad);
    const st = udp.stats;
    if (got.size < count) throw new Error(`udp datagrams: ${got.size} of ${count} echoed (${st.datagramsSent} sent as datagrams)`);
    if (st.datagramsReceived === 0) throw new Error('udp datagrams: no echo came as a QUIC datagram');
    let refused;
    try {
      await udp.sendTo(pattern(1400, 5), target.host, target.port);
      refused = 'sent';
    } catch (e) {
      if (!(e instanceof SockbridgeError) || e.code !== 'EMSGSIZE') throw e;
      refused = `${e.code} (errno ${e.errno})`;
    }
    if (refused === 'sent') throw new Error('udp datagrams: a 1400-byte datagram was not refused');
    const dropped = await udp.droppedByProxy();
    log(`udp datagrams: ${got.size}/${count} echoed (64..957 bytes; ${st.datagramsSent} sent as QUIC datagrams, echoes: ${st.datagramsReceived} as QUIC datagrams, ${st.receivedOnStream} on the stream); 1400 bytes refused with ${refused}; dropped by the proxy: ${dropped}`);
    const ds = session.datagramStats;
    log(`datagrams: session sent ${ds.sent}, received ${ds.received}, too large ${ds.droppedTooLarge}, malformed ${ds.droppedMalformed}, keep-alives ${ds.keepAlivesSent}; max datagram ${session.maxDatagramSize} bytes`);
  } finally {
    await udp.close();
  }
}

/** `url` with `?token=` set (replacing one it has), or `url` unchanged without a token. */
export function withToken(url, token) {
  if (!token || !url) return url;
  const u = new URL(url);
  u.searchParams.set('token', token);
  return u.href;
}

/**
 * Opens the session the parameters ask for: `transport` 'websocket' or 'webtransport' forces one;
 * otherwise WebTransport when `webTransport` (what /webtransport.json says) has a URL and this
 * runtime has WebTransport, falling back to WebSocket.
 */
async function openSession(params, log, connectOptions) {
  const forced = params.transport && params.transport !== 'auto' ? params.transport : null;
  const wt = params.webTransport?.url ? { ...params.webTransport, url: withToken(params.webTransport.url, params.token) } : params.webTransport;
  const proxy = params.proxy;
  const options = { timeout: 10000, ...connectOptions };
  if (params.token) options.protocols = [SUBPROTOCOL, `sockbridge.token.${params.token}`];
  if (forced === 'webtransport') {
    if (!wt?.url) throw new Error('transport=webtransport, but the proxy publishes no WebTransport URL (/webtransport.json)');
    if (!(connectOptions.WebTransport ?? globalThis.WebTransport)) throw new Error('transport=webtransport, but this browser has no WebTransport');
    return connect(wt.url, { ...options, certificateHashes: wt.certificateHashes });
  }
  if (forced === 'websocket' || !wt?.url) return connect(proxy, options);
  if (forced) throw new Error(`unknown transport=${forced} (websocket or webtransport)`);
  const session = await connectBest({ webTransport: wt, webSocket: proxy }, options);
  if (session.fallbackReason) log(`transport: WebTransport did not open (${session.fallbackReason.message}); using WebSocket`);
  return session;
}

/** A listener on the proxy's loopback, a connection to it through the same session, both ways. */
async function loopback(session, log) {
  const listener = await session.listen({ host: '127.0.0.1', port: 0 });
  try {
    const client = await session.connect('127.0.0.1', listener.address.port);
    const server = await withTimeout(listener.accept(), 5000, 'accept');
    await client.write('ping');
    const a = await readExactly(server, 4);
    await server.write('pong');
    await server.end();
    const b = await readExactly(client, 4);
    const eof = await client.read();
    if (dec.decode(a.data) !== 'ping' || dec.decode(b.data) !== 'pong' || eof !== null) {
      throw new Error('loopback: wrong bytes or no end of stream');
    }
    log(`listen: accepted ${server.remoteAddress.host}:${server.remoteAddress.port} on port ${listener.address.port}; ping/pong and FIN passed`);
    await Promise.all([client.close(), server.close()]);
  } finally {
    await listener.close();
  }
}

/** An error case: a connection to a port that was just closed is refused, as ECONNREFUSED. */
async function refused(session, log) {
  const l = await session.listen({ host: '127.0.0.1', port: 0 });
  const port = l.address.port;
  await l.close();
  try {
    const s = await session.connect('127.0.0.1', port);
    await s.close();
    throw new Error(`connect to closed port ${port} succeeded`);
  } catch (e) {
    if (!(e instanceof SockbridgeError) || e.code !== 'ECONNREFUSED') throw e;
    log(`errors: connect to a closed port failed with ${e.code} (errno ${e.errno})`);
  }
}

/**
 * Runs every step; resolves on success, rejects with the first failure.
 * @param {{proxy: string, tcp: string, udp: string, timeout?: number, transport?: string, token?: string,
 *          webTransport?: {url: string, certificateHashes: string[]}|null}} params
 * @param {(line: string) => void} log
 * @param {object} [connectOptions] passed to connect() (Node: {WebSocket})
 */
export async function run(params, log, connectOptions = {}) {
  const parse = (s) => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
  };
  const timeout = Number(params.timeout ?? 30000);
  const work = async () => {
    const t0 = performance.now();
    const session = await openSession(params, log, connectOptions);
    const w = session.welcome;
    const kind = session.transportKind;
    const where = kind === 'webtransport' ? params.webTransport.url : params.proxy;
    log(`transport: ${kind} (${where}${kind === 'webtransport' ? `; max datagram ${session.maxDatagramSize} bytes, ${session.streamPerSocket ? 'a stream per TCP socket' : 'one stream'}` : ''})`);
    log(`session: ${where} welcomed us (${w.agent}, protocol ${w.version}, max frame ${w.maxFrameSize}, max sockets ${w.maxSockets}) in ${(performance.now() - t0).toFixed(1)} ms`);
    try {
      try {
        log(`resolve: localhost is ${(await session.resolve('localhost')).join(', ')}`);
      } catch (e) {
        log(`resolve: localhost failed (${e.message}); not part of the check`);
      }
      await tcpEcho(session, parse(params.tcp), log);
      await udpEcho(session, parse(params.udp), log);
      if (session.hasDatagrams) await udpDatagrams(session, parse(params.udp), log);
      await loopback(session, log);
      await refused(session, log);
    } finally {
      await session.close();
    }
    log('session: closed');
  };
  await withTimeout(work(), timeout, 'the demo');
}

// In a page: read the query string, run, show the outcome in #result.
if (typeof document !== 'undefined') {
  const q = new URLSearchParams(location.search);
  const wsDefault = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sockbridge`;
  const params = {
    proxy: q.get('proxy') || wsDefault,
    tcp: q.get('tcp') || '127.0.0.1:7',
    udp: q.get('udp') || '127.0.0.1:7',
    timeout: q.get('timeout') || 30000,
    transport: q.get('transport') || 'auto',
    webTransport: null,
    token: q.get('token') || null,
  };
  const logEl = document.getElementById('log');
  const result = document.getElementById('result');
  const log = (line) => {
    console.log(line);
    logEl.textContent += `${line}\n`;
  };
  log(`params: proxy=${params.proxy} tcp=${params.tcp} udp=${params.udp} transport=${params.transport}`);
  // the token a game backend would hand the page; here the proxy's /demo-token, when auth is on
  const token = params.token ? Promise.resolve(params.token)
    : fetch(new URL('/demo-token', location.href).href, { cache: 'no-store' })
      .then((r) => (r.ok ? r.json().then((j) => j.token || null) : null), () => null);
  const info = params.transport === 'websocket' ? Promise.resolve(null)
    : fetchWebTransportInfo(new URL('/webtransport.json', location.href).href);
  Promise.all([token, info]).then(([t, wt]) => {
    params.token = t;
    log(`auth: ${t ? `token from ${q.get('token') ? 'the page URL' : '/demo-token'} (${t.length} characters), sent as subprotocol sockbridge.token.* (WebSocket) or ?token= (WebTransport)` : 'no token (the proxy admits sessions without one, or refuses this page)'}`);
    params.webTransport = wt;
    const published = params.transport === 'websocket' ? 'not asked (transport=websocket)' : (wt ? wt.url : 'no WebTransport URL');
    log(`webtransport.json: ${published}; this browser ${typeof WebTransport === 'function' ? 'has' : 'has no'} WebTransport`);
    return run(params, log);
  }).then(() => {
    result.className = 'pass';
    result.textContent = 'PASS';
    console.log('RESULT: PASS');
  }, (e) => {
    const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    log(`failed: ${why}`);
    result.className = 'fail';
    result.textContent = `FAIL ${why}`;
    console.log(`RESULT: FAIL ${why}`);
  });
}
