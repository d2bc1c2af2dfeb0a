// Drives Debian's headless Chromium (never a downloaded browser) through a WebTransport session against the
// server a JUnit test started. Input: one JSON argument. Output: one line "WT-RESULT <json>" on stdout.
// Everything is bounded in time; the process exits non-zero if the browser cannot be driven at all.
import { driveChromium } from './chromium.mjs';

const cfg = JSON.parse(process.argv[2]);

// Runs inside the page. Each step is raced against a timeout so one hang cannot stall the run.
async function pageTest(args) {
  const within = (p, ms, what) => Promise.race([p,
    new Promise((_, reject) => setTimeout(() => reject(new Error('timeout: ' + what)), ms))]);
  const hashes = [{ algorithm: 'sha-256', value: Uint8Array.from(atob(args.hash), c => c.charCodeAt(0)) }];
  const open = (path) => new WebTransport(args.wtUrl + path, { serverCertificateHashes: hashes });
  const readAll = async (readable) => {
    const reader = readable.getReader();
    const chunks = []; let n = 0;
    for (;;) { const { value, done } = await reader.read(); if (done) break; chunks.push(value); n += value.length; }
    const out = new Uint8Array(n); let off = 0;
    for (const c of chunks) { out.set(c, off); off += c.length; }
    return out;
  };
  const r = { steps: [] };
  const step = async (name, fn) => {
    try { r[name] = await within(fn(), args.stepTimeoutMs, name); r.steps.push(name + ':ok'); }
    catch (e) { r[name] = { error: String(e) }; r.steps.push(name + ':' + String(e)); }
  };

  if (args.mode === 'rejections') {
    // only the refusals, from a page whose origin the server does not allow (or for a path it does not serve)
    await step('refused', async () => {
      const wt = open(args.path);
      try { await wt.ready; return { opened: true }; } catch (e) { return { opened: false, error: String(e) }; }
    });
    return r;
  }

  const wt = open('/echo');
  await step('ready', async () => { await wt.ready; return { maxDatagramSize: wt.datagrams.maxDatagramSize }; });
  if (r.ready.error) return r;

  await step('bidi', async () => {
    const size = args.streamBytes;
    const data = new Uint8Array(size);
    for (let off = 0; off < size; off += 65536) crypto.getRandomValues(data.subarray(off, Math.min(size, off + 65536)));
    const s = await wt.createBidirectionalStream();
    const echoed = readAll(s.readable);
    const w = s.writable.getWriter();
    for (let off = 0; off < size; off += 32768) await w.write(data.subarray(off, Math.min(size, off + 32768)));
    await w.close();
    const got = await echoed;
    let mismatch = -1;
    for (let i = 0; i < Math.min(got.length, size); i++) if (got[i] !== data[i]) { mismatch = i; break; }
    return { sent: size, received: got.length, firstMismatch: mismatch };
  });

  await step('serverBidi', async () => {
    const reader = wt.incomingBidirectionalStreams.getReader();
    const { value: s } = await reader.read();
    reader.releaseLock();
    const text = new TextDecoder().decode(await readAll(s.readable));
    const w = s.writable.getWriter();
    await w.write(new TextEncoder().encode('ack:' + text));
    await w.close();
    return { text };
  });

  await step('uni', async () => {
    const incoming = wt.incomingUnidirectionalStreams.getReader();
    const payload = new TextEncoder().encode('page uni stream '.repeat(500));
    const s = await wt.createUnidirectionalStream();
    const w = s.getWriter();
    await w.write(payload);
    await w.close();
    const { value: back } = await incoming.read();
    incoming.releaseLock();
    const got = await readAll(back);
    return { sent: payload.length, echoedBack: got.length, equal: got.length === payload.length && got.every((b, i) => b === payload[i]) };
  });

  await step('datagrams', async () => {
    // Windowed: at most `window` datagrams unanswered, so neither side's queues overflow in a burst; a lost
    // datagram only stalls the window for up to 200 ms.
    const n = args.datagrams, size = args.datagramBytes, window = 16;
    try { wt.datagrams.incomingHighWaterMark = 4 * window; } catch (e) { /* older API */ }
    const seen = new Set(); let bad = 0;
    let progress = () => {};
    const reader = wt.datagrams.readable.getReader();
    let stop = false;
    const reading = (async () => {
      while (!stop) {
        const { value, done } = await reader.read();
        if (done) break;
        const seq = value[0] | (value[1] << 8);
        if (value.length !== size || value[size - 1] !== (seq & 0xff)) bad++; else seen.add(seq);
        progress();
      }
    })();
    const echoOrTimeout = (ms) => new Promise(res => { progress = res; setTimeout(res, ms); });
    const writer = wt.datagrams.writable.getWriter();
    for (let seq = 0; seq < n; seq++) {
      while (seq - seen.size >= window) {
        const before = seen.size;
        await echoOrTimeout(200);
        if (seen.size === before) break; // lost: move on
      }
      const d = new Uint8Array(size).fill(seq & 0xff);
      d[0] = seq & 0xff; d[1] = (seq >> 8) & 0xff;
      await writer.ready;
      writer.write(d);
    }
    // wait until every echo is back or no new one arrived for a second
    let last = -1, quietSince = Date.now();
    while (seen.size < n && Date.now() - quietSince < 1000) {
      await new Promise(res => setTimeout(res, 20));
      if (seen.size !== last) { last = seen.size; quietSince = Date.now(); }
    }
    stop = true;
    reader.releaseLock();
    writer.releaseLock();
    return { sent: n, echoed: seen.size, bad };
  });

  await step('pageClose', async () => {
    wt.close({ closeCode: args.closeCode, reason: args.closeReason });
    const info = await wt.closed;
    return { closeCode: info.closeCode, reason: info.reason };
  });

  await step('serverClose', async () => {
    const wt2 = open('/close-me');
    await wt2.ready;
    const info = await wt2.closed;
    return { closeCode: info.closeCode, reason: info.reason };
  });

  await step('unknownPath', async () => {
    const wt3 = open('/no-such-path');
    try { await wt3.ready; return { opened: true }; } catch (e) { return { opened: false, error: String(e) }; }
  });
  return r;
}

await driveChromium('wt-e2e', 'WT-RESULT', cfg, async (openPage, result, context) => {
  result.browserVersion = context.browser() ? context.browser().version() : 'persistent';
  const page = await openPage(cfg.pageUrl);
  result.main = await page.evaluate(pageTest, { ...cfg.page, mode: 'main' });
  const other = await openPage(cfg.otherOriginPageUrl);
  result.otherOrigin = await other.evaluate(pageTest, { ...cfg.page, mode: 'rejections', path: '/echo' });
});
