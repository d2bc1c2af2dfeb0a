/**
 * Sockbridge over QUIC: the {@code webtransport} and {@code quic} transports ({@link
 * dev.sockbridge.transport.webtransport.QuicTransportProvider}, {@link
 * dev.sockbridge.transport.webtransport.QuicServerTransport}, options in {@link
 * dev.sockbridge.transport.webtransport.QuicTransportOptions}, certificates in {@link
 * dev.sockbridge.transport.webtransport.ServerCertificate}), built on WebTransport (HTTP/3 over QUIC) and raw
 * QUIC on Netty 4.2, as Chromium 156 accepts them.
 *
 * <pre>
 *  browser page ──WebTransport──▶ QuicServerTransport (webtransport://HOST:PORT/PATH) ◀── QuicTransportProvider.connect
 *  Java client  ──QUIC (ALPN)──▶  QuicServerTransport (quic://HOST:PORT)               ◀── QuicTransportProvider.connect
 *                                   │ one session per WebTransport session / QUIC connection
 *                                   ▼
 *                   dev.sockbridge.api.transport.Transport: the main channel (the client's first bidirectional
 *                   stream) with datagrams and more streams, frames length-prefixed on every stream
 * </pre>
 *
 * <p>Certificates: by default servers use self-signed ECDSA P-256 certificates of 13 days (browsers accept at most
 * 14 with {@code serverCertificateHashes}) and renew them without restart.
 *
 * <p>Native library: QUIC needs Netty's native QUIC library, which the application adds
 * ({@code io.netty:netty-codec-native-quic} with its platform's classifier); without it the provider reports itself
 * unavailable.
 *
 * <p>Everything under {@code .internal} is implementation and may change without notice.
 */
package dev.sockbridge.transport.webtransport;
