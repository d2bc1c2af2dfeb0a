// Drives Debian's headless Chromium (never a downloaded browser) through a Sockbridge session over WebTransport
// against the proxy a JUnit test started: the framing a browser client must use, written out by hand.
// Input: one JSON argument. Output: one line "SB-RESULT <json>" on stdout.
//
// The framing (see QuicServerTransport / StreamFraming):
//   main channel   = the first bidirectional stream the page opens; the handshake (Hello/Welcome) is on it
//   extra streams  = more bidirectional streams; a call is answered on the stream it came on
//   on a stream    : [u32 BE length][one CBOR message] ...
//   close          : [u32 BE 0x80000000 | n][u32 BE code][UTF-8 reason (n - 4 bytes)], then FIN (writer.close());
//                    the peer answers by closing the WebTransport session with the same code and reason
//   datagrams      : one CBOR message each, no length (SendTo with call id 0 out, Data events in)
import { driveChromium } from './chromium.mjs';

const cfg = JSON.parse(process.argv[2]);

async function pageTest(args) {
  const within = (p, ms, what) => Promise.race([p,
    new Promise((_, reject) => setTimeout(() => reject(new Error('timeout: ' + what)), ms))]);

  // ---- the CBOR subset Sockbridge uses: unsigned/negative ints, byte and text strings, arrays, null, booleans
  const encode = (value) => {
    const out = [];
    const head = (major, n) => {
      if (n < 24) out.push((major << 5) | n);
      else if (n < 0x100) out.push((major << 5) | 24, n);
      else if (n < 0x10000) out.push((major << 5) | 25, n >> 8, n & 0xff);
      else if (n < 0x100000000) out.push((major << 5) | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
      else { const b = BigInt(n); out.push((major << 5) | 27); for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((b >> s) & 0xffn)); }
    };
    const item = (v) => {
      if (v === null || v === undefined) out.push(0xf6);
      else if (v === true) out.push(0xf5);
      else if (v === false) out.push(0xf4);
      else if (typeof v === 'number') { if (v >= 0) head(0, v); else head(1, -1 - v); }
      else if (typeof v === 'string') { const b = new TextEncoder().encode(v); head(3, b.length); for (const x of b) out.push(x); }
      else if (v instanceof Uint8Array) { head(2, v.length); for (const x of v) out.push(x); }
      else if (Array.isArray(v)) { head(4, v.length); v.forEach(item); }
      else throw new Error('cannot encode ' + v);
    };
    item(value);
    return Uint8Array.from(out);
  };
  const decode = (bytes) => {
    let i = 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const arg = (info) => {
      if (info < 24) return info;
      if (info === 24) return bytes[i++];
      if (info === 25) { const v = view.getUint16(i); i += 2; return v; }
      if (info === 26) { const v = view.getUint32(i); i += 4; return v; }
      if (info === 27) { const v = Number(view.getBigUint64(i)); i += 8; return v; }
      throw new Error('unsupported CBOR length ' + info);
    };
    const item = () => {
      const b = bytes[i++], major = b >> 5, info = b & 31;
      if (major === 7) return info === 20 ? false : info === 21 ? true : null;
      const n = arg(info);
      switch (major) {
        case 0: return n;
        case 1: return -1 - n;
        case 2: { const v = bytes.slice(i, i + n); i += n; return v; }
        case 3: { const v = new TextDecoder().decode(bytes.subarray(i, i + n)); i += n; return v; }
        case 4: { const a = []; for (let k = 0; k < n; k++) a.push(item()); return a; }
        default: throw new Error('unsupported CBOR major type ' + major);
      }
    };
    return item();
  };

  // ---- framing on a bidirectional stream
  const frame = (message) => {
    const body = encode(message);
    const out = new Uint8Array(4 + body.length);
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(body, 4);
    return out;
  };
  const closeRecord = (code, reason) => {
    const text = new TextEncoder().encode(reason);
    const out = new Uint8Array(8 + text.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, (0x80000000 | (4 + text.length)) >>> 0);
    v.setUint32(4, code);
    out.set(text, 8);
    return out;
  };

  let nextCallId = 1;
  const pending = new Map();   // call id -> resolve
  const events = [];           // [message, 'stream' | 'datagram']
  let welcome;
  const welcomed = new Promise(res => { welcome = res; });

  // One Sockbridge channel over one WebTransport bidirectional stream.
  const channel = (bidi) => {
    const writer = bidi.writable.getWriter();
    const reader = bidi.readable.getReader();
    const ch = { writer, peerClose: null };
    (async () => {
      let buf = new Uint8Array(0);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const joined = new Uint8Array(buf.length + value.length);
        joined.set(buf); joined.set(value, buf.length); buf = joined;
        for (;;) {
          if (buf.length < 4) break;
          const word = new DataView(buf.buffer, buf.byteOffset).getUint32(0);
          if (word & 0x80000000) { // close record
            const n = word & 0x7fffffff;
            if (buf.length < 4 + n) break;
            const v = new DataView(buf.buffer, buf.byteOffset);
            ch.peerClose = { code: v.getUint32(4), reason: new TextDecoder().decode(buf.subarray(8, 4 + n)) };
            return;
          }
          if (buf.length < 4 + word) break;
          const m = decode(buf.slice(4, 4 + word));
          buf = buf.slice(4 + word);
          if (m[0] === 2) welcome(m);
          else if (m[0] >= 0x40) { const r = pending.get(m[1]); pending.delete(m[1]); if (r) r(m); }
          else if (m[0] >= 8 && m[0] <= 10) events.push([m, 'stream']);
        }
      }
    })().catch(e => { ch.readError = String(e); });
    ch.call = (type, ...rest) => {
      const id = nextCallId++;
      const p = new Promise(res => pending.set(id, res));
      writer.write(frame([type, id, ...rest]));
      return within(p, args.stepTimeoutMs, 'reply to ' + type);
    };
    return ch;
  };
  const ok = (m, what) => { if (m[0] === 64) throw new Error(what + ' failed: errno ' + m[2] + ' ' + m[3]); return m; };
  const ipv4 = (a) => Uint8Array.from(a.split('.').map(Number));

  const r = { steps: [] };
  const step = async (name, fn) => {
    try { r[name] = await within(fn(), args.stepTimeoutMs, name); r.steps.push(name + ':ok'); }
    catch (e) { r[name] = { error: String(e) }; r.steps.push(name + ':' + String(e)); }
  };

  const hashes = [{ algorithm: 'sha-256', value: Uint8Array.from(atob(args.hash), c => c.charCodeAt(0)) }];
  const wt = new WebTransport(args.url, { serverCertificateHashes: hashes });
  let main;
  await step('handshake', async () => {
    await wt.ready;
    main = channel(await wt.createBidirectionalStream());   // the first stream: the main channel
    main.writer.write(frame([1, [1], 'sockbridge-wt-page']));
    const w = await welcomed;
    return { version: w[1], agent: w[2], maxFrameSize: w[3], maxDatagramSize: wt.datagrams.maxDatagramSize };
  });
  if (r.handshake.error) return r;
  if (args.idleMs) { // an idle session: does the browser keep the connection alive by itself?
    let timer;
    if (args.keepAliveMs) { // the keep-alive datagram: one byte 0x00, ignored by the server
      timer = setInterval(() => {
        try { const w = wt.datagrams.writable.getWriter(); w.write(new Uint8Array([0])); w.releaseLock(); } catch (e) { }
      }, args.keepAliveMs);
    }
    await new Promise(res => setTimeout(res, args.idleMs));
    if (timer) clearInterval(timer);
    r.afterIdle = { closedMeanwhile: await Promise.race([wt.closed.then(() => true, () => true),
      new Promise(res => setTimeout(() => res(false), 10))]) };
  }

  await step('tcpOnItsOwnStream', async () => {
    const s = channel(await wt.createBidirectionalStream());
    const fd = ok(await s.call(16, 2, 1, 0), 'socket')[2];                       // socket(AF_INET, SOCK_STREAM)
    ok(await s.call(19, fd, [2, ipv4('127.0.0.1'), args.tcpEchoPort]), 'connect');
    const payload = new TextEncoder().encode('hello from a page, over its own stream');
    const sent = ok(await s.call(22, fd, 0, payload), 'send')[2];
    let got = new Uint8Array(0);
    while (got.length < payload.length) {
      const d = ok(await s.call(23, fd, payload.length - got.length, 0), 'recv')[4];
      if (d.length === 0) break;
      const j = new Uint8Array(got.length + d.length); j.set(got); j.set(d, got.length); got = j;
    }
    ok(await s.call(29, fd), 'close');
    return { sent, echoed: new TextDecoder().decode(got) };
  });

  await step('udpAsDatagrams', async () => {
    const fd = ok(await main.call(16, 2, 2, 0), 'socket')[2];                    // socket(AF_INET, SOCK_DGRAM)
    ok(await main.call(18, fd, [2, ipv4('127.0.0.1'), 0]), 'bind');
    ok(await main.call(37, fd, true, 1 << 20), 'push');
    const dgReader = wt.datagrams.readable.getReader();
    const dgWriter = wt.datagrams.writable.getWriter();
    let viaDatagram = 0, other = 0;
    const seen = new Set();
    let stop = false;
    const reading = (async () => {
      while (!stop) {
        const { value, done } = await dgReader.read();
        if (done) break;
        const m = decode(value);
        if (m[0] === 8 && m[1] === fd) { viaDatagram++; seen.add(m[4][0]); } else other++;
      }
    })();
    for (let i = 0; i < args.datagrams; i++) {
      const payload = new Uint8Array(100).fill(i); payload[0] = i;
      await dgWriter.ready;
      dgWriter.write(encode([24, 0, fd, 0, [2, ipv4('127.0.0.1'), args.udpEchoPort], payload])); // SendTo, call id 0
      await new Promise(res => setTimeout(res, 5)); // paced: the browser loses bursts
    }
    const start = Date.now();
    while (seen.size < args.datagrams && Date.now() - start < 2000) await new Promise(res => setTimeout(res, 20));
    stop = true;
    dgReader.releaseLock(); dgWriter.releaseLock();
    const onStream = events.filter(e => e[0][0] === 8 && e[0][1] === fd).length;
    return { sent: args.datagrams, echoed: seen.size, viaDatagram, onStream, other };
  });

  await step('close', async () => {
    main.writer.write(closeRecord(1000, 'page done')).catch(() => {});
    main.writer.close().catch(() => {});   // FIN right after the record; the proxy may end the session first
    const info = await wt.closed;          // the proxy answers by closing the session with the same code and reason
    return { closeCode: info.closeCode, reason: info.reason };
  });
  return r;
}

await driveChromium('sockbridge-wt', 'SB-RESULT', cfg, async (openPage, result) => {
  const page = await openPage(cfg.pageUrl);
  result.page = await page.evaluate(pageTest, cfg.page);
});
