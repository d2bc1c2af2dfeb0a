/** The agent string this client sends in HELLO. */
export const AGENT: "sockbridge-js/0.1";
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
    /**
     * Does the HELLO/WELCOME handshake on an open transport.
     * @param {import('./transport.js').Transport} transport
     * @param {{agent?: string, timeout?: number, streamPerSocket?: boolean}} [o]
     * @returns {Promise<Session>}
     */
    static handshake(transport: import("./transport.js").Transport, { agent, timeout, streamPerSocket }?: {
        agent?: string;
        timeout?: number;
        streamPerSocket?: boolean;
    }): Promise<Session>;
    /**
     * @internal use {@link connect}
     * @param {import('./transport.js').Transport} transport
     * @param {Welcome} welcome
     * @param {{streamPerSocket?: boolean}} [o]
     */
    constructor(transport: import("./transport.js").Transport, welcome: Welcome, { streamPerSocket }?: {
        streamPerSocket?: boolean;
    });
    /** @type {Welcome} */
    welcome: Welcome;
    /**
     * Resolves (never rejects) when the session has ended, with the SockbridgeError that says why.
     * @type {Promise<SockbridgeError>}
     */
    closed: Promise<SockbridgeError>;
    /**
     * Events (DATA_EVENT, ACCEPT_EVENT, READY_EVENT in object form) for descriptors that no socket
     * object of this session owns: for power users driving push mode with {@link Session#call}.
     * @type {((event: object) => void)|null}
     */
    onevent: ((event: object) => void) | null;
    /**
     * Called once when the proxy says it is going away (it drains for a rollout), with
     * `{reason, source}`: `source` is `'protocol'` (a GOING_AWAY message) or `'transport'`
     * (WebTransport's `draining`). The session still works: finish what is under way, then
     * {@link Session#close} and connect again (a balancer picks another proxy); the proxy closes the
     * session with 1001 when its drain ends.
     */
    ongoaway: ((info: GoingAwayInfo) => void) | null;
    /**
     * Resolves (with the same `{reason, source}`) when the proxy says it is going away; never, if the
     * session ends without it.
     */
    goingAway: Promise<GoingAwayInfo>;
    /** Replies received for no waiting call (ignored). */
    strayReplies: number;
    /**
     * Why WebTransport was not used when {@link connectBest} fell back to WebSocket (else null).
     * @type {SockbridgeError|null}
     */
    fallbackReason: SockbridgeError | null;
    /** True once the session has ended. */
    get isClosed(): boolean;
    /** The largest data one SEND/SENDTO frame carries, after the message's own fields. */
    get maxDataPerFrame(): number;
    /** Calls sent and not yet answered. */
    get outstandingCalls(): number;
    /**
     * The transport's own send queue in bytes, when it reports one.
     * @returns {number}
     */
    get bufferedAmount(): number;
    /** True when the transport has an unreliable datagram path (WebTransport). */
    get hasDatagrams(): boolean;
    /**
     * The largest datagram (one encoded SENDTO) the transport sends now; 0 without a datagram path.
     * @returns {number}
     */
    get maxDatagramSize(): number;
    /**
     * `'webtransport'`, `'websocket'`, or the custom transport's `kind` (else `'custom'`).
     * @returns {string}
     */
    get transportKind(): string;
    /**
     * The transport (a WebSocketTransport, WebTransportTransport or your own).
     * @returns {import('./transport.js').Transport}
     */
    get transport(): import("./transport.js").Transport;
    /** True when each TCP socket gets a stream of its own (WebTransport; option `streamPerSocket`). */
    get streamPerSocket(): boolean;
    /** Extra streams open now (one per TCP socket over WebTransport). */
    get openStreams(): number;
    /**
     * Datagram counters of the session: `sent` (SENDTO datagrams handed to the transport),
     * `received` (DATA_EVENTs that came as datagrams), `droppedTooLarge` (sends refused because the
     * encoded SENDTO is larger than `maxDatagramSize`), `droppedMalformed` (datagrams received that
     * were not a DATA_EVENT, dropped), plus the transport's own counters when it has them
     * (`keepAlivesSent`, `failed`).
     */
    get datagramStats(): {
        sent: number;
        received: number;
        droppedTooLarge: number;
        droppedMalformed: number;
        keepAlivesSent: any;
        failed: any;
    };
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
    call(type: string | number, ...fields: any[]): Promise<object>;
    /** @internal calls for the socket classes: by code with prebuilt fields, on the descriptor's channel */
    _call(code: any, fields: any, fd: any): Promise<any>;
    /**
     * Grants `bytes` more push credit to socket `fd` (CREDIT). The socket classes do this
     * themselves as their data is consumed.
     */
    credit(fd: any, bytes: any): void;
    /**
     * Sends a SENDTO with call id 0 on the transport's datagram path: fire and forget, no reply.
     * @returns {boolean} false when it was not sent (no datagram path, too big, closing)
     */
    sendDatagram(fd: any, data: any, address: any): boolean;
    /**
     * @internal for UdpSocket: waits (bounded by the session's end) until the transport's datagram
     * queue has room, then sends.
     * @returns {Promise<'sent'|'too-large'|'unavailable'>}
     */
    _sendDatagram(fd: any, data: any, address: any): Promise<"sent" | "too-large" | "unavailable">;
    /**
     * @internal opens an extra stream for one socket (WebTransport, `streamPerSocket`), null when
     * the session does not use them or the transport refused (then the main channel is used).
     */
    _openChannel(sendOrder?: number): Promise<import("./transport.js").Transport>;
    /** @internal bytes queued in the browser on the channel `fd`'s calls and credit go on */
    _queuedFor(fd: any): any;
    /** @internal calls and credit of `fd` go on `channel` from now on */
    _route(fd: any, channel: any): void;
    /** @internal `fd` is closed: its channel, if it had one, is closed too */
    _unroute(fd: any): void;
    /** @internal routes push events for `fd` to `owner._event(m)` */
    _own(fd: any, owner: any): void;
    /** @internal */
    _disown(fd: any, owner: any): void;
    /**
     * Ends the session: says GOODBYE and closes the transport. The proxy closes every socket of the
     * session. Resolves once the transport is closed (bounded: after 2 s it stops waiting).
     * @param {number} [code] default 1000
     * @param {string} [reason]
     */
    close(code?: number, reason?: string): Promise<void>;
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
    connect(host: string, port: number, { family, window, noDelay, timeout, sendOrder }?: {
        family?: number;
        window?: number;
        noDelay?: boolean;
        timeout?: number;
        sendOrder?: number;
    }): Promise<TcpSocket>;
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
    udp({ bind, family, window, datagrams }?: {
        bind?: string | {
            host: string;
            port: number;
        };
        family?: number;
        window?: number;
        datagrams?: boolean | "auto";
    }): Promise<UdpSocket>;
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
    listen({ host, port, backlog, window }?: {
        host?: string;
        port?: number;
        backlog?: number;
        window?: number;
    }): Promise<TcpListener>;
    /**
     * Resolves a host name on the proxy (getaddrinfo): the distinct addresses in the resolver's order.
     * @param {string} host
     * @param {object} [o]
     * @param {number} [o.family]  0 (any, default), Posix.AF_INET or AF_INET6
     * @returns {Promise<string[]>}  e.g. `['127.0.0.1', '::1']`; rejects with EAI_NONAME etc.
     */
    resolve(host: string, { family }?: {
        family?: number;
    }): Promise<string[]>;
    #private;
}
/**
 * The limits the proxy announced in WELCOME.
 */
export type Welcome = {
    version: number;
    agent: string;
    /**
     * largest frame, bytes
     */
    maxFrameSize: number;
    /**
     * open sockets per session
     */
    maxSockets: number;
    /**
     * calls in flight (the client queues beyond this)
     */
    maxOutstandingCalls: number;
    /**
     * bytes the proxy buffers for the session
     */
    maxBufferedBytes: number;
};
import { SockbridgeError } from './errors.js';
import { TcpSocket } from './sockets.js';
import { UdpSocket } from './sockets.js';
import { TcpListener } from './sockets.js';
/** What {@link Session#ongoaway} and {@link Session#goingAway} report. */
export type GoingAwayInfo = {
    reason: string;
    source: "protocol" | "transport";
};
