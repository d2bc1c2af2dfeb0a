/**
 * Words for a failure the browser reported, never "undefined" or empty: a WebTransport `ready` or
 * `closed` may reject with no value, or with a WebTransportError whose message is empty (the
 * page is then told nothing of why). Such a failure is named by what is known of it (its name,
 * `source`, `streamErrorCode`) and `fallback`.
 * @param {unknown} e  what a promise rejected with
 * @param {string} [fallback]  what to say when the failure carries no words
 * @returns {string}
 */
export function describeFailure(e: unknown, fallback?: string): string;
/**
 * Every failure of the client is a SockbridgeError.
 *
 * - A failed call (ERROR_REPLY): `errno` is the Linux errno (or a negative EAI_* code for
 *   getaddrinfo/getnameinfo), `code` its name (`'ECONNREFUSED'`, `'EAI_NONAME'`), `reason` the
 *   proxy's words, `call` the call's name (`'connect'`).
 * - A socket error pushed by the proxy (READY_EVENT with POLLERR): the same, with `call` `'push'`.
 * - The session's end (GOODBYE, transport closed, handshake failure): `errno` is `undefined`,
 *   `code` is `'SESSION_CLOSED'` (or `'HANDSHAKE'` / `'PROTOCOL'` / `'TIMEOUT'`), `closeCode` the
 *   GOODBYE or WebSocket close code.
 */
export class SockbridgeError extends Error {
    /** An error from an errno (or EAI code) as the proxy reports it. */
    static fromErrno(errno: any, reason: any, call: any): SockbridgeError;
    /** The session ended; `closeCode` in WebSocket/GOODBYE numbering. */
    static closed(closeCode: any, reason: any, cause: any): SockbridgeError;
    /**
     * @param {object} o
     * @param {string} o.code
     * @param {string} [o.reason]
     * @param {number} [o.errno]
     * @param {string} [o.call]
     * @param {number} [o.closeCode]
     * @param {unknown} [o.cause]
     */
    constructor({ code, reason, errno, call, closeCode, cause }: {
        code: string;
        reason?: string;
        errno?: number;
        call?: string;
        closeCode?: number;
        cause?: unknown;
    });
    /** @type {string} */
    code: string;
    /** @type {string} */
    reason: string;
    /** @type {number|undefined} */
    errno: number | undefined;
    /** @type {string|undefined} */
    call: string | undefined;
    /** @type {number|undefined} */
    closeCode: number | undefined;
}
