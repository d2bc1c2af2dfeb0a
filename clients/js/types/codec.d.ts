/** True for the types that carry a call id after the type code (requests and replies). */
export function hasCallId(code: any): boolean;
/** True for request types (0x10..0x3f). */
export function isRequest(code: any): boolean;
/** The field names of a message type after the type code (and call id), in wire order. */
export function fieldNames(type: any): any;
/**
 * The numeric code of a type given as code, name ('CONNECT') or lower-case call name ('connect').
 * @param {number|string} type
 */
export function typeCode(type: number | string): any;
/** Bytes of any binary input: Uint8Array (as is), ArrayBuffer, other views, or a string (UTF-8). */
export function toBytes(d: any): Uint8Array<ArrayBufferLike>;
/** The type code and call id that can be read from the start of a frame, -1 for each that cannot. */
export function readHeader(b: any): {
    type: any;
    callId: any;
};
/**
 * Builds the wire array of a message from its fields in schema order (see fieldNames), taking
 * user-friendly values: addresses as {host, port} or "host:port", data as Uint8Array/ArrayBuffer/
 * string, poll lists as [{fd, events}].
 * @param {number|string} type
 * @param {number|null} callId  the call id for requests and replies, ignored otherwise
 * @param {Array} fields
 * @returns {Array}
 */
export function buildMessage(type: number | string, callId: number | null, fields: any[]): any[];
/**
 * The bytes of a wire array.
 * @param {Array} wire
 * @returns {Uint8Array}
 */
export function encodeFrame(wire: any[]): Uint8Array;
/**
 * The wire array of a frame, checked against the schema of its type.
 * @param {Uint8Array} bytes
 * @returns {Array}
 */
export function decodeFrame(bytes: Uint8Array): any[];
/**
 * The object form of a wire array: {kind, callId?, ...fields}.
 * @param {Array} wire
 * @returns {object}
 */
export function parseMessage(wire: any[]): object;
/**
 * Encodes a message in object form ({kind, callId?, ...fields}).
 * @param {object} m
 * @returns {Uint8Array}
 */
export function encodeMessage(m: object): Uint8Array;
/**
 * Decodes one frame into object form.
 * @param {Uint8Array} bytes
 * @returns {object}
 */
export function decodeMessage(bytes: Uint8Array): object;
/**
 * A frame the codec cannot read. `type` and `callId` are what could be read of its header (-1 if
 * nothing): a client fails just that call when a reply's call id is known.
 */
export class ProtocolError extends Error {
    constructor(message: any, type?: number, callId?: number);
    type: number;
    callId: number;
}
