// Socket objects on top of a Session: TCP connections, UDP sockets and TCP listeners, all in push
// mode (the proxy pushes data as events, spending credit the client grants as data is consumed).

import { MessageType as T, Posix, SocketOption } from './constants.js';
import { toBytes } from './codec.js';
import { toSocketAddress } from './address.js';
import { SockbridgeError } from './errors.js';

const DEFAULT_WINDOW = 256 * 1024;
/** Bytes queued in the browser on a socket's channel above which its next SEND waits for a reply. */
const SEND_QUEUE_LIMIT = 128 * 1024;

const EOF_EVENTS = Posix.POLLRDHUP | Posix.POLLHUP;
/** Datagrams that came on the unreliable path and wait for the page: beyond this many, new ones are dropped. */
const MAX_QUEUED_DATAGRAMS = 1024;

/** The parts copied back to back into one array of `size` bytes. */
function joined(parts, size) {
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * The iterator behind the socket classes' `for await`: what `next()` gives until it gives null.
 * Leaving the loop early (`return`) does nothing else: the socket stays open.
 * @template T
 * @param {() => Promise<T|null>} next
 * @returns {AsyncIterableIterator<T>}
 */
function iterate(next) {
  return {
    next: async () => {
      const value = await next();
      return value ? { value, done: false } : { value: undefined, done: true };
    },
    return: async () => ({ value: undefined, done: true }),
    [Symbol.asyncIterator]() { return this; },
  };
}

/**
 * The CLOSE of `owner`'s descriptor that every socket class's close() makes. A SockbridgeError (the
 * session or the descriptor already gone) leaves nothing to close, so it is not the caller's; the
 * descriptor is released from the session either way. `tcp`, for a TcpSocket: `{attached}`, the
 * opening of its own stream (see TcpSocket#_attach), after which the CLOSE goes on that stream, and
 * which is released with the descriptor.
 */
async function closeOnProxy(session, owner, resolveClosed, tcp = null) {
  try {
    if (tcp) await tcp.attached;
    await session._call(T.CLOSE, [owner.fd], tcp ? owner.fd : undefined);
  } catch (e) {
    if (!(e instanceof SockbridgeError)) throw e;
  } finally {
    session._disown(owner.fd, owner);
    if (tcp) session._unroute(owner.fd);
    resolveClosed();
  }
}

/**
 * Receive-side flow control shared by the socket classes. `window` bytes of credit are granted
 * when push mode starts; items queue here until consumed, and consumed bytes are granted back in
 * batches of at least a quarter window. So received-but-unconsumed data never exceeds `window`:
 * a slow consumer makes the proxy stop reading the native socket (TCP backpressure reaches the
 * peer; UDP datagrams beyond the window are dropped, as a full kernel buffer would).
 */
class Inbox {
  #session;
  #fd;
  #window;
  #items = [];
  #head = 0;
  #ungranted = 0;
  #waiter = null;
  #done = false;
  #error = null;

  constructor(session, fd, window) {
    this.#session = session;
    this.#fd = fd;
    this.#window = window;
  }

  get window() {
    return this.#window;
  }

  get size() {
    return this.#items.length - this.#head;
  }

  push(item) {
    if (this.#done) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      this.#consumed(item.cost);
      w.resolve(item);
    } else {
      this.#items.push(item);
    }
  }

  /** No more items: end after what is queued (`error` null) or fail after it. */
  finish(error = null) {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    if (this.#waiter && this.size === 0) {
      const w = this.#waiter;
      this.#waiter = null;
      if (error) w.reject(error);
      else w.resolve(null);
    }
  }

  /** Drops what is queued and ends now. */
  discard(error = null) {
    this.#items = [];
    this.#head = 0;
    this.#done = false;
    this.finish(error);
  }

  /** The next item, or null at the end. */
  take() {
    if (this.size > 0) {
      const item = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      this.#consumed(item.cost);
      return Promise.resolve(item);
    }
    if (this.#done) return this.#error ? Promise.reject(this.#error) : Promise.resolve(null);
    if (this.#waiter) return Promise.reject(new Error('one read at a time'));
    return new Promise((resolve, reject) => { this.#waiter = { resolve, reject }; });
  }

  /** The next item if one is queued now, else undefined. */
  takeNow() {
    if (this.size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    this.#consumed(item.cost);
    return item;
  }

  #consumed(cost) {
    this.#ungranted += cost;
    if (this.#ungranted >= this.#window / 4) {
      this.#session.credit(this.#fd, this.#ungranted);
      this.#ungranted = 0;
    }
  }
}

/**
 * A TCP connection through the proxy, made by `session.connect(host, port)`.
 *
 * Reading: `for await (const chunk of socket)` (chunks are Uint8Array, in order; the loop ends at
 * end of stream and throws a SockbridgeError such as ECONNRESET on failure), `read()`, or the
 * `readable` stream. Leaving a `for await` loop early does not close the socket.
 * Backpressure: the proxy may push at most `window` bytes ahead of what you have consumed; credit
 * is granted back as you read, so an unread socket stops the proxy reading from the peer.
 *
 * Writing: `await socket.write(bytes)` resolves when the proxy has taken the bytes (they are on
 * their way to the peer); big writes are split into frames. Writes keep their order even when not
 * awaited; at most about a quarter of the session's buffer (max 1 MiB) is in flight, later writes
 * wait for room. Do not modify a buffer until its write has resolved. `end()` sends FIN after the
 * queued writes (half close); `close()` closes both directions and releases the descriptor.
 */
export class TcpSocket {
  /** The proxy-side descriptor. */
  fd;
  /** The address connected to (as given), for accepted sockets the peer. @type {import('./address.js').SocketAddress|null} */
  remoteAddress;
  /** Resolves when the socket has been closed (by close() or the session's end). @type {Promise<void>} */
  closed;

  #session;
  #inbox;
  #writeTail = Promise.resolve();
  #batch = null; // the last queued write while others may still join it (see #queueWrite)
  #inflight = 0;
  #room = null;
  #writeWindow;
  #writeEnded = false;
  #closing = false;
  #resolveClosed;
  #readable = null;
  #writable = null;
  #attached = null;
  #ownStream = false;
  #sendOrder;

  /** @internal */
  constructor(session, fd, { window = DEFAULT_WINDOW, remote = null, sendOrder = 0 } = {}) {
    this.#session = session;
    this.#sendOrder = sendOrder;
    this.fd = fd;
    this.remoteAddress = remote;
    this.#inbox = new Inbox(session, fd, window);
    this.#writeWindow = Math.max(session.maxDataPerFrame, Math.min(1 << 20, Math.floor(session.welcome.maxBufferedBytes / 4)));
    this.closed = new Promise((r) => { this.#resolveClosed = r; });
    session._own(fd, this);
  }

  /**
   * True when this socket's calls and data use a stream of their own (WebTransport with
   * `streamPerSocket`, the default there), so a stalled socket never holds up another.
   */
  get onOwnStream() {
    return this.#ownStream;
  }

  /** @internal opens this socket's own stream when the session gives sockets one (once) */
  _attach() {
    this.#attached ??= this.#session._openChannel(this.#sendOrder).then((ch) => {
      if (ch) {
        this.#session._route(this.fd, ch); // close() waits for this and releases it
        this.#ownStream = true;
      }
    });
    return this.#attached;
  }

  /** @internal */
  async _startPush() {
    await this._attach();
    return this.#session._call(T.PUSH, [this.fd, true, this.#inbox.window], this.fd);
  }

  /** @internal a push event for this descriptor */
  _event(m) {
    if (m.kind === 'DATA_EVENT') {
      this.#inbox.push({ data: m.data, cost: m.data.length });
    } else if (m.kind === 'READY_EVENT') {
      if (m.events & Posix.POLLERR) {
        this.#inbox.finish(SockbridgeError.fromErrno(m.errno, 'socket error', 'recv'));
      } else if (m.events & EOF_EVENTS) {
        this.#inbox.finish();
      }
    }
  }

  /** @internal */
  _sessionClosed(err) {
    this.#inbox.finish(err);
    this.#closing = true;
    this.#wakeWriter();
    this.#resolveClosed();
  }

  /**
   * The next chunk of data, or null at end of stream (or after close()).
   * @returns {Promise<Uint8Array|null>}
   */
  async read() {
    const item = await this.#inbox.take();
    return item ? item.data : null;
  }

  /** `for await (const chunk of socket)`. */
  [Symbol.asyncIterator]() {
    return iterate(() => this.read());
  }

  /**
   * Writes bytes (Uint8Array, ArrayBuffer, typed array, or a string as UTF-8).
   * @param {Uint8Array|ArrayBuffer|ArrayBufferView|string} data
   * @returns {Promise<number>} the number of bytes taken (all of them)
   */
  write(data) {
    return this.#queueWrite(data).done;
  }

  #queueWrite(data) {
    let bytes;
    try {
      bytes = toBytes(data);
      if (this.#writeEnded || this.#closing) {
        throw SockbridgeError.fromErrno(32, this.#closing ? 'socket closed' : 'write after end()', 'send');
      }
    } catch (e) {
      const p = Promise.reject(e);
      p.catch(() => {});
      return { sent: p, done: p };
    }
    // Writes queued behind others (waiting for the write window, or made in one go) are joined
    // into one SEND of up to a frame: the proxy then decodes, writes and answers one message
    // instead of many, which is most of its cost per byte in the browser benchmark. A joined write
    // is copied once; it resolves with its own length when the SEND is answered.
    // at most a quarter of the write window joined, so that SENDs stay pipelined
    const max = Math.min(this.#session.maxDataPerFrame, Math.max(1024, Math.floor(this.#writeWindow / 4)));
    const open = this.#batch;
    if (open && open.size + bytes.length <= max) {
      open.parts.push(bytes);
      open.size += bytes.length;
      const n = bytes.length;
      const done = open.sent.then((replies) => Promise.all(replies)).then(() => n);
      return { sent: open.sent, done };
    }
    const batch = { parts: [bytes], size: bytes.length, sent: null };
    // a write of a frame or more goes alone (split as before); nothing joins it
    this.#batch = bytes.length < max ? batch : null;
    batch.sent = this.#writeTail.then(() => {
      if (this.#batch === batch) this.#batch = null;
      return this.#sendParts(batch.parts.length === 1 ? batch.parts[0] : joined(batch.parts, batch.size));
    });
    this.#writeTail = batch.sent.catch(() => {});
    const n = bytes.length;
    const done = batch.sent.then((replies) => Promise.all(replies)).then((ns) => (batch.parts.length === 1 ? ns.reduce((a, b) => a + b, 0) : n));
    return { sent: batch.sent, done };
  }

  async #sendParts(bytes) {
    const max = this.#session.maxDataPerFrame;
    const replies = [];
    for (let off = 0; off < bytes.length; off += max) {
      const part = bytes.subarray(off, Math.min(bytes.length, off + max));
      // also wait while the channel's queue in the browser is long: a CREDIT sent now would queue
      // behind it, and the proxy stops pushing until the credit arrives. Replies wake this up.
      while (this.#inflight > 0 && !this.#closing
        && (this.#inflight + part.length > this.#writeWindow || this.#session._queuedFor(this.fd) > SEND_QUEUE_LIMIT)) {
        await new Promise((r) => { this.#room = r; });
      }
      if (this.#closing) {
        throw this.#session.isClosed ? await this.#session.closed : SockbridgeError.fromErrno(32, 'socket closed', 'send');
      }
      this.#inflight += part.length;
      const reply = this.#session._call(T.SEND, [this.fd, Posix.MSG_NOSIGNAL, part], this.fd).then(
        (r) => { this.#release(part.length); return r.value; },
        (e) => { this.#release(part.length); throw e; });
      reply.catch(() => {});
      replies.push(reply);
    }
    return replies;
  }

  #release(n) {
    this.#inflight -= n;
    this.#wakeWriter();
  }

  #wakeWriter() {
    const r = this.#room;
    this.#room = null;
    r?.();
  }

  /**
   * Half close: after the queued writes, shuts the sending direction (the peer reads end of
   * stream). Reading goes on.
   * @returns {Promise<void>}
   */
  async end() {
    if (this.#writeEnded) return;
    this.#writeEnded = true;
    await this.#writeTail;
    await this.#session._call(T.SHUTDOWN, [this.fd, Posix.SHUT_WR], this.fd);
  }

  /**
   * Closes the socket: reading ends (queued data is dropped), unsent writes fail, the proxy closes
   * the native socket. Idempotent.
   * @returns {Promise<void>}
   */
  async close() {
    if (this.#closing) return this.closed;
    this.#closing = true;
    this.#inbox.discard();
    this.#wakeWriter();
    await closeOnProxy(this.#session, this, this.#resolveClosed, { attached: this.#attached });
  }

  /** Sets or clears TCP_NODELAY. */
  async setNoDelay(on = true) {
    await this.#session._call(T.SETSOCKOPT, [this.fd, Posix.IPPROTO_TCP, 1, on ? 1 : 0], this.fd);
  }

  /** The proxy-side local address (getsockname). @returns {Promise<import('./address.js').SocketAddress>} */
  async localAddress() {
    return (await this.#session._call(T.GETSOCKNAME, [this.fd], this.fd)).address;
  }

  /** The peer's address (getpeername). @returns {Promise<import('./address.js').SocketAddress>} */
  async peerAddress() {
    return (await this.#session._call(T.GETPEERNAME, [this.fd], this.fd)).address;
  }

  /**
   * A WHATWG ReadableStream of the received chunks (made on first use). It reads through the same
   * credit window; cancelling it shuts the receiving direction.
   * @type {ReadableStream<Uint8Array>}
   */
  get readable() {
    this.#readable ??= new ReadableStream({
      pull: async (c) => {
        const data = await this.read();
        if (data) c.enqueue(data);
        else c.close();
      },
      cancel: async () => {
        this.#inbox.discard();
        if (!this.#closing) await this.#session._call(T.SHUTDOWN, [this.fd, Posix.SHUT_RD], this.fd).catch(() => {});
      },
    }, { highWaterMark: 0 });
    return this.#readable;
  }

  /**
   * A WHATWG WritableStream to the socket (made on first use). Chunks are pipelined within the
   * write window; closing the stream ends the sending direction (end()), aborting it closes the
   * socket.
   * @type {WritableStream<Uint8Array|ArrayBuffer|string>}
   */
  get writable() {
    if (!this.#writable) {
      const done = [];
      let failed = null;
      const check = () => { if (failed) throw failed; };
      this.#writable = new WritableStream({
        write: async (chunk) => {
          check();
          const w = this.#queueWrite(chunk);
          w.done.catch((e) => { failed ??= e; });
          done.push(w.done);
          if (done.length > 64) done.splice(0, 32);
          await w.sent;
        },
        close: async () => {
          await Promise.all(done);
          check();
          await this.end();
        },
        abort: async () => { await this.close(); },
      }, { highWaterMark: 1 });
    }
    return this.#writable;
  }
}

/**
 * A datagram: its bytes and where it came from.
 * @typedef {object} Datagram
 * @property {Uint8Array} data
 * @property {string} host
 * @property {number} port
 * @property {boolean} truncated  MSG_TRUNC: the datagram was cut
 */

/**
 * A UDP socket through the proxy, made by `session.udp({bind})`.
 *
 * Receiving: either `onMessage((data, {host, port}) => ...)`, or
 * `for await (const {data, host, port} of socket)` / `receive()`. Unconsumed datagrams queue up to
 * the window (each costs max(1, length) bytes); beyond it the proxy drops them. Over WebTransport
 * the proxy pushes each datagram as a QUIC datagram when the encoded event fits one (about 1150
 * bytes of payload), else on the session's stream; both arrive here alike (`stats` counts which).
 *
 * Sending: `await socket.sendTo(bytes, host, port)`. What `datagrams` (an option of
 * `session.udp`) chooses, on a session with a datagram path (WebTransport):
 *
 * | `datagrams` | path | resolves | too large for one datagram |
 * | --- | --- | --- | --- |
 * | `false` (default) | a SENDTO call on the stream | bytes sent, as the proxy reports | sent (up to 65507) |
 * | `true` | a QUIC datagram, fire and forget | at once, with the length | rejects, `EMSGSIZE` (errno 90) |
 * | `'auto'` | datagram when it fits, else a SENDTO call | at once / as the proxy reports | sent on the stream |
 *
 * On a session without a datagram path (WebSocket) every mode is a SENDTO call. Fire-and-forget
 * datagrams can be lost and their failures (e.g. a destination the policy refuses) are not
 * reported: the proxy counts them, see {@link UdpSocket#droppedByProxy}.
 */
export class UdpSocket {
  fd;
  closed;
  /**
   * Counters of this socket: `datagramsSent` (sendTo as a QUIC datagram), `sentOnStream` (sendTo
   * as a SENDTO call), `droppedTooLarge` (sendTo refused for the datagram path because the
   * encoded message was larger than the session's `maxDatagramSize`; with `datagrams: true`
   * those rejected with EMSGSIZE, with `'auto'` those then sent on the stream),
   * `datagramsReceived` (events that came as QUIC datagrams), `receivedOnStream` (events that came
   * on the stream).
   */
  stats = { datagramsSent: 0, sentOnStream: 0, droppedTooLarge: 0, datagramsReceived: 0, receivedOnStream: 0, droppedQueueFull: 0 };

  #session;
  #inbox;
  #listener = null;
  #closing = false;
  #datagrams;
  #resolveClosed;

  /** @internal */
  constructor(session, fd, { window = DEFAULT_WINDOW, datagrams = false } = {}) {
    if (datagrams !== true && datagrams !== false && datagrams !== 'auto') {
      throw new TypeError(`datagrams must be true, false or 'auto', not ${datagrams}`);
    }
    this.#session = session;
    this.fd = fd;
    this.#datagrams = datagrams;
    this.#inbox = new Inbox(session, fd, window);
    this.closed = new Promise((r) => { this.#resolveClosed = r; });
    session._own(fd, this);
  }

  /** The `datagrams` mode: false, true or 'auto'. */
  get datagramMode() {
    return this.#datagrams;
  }

  /** True when sendTo uses the session's datagram path (a mode other than false, on WebTransport). */
  get usesDatagrams() {
    return this.#datagrams !== false && this.#session.hasDatagrams;
  }

  /** @internal */
  _startPush() {
    return this.#session._call(T.PUSH, [this.fd, true, this.#inbox.window]);
  }

  /** @internal `via`: 'datagram' or 'stream' */
  _event(m, via = 'stream') {
    if (m.kind === 'DATA_EVENT') {
      if (via === 'datagram') {
        // the proxy spends no credit on datagrams (a lost one could never be granted back), so none is
        // granted for them either; a page that stops reading drops them here, as a full UDP buffer would
        if (this.#inbox.size >= MAX_QUEUED_DATAGRAMS) {
          this.stats.droppedQueueFull++;
          return;
        }
        this.stats.datagramsReceived++;
      } else this.stats.receivedOnStream++;
      const from = m.from ?? { host: '', port: 0 };
      const cost = via === 'datagram' ? 0 : Math.max(1, m.data.length);
      const item = { data: m.data, host: from.host, port: from.port, truncated: (m.flags & Posix.MSG_TRUNC) !== 0, cost };
      this.#inbox.push(item);
      this.#drain();
    } else if (m.kind === 'READY_EVENT' && (m.events & Posix.POLLERR)) {
      // ICMP errors and the like on UDP: reported, not fatal
      this.onerror?.(SockbridgeError.fromErrno(m.errno, 'socket error', 'recvfrom'));
    }
  }

  /** Called with asynchronous socket errors (e.g. ECONNREFUSED after an ICMP port unreachable). */
  onerror = null;

  /** @internal */
  _sessionClosed(err) {
    this.#closing = true;
    this.#inbox.finish(err);
    this.#resolveClosed();
  }

  #drain() {
    if (!this.#listener) return;
    let item;
    while ((item = this.#inbox.takeNow()) !== undefined) {
      try {
        this.#listener(item.data, { host: item.host, port: item.port, truncated: item.truncated });
      } catch (e) {
        queueMicrotask(() => { throw e; });
      }
    }
  }

  /**
   * Delivers every datagram to `fn(data, {host, port, truncated})` (instead of the iterator).
   * @param {(data: Uint8Array, from: {host: string, port: number, truncated: boolean}) => void} fn
   * @returns {() => void} stops the delivery
   */
  onMessage(fn) {
    this.#listener = fn;
    this.#drain();
    return () => { if (this.#listener === fn) this.#listener = null; };
  }

  /** The next datagram, or null once closed. @returns {Promise<Datagram|null>} */
  async receive() {
    const item = await this.#inbox.take();
    if (!item) return null;
    const { cost, ...d } = item;
    return d;
  }

  /** `for await (const {data, host, port} of socket)`. */
  [Symbol.asyncIterator]() {
    return iterate(() => this.receive());
  }

  /**
   * Sends one datagram; the path follows the socket's `datagrams` mode (see the class).
   * @param {Uint8Array|ArrayBuffer|ArrayBufferView|string} data
   * @param {string|{host: string, port: number}} host  or "host:port" / an address object when port is omitted
   * @param {number} [port]
   * @returns {Promise<number>} bytes sent (on the datagram path: handed to the browser)
   */
  async sendTo(data, host, port) {
    const to = toSocketAddress(host, port);
    if (this.#closing) throw SockbridgeError.fromErrno(9, 'socket closed', 'sendto');
    if (this.#datagrams !== false && this.#session.hasDatagrams) {
      const bytes = toBytes(data);
      const r = await this.#session._sendDatagram(this.fd, bytes, to);
      if (r === 'sent') {
        this.stats.datagramsSent++;
        return bytes.length;
      }
      if (r === 'too-large') {
        this.stats.droppedTooLarge++;
        if (this.#datagrams === true) {
          throw SockbridgeError.fromErrno(90, `${bytes.length} bytes do not fit one datagram of this session (at most ${this.#session.maxDatagramSize} bytes with the message's fields)`, 'sendto');
        }
      }
      // 'auto' too large, or the datagram path went away: the reliable way
    }
    this.stats.sentOnStream++;
    return (await this.#session._call(T.SENDTO, [this.fd, 0, to, data])).value;
  }

  /** Sets the default destination (and the only source accepted): connect(2) on UDP. */
  async connect(host, port) {
    await this.#session._call(T.CONNECT, [this.fd, toSocketAddress(host, port)]);
  }

  /** Sends to the connected destination (always a SENDTO call). @returns {Promise<number>} */
  async send(data) {
    this.stats.sentOnStream++;
    return (await this.#session._call(T.SENDTO, [this.fd, 0, null, data])).value;
  }

  /** The proxy-side local address (getsockname). */
  async localAddress() {
    return (await this.#session._call(T.GETSOCKNAME, [this.fd])).address;
  }

  /**
   * How many datagrams of this socket the proxy has dropped: no room, source not allowed, send
   * queue full, failed fire-and-forget sends, push events the datagram path refused
   * (getsockopt SOL_SOCKBRIDGE 0x5342 / SB_DATAGRAMS_DROPPED 1). Datagrams lost on the network
   * are counted by nobody.
   * @returns {Promise<number>}
   */
  async droppedByProxy() {
    const [level, name] = SocketOption.SB_DATAGRAMS_DROPPED;
    return (await this.#session._call(T.GETSOCKOPT, [this.fd, level, name])).value;
  }

  /** Closes the socket; iteration ends. Idempotent. */
  async close() {
    if (this.#closing) return this.closed;
    this.#closing = true;
    this.#listener = null;
    this.#inbox.discard();
    await closeOnProxy(this.#session, this, this.#resolveClosed);
  }
}

/**
 * A listening TCP socket on the proxy's side, made by `session.listen({host, port})`.
 * `address` is where it listens; `accept()` or `for await (const socket of listener)` yields
 * each connection as a TcpSocket already in push mode. At most `backlog` accepted connections
 * wait unconsumed; beyond that the proxy keeps them in its accept queue.
 */
export class TcpListener {
  fd;
  /** @type {import('./address.js').SocketAddress|null} */
  address = null;
  closed;

  #session;
  #inbox;
  #window;
  #closing = false;
  #resolveClosed;

  /** @internal */
  constructor(session, fd, { window = DEFAULT_WINDOW, backlog = 16 } = {}) {
    this.#session = session;
    this.fd = fd;
    this.#window = window;
    this.#inbox = new Inbox(session, fd, backlog);
    this.closed = new Promise((r) => { this.#resolveClosed = r; });
    session._own(fd, this);
  }

  /** @internal */
  _startPush() {
    return this.#session._call(T.PUSH, [this.fd, true, this.#inbox.window]);
  }

  /** @internal */
  _event(m) {
    if (m.kind === 'ACCEPT_EVENT') {
      const sock = new TcpSocket(this.#session, m.newFd, { window: this.#window, remote: m.peer });
      const ready = sock._startPush().then(() => sock, (e) => { sock.close().catch(() => {}); throw e; });
      ready.catch(() => {});
      this.#inbox.push({ ready, cost: 1 });
    } else if (m.kind === 'READY_EVENT' && (m.events & Posix.POLLERR)) {
      this.onerror?.(SockbridgeError.fromErrno(m.errno, 'accept failed', 'accept'));
    }
  }

  /** Called with accept errors that do not end the listener (e.g. EMFILE). */
  onerror = null;

  /** @internal */
  _sessionClosed(err) {
    this.#closing = true;
    this.#inbox.finish(err);
    this.#resolveClosed();
  }

  /** The next connection, or null once closed. @returns {Promise<TcpSocket|null>} */
  async accept() {
    const item = await this.#inbox.take();
    return item ? item.ready : null;
  }

  [Symbol.asyncIterator]() {
    return iterate(() => this.accept());
  }

  /** Stops listening. Connections already accepted stay open. */
  async close() {
    if (this.#closing) return this.closed;
    this.#closing = true;
    this.#inbox.finish();
    await closeOnProxy(this.#session, this, this.#resolveClosed);
  }
}
