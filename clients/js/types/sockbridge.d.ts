/**
 * Which transport a URL names: `'webtransport'` for `https://` and `webtransport://`,
 * `'websocket'` for `ws://`, `wss://` (and `http://`, which browsers open as ws://).
 * @param {string} url
 * @returns {'webtransport'|'websocket'}
 */
export function transportKindOf(url: string): "webtransport" | "websocket";
/**
 * Where the proxy is, for {@link connectBest}: its WebTransport endpoint, e.g. what
 * `/webtransport.json` says (see fetchWebTransportInfo), and its WebSocket URL.
 * @typedef {object} Endpoints
 * @property {{url: string, certificateHashes?: Array<string>|string}|null} [webTransport]
 * @property {string|null} [webSocket]  `ws://host:port/sockbridge`
 */
/**
 * Options of {@link connect} and {@link connectBest}.
 * @typedef {object} ConnectOptions
 * @property {number} [timeout]  ms for opening and the handshake, default 10000
 * @property {string} [agent]  the agent string sent in HELLO
 * @property {string[]} [protocols]  WebSocket subprotocols, default `['sockbridge.v1']`
 * @property {any} [WebSocket]  WebSocket constructor (Node: `import {WebSocket} from 'ws'`), default the global one
 * @property {Array<string|Uint8Array|ArrayBuffer|{algorithm?: string, value: string|Uint8Array}>|string} [certificateHashes]
 *           WebTransport: SHA-256 of the proxy's certificate, base64 (as `/webtransport.json` publishes them)
 * @property {number} [keepAlive]  WebTransport: ms between keep-alive datagrams when idle, default 10000
 * @property {number} [closeTimeout]  WebTransport: ms to wait for the session to end after a close record, default 3000
 * @property {object} [webTransportOptions]  WebTransport: more options for the WebTransport constructor
 * @property {boolean} [streamPerSocket]  WebTransport: each TCP socket on its own stream, default true
 * @property {any} [WebTransport]  WebTransport constructor, default the global one
 * @property {'webtransport'|'websocket'} [prefer]  with `webTransport`: see connectBest
 * @property {Endpoints['webTransport']} [webTransport]  see connectBest
 * @property {number} [webTransportTimeout]  connectBest: ms for the WebTransport attempt before falling back
 * @property {import('./transport.js').Transport} [transport]  an already open transport to use instead
 */
/**
 * Opens a session with a Sockbridge proxy: opens the transport, sends HELLO [1, [1], agent] and
 * waits for WELCOME.
 *
 * The URL chooses the transport: `ws://` / `wss://` a WebSocket, `https://` / `webtransport://` a
 * WebTransport session (pass the proxy's `certificateHashes` for a self-signed certificate).
 * `connect({webTransport: {url, certificateHashes}, webSocket: url}, options)` or
 * `connect(wsUrl, {prefer: 'webtransport', webTransport: {...}})` is {@link connectBest}.
 *
 * @param {string|null|Endpoints} url  e.g. `ws://127.0.0.1:8080/sockbridge`
 *        or `https://127.0.0.1:4433/sockbridge` (ignored when `options.transport` is given)
 * @param {ConnectOptions} [options]
 * @returns {Promise<Session>}  rejects with a SockbridgeError: code 'SESSION_CLOSED' (GOODBYE or
 *          closed, `closeCode` says which, 4001 for an unsupported version), 'TIMEOUT',
 *          'HANDSHAKE' or 'PROTOCOL'
 */
export function connect(url: string | null | Endpoints, options?: ConnectOptions): Promise<Session>;
/**
 * Opens a session over WebTransport where the browser has it and the session opens, else over
 * WebSocket. `session.transportKind` says which; `session.fallbackReason` why WebTransport was not
 * used (null when it was, or was not tried for want of a URL or of `WebTransport`).
 *
 * @param {Endpoints} [endpoints]
 * @param {ConnectOptions} [options]  as for {@link connect}; `prefer: 'websocket'` tries WebSocket
 *        first (default 'webtransport'); `webTransportTimeout` (ms) bounds the WebTransport attempt
 *        (open + handshake) before falling back, default min(timeout, 5000)
 * @returns {Promise<Session>}
 */
export function connectBest({ webTransport, webSocket }?: Endpoints, options?: ConnectOptions): Promise<Session>;
/**
 * Where the proxy is, for {@link connectBest}: its WebTransport endpoint, e.g. what
 * `/webtransport.json` says (see fetchWebTransportInfo), and its WebSocket URL.
 */
export type Endpoints = {
    webTransport?: {
        url: string;
        certificateHashes?: Array<string> | string;
    } | null;
    /**
     * `ws://host:port/sockbridge`
     */
    webSocket?: string | null;
};
/**
 * Options of {@link connect} and {@link connectBest}.
 */
export type ConnectOptions = {
    /**
     * ms for opening and the handshake, default 10000
     */
    timeout?: number;
    /**
     * the agent string sent in HELLO
     */
    agent?: string;
    /**
     * WebSocket subprotocols, default `['sockbridge.v1']`
     */
    protocols?: string[];
    /**
     * WebSocket constructor (Node: `import {WebSocket} from 'ws'`), default the global one
     */
    WebSocket?: any;
    /**
     * WebTransport: SHA-256 of the proxy's certificate, base64 (as `/webtransport.json` publishes them)
     */
    certificateHashes?: Array<string | Uint8Array | ArrayBuffer | {
        algorithm?: string;
        value: string | Uint8Array;
    }> | string;
    /**
     * WebTransport: ms between keep-alive datagrams when idle, default 10000
     */
    keepAlive?: number;
    /**
     * WebTransport: ms to wait for the session to end after a close record, default 3000
     */
    closeTimeout?: number;
    /**
     * WebTransport: more options for the WebTransport constructor
     */
    webTransportOptions?: object;
    /**
     * WebTransport: each TCP socket on its own stream, default true
     */
    streamPerSocket?: boolean;
    /**
     * WebTransport constructor, default the global one
     */
    WebTransport?: any;
    /**
     * with `webTransport`: see connectBest
     */
    prefer?: "webtransport" | "websocket";
    /**
     * see connectBest
     */
    webTransport?: Endpoints["webTransport"];
    /**
     * connectBest: ms for the WebTransport attempt before falling back
     */
    webTransportTimeout?: number;
    /**
     * an already open transport to use instead
     */
    transport?: import("./transport.js").Transport;
};
import { Session } from './session.js';
export { Session, AGENT } from "./session.js";
export { TcpSocket, UdpSocket, TcpListener } from "./sockets.js";
export { SockbridgeError, describeFailure } from "./errors.js";
export { WebSocketTransport, openWebSocket, LengthPrefixedFramer, FrameInbox, CLOSE_FLAG, MAX_CLOSE_REASON_BYTES } from "./transport.js";
export { WebTransportTransport, WebTransportStream, openWebTransport, fetchWebTransportInfo, certificateHashes, toWebTransportUrl, KEEPALIVE_DATAGRAM, MAIN_SEND_ORDER, datagramWriteApi, hasSendOrder } from "./webtransport.js";
export { MessageType, MessageTypeName, Posix, Errno, GaiError, SocketOption, SOL_SOCKBRIDGE, CloseCode, errnoName, PROTOCOL_VERSION, PROTOCOL_VERSION_GOING_AWAY, SUBPROTOCOL } from "./constants.js";
export { encodeMessage, decodeMessage, encodeFrame, decodeFrame, buildMessage, parseMessage, fieldNames, ProtocolError } from "./codec.js";
export { parseHostPort, toWireAddress, fromWireAddress } from "./address.js";
export type { GoingAwayInfo } from "./session.js";
