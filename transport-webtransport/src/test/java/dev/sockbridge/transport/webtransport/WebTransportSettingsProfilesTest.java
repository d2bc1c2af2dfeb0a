package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.WebTransportServer;
import dev.sockbridge.transport.webtransport.internal.WebTransportSession;
import dev.sockbridge.transport.webtransport.internal.WebTransportSessionHandler;
import dev.sockbridge.transport.webtransport.internal.Capsules;
import dev.sockbridge.transport.webtransport.internal.Varint;
import dev.sockbridge.transport.webtransport.internal.WebTransportProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.CAPSULE_WT_DATA_BLOCKED;
import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.CAPSULE_WT_MAX_DATA;
import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.SESSION_DATA_WINDOW;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SETTINGS the server sends, and what it does with each kind of client's SETTINGS, at the HTTP/3 level with a
 * real QUIC/HTTP/3 client (Netty's codec) standing in for each browser, since Safari cannot run here:
 *
 * <ul>
 *   <li>draft-02, as Chromium 156 and Firefox 153 send: ENABLE_WEBTRANSPORT and the H3 datagram ids, no limits;
 *   <li>draft-15, as newer Firefox (neqo) sends: WT_ENABLED and the draft-07 max-sessions id, no data limit;
 *   <li>Safari 26.4 style: WT_MAX_SESSIONS with the three WT_INITIAL_MAX_* settings, a small data credit.
 * </ul>
 */
@Timeout(90)
class WebTransportSettingsProfilesTest {
    private static final String ORIGIN = "https://app.example";

    private WebTransportServer server;
    private H3TestClient client;

    @AfterEach
    void stop() {
        H3TestClient.closeWithServer(client, server);
    }

    private static Http3SettingsFrame settings(long... idValue) {
        Http3Settings s = new Http3Settings(WebTransportProtocol.ACCEPT_ALL_SETTINGS);
        for (int i = 0; i < idValue.length; i += 2) {
            s.put(idValue[i], idValue[i + 1]);
        }
        return new DefaultHttp3SettingsFrame(s);
    }

    static Http3SettingsFrame chromiumDraft02() {
        return settings(0x2b603742L, 1, 0x33, 1, 0xffd277L, 1);
    }

    static Http3SettingsFrame firefoxDraft15() {
        return settings(0x33, 1, 0x2c7cf000L, 1, 0xc671706aL, 1);
    }

    static Http3SettingsFrame safari(long initialMaxData) {
        return settings(0x33, 1, 0x14e9cd29L, 1, 0x2b61, initialMaxData, 0x2b64, 8, 0x2b65, 8);
    }

    private void start(WebTransportSessionHandler handler, Http3SettingsFrame clientSettings) throws Exception {
        server = WebTransportServer.builder().route("/wt", handler).allowOrigins(ORIGIN).start();
        client = new H3TestClient(server.localAddress(), server.certificate().sha256(), clientSettings);
    }

    /** A CONNECT with draft-15's upgrade token, {@code webtransport-h3}, as the newer drafts' clients send it. */
    private H3TestClient.Request connectDraft15() throws Exception {
        H3TestClient.Request r = client.newRequest();
        client.sendConnect(r, "CONNECT", "webtransport-h3", "/wt", ORIGIN);
        return r;
    }

    /** Reads and drops every stream, counting the bytes. */
    private static final class Sink implements WebTransportSessionHandler {
        final AtomicLong bytes = new AtomicLong();
        final CompletableFuture<WebTransportSession> opened = new CompletableFuture<>();

        @Override
        public void sessionOpened(WebTransportSession session) {
            opened.complete(session);
        }

        @Override
        public void streamOpened(WebTransportSession session, QuicStreamChannel stream, boolean bidirectional) {
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    bytes.addAndGet(((ByteBuf) msg).readableBytes());
                    ((ByteBuf) msg).release();
                }
            });
        }
    }

    private record Capsule(long type, long value) {
    }

    /** The flow-control capsules in a CONNECT stream's bytes (others skipped). */
    private static List<Capsule> capsules(byte[] body) {
        ByteBuf in = Unpooled.wrappedBuffer(body);
        List<Capsule> out = new ArrayList<>();
        while (Varint.isReadable(in)) {
            int start = in.readerIndex();
            long type = Varint.read(in);
            if (!Varint.isReadable(in)) {
                break;
            }
            long length = Varint.read(in);
            if (in.readableBytes() < length) {
                in.readerIndex(start);
                break; // still arriving
            }
            ByteBuf payload = in.readSlice((int) length);
            out.add(new Capsule(type, type >= 0x190b4d3dL && type <= 0x190b4d44L ? Varint.read(payload) : -1));
        }
        return out;
    }

    private static long await(java.util.function.LongSupplier value, long target) throws InterruptedException {
        long deadline = System.nanoTime() + SECONDS.toNanos(30);
        while (value.getAsLong() < target && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return value.getAsLong();
    }

    /** Sends {@code total} bytes on a new client bidi stream of the session, in pieces. */
    private void sendOnStream(long sessionId, int total) throws Exception {
        QuicStreamChannel s = client.openWtBidi(sessionId, new ChannelInboundHandlerAdapter(), new byte[0], false);
        int piece = 64 << 10;
        for (int sent = 0; sent < total; sent += piece) {
            int n = Math.min(piece, total - sent);
            s.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.wrappedBuffer(new byte[n]), sent + n >= total)).sync();
        }
    }

    @Test
    void theServerAdvertisesWhatEachClientLooksFor() throws Exception {
        start(new Sink(), chromiumDraft02());
        Http3SettingsFrame s = client.serverSettings.get(10, SECONDS);
        // draft-02 (Chromium, Firefox 153): without it both refuse the server
        assertEquals(1L, s.get(0x2b603742L));
        assertEquals(1L, s.get(0x33));
        assertEquals(1L, s.get(0xffd277L));
        assertEquals(1L, s.get(0x8));
        // draft-07 and draft-13+ session counts, and draft-15's WT_ENABLED (newer neqo reads 0xc671706a, 0x2c7cf000)
        assertEquals(16L, s.get(0xc671706aL));
        assertEquals(16L, s.get(0x14e9cd29L));
        assertEquals(1L, s.get(0x2c7cf000L));
        // Safari gives up before its CONNECT when more than one session is allowed without these, and sends
        // nothing without data credit
        assertEquals(SESSION_DATA_WINDOW, s.get(0x2b61));
        assertTrue(s.get(0x2b64) > 0 && s.get(0x2b65) > 0, s.toString());
    }

    @Test
    void aDraft02ClientGetsNoFlowControlCapsules() throws Exception {
        Sink sink = new Sink();
        start(sink, chromiumDraft02());
        H3TestClient.Request r = client.connect("/wt", ORIGIN);
        assertEquals("200", r.status());
        int total = (int) (SESSION_DATA_WINDOW / 2 + (1 << 20)); // past the point a flow-control client is topped up
        sendOnStream(r.id(), total);
        assertEquals(total, await(sink.bytes::get, total));
        r.sendCapsules(Capsules.closeSession(ByteBufAllocator.DEFAULT, 0, "done"), true);
        r.fin.get(10, SECONDS);
        // capsules the server wrote before its FIN are all in the body now
        assertFalse(capsules(r.bodyBytes()).stream().anyMatch(c -> c.type >= 0x190b4d3dL && c.type <= 0x190b4d44L),
                capsules(r.bodyBytes()).toString());
    }

    @Test
    void aDraft15ClientIsGrantedMoreCreditAsItsDataIsRead() throws Exception {
        Sink sink = new Sink();
        start(sink, firefoxDraft15());
        H3TestClient.Request r = connectDraft15();
        assertEquals("200", r.status());
        int total = (int) (SESSION_DATA_WINDOW / 2 + (1 << 20));
        sendOnStream(r.id(), total);
        assertEquals(total, await(sink.bytes::get, total));
        r.sendCapsules(Capsules.closeSession(ByteBufAllocator.DEFAULT, 0, "done"), true);
        r.fin.get(10, SECONDS);
        List<Capsule> got = capsules(r.bodyBytes());
        Capsule maxData = got.stream().filter(c -> c.type == CAPSULE_WT_MAX_DATA).findFirst().orElseThrow(
                () -> new AssertionError("no WT_MAX_DATA in " + got));
        // topped up once more than half the window was read: what was read then plus a whole window
        assertTrue(maxData.value > SESSION_DATA_WINDOW + SESSION_DATA_WINDOW / 2
                && maxData.value <= total + SESSION_DATA_WINDOW, got.toString());
    }

    @Test
    void aSafariStyleClientIsNeverSentMoreThanItsCredit() throws Exception {
        EchoSessionHandler echo = new EchoSessionHandler(false);
        long credit = 1000;
        start(echo, safari(credit));
        H3TestClient.Request r = connectDraft15();
        assertEquals("200", r.status());

        // what the client allows at the moment each echoed byte arrives; any byte beyond it is a violation
        AtomicLong allowed = new AtomicLong(credit);
        AtomicLong received = new AtomicLong();
        AtomicLong mostOver = new AtomicLong();
        ChannelInboundHandlerAdapter reader = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                long now = received.addAndGet(((ByteBuf) msg).readableBytes());
                mostOver.accumulateAndGet(now - allowed.get(), Math::max);
                ((ByteBuf) msg).release();
            }
        };
        int total = 5000;
        client.openWtBidi(r.id(), reader, new byte[total], false);

        // the server stops at the credit and says so
        assertEquals(credit, await(() -> capsules(r.bodyBytes()).stream()
                .filter(c -> c.type == CAPSULE_WT_DATA_BLOCKED).mapToLong(c -> c.value).max().orElse(0), credit));
        assertEquals(credit, await(received::get, credit));
        assertTrue(mostOver.get() <= 0, "the server sent " + mostOver.get() + " bytes past the client's credit");

        // more credit, by capsule: the rest comes
        allowed.set(3000);
        r.sendCapsules(Capsules.maxData(ByteBufAllocator.DEFAULT, 3000), false);
        assertEquals(3000, await(received::get, 3000));
        allowed.set(total);
        r.sendCapsules(Capsules.maxData(ByteBufAllocator.DEFAULT, total), false);
        assertEquals(total, await(received::get, total));
        assertTrue(mostOver.get() <= 0, "the server sent " + mostOver.get() + " bytes past the client's credit");
    }

    @Test
    void theServerOpensNoMoreStreamsThanTheClientsStreamCredit() throws Exception {
        // a client that lets the server open no bidirectional stream until it says otherwise
        EchoSessionHandler echo = new EchoSessionHandler(true); // opens a bidi stream at session start
        start(echo, settings(0x33, 1, 0x14e9cd29L, 1, 0x2b61, 1 << 20, 0x2b64, 8, 0x2b65, 0));
        H3TestClient.Request r = connectDraft15();
        assertEquals("200", r.status());
        try {
            echo.serverBidiReply.get(10, SECONDS);
            throw new AssertionError("the server opened a stream past the client's credit of 0");
        } catch (java.util.concurrent.ExecutionException e) {
            assertTrue(e.getCause().getMessage().contains("stream credit"), e.getCause().toString());
        }
        assertEquals(0, await(() -> capsules(r.bodyBytes()).stream()
                .filter(c -> c.type == WebTransportProtocol.CAPSULE_WT_STREAMS_BLOCKED_BIDI)
                .count() > 0 ? 0 : -1, 0), "WT_STREAMS_BLOCKED (bidi) sent: " + capsules(r.bodyBytes()));
    }
}
