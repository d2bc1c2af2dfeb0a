/** The 4 bytes of an IPv4 literal, or null. */
export function parseIPv4(s: any): Uint8Array<ArrayBuffer>;
/**
 * The 16 bytes and scope of an IPv6 literal (brackets and a numeric `%scope` allowed), or null.
 * @returns {{bytes: Uint8Array, scopeId: number}|null}
 */
export function parseIPv6(s: any): {
    bytes: Uint8Array;
    scopeId: number;
} | null;
/** Dotted IPv4 text of 4 bytes. */
export function formatIPv4(b: any): string;
/** RFC 5952 text of 16 bytes: lower case, the longest run of two or more zero groups as `::`. */
export function formatIPv6(b: any): any;
/**
 * Splits `"host:port"`, `"[v6]:port"` into a SocketAddress.
 * @param {string} s
 * @returns {SocketAddress}
 */
export function parseHostPort(s: string): SocketAddress;
/**
 * The address in any accepted form (SocketAddress, "host:port", a wire array, null) as a
 * SocketAddress or null.
 */
export function toSocketAddress(a: any, port: any): any;
/**
 * The wire form of an address.
 * @param {SocketAddress|string|Array|null} a
 * @returns {Array|null}
 */
export function toWireAddress(a: SocketAddress | string | any[] | null): any[] | null;
/**
 * The SocketAddress of a wire address.
 * @param {Array|null} w
 * @returns {SocketAddress|null}
 */
export function fromWireAddress(w: any[] | null): SocketAddress | null;
/** The address family (2 or 10) a host literal needs, or `fallback` for names. */
export function familyOf(host: any, fallback?: number): number;
/**
 * A socket address as the client API takes and gives it.
 */
export type SocketAddress = {
    /**
     * an IPv4 or IPv6 literal, or a host name (family 0, resolved by the proxy)
     */
    host: string;
    port: number;
    /**
     * 2 (IPv4), 10 (IPv6) or 0 (a name); inferred from host when absent
     */
    family?: number;
    /**
     * IPv6 scope (interface index), when not 0
     */
    scopeId?: number;
};
