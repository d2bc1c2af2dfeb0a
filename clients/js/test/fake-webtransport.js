// An in-memory stand-in for the browser's WebTransport (Node has none), with a scripted far end
// that speaks Sockbridge's WebTransport mapping: length-prefixed frames and close records on
// bidirectional streams, one message per datagram. `echoProxy(server)` answers like a tiny proxy
// (handshake, sockets that echo what is sent), recording which stream each message came on.
// Not a proxy: just enough to check the client's framing and routing.

import { encodeMessage, decodeMessage } from '../src/codec.js';
import { LengthPrefixedFramer } from '../src/transport.js';

function waiterList() {
  const items = [];
  const waiters = [];
  return {
    items,
    add(x) {
      items.push(x);
      for (const w of [...waiters]) {
        if (w.pred(x)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(x);
        }
      }
    },
    next(pred, what) {
      const hit = items.find((x) => pred(x) && !x._taken);
      if (hit) {
        hit._taken = true;
        return Promise.resolve(hit);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} in 2 s`)), 2000);
        waiters.push({ pred, resolve: (x) => { clearTimeout(timer); x._taken = true; resolve(x); } });
      });
    },
  };
}

/**
 * @param {object} [o]
 * @param {number} [o.maxDatagramSize]  default 1199 (Chromium 156)
 * @param {string|null} [o.failReady]  make `ready` reject with this message
 * @param {{value: unknown}|null} [o.rejectReadyWith]  make `ready` (and `closed`) reject with this
 *        exact value (undefined, an error without a message, ...), as browsers sometimes do
 * @param {boolean} [o.noDatagrams]  no `datagrams` attribute
 * @param {'writable'|'createWritable'|'both'} [o.datagramApi]  which datagram write API the
 *        `datagrams` object has: the legacy `writable` attribute (Chromium 156, the default),
 *        `createWritable()` only (the current spec), or both (Firefox: the attribute deprecated)
 * @param {boolean} [o.sendOrder]  send streams have a `sendOrder` attribute (Firefox, Safari),
 *        set from `createBidirectionalStream({sendOrder})`
 * @param {boolean} [o.draining]  the session has a `draining` promise (Chromium, per the spec),
 *        resolved by the server side's `session.drain()`
 */
export function fakeWebTransport({
  maxDatagramSize = 1199, failReady = null, rejectReadyWith = null, noDatagrams = false, datagramApi = 'writable', sendOrder = false, draining = false,
} = {}) {
  const server = {
    sessions: [],
    /** Called with each new session (`{url, options, streams, datagrams, ...}`). */
    onsession: null,
  };

  class FakeWebTransport {
    constructor(url, options = {}) {
      const session = {
        url,
        options,
        streams: [],
        datagrams: waiterList(), // what the client sent, as {bytes, message?}
        closedInfo: null,
        onstream: null,
        ondatagram: null,
        sendDatagram: (bytes) => { if (!session.closedInfo) dgController.enqueue(new Uint8Array(bytes)); },
        close: (closeCode = 0, reason = '') => this.#end({ closeCode, reason }),
        lose: (message = 'Connection lost.') => this.#end(null, new Error(message)),
        nextStream: () => streamWaiter.next(() => true, 'stream'),
      };
      const streamWaiter = waiterList();
      session.streamWaiter = streamWaiter;
      this._session = session;
      let dgController;
      this.ready = rejectReadyWith ? Promise.reject(rejectReadyWith.value)
        : failReady ? Promise.reject(new Error(failReady)) : Promise.resolve();
      this.ready.catch(() => {});
      this.closed = new Promise((resolve, reject) => { this._resolveClosed = resolve; this._rejectClosed = reject; });
      if (rejectReadyWith) this._rejectClosed(rejectReadyWith.value);
      this.closed.catch(() => {});
      if (draining) this.draining = new Promise((resolve) => { session.drain = resolve; });
      if (!noDatagrams) {
        // each written datagram is recorded with the API it went through
        const sink = (api) => new WritableStream({
          write(chunk) {
            const bytes = new Uint8Array(chunk);
            let message = null;
            try { message = decodeMessage(bytes); } catch { /* keep-alive or junk */ }
            const d = { bytes, message, api };
            session.datagrams.add(d);
            session.ondatagram?.(d);
          },
        }, { highWaterMark: 16 });
        session.createWritableCalls = 0;
        this.datagrams = {
          maxDatagramSize,
          readable: new ReadableStream({ start(c) { dgController = c; } }),
        };
        if (datagramApi === 'writable' || datagramApi === 'both') this.datagrams.writable = sink('writable');
        if (datagramApi === 'createWritable' || datagramApi === 'both') {
          this.datagrams.createWritable = () => { session.createWritableCalls++; return sink('createWritable'); };
        }
      }
      server.sessions.push(session);
      queueMicrotask(() => server.onsession?.(session));
    }

    async createBidirectionalStream(options = {}) {
      const s = this._session;
      if (s.closedInfo) throw new Error('session closed');
      let controller;
      const framer = new LengthPrefixedFramer(64 << 20);
      const rec = {
        index: s.streams.length,
        messages: waiterList(),
        closeRecord: null,
        fin: false,
        bytesIn: 0,
        /** What the client passed to createBidirectionalStream. */
        options,
        /** Sends a message (object form) to the client on this stream. */
        send: (m) => controller.enqueue(LengthPrefixedFramer.encode(encodeMessage(m))),
        sendRaw: (bytes) => controller.enqueue(bytes),
        sendClose: (code, reason = '') => controller.enqueue(LengthPrefixedFramer.encodeClose(code, reason)),
        finish: () => { try { controller.close(); } catch { /* closed */ } },
        next: (pred, what) => rec.messages.next(typeof pred === 'string' ? (m) => m.kind === pred : pred, what ?? pred),
        onmessage: null,
        onclose: null,
        error: (e) => { try { controller.error(e); } catch { /* closed */ } },
      };
      const readable = new ReadableStream({ start(c) { controller = c; } });
      const writable = new WritableStream({
        write(chunk) {
          const bytes = new Uint8Array(chunk);
          rec.bytesIn += bytes.length;
          for (const f of framer.push(bytes)) {
            const m = decodeMessage(new Uint8Array(f));
            m.stream = rec.index;
            rec.messages.add(m);
            rec.onmessage?.(m);
          }
          if (framer.closeRecord && !rec.closeRecord) {
            rec.closeRecord = framer.closeRecord;
            rec.onclose?.(rec.closeRecord);
          }
        },
        close() { rec.fin = true; },
      });
      if (sendOrder) {
        writable.sendOrder = options?.sendOrder ?? 0;
        rec.writable = writable;
      }
      s.streams.push(rec);
      s.streamWaiter.add(rec);
      queueMicrotask(() => s.onstream?.(rec));
      return { readable, writable };
    }

    close({ closeCode = 0, reason = '' } = {}) {
      this.#end({ closeCode, reason });
    }

    #end(info, error) {
      const s = this._session;
      if (s.closedInfo) return;
      s.closedInfo = info ?? { error };
      for (const r of s.streams) r.error(new Error('session closed'));
      if (error) this._rejectClosed(error);
      else this._resolveClosed(info);
    }
  }

  return { WebTransport: FakeWebTransport, server };
}

/**
 * Makes every session of `server` answer like a small proxy: WELCOME on the first stream; SOCKET
 * gives fds from 3; CONNECT/BIND/PUSH/SETSOCKOPT/SHUTDOWN/CLOSE are OK; SEND echoes the bytes as a
 * DATA_EVENT on the stream the socket's PUSH came on; SENDTO (call or datagram) echoes a
 * DATA_EVENT from the destination, as a datagram when it fits `maxOut` bytes, else on the PUSH
 * stream; GETSOCKOPT answers `optValue`; GETSOCKNAME 127.0.0.1:40000+fd. A close record on the
 * main stream ends the session with its code and reason.
 */
export function echoProxy(server, { maxOut = 1175, optValue = 7, welcome = {} } = {}) {
  const sessions = [];
  server.onsession = (session) => {
    let nextFd = 3;
    const pushStream = new Map();
    const log = [];
    session.log = log;
    sessions.push(session);
    const dataEvent = (fd, from, data) => {
      const ev = { kind: 'DATA_EVENT', fd, flags: 0, from, data };
      const bytes = encodeMessage(ev);
      if (from && bytes.length <= maxOut && !session.closedInfo) {
        session.sendDatagram(bytes);
      } else {
        pushStream.get(fd)?.send(ev);
      }
    };
    session.onstream = (rec) => {
      rec.onclose = ({ code, reason }) => {
        if (rec.index === 0) setTimeout(() => session.close(code, reason), 1);
        else { rec.sendClose(code, reason); rec.finish(); }
      };
      rec.onmessage = (m) => {
        log.push(m);
        const ok = () => rec.send({ kind: 'OK_REPLY', callId: m.callId });
        switch (m.kind) {
          case 'HELLO':
            rec.send({ kind: 'WELCOME', version: 1, agent: 'fake-wt', maxFrameSize: 65536, maxSockets: 64, maxOutstandingCalls: 64, maxBufferedBytes: 1 << 20, ...welcome });
            break;
          case 'SOCKET':
            rec.send({ kind: 'VALUE_REPLY', callId: m.callId, value: nextFd++ });
            break;
          case 'PUSH':
            pushStream.set(m.fd, rec);
            ok();
            break;
          case 'SEND':
            rec.send({ kind: 'VALUE_REPLY', callId: m.callId, value: m.data.length });
            (pushStream.get(m.fd) ?? rec).send({ kind: 'DATA_EVENT', fd: m.fd, flags: 0, from: null, data: m.data });
            break;
          case 'SENDTO':
            rec.send({ kind: 'VALUE_REPLY', callId: m.callId, value: m.data.length });
            dataEvent(m.fd, m.address, m.data);
            break;
          case 'GETSOCKOPT':
            rec.send({ kind: 'VALUE_REPLY', callId: m.callId, value: optValue });
            break;
          case 'GETSOCKNAME':
            rec.send({ kind: 'ADDRESS_REPLY', callId: m.callId, address: { host: '127.0.0.1', port: 40000 + m.fd } });
            break;
          case 'CREDIT':
          case 'GOODBYE':
            break;
          default:
            ok();
        }
      };
    };
    session.ondatagram = (d) => {
      log.push({ datagram: true, ...(d.message ?? { kind: 'RAW', bytes: d.bytes }) });
      const m = d.message;
      if (m?.kind === 'SENDTO' && m.callId === 0) dataEvent(m.fd, m.address, m.data);
    };
  };
  return sessions;
}
