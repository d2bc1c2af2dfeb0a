package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.transport.webtransport.QuicServerTransport;
import dev.sockbridge.transport.webtransport.QuicTransportOptions;
import io.netty.buffer.ByteBuf;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy's front end over raw QUIC and WebTransport, whose streams run on loops of their own: a client
 * that sends calls and never reads the answers stops being read, and what the proxy holds for it (its own
 * {@code bufferedBytes} counter) stays bounded and is given back when the client leaves.
 */
@Timeout(120)
class QuicFrontEndBackpressureTest {
    /**
     * The proxy's high-water mark of answers, the answers to what was handed to the session before reading
     * stopped, and the stream's reassembly buffer (at most its window): 4 MiB is generous; without
     * backpressure the answers grow with the requests (64 MiB here).
     */
    static final long HELD_BOUND = 4L * TransportOptions.DEFAULT_HIGH_WATER_MARK;

    private SockbridgeProxy proxy;
    private QuicServerTransport server;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void rawQuic() throws Exception {
        flood("quic://127.0.0.1:0");
    }

    @Test
    void webTransport() throws Exception {
        flood("webtransport://127.0.0.1:0/sockbridge");
    }

    private void flood(String listen) throws Exception {
        proxy = SockbridgeProxy.builder().build();
        server = QuicServerTransport.create(URI.create(listen), TransportOptions.defaults());
        URI uri = proxy.serve(server).get(10, TimeUnit.SECONDS);
        TransportOptions client = TransportOptions.defaults()
                .with(QuicTransportOptions.CERTIFICATE_SHA256, server.certificate().sha256Base64())
                .with(QuicTransportOptions.CONNECT_TIMEOUT_MILLIS, 10_000);
        Transport t = Transports.forUri(uri).connect(uri, client).get(20, TimeUnit.SECONDS);
        MessageCodec codec = MessageCodec.cbor();
        CompletableFuture<Void> welcomed = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
        t.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                frame.release();
                received.incrementAndGet();
                welcomed.complete(null);
            }

            @Override
            public void closed(int code, String reason) {
                welcomed.completeExceptionally(new IllegalStateException("closed: " + code + " " + reason));
            }
        });
        send(t, codec, new Control.Hello(List.of(MessageCodec.VERSION), "hostile"));
        welcomed.get(20, TimeUnit.SECONDS);
        t.setAutoRead(false);

        List<PollFd> fds = new ArrayList<>();
        for (int fd = 1000; fd < 1500; fd++) {
            fds.add(new PollFd(fd, 1 /* POLLIN */));
        }
        long calls0 = proxy.stats().callsTotal();
        int max = (64 << 20) / 2500;
        int sent = 0;
        long peak = 0;
        boolean stalled = false;
        while (sent < max && !stalled) {
            while (sent < max && t.isWritable()) {
                // a poll of 500 descriptors that do not exist: answered at once, as large as itself
                send(t, codec, new Request.Poll(sent + 1, fds, 0));
                sent++;
                peak = Math.max(peak, proxy.stats().bufferedBytes());
                assertTrue(peak <= HELD_BOUND, "the proxy holds at most " + HELD_BOUND + " bytes, not " + peak
                        + " (after " + sent + " requests)");
            }
            // not writable: QUIC has not taken our requests, as the proxy's stream window closed. It opens
            // again unless the proxy stopped reading
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (!t.isWritable() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            stalled = !t.isWritable();
            peak = Math.max(peak, proxy.stats().bufferedBytes());
        }
        long handled = proxy.stats().callsTotal() - calls0;
        System.out.println(listen + " flood: " + sent + " requests sent, " + handled
                + " handled, the proxy held at most " + peak + " bytes (bound " + HELD_BOUND + ")");
        assertTrue(stalled && handled < sent, "the proxy stopped reading: it handled " + handled + " of " + sent);
        assertTrue(peak > 0, "what the proxy holds is counted");

        // once the client reads again, the proxy reads again: every request is answered
        t.setAutoRead(true);
        long answered = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (received.get() < sent + 1) {
            assertTrue(System.nanoTime() < answered, received.get() - 1 + " of " + sent + " requests answered");
            Thread.sleep(10);
        }

        t.close(1000, "done");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (proxy.stats().sessionsOpen() > 0 || proxy.stats().bufferedBytes() != 0) {
            assertTrue(System.nanoTime() < deadline, "the session ended and nothing is held: " + proxy.stats());
            Thread.sleep(10);
        }
    }

    private static void send(Transport t, MessageCodec codec, Message m) {
        t.send(codec.encode(m, t.alloc()));
    }
}
