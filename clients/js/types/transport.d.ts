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
export function openWebSocket(url: string, { protocols, WebSocket: WS, timeout }?: {
    protocols?: string[];
    WebSocket?: typeof WebSocket;
    timeout?: number;
}): Promise<WebSocketTransport>;
/** `reason` as UTF-8, cut at a character boundary to at most `max` bytes. */
export function utf8Truncated(reason: any, max: any): Uint8Array<ArrayBuffer>;
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
    set handler(fn: any);
    get handler(): any;
    deliver(frame: any): void;
    #private;
}
/**
 * A Transport on a WebSocket: one binary message per frame, subprotocol `sockbridge.v1`.
 * Created by {@link openWebSocket}.
 * @implements {Transport}
 */
export class WebSocketTransport implements Transport {
    /** @param {WebSocket} ws an open WebSocket */
    constructor(ws: WebSocket);
    /** @type {'websocket'} */
    kind: "websocket";
    /** @type {CloseListener|null} */
    onclose: CloseListener | null;
    set onframe(fn: any);
    get onframe(): any;
    /** The subprotocol the server chose. */
    get protocol(): string;
    get bufferedAmount(): number;
    send(frame: any): void;
    close(code?: number, reason?: string): void;
    #private;
}
/** The flag of a close record's first word: `[u32 BE 0x80000000 | n][u32 BE code][n - 4 bytes UTF-8 reason]`. */
export const CLOSE_FLAG: 2147483648;
/** The longest close reason in bytes (UTF-8). */
export const MAX_CLOSE_REASON_BYTES: 1024;
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
    /** One frame with its length prefix (a copy). */
    static encode(frame: any): Uint8Array<any>;
    /** The 4-byte length prefix of a frame of `length` bytes. */
    static header(length: any): Uint8Array<ArrayBuffer>;
    /**
     * A close record: `[u32 BE 0x80000000 | n][u32 BE code][UTF-8 reason]`, the reason cut to 1024
     * bytes at a character boundary.
     * @param {number} code  0..2^32-1 (WebSocket numbering: 1000 normal)
     * @param {string} [reason]
     */
    static encodeClose(code: number, reason?: string): Uint8Array<ArrayBuffer>;
    /** @param {number} [maxFrame] the largest frame accepted; longer ones throw a RangeError */
    constructor(maxFrame?: number);
    /** The peer's close record once one was read (`{code, reason}`), else null. Later bytes are ignored. */
    closeRecord: any;
    /** Bytes received and not yet part of a returned frame. */
    get pending(): number;
    /**
     * The frames completed by `chunk` (views into received memory; do not modify it). Stops at a
     * close record (see `closeRecord`). Throws a RangeError for a frame over the limit or a
     * malformed close record; the stream is unusable after that.
     * @param {Uint8Array} chunk
     * @returns {Uint8Array[]}
     */
    push(chunk: Uint8Array): Uint8Array[];
    #private;
}
/**
 * What a session needs from a transport.
 */
export type Transport = {
    /**
     * sends one frame; the transport may keep the view
     * until it is written, so the caller must not reuse its memory
     */
    send: (frame: Uint8Array) => void;
    close: (code?: number, reason?: string) => void;
    /**
     * set by the session; frames that arrive
     * before it is set are kept and delivered when it is
     */
    onframe: ((frame: Uint8Array) => void) | null;
    /**
     * called once when the transport is closed, by either side or by an error
     */
    onclose: CloseListener | null;
    /**
     * 'websocket', 'webtransport', ...
     */
    kind?: string;
    /**
     * bytes queued for sending, if the transport knows
     */
    bufferedAmount?: number;
    /**
     * optional unreliable path (WebTransport
     * datagrams): SENDTO with call id 0 from the client; false if it was not sent (too large
     * for `maxDatagramSize`, no datagram path, closing)
     */
    sendDatagram?: (frame: Uint8Array) => boolean;
    /**
     * the largest datagram now (0: none)
     */
    maxDatagramSize?: number;
    /**
     * DATA_EVENTs for UDP from the proxy
     */
    ondatagram?: ((frame: Uint8Array) => void) | null;
    /**
     * resolves when the datagram queue has room
     */
    datagramReady?: () => Promise<void>;
    /**
     * another ordered channel
     * of the same session (WebTransport: a bidirectional stream); calls sent on it are
     * answered on it, push events of a socket come on the channel its PUSH went on
     */
    openStream?: (o?: {
        timeout?: number;
    }) => Promise<Transport>;
    /**
     * waits (bounded) for channels being closed
     */
    settle?: (ms?: number) => Promise<void>;
};
/**
 * A transport's `onclose`: the close code and reason (from either side), and the error that closed
 * it, if one did.
 */
export type CloseListener = (info: {
    code: number;
    reason: string;
    error?: unknown;
}) => void;
