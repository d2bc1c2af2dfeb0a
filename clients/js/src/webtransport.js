// Sockbridge over WebTransport (HTTP/3, draft-02 as Chromium speaks it):
//
//   main channel   the FIRST bidirectional stream the page opens; HELLO goes first on it, other streams
//                  are opened only after WELCOME (the session does that)
//   extra streams  more bidirectional streams; a call is answered on the stream it came on, push events of
//                  a socket come on the stream its PUSH went on (the session gives each TCP socket one)
//   every stream   [u32 BE length][one CBOR message] ...; close = [u32 BE 0x80000000|n][u32 BE code]
//                  [UTF-8 reason <= 1024 B] then FIN
//   datagrams      one CBOR message each, no prefix: page -> proxy only SENDTO with call id 0,
//                  proxy -> page DATA_EVENTs of UDP sockets in push mode (larger ones come on a stream)
//   keep-alive     Chromium sends nothing on an idle session and QUIC closes it after 30 s: a datagram of
//                  the single byte 0x00 every ~10 s when nothing else was sent (the proxy drops it)

import { SockbridgeError, describeFailure } from './errors.js';
import { FrameInbox, LengthPrefixedFramer } from './transport.js';

/** The keep-alive datagram: one byte 0x00 (CBOR integer 0, dropped by the proxy). */
export const KEEPALIVE_DATAGRAM = Uint8Array.of(0);

// frames up to this size are copied behind their prefix (one write); larger ones go as two writes
const COPY_LIMIT = 16 * 1024;

/**
 * The send order of the main channel where the browser honours `sendOrder` (Firefox 119+,
 * Safari 26.4): above the sockets' streams (0 unless a socket asks for more), so calls, credit
 * and GOODBYE are not queued behind a socket's bulk data.
 */
export const MAIN_SEND_ORDER = 1;

/** What a failed `ready` says when the browser gives no reason (it never says which). */
const NO_REASON_OPEN = 'the browser gave no reason; usual causes: the proxy is not reachable at that address, '
  + 'the certificate hash does not match its certificate, or the proxy does not allow this page\'s origin';

/**
 * Which datagram write API a `WebTransportDatagramDuplexStream` has: `'createWritable'` (the
 * current one: Firefox, Safari), `'writable'` (the legacy attribute: Chromium), or `'none'`.
 * @param {object|null|undefined} datagrams  `wt.datagrams`
 * @returns {'createWritable'|'writable'|'none'}
 */
export function datagramWriteApi(datagrams) {
  if (!datagrams) return 'none';
  if (typeof datagrams.createWritable === 'function') return 'createWritable';
  return datagrams.writable ? 'writable' : 'none';
}

/**
 * Whether the browser's send streams have stream priorities: a `sendOrder` attribute on the
 * stream's writable side (WebTransportSendStream). Where it is absent the option is ignored.
 * @param {WritableStream} writable
 */
export function hasSendOrder(writable) {
  return writable != null && typeof writable === 'object' && 'sendOrder' in writable;
}

/**
 * The https:// URL the WebTransport constructor wants: `webtransport://host:port/path` becomes
 * `https://host:port/path`; https:// URLs are kept.
 * @param {string} url
 */
export function toWebTransportUrl(url) {
  const s = String(url);
  if (/^webtransport:\/\//i.test(s)) return `https://${s.slice('webtransport://'.length)}`;
  if (/^https:\/\//i.test(s)) return s;
  throw new TypeError(`not a WebTransport URL (https:// or webtransport://): ${s}`);
}

function base64ToBytes(s) {
  const t = s.trim().replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(t + '='.repeat((4 - (t.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * `serverCertificateHashes` for the WebTransport constructor from what a proxy publishes: each
 * entry a base64 (or base64url, or 64-digit hex) SHA-256 of the DER certificate, bytes
 * (Uint8Array/ArrayBuffer), or an `{algorithm, value}` object already. A single entry may be
 * given without the array.
 * @param {undefined|null|string|Uint8Array|ArrayBuffer|object|Array} hashes
 * @returns {{algorithm: string, value: Uint8Array}[]}
 */
export function certificateHashes(hashes) {
  if (hashes == null) return [];
  const list = Array.isArray(hashes) ? hashes : [hashes];
  return list.map((h) => {
    let value;
    let algorithm = 'sha-256';
    if (typeof h === 'string') {
      value = /^[0-9a-f]{64}$/i.test(h) && !/[g-z+/=]/i.test(h)
        ? Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16))
        : base64ToBytes(h);
    } else if (h instanceof Uint8Array) {
      value = h;
    } else if (h instanceof ArrayBuffer) {
      value = new Uint8Array(h);
    } else if (h && typeof h === 'object' && 'value' in h) {
      algorithm = h.algorithm ?? 'sha-256';
      value = typeof h.value === 'string' ? base64ToBytes(h.value) : h.value;
    } else {
      throw new TypeError(`not a certificate hash: ${h}`);
    }
    if (algorithm === 'sha-256' && value.byteLength !== 32) {
      throw new TypeError(`a SHA-256 certificate hash has 32 bytes, not ${value.byteLength}`);
    }
    return { algorithm, value };
  });
}

/**
 * One Sockbridge channel on one bidirectional WebTransport stream: length-prefixed frames both
 * ways, close records. The main channel is one (inside {@link WebTransportTransport}); the
 * session opens more with `transport.openStream()` for TCP sockets. Implements the Transport
 * interface (send, close, onframe, onclose, bufferedAmount).
 *
 * Close: `close(code, reason)` writes a close record and FIN after the frames before it and
 * reports `onclose` at once; a close record (or FIN) from the proxy is answered with ours and
 * reported with the proxy's code and reason. A failed stream reports 1006.
 */
export class WebTransportStream {
  /** @type {'webtransport-stream'} */
  kind = 'webtransport-stream';
  /** @type {import('./transport.js').CloseListener|null} */
  onclose = null;

  #writer;
  #reader;
  #framer;
  #inbox = new FrameInbox();
  #sendClosed = false;
  #ended = false;
  #buffered = 0;
  #hooks;
  #resolveFinished;
  /** Resolves when the stream is done both ways: our side closed and the proxy's FIN (or a failure) read. */
  finished = new Promise((r) => { this.#resolveFinished = r; });

  /**
   * @param {{readable: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>}} bidi
   * @param {object} [o]
   * @param {number} [o.maxFrame]  the largest frame accepted (larger: close 1009)
   * @param {{sent?: () => void, peerClosed?: (code: number, reason: string, record: boolean) => boolean,
   *          ended?: (info: object) => boolean}} [o.hooks]  for the main channel: `peerClosed`
   *        returning true takes over the answer to a close record, `ended` returning true takes
   *        over reporting the end
   */
  constructor(bidi, { maxFrame = 16 << 20, hooks = {} } = {}) {
    this.#writer = bidi.writable.getWriter();
    this.#reader = bidi.readable.getReader();
    this.#framer = new LengthPrefixedFramer(maxFrame);
    this.#hooks = hooks;
    this.#writer.closed.catch(() => {}); // reported through the writes and the reader
    this.#readLoop();
  }

  get onframe() {
    return this.#inbox.handler;
  }

  set onframe(fn) {
    this.#inbox.handler = fn;
  }

  /** Bytes handed to the stream and not yet taken by it. */
  get bufferedAmount() {
    return this.#buffered;
  }

  /** True once closed (by either side or a failure). */
  get isClosed() {
    return this.#ended;
  }

  /**
   * Sends one frame (`[u32 BE length][frame]`). The stream keeps the view until it is written.
   * @param {Uint8Array} frame
   */
  send(frame) {
    if (this.#sendClosed || this.#ended) throw SockbridgeError.closed(1006, 'the WebTransport stream is closed');
    const n = frame.length + 4;
    if (frame.length <= COPY_LIMIT) {
      this.#write(LengthPrefixedFramer.encode(frame), n);
    } else {
      this.#write(LengthPrefixedFramer.header(frame.length), 4);
      this.#write(frame, frame.length);
    }
    this.#hooks.sent?.();
  }

  #write(bytes, n) {
    this.#buffered += n;
    this.#writer.write(bytes).then(
      () => { this.#buffered -= n; },
      (e) => { this.#buffered -= n; this.#failed(e); });
  }

  /**
   * Closes: a close record with `code` and `reason` (UTF-8, cut to 1024 bytes), then FIN.
   * Reports onclose at once (for the main channel, {@link WebTransportTransport} reports it when
   * the session has ended). Idempotent.
   */
  close(code = 1000, reason = '') {
    this.#finish(code, reason);
    this.#end({ code, reason: String(reason ?? '') }, 'local');
  }

  /** Writes our close record and FIN once. */
  #finish(code, reason) {
    if (this.#sendClosed) return;
    this.#sendClosed = true;
    this.#writer.write(LengthPrefixedFramer.encodeClose(code, reason)).catch(() => {});
    this.#writer.close().catch(() => {}); // FIN; never awaited: the session may end first
    this.#hooks.sent?.();
  }

  async #readLoop() {
    try {
      await this.#read();
    } finally {
      this.#resolveFinished();
    }
  }

  async #read() {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) {
          if (this.#framer.pending > 0 && !this.#framer.closeRecord) {
            this.#peerClosed(1006, 'the stream ended inside a frame', false);
          } else if (!this.#framer.closeRecord) {
            this.#peerClosed(1000, '', false);
          }
          return;
        }
        if (this.#framer.closeRecord) continue; // drain what follows a record until FIN
        let frames;
        try {
          frames = this.#framer.push(value);
        } catch (e) {
          const tooBig = /exceeds/.test(e.message);
          this.#finish(tooBig ? 1009 : 1002, e.message);
          this.#end({ code: tooBig ? 1009 : 1002, reason: e.message, error: e }, 'protocol');
          this.#reader.cancel().catch(() => {});
          return;
        }
        for (const f of frames) {
          if (this.#ended) break;
          this.#inbox.deliver(f);
        }
        const rec = this.#framer.closeRecord;
        if (rec) this.#peerClosed(rec.code, rec.reason, true);
      }
    } catch (e) {
      this.#failed(e);
    }
  }

  #peerClosed(code, reason, record) {
    if (!this.#hooks.peerClosed?.(code, reason, record)) this.#finish(code, reason);
    this.#end({ code, reason }, 'peer');
  }

  #failed(e) {
    if (this.#ended) return;
    this.#end({ code: 1006, reason: `stream failed: ${describeFailure(e)}`, error: e }, 'error');
  }

  #end(info, by) {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#hooks.ended?.(info, by)) return;
    this.onclose?.(info);
  }
}

/**
 * A Transport on a WebTransport session: the main channel (the first bidirectional stream),
 * datagrams, keep-alive, extra streams. Made by {@link openWebTransport}.
 *
 * Beyond the Transport interface: `sendDatagram(frame)` / `ondatagram` / `maxDatagramSize`,
 * `datagramReady()`, `openStream()` → a {@link WebTransportStream}, `stats`, `webTransport` (the
 * underlying object).
 */
export class WebTransportTransport {
  /** @type {'webtransport'} */
  kind = 'webtransport';
  /** @type {import('./transport.js').CloseListener|null} */
  onclose = null;
  /**
   * Called once if the proxy drains the session (the browser's `WebTransport.draining` resolved:
   * a DRAIN_WEBTRANSPORT_SESSION capsule or an HTTP/3 GOAWAY), with a reason; browsers without
   * `draining` never call it (the Sockbridge GOING_AWAY message says it there).
   * @type {((reason: string) => void)|null}
   */
  ongoaway = null;
  /** @type {((frame: Uint8Array) => void)|null} DATA_EVENTs that came as datagrams (not keep-alives) */
  ondatagram = null;
  /**
   * Counters: datagrams sent (without keep-alives), received, refused as too large by
   * sendDatagram, failed writes; keep-alive datagrams sent; extra streams opened.
   */
  stats = { datagramsSent: 0, datagramsReceived: 0, datagramsTooLarge: 0, datagramsFailed: 0, keepAlivesSent: 0, streamsOpened: 0 };

  #wt;
  #main;
  #features = { datagramWrite: 'none', sendOrder: false };
  #dgWriter = null;
  #dgReader = null;
  #keepAliveTimer = null;
  #lastSent = Date.now();
  #closeTimeout;
  #maxFrame;
  #closing = null; // set once the session is going, by either side
  #localClose = null; // {code, reason} we closed with (or a protocol error we closed for)
  #peerRecord = null; // the proxy's close record on the main channel
  #reported = false;
  #streams = new Set();
  #finishing = new Set(); // extra streams closed here whose proxy side has not finished yet

  /**
   * @param {WebTransport} wt  a ready WebTransport
   * @param {{readable, writable}} mainStream  its first bidirectional stream, nothing written yet
   * @param {object} [o]
   * @param {number} [o.keepAlive]  ms between keep-alive datagrams on an idle session, default 10000; 0 = none
   * @param {number} [o.closeTimeout]  ms to wait for the session to end after a close record, default 3000
   * @param {number} [o.maxFrame]  largest frame accepted, default 16 MiB
   */
  constructor(wt, mainStream, { keepAlive = 10000, closeTimeout = 3000, maxFrame = 16 << 20 } = {}) {
    this.#wt = wt;
    this.#closeTimeout = closeTimeout;
    this.#maxFrame = maxFrame;
    this.#main = new WebTransportStream(mainStream, {
      maxFrame,
      hooks: {
        sent: () => { this.#lastSent = Date.now(); },
        peerClosed: (code, reason, record) => { this.#peerClosedMain(code, reason, record); return true; },
        ended: (info, by) => { this.#mainEnded(info, by); return true; },
      },
    });
    wt.closed.then(
      (info) => this.#sessionEnded(info?.closeCode ?? 0, info?.reason ?? ''),
      (e) => this.#sessionEnded(1006, describeFailure(e, 'the WebTransport session failed and the browser gave no reason'), e ?? null));
    if (wt.draining && typeof wt.draining.then === 'function') {
      wt.draining.then(() => { if (!this.#closing) this.ongoaway?.('the server drains the session'); }, () => {});
    }
    this.#features.sendOrder = hasSendOrder(mainStream.writable);
    const d = wt.datagrams;
    if (d) {
      const api = datagramWriteApi(d);
      try {
        // createWritable() where the browser has it: the legacy attribute is deprecated there
        // (Firefox, Safari) and may go; Chromium 156 has only the attribute
        const w = api === 'createWritable' ? d.createWritable() : api === 'writable' ? d.writable : null;
        if (w) {
          this.#dgWriter = w.getWriter();
          this.#dgWriter.closed.catch(() => {});
          this.#features.datagramWrite = api;
        }
      } catch {
        this.#dgWriter = null;
      }
      if (d.readable) this.#readDatagrams(d.readable);
    }
    if (keepAlive > 0 && this.#dgWriter) {
      this.#keepAliveTimer = setInterval(() => this.#keepAlive(keepAlive), Math.max(250, Math.floor(keepAlive / 4)));
      this.#keepAliveTimer.unref?.();
    }
  }

  /**
   * What this browser's WebTransport offers, as detected: `datagramWrite` which datagram write
   * API is used (`'createWritable'`, the legacy `'writable'`, or `'none'`), `sendOrder` whether
   * send streams have priorities (the main channel is then sent before the sockets' streams, and
   * `openStream({sendOrder})` / `session.connect(host, port, {sendOrder})` take effect).
   * @returns {{datagramWrite: 'createWritable'|'writable'|'none', sendOrder: boolean}}
   */
  get features() {
    return { ...this.#features };
  }

  /** The WebTransport object. */
  get webTransport() {
    return this.#wt;
  }

  get onframe() {
    return this.#main.onframe;
  }

  set onframe(fn) {
    this.#main.onframe = fn;
  }

  get bufferedAmount() {
    return this.#main.bufferedAmount;
  }

  /** The largest datagram (one encoded message) this session can send; 0 without a datagram path. */
  get maxDatagramSize() {
    return this.#dgWriter && !this.#closing ? (this.#wt.datagrams?.maxDatagramSize ?? 0) : 0;
  }

  /** Sends a frame on the main channel. */
  send(frame) {
    if (this.#closing) throw SockbridgeError.closed(1006, 'the WebTransport session is closing');
    this.#main.send(frame);
  }

  /**
   * Sends one datagram (a whole encoded message, no prefix). False when it was not sent: no
   * datagram path, closing, or larger than `maxDatagramSize` (counted as `datagramsTooLarge`).
   * @param {Uint8Array} frame
   * @returns {boolean}
   */
  sendDatagram(frame) {
    if (!this.#dgWriter || this.#closing) return false;
    if (frame.length > this.maxDatagramSize) {
      this.stats.datagramsTooLarge++;
      return false;
    }
    this.stats.datagramsSent++;
    this.#writeDatagram(frame);
    return true;
  }

  #writeDatagram(bytes) {
    this.#lastSent = Date.now();
    this.#dgWriter.write(bytes).catch(() => { this.stats.datagramsFailed++; });
  }

  /**
   * Resolves when the browser's datagram queue has room (its `writer.ready`), or at once when
   * closing; never rejects.
   * @returns {Promise<void>}
   */
  datagramReady() {
    if (!this.#dgWriter || this.#closing) return Promise.resolve();
    const w = this.#dgWriter;
    if (w.desiredSize === null || w.desiredSize > 0) return Promise.resolve();
    return Promise.race([w.ready.catch(() => {}), this.#wt.closed.then(() => {}, () => {})]);
  }

  async #readDatagrams(readable) {
    let reader;
    try {
      reader = readable.getReader();
      this.#dgReader = reader;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        if (value.length === 0 || (value.length === 1 && value[0] === 0)) continue; // keep-alive
        this.stats.datagramsReceived++;
        this.ondatagram?.(value);
      }
    } catch {
      // the session ended
    }
  }

  #keepAlive(interval) {
    if (this.#closing) return;
    if (Date.now() - this.#lastSent < interval) return;
    this.stats.keepAlivesSent++;
    this.#writeDatagram(KEEPALIVE_DATAGRAM);
  }

  /**
   * Opens an extra bidirectional stream: a channel of its own (calls on it are answered on it;
   * push events of a socket whose PUSH went on it come on it). Only after WELCOME.
   *
   * The browser waits for the proxy's stream credit (at most `maxStreams` open at once, 256 by
   * default): after `timeout` ms this rejects (the session then uses the main channel), and a
   * stream that opens later is closed at once.
   * `sendOrder` is the stream's priority where the browser has them (see `features`): higher is
   * sent first; the main channel has {@link MAIN_SEND_ORDER}.
   * @param {{timeout?: number, sendOrder?: number}} [o]  timeout default 3000 ms, sendOrder default 0
   * @returns {Promise<WebTransportStream>}
   */
  async openStream({ timeout = 3000, sendOrder = 0 } = {}) {
    if (this.#closing) throw SockbridgeError.closed(1006, 'the WebTransport session is closing');
    // an option a browser does not know is ignored (a WebIDL dictionary member)
    const opening = this.#wt.createBidirectionalStream({ sendOrder });
    let timer;
    const bidi = await Promise.race([opening, new Promise((_, reject) => {
      timer = setTimeout(() => {
        reject(new SockbridgeError({ code: 'TIMEOUT', reason: `no new stream in ${timeout} ms (the proxy's stream limit?)` }));
        opening.then((late) => {
          const w = late.writable.getWriter();
          w.write(LengthPrefixedFramer.encodeClose(1000, 'not needed')).catch(() => {});
          w.close().catch(() => {});
          late.readable.cancel().catch(() => {});
        }, () => {});
      }, timeout);
    })]).finally(() => clearTimeout(timer));
    let reported = false;
    const report = (info) => {
      if (reported) return;
      reported = true;
      this.#streams.delete(s);
      s.onclose?.(info);
    };
    const s = new WebTransportStream(bidi, {
      maxFrame: this.#maxFrame,
      hooks: {
        sent: () => { this.#lastSent = Date.now(); },
        ended: (info, by) => {
          if (by === 'local') {
            const f = s.finished;
            this.#finishing.add(f);
            f.then(() => this.#finishing.delete(f));
          }
          if (by === 'local' || this.#reported) {
            report(info);
          } else {
            // a stream the proxy ended or that failed: most often the whole session is going, which
            // is reported first (on the main channel's onclose); else report the stream alone
            const t = setTimeout(() => report(info), 1000);
            this.#wt.closed.then(() => {}, () => {}).then(() => {
              clearTimeout(t);
              setTimeout(() => report({ code: 1001, reason: 'session closed' }), 0);
            });
          }
          return true;
        },
      },
    });
    this.#streams.add(s);
    this.stats.streamsOpened++;
    return s;
  }

  /**
   * Ends the session: a close record with `code`/`reason` and FIN on the main channel; the proxy
   * answers by closing the WebTransport session with the same code and reason (if it has not
   * within `closeTimeout`, the session is closed from here). `onclose` follows once it has ended.
   */
  close(code = 1000, reason = '') {
    if (this.#closing) return;
    this.#closing = true;
    this.#localClose = { code, reason: String(reason ?? '') };
    this.settle().then(() => this.#main.close(code, reason));
  }

  /**
   * Resolves when the extra streams closed here have been finished by the proxy too, or after
   * `ms`. Chromium 156's renderer can crash when a session ends while many streams are half
   * closed (measured: 120 socket streams closed at once, then the session closed at once), so
   * the session waits for this before it says GOODBYE.
   * @param {number} [ms]  default 500
   */
  settle(ms = 500) {
    if (this.#finishing.size === 0) return Promise.resolve();
    let timer;
    return Promise.race([
      Promise.all([...this.#finishing]),
      new Promise((r) => { timer = setTimeout(r, ms); }),
    ]).then(() => clearTimeout(timer));
  }

  #peerClosedMain(code, reason, record) {
    // the proxy closed the main channel (a record, or FIN): the session ends now; a record's code
    // and reason are what the session reports, else those of the session's end
    this.#closing = true;
    if (record) this.#peerRecord = { code, reason };
    this.#closeSession(code, reason);
  }

  #mainEnded(info, by) {
    this.#closing = true;
    if (by === 'protocol') this.#localClose ??= { code: info.code, reason: info.reason };
    if (by !== 'peer') {
      // wait for the proxy to end the session (it answers a close record at once); end it
      // ourselves if it does not. A failed main stream: most often the session is going anyway.
      const wait = by === 'local' || by === 'protocol' ? this.#closeTimeout : 1000;
      const t = setTimeout(() => this.#closeSession(info.code, info.reason), wait);
      this.#wt.closed.then(() => clearTimeout(t), () => clearTimeout(t));
    }
  }

  #closeSession(code, reason) {
    try {
      this.#wt.close({ closeCode: code >>> 0, reason: String(reason ?? '').slice(0, 1024) });
    } catch {
      // already closed
    }
  }

  #sessionEnded(closeCode, reason, error) {
    if (this.#reported) return;
    this.#reported = true;
    clearInterval(this.#keepAliveTimer);
    this.#dgReader?.cancel().catch(() => {});
    this.#dgWriter?.close().catch(() => {});
    this.#closing = true;
    const c = this.#localClose ?? this.#peerRecord;
    const info = c ? { code: c.code, reason: c.reason }
      : { code: error ? 1006 : (closeCode || 1000), reason: reason || (error ? 'WebTransport session lost' : ''), error };
    this.onclose?.(info);
  }
}

/**
 * Opens a WebTransport session to the proxy and its main channel.
 *
 * @param {string} url  `https://host:port/sockbridge` or `webtransport://host:port/sockbridge`
 * @param {object} [o]
 * @param {Array|string} [o.certificateHashes]  SHA-256 hashes of the proxy's certificate (base64,
 *        as /webtransport.json publishes them) for a self-signed certificate: `serverCertificateHashes`
 * @param {number} [o.timeout]  ms to wait for the session, default 10000
 * @param {number} [o.keepAlive]  ms, default 10000 (0: none)
 * @param {number} [o.closeTimeout]  ms, default 3000
 * @param {number} [o.maxFrame]  the largest frame accepted, default 16 MiB
 * @param {object} [o.webTransportOptions]  more options for the WebTransport constructor
 * @param {typeof WebTransport} [o.WebTransport]  a constructor, default the global one
 * @returns {Promise<WebTransportTransport>}
 */
export async function openWebTransport(url, {
  certificateHashes: hashes, timeout = 10000, keepAlive, closeTimeout, maxFrame,
  webTransportOptions = {}, WebTransport: WT = globalThis.WebTransport,
} = {}) {
  if (!WT) throw new SockbridgeError({ code: 'SESSION_CLOSED', reason: 'this browser has no WebTransport' });
  const target = toWebTransportUrl(url);
  const opts = { ...webTransportOptions };
  const h = certificateHashes(hashes);
  if (h.length) opts.serverCertificateHashes = h;
  let wt;
  try {
    wt = new WT(target, opts);
  } catch (e) {
    throw new SockbridgeError({ code: 'SESSION_CLOSED', reason: `cannot open ${target}: ${e.message}`, closeCode: 1006, cause: e });
  }
  wt.closed.catch(() => {});
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new SockbridgeError({ code: 'TIMEOUT', reason: `no WebTransport session with ${target} in ${timeout} ms` })), timeout);
  });
  try {
    await Promise.race([wt.ready, expired]);
    const main = await Promise.race([wt.createBidirectionalStream({ sendOrder: MAIN_SEND_ORDER }), expired]);
    return new WebTransportTransport(wt, main, { keepAlive, closeTimeout, maxFrame });
  } catch (e) {
    try { wt.close(); } catch { /* not open */ }
    if (e instanceof SockbridgeError) throw e;
    throw new SockbridgeError({ code: 'SESSION_CLOSED', reason: `cannot open ${target}: ${describeFailure(e, NO_REASON_OPEN)}`, closeCode: 1006, cause: e });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads what a proxy publishes for WebTransport (`/webtransport.json`):
 * `{url, certificateHashes, notAfter}`; null when it has no WebTransport URL or cannot be read.
 * @param {string} jsonUrl
 * @param {{fetch?: typeof fetch, timeout?: number}} [o]
 * @returns {Promise<{url: string, certificateHashes: string[], notAfter?: string}|null>}
 */
export async function fetchWebTransportInfo(jsonUrl, { fetch: f = globalThis.fetch, timeout = 5000 } = {}) {
  if (!f) return null;
  const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = setTimeout(() => ctrl?.abort(), timeout);
  try {
    const r = await f(jsonUrl, { cache: 'no-store', signal: ctrl?.signal });
    if (!r.ok) return null;
    const j = await r.json();
    return j && typeof j.url === 'string' && j.url ? { url: j.url, certificateHashes: j.certificateHashes ?? [], notAfter: j.notAfter } : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
