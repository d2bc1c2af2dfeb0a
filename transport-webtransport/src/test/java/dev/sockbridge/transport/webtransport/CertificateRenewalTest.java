package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.RawQuicServer;
import dev.sockbridge.transport.webtransport.internal.RawQuicClient;
import dev.sockbridge.transport.webtransport.internal.WebTransportSession;
import dev.sockbridge.transport.webtransport.internal.WebTransportSessionHandler;
import dev.sockbridge.api.internal.tls.Pem;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class CertificateRenewalTest {
    private static final WebTransportSessionHandler NO_STREAMS = (session, stream, bidi) -> stream.close();

    /** Trusts any server and records the leaf certificate hashes it was shown. */
    private static final class RecordingTrust extends SimpleTrustManagerFactory {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        protected void engineInit(KeyStore keyStore) {
        }

        @Override
        protected void engineInit(ManagerFactoryParameters params) {
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return new TrustManager[] {new X509ExtendedTrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    seen.add(Pem.hex(Pem.sha256(chain[0])));
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
                    checkServerTrusted(chain, authType);
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                    checkServerTrusted(chain, authType);
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }};
        }
    }

    private static RawQuicClient pinnedTo(ServerCertificate certificate) {
        return RawQuicClient.builder().pinCertificateSha256(certificate.sha256()).build();
    }

    @Test
    void scheduledRenewalSwapsTheHashAndNewConnectionsGetARenewedCertificate() throws Exception {
        List<ServerCertificate> renewed = new CopyOnWriteArrayList<>();
        CompletableFuture<ServerCertificate> firstRenewal = new CompletableFuture<>();
        EchoSessionHandler echo = new EchoSessionHandler(false);
        try (RawQuicServer server = RawQuicServer.builder()
                .handler(echo)
                .selfSignedCertificate(Duration.ofDays(13), Duration.ofMillis(300))
                .certificateListener(c -> {
                    renewed.add(c);
                    firstRenewal.complete(c);
                })
                .start()) {
            ServerCertificate initial = server.certificate();
            try (RawQuicClient early = pinnedTo(initial)) {
                WebTransportSession before = early.connect(server.localAddress(), NO_STREAMS).get(10, SECONDS);

                ServerCertificate next = firstRenewal.get(10, SECONDS);
                assertNotEquals(initial.sha256Hex(), next.sha256Hex());
                assertTrue(Duration.between(next.notBefore(), next.notAfter()).compareTo(Duration.ofDays(14)) <= 0);

                RecordingTrust trust = new RecordingTrust();
                try (RawQuicClient later = RawQuicClient.builder().trustManager(trust).build()) {
                    later.connect(server.localAddress(), NO_STREAMS).get(10, SECONDS);
                }
                assertEquals(1, trust.seen.size());
                String shown = trust.seen.get(0);
                assertNotEquals(initial.sha256Hex(), shown, "new connection still got the first certificate");
                assertTrue(renewed.stream().anyMatch(c -> c.sha256Hex().equals(shown)),
                        "new connection got a certificate that was never announced");

                // the connection accepted before the renewal keeps working
                CompletableFuture<byte[]> echoed = new CompletableFuture<>();
                QuicStreamChannel s = before.openBidiStream(new EchoSessionHandler.Collector(echoed::complete))
                        .get(5, SECONDS);
                // data and FIN in one frame, so the echo's data and FIN come back together: a FIN arriving
                // alone after our own FIN is not always surfaced by Netty QUIC 4.2.18 (see EchoSessionHandler)
                s.writeAndFlush(new DefaultQuicStreamFrame(
                        Unpooled.copiedBuffer("still here", StandardCharsets.UTF_8), true));
                assertEquals("still here", new String(echoed.get(10, SECONDS), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void manualRotationSwitchesNewConnectionsAndRefusesTheOldPin() throws Exception {
        ServerCertificate first = ServerCertificate.selfSigned();
        ServerCertificate second = ServerCertificate.selfSigned(Duration.ofDays(10));
        CompletableFuture<ServerCertificate> announced = new CompletableFuture<>();
        try (RawQuicServer server = RawQuicServer.builder()
                .handler(new EchoSessionHandler(false))
                .certificate(first)
                .certificateListener(announced::complete)
                .start()) {
            try (RawQuicClient c = pinnedTo(first)) {
                c.connect(server.localAddress(), NO_STREAMS).get(10, SECONDS);
            }
            server.rotateCertificate(second);
            assertEquals(second, announced.get(1, SECONDS));
            assertArrayEquals(second.sha256(), server.certificate().sha256());
            try (RawQuicClient c = pinnedTo(second)) {
                WebTransportSession s = c.connect(server.localAddress(), NO_STREAMS).get(10, SECONDS);
                X509Certificate shown = (X509Certificate) s.connection().sslEngine().getSession()
                        .getPeerCertificates()[0];
                assertArrayEquals(second.sha256(), Pem.sha256(shown));
            }
            try (RawQuicClient c = pinnedTo(first)) {
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> c.connect(server.localAddress(), NO_STREAMS).get(10, SECONDS));
                assertFalse(refused.getCause() instanceof java.util.concurrent.TimeoutException);
            }
        }
    }

    @Test
    void pemFilesLoadAsTheServerCertificate(@TempDir Path dir) throws Exception {
        ServerCertificate generated = ServerCertificate.selfSigned();
        Path cert = Files.writeString(dir.resolve("cert.pem"), generated.certificatePem());
        Path key = Files.writeString(dir.resolve("key.pem"), generated.privateKeyPem());
        ServerCertificate loaded = ServerCertificate.fromPem(cert, key);
        assertEquals(generated.sha256Hex(), loaded.sha256Hex());
        try (RawQuicServer server = RawQuicServer.builder().handler(NO_STREAMS).certificate(loaded).start();
             RawQuicClient client = pinnedTo(generated)) {
            WebTransportSession s = client.connect(server.localAddress(), NO_STREAMS).get(10, SECONDS);
            assertTrue(s.isOpen());
        }
    }
}
