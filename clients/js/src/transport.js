// Transports carry whole frames (one CBOR message each) between the client and the proxy. The
// session needs only this small interface, so another transport (WebTransport: one bidirectional
// stream of 4-byte big-endian length-prefixed frames plus datagrams) can be swapped in.

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
 * @property {((info: {code: number, reason: string, error?: unknown}) => void)|null} onclose
 *           called once when the transport is closed, by either side or by an error
 * @property {number} [bufferedAmount]   bytes queued for sending, if the transport knows
 * @property {(frame: Uint8Array) => boolean} [sendDatagram]   optional unreliable path (WebTransport
 *           datagrams): SENDTO with call id 0 from the client; false if it could not be sent
 * @property {number} [maxDatagramSize]
 * @property {((frame: Uint8Array) => void)|null} [ondatagram]   DATA_EVENTs for UDP from the proxy
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
  #ws;
  #inbox = new FrameInbox();
  #closed = false;
  /** @type {((info: {code: number, reason: string, error?: unknown}) => void)|null} */
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

/**
 * Splits a byte stream of 4-byte big-endian length-prefixed frames (the WebTransport session
 * stream) into frames, and prefixes frames for sending.
 */
export class LengthPrefixedFramer {
  #buf = new Uint8Array(0);
  #maxFrame;

  /** @param {number} [maxFrame] the largest frame accepted; longer ones throw */
  constructor(maxFrame = 16 << 20) {
    this.#maxFrame = maxFrame;
  }

  /** The frames completed by `chunk` (views into its memory or a copy). */
  push(chunk) {
    let buf = chunk;
    if (this.#buf.length) {
      buf = new Uint8Array(this.#buf.length + chunk.length);
      buf.set(this.#buf);
      buf.set(chunk, this.#buf.length);
    }
    const frames = [];
    let off = 0;
    while (buf.length - off >= 4) {
      const len = ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
      if (len > this.#maxFrame) throw new RangeError(`frame of ${len} bytes exceeds ${this.#maxFrame}`);
      if (buf.length - off - 4 < len) break;
      frames.push(buf.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    this.#buf = off === buf.length ? new Uint8Array(0) : buf.slice(off);
    return frames;
  }

  /** One frame with its length prefix. */
  static encode(frame) {
    const out = new Uint8Array(frame.length + 4);
    new DataView(out.buffer).setUint32(0, frame.length);
    out.set(frame, 4);
    return out;
  }
}
