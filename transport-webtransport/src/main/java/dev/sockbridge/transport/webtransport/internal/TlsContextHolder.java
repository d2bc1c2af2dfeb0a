package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.transport.webtransport.ServerCertificate;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;

import java.security.cert.X509Certificate;

/**
 * The server certificate in force and its QUIC TLS context. The QUIC codec asks for an engine per new
 * connection ({@link #newEngine}), so {@link #replace} switches new connections to a new certificate without a
 * restart while established connections keep the one they were accepted with.
 *
 * <p>Threading: safe from any thread; {@link #replace} builds the new context before publishing it.
 */
public final class TlsContextHolder {
    private record Current(ServerCertificate certificate, QuicSslContext context) {
    }

    private final String[] applicationProtocols;
    private final java.io.File clientCaFile;
    private final boolean anyClientCertificate;
    private volatile Current current;

    public TlsContextHolder(ServerCertificate initial, String... applicationProtocols) {
        this(initial, null, false, applicationProtocols);
    }

    /**
     * With {@code clientCaFile}: asks clients for a certificate from those CAs (not required). With
     * {@code anyClientCertificate}: asks for any certificate, whose holder TLS still proves, and leaves
     * deciding on it (pins, CAs) to the admission check.
     */
    public TlsContextHolder(ServerCertificate initial, java.io.File clientCaFile, boolean anyClientCertificate,
                            String... applicationProtocols) {
        this.applicationProtocols = applicationProtocols.clone();
        this.clientCaFile = clientCaFile;
        this.anyClientCertificate = anyClientCertificate;
        this.current = build(initial);
    }

    private Current build(ServerCertificate certificate) {
        QuicSslContextBuilder b = QuicSslContextBuilder
                .forServer(certificate.privateKey(), null, certificate.chain().toArray(new X509Certificate[0]))
                .applicationProtocols(applicationProtocols);
        if (anyClientCertificate) {
            b.trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE).clientAuth(io.netty.handler.ssl.ClientAuth.OPTIONAL);
        } else if (clientCaFile != null) {
            b.trustManager(clientCaFile).clientAuth(io.netty.handler.ssl.ClientAuth.OPTIONAL);
        }
        QuicSslContext context = b.build();
        return new Current(certificate, context);
    }

    public ServerCertificate certificate() {
        return current.certificate();
    }

    public void replace(ServerCertificate next) {
        current = build(next);
    }

    public QuicSslEngine newEngine(QuicChannel channel) {
        return current.context().newEngine(channel.alloc());
    }
}
