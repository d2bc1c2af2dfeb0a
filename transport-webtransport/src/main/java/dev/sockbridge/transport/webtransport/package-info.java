/**
 * Sockbridge over QUIC: the {@code webtransport} and {@code quic} transports ({@link
 * dev.sockbridge.transport.webtransport.QuicTransportProvider}, {@link
 * dev.sockbridge.transport.webtransport.QuicServerTransport}, options in {@link
 * dev.sockbridge.transport.webtransport.QuicTransportOptions}), built on WebTransport (HTTP/3 over QUIC) and raw
 * QUIC servers and clients on Netty 4.2, as Chromium 156 accepts them.
 *
 * <pre>
 *  browser page ──WebTransport──▶ {@link dev.sockbridge.transport.webtransport.WebTransportServer}   ◀── {@link dev.sockbridge.transport.webtransport.WebTransportClient}
 *  Java client  ──QUIC (ALPN)──▶ {@link dev.sockbridge.transport.webtransport.RawQuicServer}        ◀── {@link dev.sockbridge.transport.webtransport.RawQuicClient}
 *                                   │ one {@link dev.sockbridge.transport.webtransport.WebTransportSession} per
 *                                   │ session / connection
 *                                   ▼
 *                   {@link dev.sockbridge.transport.webtransport.WebTransportSessionHandler}
 *                   sessionOpened · streamOpened(QuicStreamChannel, bidi) · datagramReceived · sessionClosed
 *                                   │ (the Sockbridge transports are one such handler)
 *                                   ▼
 *                   dev.sockbridge.api.transport.Transport: the main channel (the client's first bidirectional
 *                   stream) with datagrams and more streams, frames length-prefixed on every stream
 * </pre>
 *
 * <p>Streams of the session API are Netty {@code QuicStreamChannel}s carrying plain {@code ByteBuf}s (the
 * WebTransport prefixes are handled underneath), so backpressure is Netty's: {@code isWritable()},
 * {@code channelWritabilityChanged}, {@code autoRead}. Datagrams are sent with {@code sendDatagram} (refused and
 * counted when they cannot go) and received by the handler.
 *
 * <p>Certificates: {@link dev.sockbridge.transport.webtransport.ServerCertificate}; by default servers use
 * self-signed ECDSA P-256 certificates of 13 days (browsers accept at most 14 with
 * {@code serverCertificateHashes}) and renew them without restart.
 *
 * <p>Everything under {@code .internal} is implementation and may change without notice.
 */
package dev.sockbridge.transport.webtransport;
