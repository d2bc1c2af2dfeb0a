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
    /** @internal */
    constructor(session: any, fd: any, { window, remote, sendOrder }?: {
        window?: number;
        remote?: any;
        sendOrder?: number;
    });
    /** The proxy-side descriptor. */
    fd: any;
    /** The address connected to (as given), for accepted sockets the peer. @type {import('./address.js').SocketAddress|null} */
    remoteAddress: import("./address.js").SocketAddress | null;
    /** Resolves when the socket has been closed (by close() or the session's end). @type {Promise<void>} */
    closed: Promise<void>;
    /**
     * True when this socket's calls and data use a stream of their own (WebTransport with
     * `streamPerSocket`, the default there), so a stalled socket never holds up another.
     */
    get onOwnStream(): boolean;
    /** @internal opens this socket's own stream when the session gives sockets one (once) */
    _attach(): any;
    /** @internal */
    _startPush(): Promise<any>;
    /** @internal a push event for this descriptor */
    _event(m: any): void;
    /** @internal */
    _sessionClosed(err: any): void;
    /**
     * The next chunk of data, or null at end of stream (or after close()).
     * @returns {Promise<Uint8Array|null>}
     */
    read(): Promise<Uint8Array | null>;
    /**
     * Writes bytes (Uint8Array, ArrayBuffer, typed array, or a string as UTF-8).
     * @param {Uint8Array|ArrayBuffer|ArrayBufferView|string} data
     * @returns {Promise<number>} the number of bytes taken (all of them)
     */
    write(data: Uint8Array | ArrayBuffer | ArrayBufferView | string): Promise<number>;
    /**
     * Half close: after the queued writes, shuts the sending direction (the peer reads end of
     * stream). Reading goes on.
     * @returns {Promise<void>}
     */
    end(): Promise<void>;
    /**
     * Closes the socket: reading ends (queued data is dropped), unsent writes fail, the proxy closes
     * the native socket. Idempotent.
     * @returns {Promise<void>}
     */
    close(): Promise<void>;
    /** Sets or clears TCP_NODELAY. */
    setNoDelay(on?: boolean): Promise<void>;
    /** The proxy-side local address (getsockname). @returns {Promise<import('./address.js').SocketAddress>} */
    localAddress(): Promise<import("./address.js").SocketAddress>;
    /** The peer's address (getpeername). @returns {Promise<import('./address.js').SocketAddress>} */
    peerAddress(): Promise<import("./address.js").SocketAddress>;
    /**
     * A WHATWG ReadableStream of the received chunks (made on first use). It reads through the same
     * credit window; cancelling it shuts the receiving direction.
     * @type {ReadableStream<Uint8Array>}
     */
    get readable(): ReadableStream<Uint8Array>;
    /**
     * A WHATWG WritableStream to the socket (made on first use). Chunks are pipelined within the
     * write window; closing the stream ends the sending direction (end()), aborting it closes the
     * socket.
     * @type {WritableStream<Uint8Array|ArrayBuffer|string>}
     */
    get writable(): WritableStream<Uint8Array | ArrayBuffer | string>;
    /** `for await (const chunk of socket)`. */
    [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array<ArrayBufferLike>>;
    #private;
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
    /** @internal */
    constructor(session: any, fd: any, { window, datagrams }?: {
        window?: number;
        datagrams?: boolean;
    });
    fd: any;
    closed: Promise<any>;
    /**
     * Counters of this socket: `datagramsSent` (sendTo as a QUIC datagram), `sentOnStream` (sendTo
     * as a SENDTO call), `droppedTooLarge` (sendTo refused for the datagram path because the
     * encoded message was larger than the session's `maxDatagramSize`; with `datagrams: true`
     * those rejected with EMSGSIZE, with `'auto'` those then sent on the stream),
     * `datagramsReceived` (events that came as QUIC datagrams), `receivedOnStream` (events that came
     * on the stream).
     */
    stats: {
        datagramsSent: number;
        sentOnStream: number;
        droppedTooLarge: number;
        datagramsReceived: number;
        receivedOnStream: number;
        droppedQueueFull: number;
    };
    /** The `datagrams` mode: false, true or 'auto'. */
    get datagramMode(): boolean;
    /** True when sendTo uses the session's datagram path (a mode other than false, on WebTransport). */
    get usesDatagrams(): any;
    /** @internal */
    _startPush(): any;
    /** @internal `via`: 'datagram' or 'stream' */
    _event(m: any, via?: string): void;
    /** Called with asynchronous socket errors (e.g. ECONNREFUSED after an ICMP port unreachable). */
    onerror: any;
    /** @internal */
    _sessionClosed(err: any): void;
    /**
     * Delivers every datagram to `fn(data, {host, port, truncated})` (instead of the iterator).
     * @param {(data: Uint8Array, from: {host: string, port: number, truncated: boolean}) => void} fn
     * @returns {() => void} stops the delivery
     */
    onMessage(fn: (data: Uint8Array, from: {
        host: string;
        port: number;
        truncated: boolean;
    }) => void): () => void;
    /** The next datagram, or null once closed. @returns {Promise<Datagram|null>} */
    receive(): Promise<Datagram | null>;
    /**
     * Sends one datagram; the path follows the socket's `datagrams` mode (see the class).
     * @param {Uint8Array|ArrayBuffer|ArrayBufferView|string} data
     * @param {string|{host: string, port: number}} host  or "host:port" / an address object when port is omitted
     * @param {number} [port]
     * @returns {Promise<number>} bytes sent (on the datagram path: handed to the browser)
     */
    sendTo(data: Uint8Array | ArrayBuffer | ArrayBufferView | string, host: string | {
        host: string;
        port: number;
    }, port?: number): Promise<number>;
    /** Sets the default destination (and the only source accepted): connect(2) on UDP. */
    connect(host: any, port: any): Promise<void>;
    /** Sends to the connected destination (always a SENDTO call). @returns {Promise<number>} */
    send(data: any): Promise<number>;
    /** The proxy-side local address (getsockname). */
    localAddress(): Promise<any>;
    /**
     * How many datagrams of this socket the proxy has dropped: no room, source not allowed, send
     * queue full, failed fire-and-forget sends, push events the datagram path refused
     * (getsockopt SOL_SOCKBRIDGE 0x5342 / SB_DATAGRAMS_DROPPED 1). Datagrams lost on the network
     * are counted by nobody.
     * @returns {Promise<number>}
     */
    droppedByProxy(): Promise<number>;
    /** Closes the socket; iteration ends. Idempotent. */
    close(): Promise<any>;
    /** `for await (const {data, host, port} of socket)`. */
    [Symbol.asyncIterator](): AsyncIterableIterator<Datagram>;
    #private;
}
/**
 * A listening TCP socket on the proxy's side, made by `session.listen({host, port})`.
 * `address` is where it listens; `accept()` or `for await (const socket of listener)` yields
 * each connection as a TcpSocket already in push mode. At most `backlog` accepted connections
 * wait unconsumed; beyond that the proxy keeps them in its accept queue.
 */
export class TcpListener {
    /** @internal */
    constructor(session: any, fd: any, { window, backlog }?: {
        window?: number;
        backlog?: number;
    });
    fd: any;
    /** @type {import('./address.js').SocketAddress|null} */
    address: import("./address.js").SocketAddress | null;
    closed: Promise<any>;
    /** @internal */
    _startPush(): any;
    /** @internal */
    _event(m: any): void;
    /** Called with accept errors that do not end the listener (e.g. EMFILE). */
    onerror: any;
    /** @internal */
    _sessionClosed(err: any): void;
    /** The next connection, or null once closed. @returns {Promise<TcpSocket|null>} */
    accept(): Promise<TcpSocket | null>;
    /** Stops listening. Connections already accepted stay open. */
    close(): Promise<any>;
    [Symbol.asyncIterator](): AsyncIterableIterator<TcpSocket>;
    #private;
}
/**
 * A datagram: its bytes and where it came from.
 */
export type Datagram = {
    data: Uint8Array;
    host: string;
    port: number;
    /**
     * MSG_TRUNC: the datagram was cut
     */
    truncated: boolean;
};
