/**
 * WebTransport (HTTP/3 over QUIC) and raw QUIC servers on Netty 4.2, as Chromium 156 accepts them, with a
 * small session API that the Sockbridge transport SPI can be adapted to.
 *
 * <pre>
 *  browser page ──WebTransport──▶ {@link dev.sockbridge.transport.webtransport.WebTransportServer}
 *  Java client  ──QUIC (ALPN)──▶ {@link dev.sockbridge.transport.webtransport.RawQuicServer}
 *                                   │ one {@link dev.sockbridge.transport.webtransport.WebTransportSession} per
 *                                   │ session / connection
 *                                   ▼
 *                   {@link dev.sockbridge.transport.webtransport.WebTransportSessionHandler}
 *                   sessionOpened · streamOpened(QuicStreamChannel, bidi) · datagramReceived · sessionClosed
 * </pre>
 *
 * <p>Streams are Netty {@code QuicStreamChannel}s carrying plain {@code ByteBuf}s (the WebTransport prefixes
 * are handled underneath), so backpressure is Netty's: {@code isWritable()}, {@code channelWritabilityChanged},
 * {@code autoRead}. Datagrams are sent with {@code sendDatagram} (refused and counted when they cannot go) and
 * received by the handler.
 *
 * <p>Certificates: {@link dev.sockbridge.transport.webtransport.ServerCertificate}; by default servers use
 * self-signed ECDSA P-256 certificates of 13 days (browsers accept at most 14 with
 * {@code serverCertificateHashes}) and renew them without restart.
 *
 * <p>Everything under {@code .internal} is implementation and may change without notice.
 */
package dev.sockbridge.transport.webtransport;
