import { MessageType as T, MessageTypeName, PROTOCOL_VERSION, PROTOCOL_VERSION_GOING_AWAY, Posix, CloseCode } from './constants.js';
import { buildMessage, encodeFrame, decodeFrame, parseMessage, typeCode, isRequest, ProtocolError } from './codec.js';
import { familyOf, toSocketAddress } from './address.js';
import { SockbridgeError } from './errors.js';
import { TcpSocket, UdpSocket, TcpListener } from './sockets.js';

/** The agent string this client sends in HELLO. */
export const AGENT = 'sockbridge-js/0.1';

/**
 * The limits the proxy announced in WELCOME.
 * @typedef {object} Welcome
 * @property {number} version
 * @property {string} agent
 * @property {number} maxFrameSize         largest frame, bytes
 * @property {number} maxSockets           open sockets per session
 * @property {number} maxOutstandingCalls  calls in flight (the client queues beyond this)
 * @property {number} maxBufferedBytes     bytes the proxy buffers for the session
 */

/**
 * One Sockbridge session: the socket calls of one client over one transport. Made by
 * {@link connect}.
 *
 * Calls: every request gets a fresh positive call id and exactly one reply, in any order. The
 * session keeps at most `welcome.maxOutstandingCalls` in flight and queues the rest locally.
 *
 * Lifecycle: open after the handshake; ends when {@link Session#close} is called, the proxy says
 * GOODBYE, or the transport closes. Then every pending call and every socket fails with a
 * SockbridgeError of code `'SESSION_CLOSED'`, and {@link Session#closed} resolves with that error.
 */
export class Session {
  /** @type {Welcome} */
  welcome;
  /**
   * Resolves (never rejects) when the session has ended, with the SockbridgeError that says why.
   * @type {Promise<SockbridgeError>}
   */
  closed;
  /**
   * Events (DATA_EVENT, ACCEPT_EVENT, READY_EVENT in object form) for descriptors that no socket
   * object of this session owns: for power users driving push mode with {@link Session#call}.
   * @type {((event: object) => void)|null}
   */
  onevent = null;
  /**
   * Called once when the proxy says it is going away (it drains for a rollout), with
   * `{reason, source}`: `source` is `'protocol'` (a GOING_AWAY message) or `'transport'`
   * (WebTransport's `draining`). The session still works: finish what is under way, then
   * {@link Session#close} and connect again (a balancer picks another proxy); the proxy closes the
   * session with 1001 when its drain ends.
   * @type {((info: {reason: string, source: 'protocol'|'transport'}) => void)|null}
   */
  ongoaway = null;
  /**
   * Resolves (with the same `{reason, source}`) when the proxy says it is going away; never, if the
   * session ends without it.
   * @type {Promise<{reason: string, source: 'protocol'|'transport'}>}
   */
  goingAway;
  #resolveGoingAway;
  #toldGoingAway = false;
  /** Replies received for no waiting call (ignored). */
  strayReplies = 0;
  /**
   * Why WebTransport was not used when {@link connectBest} fell back to WebSocket (else null).
   * @type {SockbridgeError|null}
   */
  fallbackReason = null;

  #t;
  #pending = new Map();
  #queue = [];
  #nextId = 1;
  #owners = new Map();
  #ended = null;
  #resolveClosed;
  #goodbye = null;
  #streamPerSocket;
  #routes = new Map(); // fd -> extra channel its calls and push events use
  #channels = new Set();
  #dg = { tooLarge: 0, dropped: 0, received: 0, sent: 0 };

  /**
   * @internal use {@link connect}
   * @param {import('./transport.js').Transport} transport
   * @param {Welcome} welcome
   * @param {{streamPerSocket?: boolean}} [o]
   */
  constructor(transport, welcome, { streamPerSocket } = {}) {
    this.#t = transport;
    this.welcome = welcome;
    this.#streamPerSocket = (streamPerSocket ?? true) && typeof transport.openStream === 'function';
    this.closed = new Promise((r) => { this.#resolveClosed = r; });
    this.goingAway = new Promise((r) => { this.#resolveGoingAway = r; });
    if ('ongoaway' in transport) transport.ongoaway = (reason) => this.#peerGoingAway(reason, 'transport');
    transport.onframe = (f) => this.#frame(f);
    if ('ondatagram' in transport) transport.ondatagram = (f) => this.#datagram(f);
    transport.onclose = ({ code, reason, error }) => {
      const g = this.#goodbye;
      this.#end(g ? SockbridgeError.closed(g.code, g.reason) : SockbridgeError.closed(code, reason, error));
    };
  }

  /**
   * Does the HELLO/WELCOME handshake on an open transport.
   * @param {import('./transport.js').Transport} transport
   * @param {{agent?: string, timeout?: number, streamPerSocket?: boolean}} [o]
   * @returns {Promise<Session>}
   */
  static handshake(transport, { agent = AGENT, timeout = 10000, streamPerSocket } = {}) {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err, value) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) {
          transport.onframe = null;
          transport.onclose = null;
          transport.close(CloseCode.NORMAL, err.reason);
          reject(err);
        } else {
          resolve(value);
        }
      };
      const timer = setTimeout(() => finish(new SockbridgeError({ code: 'TIMEOUT', reason: `no WELCOME in ${timeout} ms` })), timeout);
      transport.onclose = ({ code, reason, error }) => finish(SockbridgeError.closed(code, reason || 'closed during the handshake', error));
      transport.onframe = (frame) => {
        let m;
        try {
          m = parseMessage(decodeFrame(frame));
        } catch (e) {
          finish(new SockbridgeError({ code: 'PROTOCOL', reason: e.message, cause: e }));
          return;
        }
        if (m.kind === 'WELCOME') {
          if (m.version !== PROTOCOL_VERSION && m.version !== PROTOCOL_VERSION_GOING_AWAY) {
            finish(new SockbridgeError({ code: 'HANDSHAKE', reason: `the proxy chose protocol version ${m.version}` }));
            return;
          }
          const { kind, ...welcome } = m;
          transport.onframe = null;
          finish(null, new Session(transport, welcome, { streamPerSocket }));
        } else if (m.kind === 'GOODBYE') {
          finish(SockbridgeError.closed(m.code, m.reason));
        } else {
          finish(new SockbridgeError({ code: 'PROTOCOL', reason: `expected WELCOME, got ${m.kind}` }));
        }
      };
      try {
        transport.send(encodeFrame(buildMessage(T.HELLO, null, [[PROTOCOL_VERSION, PROTOCOL_VERSION_GOING_AWAY], agent])));
      } catch (e) {
        finish(e instanceof SockbridgeError ? e : SockbridgeError.closed(1006, e.message, e));
      }
    });
  }

  /** True once the session has ended. */
  get isClosed() {
    return this.#ended !== null;
  }

  /** The largest data one SEND/SENDTO frame carries, after the message's own fields. */
  get maxDataPerFrame() {
    return Math.max(1024, this.welcome.maxFrameSize - 64);
  }

  /** Calls sent and not yet answered. */
  get outstandingCalls() {
    return this.#pending.size;
  }

  /**
   * The transport's own send queue in bytes, when it reports one.
   * @returns {number}
   */
  get bufferedAmount() {
    return this.#t.bufferedAmount ?? 0;
  }

  /** True when the transport has an unreliable datagram path (WebTransport). */
  get hasDatagrams() {
    return typeof this.#t.sendDatagram === 'function' && (this.#t.maxDatagramSize ?? 1) > 0;
  }

  /**
   * The largest datagram (one encoded SENDTO) the transport sends now; 0 without a datagram path.
   * @returns {number}
   */
  get maxDatagramSize() {
    return this.hasDatagrams ? (this.#t.maxDatagramSize ?? Infinity) : 0;
  }

  /**
   * `'webtransport'`, `'websocket'`, or the custom transport's `kind` (else `'custom'`).
   * @returns {string}
   */
  get transportKind() {
    return this.#t.kind ?? 'custom';
  }

  /**
   * The transport (a WebSocketTransport, WebTransportTransport or your own).
   * @returns {import('./transport.js').Transport}
   */
  get transport() {
    return this.#t;
  }

  /** True when each TCP socket gets a stream of its own (WebTransport; option `streamPerSocket`). */
  get streamPerSocket() {
    return this.#streamPerSocket;
  }

  /** Extra streams open now (one per TCP socket over WebTransport). */
  get openStreams() {
    return this.#channels.size;
  }

  /**
   * Datagram counters of the session: `sent` (SENDTO datagrams handed to the transport),
   * `received` (DATA_EVENTs that came as datagrams), `droppedTooLarge` (sends refused because the
   * encoded SENDTO is larger than `maxDatagramSize`), `droppedMalformed` (datagrams received that
   * were not a DATA_EVENT, dropped), plus the transport's own counters when it has them
   * (`keepAlivesSent`, `failed`).
   */
  get datagramStats() {
    const t = this.#t.stats ?? {};
    return {
      sent: this.#dg.sent,
      received: this.#dg.received,
      droppedTooLarge: this.#dg.tooLarge,
      droppedMalformed: this.#dg.dropped,
      keepAlivesSent: t.keepAlivesSent ?? 0,
      failed: t.datagramsFailed ?? 0,
    };
  }

  /**
   * Any socket call, by type: `call('connect', fd, {host: '127.0.0.1', port: 7})`. `type` is the
   * request's name in any case (`'recvfrom'`, `'GETADDRINFO'`) or its code (`MessageType.SEND`);
   * `fields` follow the call id in wire order (see codec.js: fieldNames), with addresses as
   * `{host, port}` or `"host:port"`, data as Uint8Array/ArrayBuffer/string, poll lists as
   * `[{fd, events}]`.
   *
   * Resolves with the reply in object form: `{kind: 'VALUE_REPLY', callId, value}`,
   * `{kind: 'DATA_REPLY', flags, from, data}`, ... Rejects with a SockbridgeError (errno, code,
   * reason) on ERROR_REPLY or when the session ends.
   *
   * @param {string|number} type
   * @param {...*} fields
   * @returns {Promise<object>}
   */
  call(type, ...fields) {
    let code;
    try {
      code = typeCode(type);
      if (!isRequest(code)) throw new TypeError(`${MessageTypeName[code]} is not a request`);
      return this.#call(buildMessage(code, 0, fields));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** @internal a built wire array whose call id (index 1) is assigned here, sent on `channel` (default the main one) */
  #call(wire, channel = null) {
    if (this.#ended) return Promise.reject(this.#ended);
    if (channel && !this.#channels.has(channel)) channel = null;
    return new Promise((resolve, reject) => {
      const entry = { wire, resolve, reject, channel, name: MessageTypeName[wire[0]].toLowerCase() };
      if (this.#pending.size >= this.welcome.maxOutstandingCalls) this.#queue.push(entry);
      else this.#dispatch(entry);
    });
  }

  #dispatch(entry) {
    let id = this.#nextId;
    while (this.#pending.has(id)) id = id >= 0x7fffffff ? 1 : id + 1;
    this.#nextId = id >= 0x7fffffff ? 1 : id + 1;
    entry.wire[1] = id;
    this.#pending.set(id, entry);
    try {
      (entry.channel ?? this.#t).send(encodeFrame(entry.wire));
    } catch (e) {
      this.#pending.delete(id);
      entry.reject(e instanceof SockbridgeError ? e : SockbridgeError.closed(1006, e.message, e));
    }
    entry.wire = null;
  }

  /** @internal calls for the socket classes: by code with prebuilt fields, on the descriptor's channel */
  _call(code, fields, fd) {
    try {
      return this.#call(buildMessage(code, 0, fields), fd === undefined ? null : this.#routes.get(fd) ?? null);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Grants `bytes` more push credit to socket `fd` (CREDIT). The socket classes do this
   * themselves as their data is consumed.
   */
  credit(fd, bytes) {
    if (this.#ended || bytes <= 0) return;
    this.#sendControl(buildMessage(T.CREDIT, null, [fd, bytes]), this.#routes.get(fd));
  }

  /**
   * Sends a SENDTO with call id 0 on the transport's datagram path: fire and forget, no reply.
   * @returns {boolean} false when it was not sent (no datagram path, too big, closing)
   */
  sendDatagram(fd, data, address) {
    return this.#sendDatagram(fd, data, address) === 'sent';
  }

  /** @returns {'sent'|'too-large'|'unavailable'} */
  #sendDatagram(fd, data, address) {
    if (this.#ended || !this.hasDatagrams) return 'unavailable';
    const frame = encodeFrame(buildMessage(T.SENDTO, 0, [fd, 0, address, data]));
    if (frame.length > this.maxDatagramSize) {
      this.#dg.tooLarge++;
      return 'too-large';
    }
    if (!this.#t.sendDatagram(frame)) return 'unavailable';
    this.#dg.sent++;
    return 'sent';
  }

  /**
   * @internal for UdpSocket: waits (bounded by the session's end) until the transport's datagram
   * queue has room, then sends.
   * @returns {Promise<'sent'|'too-large'|'unavailable'>}
   */
  async _sendDatagram(fd, data, address) {
    if (!this.hasDatagrams) return 'unavailable';
    await this.#t.datagramReady?.();
    return this.#sendDatagram(fd, data, address);
  }

  #sendControl(wire, channel) {
    try {
      (channel && this.#channels.has(channel) ? channel : this.#t).send(encodeFrame(wire));
    } catch {
      // the transport is closing; onclose ends the session
    }
  }

  /**
   * @internal opens an extra stream for one socket (WebTransport, `streamPerSocket`), null when
   * the session does not use them or the transport refused (then the main channel is used).
   */
  async _openChannel(sendOrder = 0) {
    if (!this.#streamPerSocket || this.#ended) return null;
    let ch;
    try {
      ch = await this.#t.openStream(sendOrder ? { sendOrder } : undefined);
    } catch {
      return null;
    }
    if (this.#ended) {
      ch.close(CloseCode.GOING_AWAY, 'session closed');
      return null;
    }
    this.#channels.add(ch);
    ch.onframe = (f) => this.#frame(f);
    ch.onclose = (info) => this.#channelClosed(ch, info);
    return ch;
  }

  /** @internal bytes queued in the browser on the channel `fd`'s calls and credit go on */
  _queuedFor(fd) {
    const ch = this.#routes.get(fd);
    return (ch && this.#channels.has(ch) ? ch.bufferedAmount : this.#t.bufferedAmount) ?? 0;
  }

  /** @internal calls and credit of `fd` go on `channel` from now on */
  _route(fd, channel) {
    if (channel) this.#routes.set(fd, channel);
  }

  /** @internal `fd` is closed: its channel, if it had one, is closed too */
  _unroute(fd) {
    const ch = this.#routes.get(fd);
    if (!ch) return;
    this.#routes.delete(fd);
    this.#channels.delete(ch);
    ch.close(CloseCode.NORMAL, '');
  }

  /** An extra stream ended while in use: its calls fail, its sockets end, the proxy closes them. */
  #channelClosed(ch, { code, reason, error }) {
    if (!this.#channels.delete(ch) || this.#ended) return;
    const err = new SockbridgeError({ code: 'STREAM_CLOSED', reason: `the socket's stream closed: ${code}${reason ? ` ${reason}` : ''}`, closeCode: code, cause: error });
    for (const [id, entry] of [...this.#pending]) {
      if (entry.channel === ch) {
        this.#settled(id);
        entry.reject(err);
      }
    }
    this.#queue = this.#queue.filter((entry) => {
      if (entry.channel !== ch) return true;
      entry.reject(err);
      return false;
    });
    for (const [fd, c] of [...this.#routes]) {
      if (c !== ch) continue;
      this.#routes.delete(fd);
      const owner = this.#owners.get(fd);
      this.#owners.delete(fd);
      owner?._sessionClosed(err);
      // its push events went to that stream: release the descriptor
      this.#call(buildMessage(T.CLOSE, 0, [fd])).catch(() => {});
    }
  }

  /** @internal routes push events for `fd` to `owner._event(m)` */
  _own(fd, owner) {
    this.#owners.set(fd, owner);
  }

  /** @internal */
  _disown(fd, owner) {
    if (this.#owners.get(fd) === owner) this.#owners.delete(fd);
  }

  /** A datagram from the proxy: only DATA_EVENTs (UDP in push mode) are allowed; others are dropped. */
  #datagram(bytes) {
    if (this.#ended) return;
    let m;
    try {
      m = parseMessage(decodeFrame(bytes));
    } catch {
      this.#dg.dropped++;
      return;
    }
    if (m.kind !== 'DATA_EVENT') {
      this.#dg.dropped++;
      return;
    }
    this.#dg.received++;
    const owner = this.#owners.get(m.fd);
    if (owner) owner._event(m, 'datagram');
    else this.onevent?.(m);
  }

  #frame(bytes) {
    if (this.#ended) return;
    let m;
    try {
      m = parseMessage(decodeFrame(bytes));
    } catch (e) {
      // a malformed reply whose call is waiting fails that call; anything else ends the session
      const entry = e instanceof ProtocolError && e.type >= 0x40 ? this.#pending.get(e.callId) : undefined;
      if (entry) {
        this.#settled(e.callId);
        entry.reject(SockbridgeError.fromErrno(71, `malformed reply: ${e.message}`, entry.name));
      } else {
        this.#protocolError(e instanceof ProtocolError ? e.message : String(e));
      }
      return;
    }
    const code = T[m.kind];
    if (code >= 0x40) {
      const entry = this.#pending.get(m.callId);
      if (!entry) {
        this.strayReplies++; // a reply to no waiting call: ignored (docs/protocol.md section 8)
        return;
      }
      this.#settled(m.callId);
      if (code === T.ERROR_REPLY) entry.reject(SockbridgeError.fromErrno(m.code, m.reason, entry.name));
      else entry.resolve(m);
    } else if (code === T.DATA_EVENT || code === T.ACCEPT_EVENT || code === T.READY_EVENT) {
      const owner = this.#owners.get(m.fd);
      if (owner) owner._event(m, 'stream');
      else this.onevent?.(m);
    } else if (code === T.GOING_AWAY && this.welcome.version >= PROTOCOL_VERSION_GOING_AWAY) {
      this.#peerGoingAway(m.reason ?? '', 'protocol');
    } else if (code === T.GOODBYE) {
      this.#goodbye = { code: m.code, reason: m.reason };
      this.#end(SockbridgeError.closed(m.code, m.reason));
      this.#t.close(CloseCode.NORMAL, 'goodbye');
    } else {
      this.#protocolError(`a proxy may not send ${m.kind}`);
    }
  }

  #peerGoingAway(reason, source) {
    if (this.#toldGoingAway || this.isClosed) return;
    this.#toldGoingAway = true;
    const info = { reason, source };
    this.#resolveGoingAway(info);
    try {
      this.ongoaway?.(info);
    } catch (e) {
      queueMicrotask(() => { throw e; }); // the application's error, reported as uncaught
    }
  }

  #settled(callId) {
    this.#pending.delete(callId);
    if (this.#queue.length) this.#dispatch(this.#queue.shift());
  }

  #protocolError(reason) {
    this.#sendControl(buildMessage(T.GOODBYE, null, [CloseCode.PROTOCOL_ERROR, reason]));
    this.#end(new SockbridgeError({ code: 'PROTOCOL', reason, closeCode: CloseCode.PROTOCOL_ERROR }));
    this.#t.close(CloseCode.NORMAL, 'protocol error');
  }

  #end(err) {
    if (this.#ended) return;
    this.#ended = err;
    const pending = [...this.#pending.values(), ...this.#queue];
    this.#pending.clear();
    this.#queue = [];
    for (const p of pending) p.reject(err);
    for (const owner of new Set(this.#owners.values())) owner._sessionClosed(err);
    this.#owners.clear();
    this.#routes.clear();
    this.#channels.clear();
    this.#resolveClosed(err);
  }

  /**
   * Ends the session: says GOODBYE and closes the transport. The proxy closes every socket of the
   * session. Resolves once the transport is closed (bounded: after 2 s it stops waiting).
   * @param {number} [code] default 1000
   * @param {string} [reason]
   */
  async close(code = CloseCode.NORMAL, reason = '') {
    if (!this.#ended && this.#t.settle) await this.#t.settle(); // WebTransport: let closing socket streams finish
    if (!this.#ended) {
      this.#goodbye = { code, reason: reason || 'closed by the client' };
      this.#sendControl(buildMessage(T.GOODBYE, null, [code, reason]));
      this.#t.close(CloseCode.NORMAL, reason);
      let timer;
      const timeout = new Promise((r) => { timer = setTimeout(r, 2000); });
      await Promise.race([this.closed, timeout]);
      clearTimeout(timer);
      this.#end(SockbridgeError.closed(code, reason || 'closed by the client'));
    }
  }

  // ------------------------------------------------------------------ friendly API

  /**
   * Opens a TCP connection through the proxy: socket, connect, then push mode with a receive
   * window of `window` bytes.
   *
   * @param {string} host  IPv4/IPv6 literal or a name (resolved by the proxy)
   * @param {number} port
   * @param {object} [o]
   * @param {number} [o.family]  Posix.AF_INET (default for names) or AF_INET6
   * @param {number} [o.window]  receive window (push credit) in bytes, default 256 KiB
   * @param {boolean} [o.noDelay]  set TCP_NODELAY
   * @param {number} [o.timeout]  ms for the connect, default 30000; on expiry the socket is closed
   *        and the promise rejects with ETIMEDOUT
   * @param {number} [o.sendOrder]  WebTransport: the priority of the socket's stream (higher is
   *        sent first, default 0) where the browser has stream priorities
   *        (`session.transport.features.sendOrder`); ignored elsewhere
   * @returns {Promise<TcpSocket>}
   */
  async connect(host, port, { family, window, noDelay = false, timeout = 30000, sendOrder = 0 } = {}) {
    const remote = toSocketAddress(host, port);
    const af = family ?? familyOf(remote.host, Posix.AF_INET);
    const fd = (await this._call(T.SOCKET, [af, Posix.SOCK_STREAM, 0])).value;
    const sock = new TcpSocket(this, fd, { window, remote, sendOrder });
    try {
      let timer;
      const expired = new Promise((_, reject) => {
        timer = setTimeout(() => reject(SockbridgeError.fromErrno(110, `no connection in ${timeout} ms`, 'connect')), timeout);
      });
      // over WebTransport the socket's stream first: connect, options, push and data all go on it
      const steps = sock._attach().then(() => Promise.all([
        this._call(T.CONNECT, [fd, remote], fd),
        noDelay ? this._call(T.SETSOCKOPT, [fd, Posix.IPPROTO_TCP, 1, 1], fd) : null,
        sock._startPush(),
      ]));
      try {
        await Promise.race([steps, expired]);
      } finally {
        clearTimeout(timer);
        steps.catch(() => {});
      }
    } catch (e) {
      sock.close().catch(() => {});
      throw e;
    }
    return sock;
  }

  /**
   * Opens a UDP socket through the proxy, bound if `bind` is given (else bound by its first
   * sendTo), in push mode: datagrams arrive through `onMessage` or async iteration.
   *
   * @param {object} [o]
   * @param {string|{host: string, port: number}} [o.bind]  local address, e.g. `'127.0.0.1:0'`
   * @param {number} [o.family]  Posix.AF_INET (default) or AF_INET6; inferred from `bind`
   * @param {number} [o.window]  receive window in bytes (each datagram costs max(1, length)), default 256 KiB
   * @param {boolean|'auto'} [o.datagrams]  how sendTo sends on a transport with a datagram path
   *        (WebTransport): false (default) SENDTO calls; true fire-and-forget datagrams, EMSGSIZE
   *        when one does not fit; 'auto' a datagram when it fits, else a call (see UdpSocket)
   * @returns {Promise<UdpSocket>}
   */
  async udp({ bind, family, window, datagrams = false } = {}) {
    if (datagrams !== true && datagrams !== false && datagrams !== 'auto') {
      throw new TypeError(`datagrams must be true, false or 'auto', not ${datagrams}`);
    }
    const local = bind == null ? null : toSocketAddress(bind);
    const af = family ?? (local ? familyOf(local.host, Posix.AF_INET) : Posix.AF_INET);
    const fd = (await this._call(T.SOCKET, [af, Posix.SOCK_DGRAM, 0])).value;
    const sock = new UdpSocket(this, fd, { window, datagrams });
    try {
      await Promise.all([local ? this._call(T.BIND, [fd, local]) : null, sock._startPush()]);
    } catch (e) {
      sock.close().catch(() => {});
      throw e;
    }
    return sock;
  }

  /**
   * Listens for TCP connections on the proxy's side: socket, bind, listen, push mode. Accepted
   * connections arrive as TcpSockets through `accept()` or async iteration.
   *
   * @param {object} [o]
   * @param {string} [o.host]  default '127.0.0.1'
   * @param {number} [o.port]  default 0 (any free port; see `listener.address`)
   * @param {number} [o.backlog]  default 128
   * @param {number} [o.window]  receive window of each accepted socket
   * @returns {Promise<TcpListener>}
   */
  async listen({ host = '127.0.0.1', port = 0, backlog = 128, window } = {}) {
    const af = familyOf(host, Posix.AF_INET);
    const fd = (await this._call(T.SOCKET, [af, Posix.SOCK_STREAM, 0])).value;
    const l = new TcpListener(this, fd, { window });
    try {
      await this._call(T.SETSOCKOPT, [fd, Posix.SOL_SOCKET, 2, 1]);
      await this._call(T.BIND, [fd, { host, port }]);
      await this._call(T.LISTEN, [fd, backlog]);
      l.address = (await this._call(T.GETSOCKNAME, [fd])).address;
      await l._startPush();
    } catch (e) {
      l.close().catch(() => {});
      throw e;
    }
    return l;
  }

  /**
   * Resolves a host name on the proxy (getaddrinfo): the distinct addresses in the resolver's order.
   * @param {string} host
   * @param {object} [o]
   * @param {number} [o.family]  0 (any, default), Posix.AF_INET or AF_INET6
   * @returns {Promise<string[]>}  e.g. `['127.0.0.1', '::1']`; rejects with EAI_NONAME etc.
   */
  async resolve(host, { family = 0 } = {}) {
    const r = await this._call(T.GETADDRINFO, [host, null, 0, family, Posix.SOCK_STREAM, 0]);
    return [...new Set(r.results.map((ai) => ai.address?.host).filter(Boolean))];
  }
}
