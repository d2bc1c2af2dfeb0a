// Transports carry whole frames (one CBOR message each) between the client and the proxy. The
// session needs only this small interface: WebSocketTransport (one binary message per frame, here)
// and WebTransportTransport (length-prefixed frames on QUIC streams plus datagrams, webtransport.js)
// implement it, and so can your own.

import { SUBPROTOCOL } from './constants.js';
import { SockbridgeError } from './errors.js';

/**
 * What a session needs from a transport.
 *
 * @typedef {object} Transport
 * @property {(frame: Uint8Array) => void} send   sends one frame; the transport may keep the view
 *           until it is written, so the caller must not reuse its memory
 * @property {(code?: number, reason?: string) => void} close
 * @property {((frame: Uint8Array) => void)|null} onframe   set by the session; frames that arrive
 *           before it is set are kept and delivered when it is
 * @property {CloseListener|null} onclose   called once when the transport is closed, by either side or by an error
 * @property {string} [kind]   'websocket', 'webtransport', ...
 * @property {number} [bufferedAmount]   bytes queued for sending, if the transport knows
 * @property {(frame: Uint8Array) => boolean} [sendDatagram]   optional unreliable path (WebTransport
 *           datagrams): SENDTO with call id 0 from the client; false if it was not sent (too large
 *           for `maxDatagramSize`, no datagram path, closing)
 * @property {number} [maxDatagramSize]   the largest datagram now (0: none)
 * @property {((frame: Uint8Array) => void)|null} [ondatagram]   DATA_EVENTs for UDP from the proxy
 * @property {() => Promise<void>} [datagramReady]   resolves when the datagram queue has room
 * @property {(o?: {timeout?: number}) => Promise<Transport>} [openStream]   another ordered channel
 *           of the same session (WebTransport: a bidirectional stream); calls sent on it are
 *           answered on it, push events of a socket come on the channel its PUSH went on
 * @property {(ms?: number) => Promise<void>} [settle]   waits (bounded) for channels being closed
 */

/**
 * A transport's `onclose`: the close code and reason (from either side), and the error that closed
 * it, if one did.
 * @typedef {(info: {code: number, reason: string, error?: unknown}) => void} CloseListener
 */

/** A frame queue in front of `onframe`, shared by transports. */
export class FrameInbox {
  #handler = null;
  #early = [];

  get handler() {
    return this.#handler;
  }

  set handler(fn) {
    this.#handler = fn;
    if (fn) {
      const early = this.#early;
      this.#early = [];
      for (const f of early) fn(f);
    }
  }

  deliver(frame) {
    if (this.#handler) this.#handler(frame);
    else this.#early.push(frame);
  }
}

/**
 * A Transport on a WebSocket: one binary message per frame, subprotocol `sockbridge.v1`.
 * Created by {@link openWebSocket}.
 * @implements {Transport}
 */
export class WebSocketTransport {
  /** @type {'websocket'} */
  kind = 'websocket';
  #ws;
  #inbox = new FrameInbox();
  #closed = false;
  /** @type {CloseListener|null} */
  onclose = null;

  /** @param {WebSocket} ws an open WebSocket */
  constructor(ws) {
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        this.close(1003, 'text messages are not part of the protocol');
        return;
      }
      this.#inbox.deliver(new Uint8Array(ev.data));
    };
    let error;
    ws.onerror = (ev) => {
      error = ev?.error ?? ev;
    };
    ws.onclose = (ev) => this.#ended(ev.code, ev.reason, error);
  }

  get onframe() {
    return this.#inbox.handler;
  }

  set onframe(fn) {
    this.#inbox.handler = fn;
  }

  /** The subprotocol the server chose. */
  get protocol() {
    return this.#ws.protocol;
  }

  get bufferedAmount() {
    return this.#ws.bufferedAmount;
  }

  send(frame) {
    if (this.#closed || this.#ws.readyState !== 1) {
      throw SockbridgeError.closed(1006, 'the WebSocket is closed');
    }
    this.#ws.send(frame);
  }

  close(code = 1000, reason = '') {
    if (this.#closed) return;
    // a close reason is at most 123 bytes of UTF-8
    let why = String(reason).slice(0, 123);
    while (new TextEncoder().encode(why).length > 123) why = why.slice(0, -1);
    try {
      this.#ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, why);
    } catch {
      // already closing
    }
    // the close event follows; browsers deliver it even for a closing socket
  }

  #ended(code, reason, error) {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.({ code, reason, error });
  }
}

/**
 * Opens a WebSocket to the proxy and resolves once it is open.
 *
 * @param {string} url   e.g. `ws://127.0.0.1:8080/sockbridge`
 * @param {object} [o]
 * @param {string[]} [o.protocols]  default `['sockbridge.v1']`
 * @param {typeof WebSocket} [o.WebSocket]  a constructor, for Node (the `ws` package) or tests;
 *        default the global WebSocket
 * @param {number} [o.timeout]  ms to wait for the open, default 10000
 * @returns {Promise<WebSocketTransport>}
 */
export function openWebSocket(url, { protocols = [SUBPROTOCOL], WebSocket: WS = globalThis.WebSocket, timeout = 10000 } = {}) {
  if (!WS) return Promise.reject(new TypeError('no WebSocket: pass options.WebSocket (in Node, the ws package)'));
  return new Promise((resolve, reject) => {
    let ws;
    try {
      ws = new WS(url, protocols);
    } catch (e) {
      reject(new SockbridgeError({ code: 'SESSION_CLOSED', reason: `cannot open ${url}: ${e.message}`, cause: e }));
      return;
    }
    ws.binaryType = 'arraybuffer';
    const timer = setTimeout(() => {
      fail(new SockbridgeError({ code: 'TIMEOUT', reason: `no WebSocket connection to ${url} in ${timeout} ms` }));
      try { ws.close(); } catch { /* not open */ }
    }, timeout);
    let done = false;
    const fail = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(err);
    };
    ws.onopen = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (protocols.length && !protocols.includes(ws.protocol)) {
        ws.close(1002, 'no subprotocol');
        reject(new SockbridgeError({ code: 'HANDSHAKE', reason: `the server chose subprotocol '${ws.protocol}', not ${protocols.join(' or ')}` }));
        return;
      }
      resolve(new WebSocketTransport(ws));
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => fail(SockbridgeError.closed(ev.code, ev.reason || `cannot connect to ${url}`));
  });
}

/** The flag of a close record's first word: `[u32 BE 0x80000000 | n][u32 BE code][n - 4 bytes UTF-8 reason]`. */
export const CLOSE_FLAG = 0x80000000;
/** The longest close reason in bytes (UTF-8). */
export const MAX_CLOSE_REASON_BYTES = 1024;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** `reason` as UTF-8, cut at a character boundary to at most `max` bytes. */
export function utf8Truncated(reason, max) {
  let bytes = utf8Encoder.encode(String(reason ?? ''));
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // not inside a multi-byte character
  return bytes.slice(0, end);
}

/**
 * Splits a byte stream of 4-byte big-endian length-prefixed frames (a WebTransport / QUIC stream
 * of a Sockbridge session) into frames, and encodes frames and close records for sending.
 *
 * On the stream: `[u32 BE length L][L bytes: one CBOR message]` back to back, L < 2^31; a word with
 * the top bit set starts a close record `[u32 BE 0x80000000 | n][u32 BE code][n - 4 bytes UTF-8
 * reason]` (4 <= n <= 1028), after which the sender sends nothing more (FIN).
 *
 * Bytes are kept as the chunks they came in; a frame inside one chunk is a view into it (no copy),
 * one spanning chunks is copied once, so a large frame arriving in small pieces costs linear time.
 */
export class LengthPrefixedFramer {
  #chunks = [];
  #head = 0; // offset into #chunks[0]
  #size = 0; // bytes held
  #need = -1; // length of the frame whose header was read, -1 before a header
  #maxFrame;
  /** The peer's close record once one was read (`{code, reason}`), else null. Later bytes are ignored. */
  closeRecord = null;

  /** @param {number} [maxFrame] the largest frame accepted; longer ones throw a RangeError */
  constructor(maxFrame = 16 << 20) {
    this.#maxFrame = maxFrame;
  }

  /** Bytes received and not yet part of a returned frame. */
  get pending() {
    return this.#size;
  }

  /**
   * The frames completed by `chunk` (views into received memory; do not modify it). Stops at a
   * close record (see `closeRecord`). Throws a RangeError for a frame over the limit or a
   * malformed close record; the stream is unusable after that.
   * @param {Uint8Array} chunk
   * @returns {Uint8Array[]}
   */
  push(chunk) {
    const frames = [];
    if (this.closeRecord) return frames;
    if (chunk.length) {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
    }
    for (;;) {
      if (this.#need < 0) {
        if (this.#size < 4) break;
        const word = this.#peekU32();
        if (word >= CLOSE_FLAG) {
          const n = word - CLOSE_FLAG;
          if (n < 4 || n > 4 + MAX_CLOSE_REASON_BYTES) throw new RangeError(`malformed close record of ${n} bytes`);
          if (this.#size < 4 + n) break;
          const rec = this.#take(4 + n);
          const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
          this.closeRecord = { code: v.getUint32(4), reason: utf8Decoder.decode(rec.subarray(8)) };
          this.#chunks = [];
          this.#head = 0;
          this.#size = 0;
          break;
        }
        if (word > this.#maxFrame) throw new RangeError(`frame of ${word} bytes exceeds ${this.#maxFrame}`);
        this.#need = word;
      }
      if (this.#size < 4 + this.#need) break;
      frames.push(this.#take(4 + this.#need).subarray(4));
      this.#need = -1;
    }
    return frames;
  }

  #peekU32() {
    let v = 0;
    let i = 0;
    let c = 0;
    let off = this.#head;
    while (i < 4) {
      const chunk = this.#chunks[c];
      if (off >= chunk.length) { c++; off = 0; continue; }
      v = v * 256 + chunk[off++];
      i++;
    }
    return v;
  }

  /** The next `n` held bytes: a view when they are in one chunk, else a copy. */
  #take(n) {
    this.#size -= n;
    const first = this.#chunks[0];
    if (first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#head += n;
      if (this.#head === first.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
      return out;
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.#chunks[0];
      const k = Math.min(c.length - this.#head, n - off);
      out.set(c.subarray(this.#head, this.#head + k), off);
      off += k;
      this.#head += k;
      if (this.#head === c.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    return out;
  }

  /** One frame with its length prefix (a copy). */
  static encode(frame) {
    const out = new Uint8Array(frame.length + 4);
    new DataView(out.buffer).setUint32(0, frame.length);
    out.set(frame, 4);
    return out;
  }

  /** The 4-byte length prefix of a frame of `length` bytes. */
  static header(length) {
    if (!Number.isInteger(length) || length < 0 || length >= CLOSE_FLAG) throw new RangeError(`bad frame length ${length}`);
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, length);
    return out;
  }

  /**
   * A close record: `[u32 BE 0x80000000 | n][u32 BE code][UTF-8 reason]`, the reason cut to 1024
   * bytes at a character boundary.
   * @param {number} code  0..2^32-1 (WebSocket numbering: 1000 normal)
   * @param {string} [reason]
   */
  static encodeClose(code, reason = '') {
    const text = utf8Truncated(reason, MAX_CLOSE_REASON_BYTES);
    const out = new Uint8Array(8 + text.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, CLOSE_FLAG + 4 + text.length);
    v.setUint32(4, code >>> 0);
    out.set(text, 8);
    return out;
  }
}
