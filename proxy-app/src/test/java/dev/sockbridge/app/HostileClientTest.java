package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.transport.websocket.testing.RawWebSocketClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that attack the runnable proxy's configuration (ProxyMain, in this JVM) over real WebSockets on
 * loopback, measured with the proxy's own counters ({@link ProxyStats#bufferedBytes}): a client that sends
 * requests and never reads the answers (on /sockbridge and /emscripten), one that sends malformed requests
 * without end, and one that sends part of a 16 MiB message to /sockbridge.
 */
@Timeout(180)
class HostileClientTest {
    static final long T_MS = 20_000;
    static final Duration T = Duration.ofMillis(T_MS);
    /**
     * What the proxy may hold for a session whose client does not read: the WebSocket's high-water mark,
     * then at most the answers to what one read brought in before reading stopped, and a message in
     * progress. 1 MiB of room for those two is generous; without backpressure the answers grow with the
     * requests (several MiB here).
     */
    static final long HELD_BOUND = TransportOptions.DEFAULT_HIGH_WATER_MARK + (1L << 20);

    private ProxyMain main;
    private EchoServer echoServer;

    @BeforeEach
    void start() throws Exception {
        main = new ProxyMain(ProxyOptions.parse(new String[] {"--listen", "127.0.0.1:0"}));
        main.start();
        echoServer = EchoServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        main.stop();
        echoServer.close();
    }

    private ProxyStats stats() {
        return main.proxy().stats();
    }

    // ------------------------------------------------------------------ a client that never reads

    @Test
    void aSockbridgeClientThatNeverReadsIsHeldBackWhileAnotherSessionIsServed() throws Exception {
        MessageCodec codec = MessageCodec.cbor();
        RawWebSocketClient flooder = RawWebSocketClient.connectNotReading(main.uri("/sockbridge"), null, T);
        flooder.channel.writeAndFlush(frame(codec, new Control.Hello(List.of(MessageCodec.VERSION), "hostile")));
        // each a poll of 500 descriptors that do not exist, with no timeout: answered at once, each
        // descriptor with POLLNVAL (an answer as large as the request)
        List<PollFd> fds = new java.util.ArrayList<>();
        for (int fd = 1000; fd < 1500; fd++) {
            fds.add(new PollFd(fd, 1 /* POLLIN */));
        }
        flood(flooder, 20_000, i -> bytes(codec, new Request.Poll(i + 1, fds, 0)));
    }

    @Test
    void anEmscriptenClientThatNeverReadsIsHeldBackWhileAnotherSessionIsServed() throws Exception {
        RawWebSocketClient flooder = RawWebSocketClient.connectNotReading(main.uri("/emscripten"), null, T);
        // getaddrinfo of a numeric address: answered at once, with the 2,064 bytes the client's parser needs
        // and the addresses
        flood(flooder, 20_000, HostileClientTest::getAddrInfo);
    }

    /**
     * Sends up to {@code max} requests from {@code flooder} (which does not read) in batches, until its
     * writes stop being taken and the proxy handles no more of its calls for a second (it stopped reading
     * it), or all are sent. Meanwhile what the proxy holds
     * must stay under {@link #HELD_BOUND}; then another session must still be served, and everything held
     * is given back once the flooder leaves.
     */
    private void flood(RawWebSocketClient flooder, int max, IntFunction<byte[]> request) throws Exception {
        long calls0 = stats().callsTotal();
        long peak = 0;
        int sent = 0;
        boolean stalled = false;
        while (sent < max && !stalled) {
            ChannelFuture last = null;
            for (int bytes = 0; bytes < (256 << 10) && sent < max; sent++) {
                byte[] r = request.apply(sent);
                bytes += r.length;
                last = flooder.channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(r)));
            }
            flooder.channel.flush();
            // the proxy takes each batch unless it stopped reading: then the batch stays in our buffer, and
            // neither the proxy handles more calls nor does our buffer change
            long handledBefore = stats().callsTotal();
            long pendingBefore = pending(flooder.channel);
            while (!last.await(1, TimeUnit.SECONDS)) {
                long handledNow = stats().callsTotal();
                long pendingNow = pending(flooder.channel);
                if (handledNow == handledBefore && pendingNow == pendingBefore) {
                    stalled = true;
                    break;
                }
                handledBefore = handledNow;
                pendingBefore = pendingNow;
            }
            assertTrue(flooder.channel.isActive(), "the proxy kept the connection");
            peak = Math.max(peak, stats().bufferedBytes());
            assertTrue(peak <= HELD_BOUND, "the proxy holds at most " + HELD_BOUND + " bytes, not " + peak
                    + " (after " + sent + " requests)");
        }
        long handled = stats().callsTotal() - calls0;
        System.out.println("flood: " + sent + " requests sent, " + handled + " handled, the proxy held at most " + peak
                + " bytes (bound " + HELD_BOUND + ")");
        assertTrue(stalled, "the proxy stopped reading: it took all " + sent + " requests");
        assertTrue(handled < sent, "the proxy stopped reading: it handled " + handled + " of " + sent + " requests");
        assertTrue(peak > 0, "what the proxy held for the flooder was counted; sent " + sent + ", handled " + handled + ", " + stats());

        // another session is served meanwhile
        SockbridgeClient client = SockbridgeClient.connect(main.uri("/sockbridge")).get(T_MS, TimeUnit.MILLISECONDS);
        try {
            BridgedSocket s = new BridgedSocket(client, "127.0.0.1", echoServer.tcpAddress().getPort());
            for (int i = 0; i < 20; i++) {
                byte[] msg = ("echo " + i).getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(msg);
                assertArrayEquals(msg, s.getInputStream().readNBytes(msg.length));
            }
            s.close();
            assertTrue(stats().bufferedBytes() <= HELD_BOUND, "still bounded: " + stats().bufferedBytes());
        } finally {
            client.close();
        }

        flooder.close();
        awaitNothingHeld();
    }

    /** Bytes our side has not written to its socket yet. */
    private static long pending(Channel ch) {
        io.netty.channel.ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
        return b == null ? 0 : b.totalPendingWriteBytes();
    }

    private void awaitNothingHeld() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(T_MS);
        while (stats().sessionsOpen() > 0 || stats().bufferedBytes() != 0) {
            assertTrue(System.nanoTime() < deadline, "sessions ended and nothing held: " + stats());
            Thread.sleep(10);
        }
    }

    // ------------------------------------------------------------------ malformed requests without end

    @Test
    void aSockbridgeClientSendingMalformedRequestsIsClosedWith4002AfterABoundedNumber() throws Exception {
        MessageCodec codec = MessageCodec.cbor();
        RawWebSocketClient c = RawWebSocketClient.connect(main.uri("/sockbridge"), null, false, T);
        c.channel.writeAndFlush(frame(codec, new Control.Hello(List.of(MessageCodec.VERSION), "hostile")));
        int sent = 0;
        for (; sent < 1000 && c.channel.isActive() && !c.closeStatus.isDone(); sent++) {
            // CLOSE with a call id and a text where the descriptor goes: EINVAL for that call
            int id = sent + 1;
            byte[] bad = {(byte) 0x83, 0x18, 0x1d, 0x19, (byte) (id >> 8), (byte) id, 0x60};
            c.channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bad))).await(T_MS);
        }
        String close = c.closeStatus.get(T_MS, TimeUnit.MILLISECONDS);
        assertTrue(close.startsWith("4002 ") && close.contains("malformed"), close);
        // the welcome and one error reply for each malformed request up to the limit (a goodbye may follow)
        int answers = c.binaryPayloads().size();
        assertTrue(answers >= 1 + 256 && answers <= 1 + 256 + 1, "answers: " + answers);
        c.close();
        awaitNothingHeld();
    }

    @Test
    void anEmscriptenClientSendingMalformedRequestsIsClosedWith1008AfterABoundedNumber() throws Exception {
        RawWebSocketClient c = RawWebSocketClient.connect(main.uri("/emscripten"), null, false, T);
        int sent = 0;
        for (; sent < 1000 && c.channel.isActive() && !c.closeStatus.isDone(); sent++) {
            // a call id and one byte: no opcode to read
            byte[] bad = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).putInt(sent + 1).put((byte) 9).array();
            c.channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bad))).await(T_MS);
        }
        String close = c.closeStatus.get(T_MS, TimeUnit.MILLISECONDS);
        assertTrue(close.startsWith("1008 ") && close.contains("malformed"), close);
        List<byte[]> answers = c.binaryPayloads();
        assertEquals(256, answers.size(), "one error reply for each malformed request up to the limit");
        for (byte[] m : answers) {
            assertEquals(16, m.length, "an error reply as short as the client's parser allows");
        }
        c.close();
        awaitNothingHeld();
    }

    // ------------------------------------------------------------------ a partial 16 MiB message

    /**
     * /sockbridge takes messages up to the Sockbridge protocol's 1 MiB although /emscripten on the same
     * listener takes 16 MiB: a client that starts a 16 MiB message in 64 KiB fragments is closed with 1009
     * once it passes 1 MiB, and the proxy held little more than that meanwhile.
     */
    @Test
    void aPartial16MiBMessageOnSockbridgeIsRefusedAt1MiBWith1009() throws Exception {
        RawWebSocketClient c = RawWebSocketClient.connect(main.uri("/sockbridge"), null, false, T);
        int piece = 64 << 10;
        long peak = 0;
        for (int i = 0; i < 256 && c.channel.isActive() && !c.closeStatus.isDone(); i++) {
            ByteBuf b = Unpooled.wrappedBuffer(new byte[piece]);
            WebSocketFrame f = i == 0 ? new BinaryWebSocketFrame(false, 0, b) : new ContinuationWebSocketFrame(i == 255, 0, b);
            c.channel.writeAndFlush(f).await(T_MS);
            peak = Math.max(peak, stats().bufferedBytes());
        }
        String close = c.closeStatus.get(T_MS, TimeUnit.MILLISECONDS);
        assertTrue(close.startsWith("1009 ") && close.contains(String.valueOf(1 << 20)), close);
        long bound = (1 << 20) + 4L * piece;
        assertTrue(peak <= bound, "held at most " + bound + " bytes of the message, not " + peak);
        c.close();
        awaitNothingHeld();
    }

    // ------------------------------------------------------------------ helpers

    private static BinaryWebSocketFrame frame(MessageCodec codec, Message m) {
        return new BinaryWebSocketFrame(encode(codec, m));
    }

    private static byte[] bytes(MessageCodec codec, Message m) {
        ByteBuf b = encode(codec, m);
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static ByteBuf encode(MessageCodec codec, Message m) {
        return codec.encode(m, ByteBufAllocator.DEFAULT);
    }

    /** GETADDRINFO (opcode 18) for 127.0.0.1, no hints: 2,204 bytes, no lookup needed. */
    static byte[] getAddrInfo(int i) {
        ByteBuffer b = ByteBuffer.allocate(2204).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(i + 1).putInt(18);
        b.put("127.0.0.1".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
