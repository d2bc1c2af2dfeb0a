package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.transport.TransportOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/**
 * The WebSocket transport over wss:// with a self-signed certificate made at start; the client
 * trusts exactly that certificate (written by the server to a file), with host name verification.
 */
class SecureWebSocketTransportConformanceTest extends WebSocketConformanceTestBase {
    private final Path certFile;

    SecureWebSocketTransportConformanceTest() {
        try {
            certFile = Files.createTempFile("sockbridge-wss-", ".pem");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void deleteCert() throws IOException {
        Files.deleteIfExists(certFile);
    }

    @Override
    protected URI serverUri() {
        return URI.create("wss://127.0.0.1:0/sockbridge");
    }

    @Override
    protected TransportOptions serverOptions() {
        return options()
                .with(WebSocketOptions.TLS_SELF_SIGNED, true)
                .with(WebSocketOptions.TLS_SELF_SIGNED_CERT_OUT, certFile.toString());
    }

    @Override
    protected TransportOptions clientOptions() {
        return options().with(WebSocketOptions.TLS_TRUST_CERT_FILE, certFile.toString());
    }
}
