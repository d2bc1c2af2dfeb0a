package dev.sockbridge.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.AdmissionCheck;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.TransportOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A route's admission check, seen from raw HTTP clients on 127.0.0.1: it runs before the 101, a refusal is its
 * status with the reason as body (and Retry-After), the admitted session carries the request and the attachment,
 * it fails closed, and an admission is released once whether the client stays, leaves or leaves mid-check.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketAdmissionTest {
    private final List<WebSocketServer> servers = new ArrayList<>();
    private final BlockingQueue<WebSocketSession> sessions = new LinkedBlockingQueue<>();

    @AfterEach
    void tearDown() throws Exception {
        for (WebSocketServer s : servers) {
            s.shutdownNow().get(10, TimeUnit.SECONDS);
        }
    }

    private int serve(AdmissionCheck check) throws Exception {
        return serve(check, TransportOptions.defaults());
    }

    private int serve(AdmissionCheck check, TransportOptions options) throws Exception {
        WebSocketServer server = WebSocketServer.builder().options(options)
                .route(WebSocketRoute.builder("/raw", sessions::add).admission(check).build())
                .build();
        servers.add(server);
        return server.start().get(10, TimeUnit.SECONDS).getPort();
    }

    @Test
    void aRefusalIsItsStatusAndReasonBeforeAnyUpgrade() throws Exception {
        int port = serve(r -> CompletableFuture.completedFuture(
                "good".equals(r.queryParameter("token").orElse("")) ? Admission.admit()
                        : Admission.refuse(401, "a valid token is required")));
        RawHttp.Response refused = RawHttp.upgrade(port, "/raw?token=bad");
        assertEquals(401, refused.status());
        assertEquals("a valid token is required", refused.body().trim());
        assertEquals(0, sessions.size());

        RawHttp.Response admitted = RawHttp.upgrade(port, "/raw?token=good");
        assertEquals(101, admitted.status());
        assertNotNull(sessions.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void aLimitRefusalCarriesRetryAfter() throws Exception {
        int port = serve(r -> CompletableFuture.completedFuture(Admission.refuse(503, "slow down").withRetryAfter(3)));
        RawHttp.Response r = RawHttp.upgrade(port, "/raw");
        assertEquals(503, r.status());
        assertEquals("3", r.header("Retry-After"));
        assertEquals("slow down", r.body().trim());
    }

    @Test
    void theSessionCarriesTheRequestAndTheAttachmentAndTheAdmissionIsReleasedWithTheConnection() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        AtomicInteger releases = new AtomicInteger();
        BlockingQueue<ConnectRequest> seen = new LinkedBlockingQueue<>();
        int port = serve(r -> {
            seen.add(r);
            return CompletableFuture.completedFuture(Admission.admit("ticket-1", () -> {
                releases.incrementAndGet();
                released.countDown();
            }));
        });
        try (Socket s = upgradeAndKeep(port, "/raw?token=a%20b&x=1", "Cookie: sid=42; theme=dark",
                "X-Player: p7")) {
            WebSocketSession session = sessions.poll(10, TimeUnit.SECONDS);
            assertNotNull(session);
            assertEquals("ticket-1", session.attachment());
            ConnectRequest r = session.connectRequest();
            assertEquals("ws", r.scheme());
            assertEquals("/raw", r.path());
            assertEquals("a b", r.queryParameter("token").orElseThrow());
            assertEquals("42", r.cookies().get("sid"));
            assertEquals("p7", r.header("x-player").orElseThrow());
            assertEquals(s.getLocalPort(), ((InetSocketAddress) r.remoteAddress()).getPort());
            assertTrue(r.peerCertificates().isEmpty());
            assertEquals(r, seen.poll());
            assertEquals(1, released.getCount(), "released while the connection is open");
        }
        assertTrue(released.await(10, TimeUnit.SECONDS), "released when the connection ended");
        assertEquals(1, releases.get());
    }

    @Test
    void aCheckThatFailsThrowsOrAnswersNullRefusesWith403() throws Exception {
        int failing = serve(r -> CompletableFuture.failedFuture(new IllegalStateException("backend down")));
        assertEquals(403, RawHttp.upgrade(failing, "/raw").status());
        int throwing = serve(r -> {
            throw new IllegalStateException("bug");
        });
        assertEquals(403, RawHttp.upgrade(throwing, "/raw").status());
        int nulls = serve(r -> null);
        assertEquals(403, RawHttp.upgrade(nulls, "/raw").status());
        int nullAnswer = serve(r -> CompletableFuture.completedFuture(null));
        RawHttp.Response r = RawHttp.upgrade(nullAnswer, "/raw");
        assertEquals(403, r.status());
        assertFalse(r.body().contains("Exception"), r.body());
        assertEquals(0, sessions.size());
    }

    @Test
    void anAdmissionSlowerThanTheHandshakeTimeoutClosesTheConnectionAndIsReleasedWhenItArrives() throws Exception {
        CompletableFuture<Admission> later = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        int port = serve(answeredBy(later, asked),
                TransportOptions.defaults().with(WebSocketOptions.HANDSHAKE_TIMEOUT_MILLIS, 300));
        try (Socket s = upgradeAndKeep(port, "/raw")) {
            assertTrue(asked.await(10, TimeUnit.SECONDS));
            // the server gives up on the upgrade: end of stream, no answer
            assertEquals(-1, s.getInputStream().read());
        }
        assertReleasedWhenAnsweredLate(later);
    }

    @Test
    void aClientThatSendsBeforeTheUpgradeIsAnsweredIsClosed() throws Exception {
        CompletableFuture<Admission> later = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        int port = serve(answeredBy(later, asked));
        try (Socket s = upgradeAndKeep(port, "/raw")) {
            assertTrue(asked.await(10, TimeUnit.SECONDS));
            s.getOutputStream().write(upgradeRequest(port, "/raw").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals(-1, s.getInputStream().read());
        }
        assertReleasedWhenAnsweredLate(later);
    }

    @Test
    void anAsynchronousAdmissionUpgradesOnceItAnswers() throws Exception {
        CompletableFuture<Admission> later = new CompletableFuture<>();
        int port = serve(r -> later);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(upgradeRequest(port, "/raw").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // answered from another thread, as a call to a backend would be
            new Thread(() -> later.complete(Admission.admit("late", null))).start();
            assertTrue(readHead(s.getInputStream()).startsWith("HTTP/1.1 101"));
            WebSocketSession session = sessions.poll(10, TimeUnit.SECONDS);
            assertNotNull(session);
            assertEquals("late", session.attachment());
            session.close(1000, "done");
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** An admission check that counts down {@code asked} and answers only when the test completes {@code later}. */
    private static AdmissionCheck answeredBy(CompletableFuture<Admission> later, CountDownLatch asked) {
        return r -> {
            asked.countDown();
            return later;
        };
    }

    /** Answers an admission whose connection is already gone: it is released at once and opens no session. */
    private void assertReleasedWhenAnsweredLate(CompletableFuture<Admission> later) throws InterruptedException {
        CountDownLatch released = new CountDownLatch(1);
        later.complete(Admission.admit("x", released::countDown));
        assertTrue(released.await(10, TimeUnit.SECONDS));
        assertEquals(0, sessions.size());
    }

    private static String upgradeRequest(int port, String path, String... extra) {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        for (String h : extra) {
            req.append(h).append("\r\n");
        }
        return req.append("\r\n").toString();
    }

    /** Sends an upgrade and returns the open socket without reading the answer. */
    private static Socket upgradeAndKeep(int port, String path, String... extra) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(upgradeRequest(port, path, extra).getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            b.append((char) c);
            if (b.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return b.toString();
    }
}
