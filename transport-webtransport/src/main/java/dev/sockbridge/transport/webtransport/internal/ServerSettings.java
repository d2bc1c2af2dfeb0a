package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.transport.webtransport.ServerCertificate;
import dev.sockbridge.api.internal.tls.SelfSignedCertificateGenerator;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Builder state both public servers share: bind address, QUIC options, certificate policy, event loops.
 *
 * <p>Certificate policy: a fixed {@link ServerCertificate}, or (the default) self-signed certificates of
 * {@link #selfSignedValidity} renewed every {@link #renewEvery}, each announced to {@link #certificateListener}
 * so its hash can be published to pages. New connections get the new certificate; open ones keep theirs.
 *
 * <p>Threading: used by one builder thread.
 */
public final class ServerSettings {
    public InetSocketAddress bindAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    public final QuicOptions quic = new QuicOptions();
    public ServerCertificate certificate;
    public Duration selfSignedValidity = Duration.ofDays(13);
    public Duration renewEvery = Duration.ofDays(6);
    public Consumer<ServerCertificate> certificateListener = c -> { };
    public EventLoopGroup eventLoopGroup;
    /** Retry with an address-bound token before any handshake (RFC 9000 §8.1). */
    public boolean addressValidation = true;
    public Duration tokenLifetime = Duration.ofSeconds(10);
    public int maxConnections = DEFAULT_MAX_CONNECTIONS;
    /** Per connection; 0: not counted (the server's handlers read the streams). */
    public long maxReassemblyBytes;

    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

    public void selfSigned(Duration validity, Duration every) {
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(every, "renewEvery");
        if (every.isNegative() || every.isZero() || every.compareTo(validity) >= 0) {
            throw new IllegalArgumentException("renewEvery must be positive and shorter than the validity");
        }
        SelfSignedCertificateGenerator.loopback(validity); // fails fast on a validity Chromium would refuse
        this.certificate = null;
        this.selfSignedValidity = validity;
        this.renewEvery = every;
    }

    /** Binds and, for self-signed certificates, starts the renewal timer. */
    public QuicServerRuntime start(String[] alpn, Consumer<QuicChannel>
            connectionInit, String threadName) throws InterruptedException {
        boolean selfSigned = certificate == null;
        ServerCertificate first = selfSigned ? ServerCertificate.selfSigned(selfSignedValidity) : certificate;
        TlsContextHolder tls = new TlsContextHolder(first, alpn);
        QuicServerRuntime.Limits limits = new QuicServerRuntime.Limits(
                addressValidation ? new AddressValidationTokens(tokenLifetime) : null, maxConnections,
                maxReassemblyBytes);
        QuicServerRuntime runtime = QuicServerRuntime.start(bindAddress, quic.copy(), tls, connectionInit,
                eventLoopGroup, threadName, limits);
        if (selfSigned) {
            Duration validity = selfSignedValidity;
            runtime.scheduleRenewal(renewEvery, () -> ServerCertificate.selfSigned(validity), certificateListener);
        }
        return runtime;
    }
}
