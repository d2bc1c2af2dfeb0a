// An in-memory Transport whose far end is a scripted peer, for unit tests of the session logic.
// The peer sees every frame the client sends (decoded) and answers with messages in object form.
// This is not a proxy: each test scripts exactly the answers it checks.

import { encodeMessage, decodeMessage } from '../src/codec.js';
import { FrameInbox } from '../src/transport.js';

export function fakePeer() {
  const inbox = new FrameInbox();
  const received = [];
  const waiters = [];
  let closed = false;

  const transport = {
    onclose: null,
    get onframe() { return inbox.handler; },
    set onframe(fn) { inbox.handler = fn; },
    send(frame) {
      if (closed) throw new Error('closed');
      const copy = new Uint8Array(frame); // the client may reuse nothing, but be strict
      queueMicrotask(() => {
        const m = decodeMessage(copy);
        received.push(m);
        for (const w of [...waiters]) {
          if (w.pred(m)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      });
    },
    close(code = 1000, reason = '') {
      if (closed) return;
      closed = true;
      setTimeout(() => transport.onclose?.({ code, reason }), 0);
    },
  };

  const peer = {
    transport,
    received,
    /** Sends a message (object form) to the client. */
    send(m) {
      const bytes = encodeMessage(m);
      queueMicrotask(() => inbox.deliver(new Uint8Array(bytes)));
    },
    /** Sends raw bytes. */
    sendRaw(bytes) {
      queueMicrotask(() => inbox.deliver(bytes));
    },
    /** The next received message matching `pred` (kind name or predicate), within 2 s. */
    next(pred) {
      const p = typeof pred === 'string' ? (m) => m.kind === pred : pred;
      const already = received.find((m) => p(m) && !m._taken);
      if (already) {
        already._taken = true;
        return Promise.resolve(already);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pred} in 2 s; got ${received.map((m) => m.kind)}`)), 2000);
        waiters.push({ pred: p, resolve: (m) => { clearTimeout(timer); m._taken = true; resolve(m); } });
      });
    },
    /** Answers the next call of `kind` with `reply(m)` (object form without callId). */
    async answer(kind, reply) {
      const m = await peer.next(kind);
      peer.send({ callId: m.callId, ...reply(m) });
      return m;
    },
    /** Closes from the peer's side. */
    drop(code = 1006, reason = '') {
      closed = true;
      setTimeout(() => transport.onclose?.({ code, reason }), 0);
    },
    get closed() { return closed; },
  };
  return peer;
}

export const WELCOME = {
  kind: 'WELCOME', version: 1, agent: 'fake', maxFrameSize: 65536, maxSockets: 16, maxOutstandingCalls: 64, maxBufferedBytes: 1 << 20,
};
