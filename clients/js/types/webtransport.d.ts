/**
 * Which datagram write API a `WebTransportDatagramDuplexStream` has: `'createWritable'` (the
 * current one: Firefox, Safari), `'writable'` (the legacy attribute: Chromium), or `'none'`.
 * @param {object|null|undefined} datagrams  `wt.datagrams`
 * @returns {'createWritable'|'writable'|'none'}
 */
export function datagramWriteApi(datagrams: object | null | undefined): "createWritable" | "writable" | "none";
/**
 * Whether the browser's send streams have stream priorities: a `sendOrder` attribute on the
 * stream's writable side (WebTransportSendStream). Where it is absent the option is ignored.
 * @param {WritableStream} writable
 */
export function hasSendOrder(writable: WritableStream): boolean;
/**
 * The https:// URL the WebTransport constructor wants: `webtransport://host:port/path` becomes
 * `https://host:port/path`; https:// URLs are kept.
 * @param {string} url
 */
export function toWebTransportUrl(url: string): string;
/**
 * `serverCertificateHashes` for the WebTransport constructor from what a proxy publishes: each
 * entry a base64 (or base64url, or 64-digit hex) SHA-256 of the DER certificate, bytes
 * (Uint8Array/ArrayBuffer), or an `{algorithm, value}` object already. A single entry may be
 * given without the array.
 * @param {undefined|null|string|Uint8Array|ArrayBuffer|object|Array} hashes
 * @returns {{algorithm: string, value: Uint8Array}[]}
 */
export function certificateHashes(hashes: undefined | null | string | Uint8Array | ArrayBuffer | object | any[]): {
    algorithm: string;
    value: Uint8Array;
}[];
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
export function openWebTransport(url: string, { certificateHashes: hashes, timeout, keepAlive, closeTimeout, maxFrame, webTransportOptions, WebTransport: WT, }?: {
    certificateHashes?: any[] | string;
    timeout?: number;
    keepAlive?: number;
    closeTimeout?: number;
    maxFrame?: number;
    webTransportOptions?: object;
    WebTransport?: typeof WebTransport;
}): Promise<WebTransportTransport>;
/**
 * Reads what a proxy publishes for WebTransport (`/webtransport.json`):
 * `{url, certificateHashes, notAfter}`; null when it has no WebTransport URL or cannot be read.
 * @param {string} jsonUrl
 * @param {{fetch?: typeof fetch, timeout?: number}} [o]
 * @returns {Promise<{url: string, certificateHashes: string[], notAfter?: string}|null>}
 */
export function fetchWebTransportInfo(jsonUrl: string, { fetch: f, timeout }?: {
    fetch?: typeof fetch;
    timeout?: number;
}): Promise<{
    url: string;
    certificateHashes: string[];
    notAfter?: string;
} | null>;
/** The keep-alive datagram: one byte 0x00 (CBOR integer 0, dropped by the proxy). */
export const KEEPALIVE_DATAGRAM: Uint8Array<ArrayBuffer>;
/**
 * The send order of the main channel where the browser honours `sendOrder` (Firefox 119+,
 * Safari 26.4): above the sockets' streams (0 unless a socket asks for more), so calls, credit
 * and GOODBYE are not queued behind a socket's bulk data.
 */
export const MAIN_SEND_ORDER: 1;
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
    /**
     * @param {{readable: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>}} bidi
     * @param {object} [o]
     * @param {number} [o.maxFrame]  the largest frame accepted (larger: close 1009)
     * @param {{sent?: () => void, peerClosed?: (code: number, reason: string, record: boolean) => boolean,
     *          ended?: (info: object) => boolean}} [o.hooks]  for the main channel: `peerClosed`
     *        returning true takes over the answer to a close record, `ended` returning true takes
     *        over reporting the end
     */
    constructor(bidi: {
        readable: ReadableStream<Uint8Array>;
        writable: WritableStream<Uint8Array>;
    }, { maxFrame, hooks }?: {
        maxFrame?: number;
        hooks?: {
            sent?: () => void;
            peerClosed?: (code: number, reason: string, record: boolean) => boolean;
            ended?: (info: object) => boolean;
        };
    });
    /** @type {'webtransport-stream'} */
    kind: "webtransport-stream";
    /** @type {import('./transport.js').CloseListener|null} */
    onclose: import("./transport.js").CloseListener | null;
    /** Resolves when the stream is done both ways: our side closed and the proxy's FIN (or a failure) read. */
    finished: Promise<any>;
    set onframe(fn: any);
    get onframe(): any;
    /** Bytes handed to the stream and not yet taken by it. */
    get bufferedAmount(): number;
    /** True once closed (by either side or a failure). */
    get isClosed(): boolean;
    /**
     * Sends one frame (`[u32 BE length][frame]`). The stream keeps the view until it is written.
     * @param {Uint8Array} frame
     */
    send(frame: Uint8Array): void;
    /**
     * Closes: a close record with `code` and `reason` (UTF-8, cut to 1024 bytes), then FIN.
     * Reports onclose at once (for the main channel, {@link WebTransportTransport} reports it when
     * the session has ended). Idempotent.
     */
    close(code?: number, reason?: string): void;
    #private;
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
    /**
     * @param {WebTransport} wt  a ready WebTransport
     * @param {{readable, writable}} mainStream  its first bidirectional stream, nothing written yet
     * @param {object} [o]
     * @param {number} [o.keepAlive]  ms between keep-alive datagrams on an idle session, default 10000; 0 = none
     * @param {number} [o.closeTimeout]  ms to wait for the session to end after a close record, default 3000
     * @param {number} [o.maxFrame]  largest frame accepted, default 16 MiB
     */
    constructor(wt: WebTransport, mainStream: {
        readable: any;
        writable: any;
    }, { keepAlive, closeTimeout, maxFrame }?: {
        keepAlive?: number;
        closeTimeout?: number;
        maxFrame?: number;
    });
    /** @type {'webtransport'} */
    kind: "webtransport";
    /** @type {import('./transport.js').CloseListener|null} */
    onclose: import("./transport.js").CloseListener | null;
    /**
     * Called once if the proxy drains the session (the browser's `WebTransport.draining` resolved:
     * a DRAIN_WEBTRANSPORT_SESSION capsule or an HTTP/3 GOAWAY), with a reason; browsers without
     * `draining` never call it (the Sockbridge GOING_AWAY message says it there).
     */
    ongoaway: ((reason: string) => void) | null;
    /** @type {((frame: Uint8Array) => void)|null} DATA_EVENTs that came as datagrams (not keep-alives) */
    ondatagram: ((frame: Uint8Array) => void) | null;
    /**
     * Counters: datagrams sent (without keep-alives), received, refused as too large by
     * sendDatagram, failed writes; keep-alive datagrams sent; extra streams opened.
     */
    stats: {
        datagramsSent: number;
        datagramsReceived: number;
        datagramsTooLarge: number;
        datagramsFailed: number;
        keepAlivesSent: number;
        streamsOpened: number;
    };
    /**
     * What this browser's WebTransport offers, as detected: `datagramWrite` which datagram write
     * API is used (`'createWritable'`, the legacy `'writable'`, or `'none'`), `sendOrder` whether
     * send streams have priorities (the main channel is then sent before the sockets' streams, and
     * `openStream({sendOrder})` / `session.connect(host, port, {sendOrder})` take effect).
     * @returns {{datagramWrite: 'createWritable'|'writable'|'none', sendOrder: boolean}}
     */
    get features(): {
        datagramWrite: "createWritable" | "writable" | "none";
        sendOrder: boolean;
    };
    /** The WebTransport object. */
    get webTransport(): WebTransport;
    set onframe(fn: any);
    get onframe(): any;
    get bufferedAmount(): number;
    /** The largest datagram (one encoded message) this session can send; 0 without a datagram path. */
    get maxDatagramSize(): number;
    /** Sends a frame on the main channel. */
    send(frame: any): void;
    /**
     * Sends one datagram (a whole encoded message, no prefix). False when it was not sent: no
     * datagram path, closing, or larger than `maxDatagramSize` (counted as `datagramsTooLarge`).
     * @param {Uint8Array} frame
     * @returns {boolean}
     */
    sendDatagram(frame: Uint8Array): boolean;
    /**
     * Resolves when the browser's datagram queue has room (its `writer.ready`), or at once when
     * closing; never rejects.
     * @returns {Promise<void>}
     */
    datagramReady(): Promise<void>;
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
    openStream({ timeout, sendOrder }?: {
        timeout?: number;
        sendOrder?: number;
    }): Promise<WebTransportStream>;
    /**
     * Ends the session: a close record with `code`/`reason` and FIN on the main channel; the proxy
     * answers by closing the WebTransport session with the same code and reason (if it has not
     * within `closeTimeout`, the session is closed from here). `onclose` follows once it has ended.
     */
    close(code?: number, reason?: string): void;
    /**
     * Resolves when the extra streams closed here have been finished by the proxy too, or after
     * `ms`. Chromium 156's renderer can crash when a session ends while many streams are half
     * closed (measured: 120 socket streams closed at once, then the session closed at once), so
     * the session waits for this before it says GOODBYE.
     * @param {number} [ms]  default 500
     */
    settle(ms?: number): Promise<void>;
    #private;
}
