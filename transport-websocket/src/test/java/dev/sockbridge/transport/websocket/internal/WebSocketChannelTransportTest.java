package dev.sockbridge.transport.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The session handler alone, on an EmbeddedChannel: no socket, no timing. */
class WebSocketChannelTransportTest {
    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final WebSocketChannelTransport session = new WebSocketChannelTransport(ch, "ws",
            WebSocketConfig.forServer(TransportOptions.defaults()
                    .with(TransportOptions.MAX_FRAME_SIZE, 100)
                    .with("pingIntervalMillis", 0)
                    .with("closeTimeoutMillis", 500)),
            "/sockbridge", "a=b", "sockbridge.v1", null);
    private final Recorder rec = new Recorder();

    WebSocketChannelTransportTest() {
        ch.pipeline().addLast(session.handler());
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    static final class Recorder implements TransportListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void frameReceived(ByteBuf frame) {
            events.add("frame " + frame.toString(StandardCharsets.UTF_8));
            frame.release();
        }

        @Override
        public void writabilityChanged(boolean writable) {
            events.add("writable " + writable);
        }

        @Override
        public void closed(int code, String reason) {
            events.add("closed " + code + " " + reason);
        }
    }

    private static BinaryWebSocketFrame binary(String s) {
        return new BinaryWebSocketFrame(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
    }

    private CloseWebSocketFrame outboundClose() {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof CloseWebSocketFrame) {
                return (CloseWebSocketFrame) o;
            }
            io.netty.util.ReferenceCountUtil.release(o);
        }
        return null;
    }

    /**
     * While the channel is not writable, pings are not answered one by one: only the latest is owed,
     * held and counted, and answered once the channel is writable again. A peer that pings and never
     * reads cannot make the session queue pongs.
     */
    @Test
    void aPeerThatPingsWhileTheChannelIsNotWritableIsOwedOnlyTheLatestPong() {
        java.util.concurrent.atomic.AtomicLong held = new java.util.concurrent.atomic.AtomicLong();
        session.countHeldBytes(held::addAndGet);
        session.start(rec);
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        ch.runPendingTasks();
        for (int i = 0; i < 1000; i++) {
            ch.writeInbound(new PingWebSocketFrame(Unpooled.copiedBuffer("ping " + i, StandardCharsets.UTF_8)));
        }
        assertNull(ch.readOutbound(), "no pong while not writable");
        assertEquals("ping 999".length(), held.get(), "only the latest ping's payload is held");

        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.runPendingTasks();
        Object o = ch.readOutbound();
        assertInstanceOf(PongWebSocketFrame.class, o);
        PongWebSocketFrame pong = (PongWebSocketFrame) o;
        assertEquals("ping 999", pong.content().toString(StandardCharsets.UTF_8));
        pong.release();
        assertNull(ch.readOutbound(), "one pong for all of them");
        assertEquals(0, held.get(), "nothing held once it is written");
    }

    @Test
    void sendWrapsTheBufferWithoutCopying() {
        ByteBuf b = Unpooled.buffer().writeBytes(new byte[] {1, 2, 3});
        session.send(b);
        BinaryWebSocketFrame f = ch.readOutbound();
        assertSame(b, f.content());
        f.release();
    }

    @Test
    void nothingIsReadOrDeliveredBeforeStartThenEverythingInOrder() {
        assertFalse(ch.config().isAutoRead(), "no reading before start");
        ch.writeInbound(binary("one"), binary("two"));
        assertTrue(rec.events.isEmpty());
        session.start(rec);
        assertTrue(ch.config().isAutoRead());
        assertEquals(List.of("frame one", "frame two"), rec.events);
        assertThrows(IllegalStateException.class, () -> session.start(rec));
    }

    @Test
    void pausedSessionHoldsFramesUntilResumed() {
        session.start(rec);
        session.setAutoRead(false);
        assertFalse(ch.config().isAutoRead());
        ch.writeInbound(binary("a"), binary("b"));
        assertTrue(rec.events.isEmpty());
        session.setAutoRead(true);
        assertEquals(List.of("frame a", "frame b"), rec.events);
    }

    @Test
    void textClosesWith1003() {
        session.start(rec);
        ch.writeInbound(new TextWebSocketFrame("hi"));
        CloseWebSocketFrame close = outboundClose();
        assertEquals(1003, close.statusCode());
        assertFalse(close.reasonText().isEmpty());
        close.release();
        assertEquals(1, rec.events.size());
        assertTrue(rec.events.get(0).startsWith("closed 1003 "));
    }

    @Test
    void tooLongMessageFromTheAggregatorClosesWith1009() {
        session.start(rec);
        ch.pipeline().fireExceptionCaught(new TooLongFrameException("content length exceeded 100 bytes."));
        CloseWebSocketFrame close = outboundClose();
        assertEquals(1009, close.statusCode());
        close.release();
        assertTrue(rec.events.get(0).startsWith("closed 1009 "), rec.events.toString());
    }

    @Test
    void pingIsAnsweredWithPong() {
        session.start(rec);
        ch.writeInbound(new PingWebSocketFrame(Unpooled.copiedBuffer("p", StandardCharsets.UTF_8)));
        PongWebSocketFrame pong = ch.readOutbound();
        assertEquals("p", pong.content().toString(StandardCharsets.UTF_8));
        pong.release();
        assertTrue(rec.events.isEmpty());
    }

    @Test
    void peerCloseIsAnsweredWithItsCodeAndReported() {
        session.start(rec);
        ch.writeInbound(new CloseWebSocketFrame(4000, "bye"));
        CloseWebSocketFrame answer = outboundClose();
        assertEquals(4000, answer.statusCode());
        answer.release();
        assertFalse(ch.isOpen(), "closed once the answer is written");
        assertEquals(List.of("closed 4000 bye"), rec.events);
        assertTrue(session.closeFuture().isDone());
    }

    @Test
    void localCloseWaitsForTheAnswerThenCloses() {
        session.start(rec);
        session.close(4001, "done");
        CloseWebSocketFrame sent = outboundClose();
        assertEquals(4001, sent.statusCode());
        assertEquals("done", sent.reasonText());
        sent.release();
        assertTrue(ch.isOpen(), "waiting for the peer's close frame");
        assertTrue(ch.config().isAutoRead(), "reading it");
        ch.writeInbound(binary("late"), new CloseWebSocketFrame(4001, ""));
        assertFalse(ch.isOpen());
        assertEquals(List.of("closed 4001 done"), rec.events, "told once, and nothing after close");
        ByteBuf after = Unpooled.buffer(1).writeByte(1);
        session.send(after);
        assertEquals(0, after.refCnt(), "send after close releases");
        assertFalse(session.isWritable());
    }

    @Test
    void closeWithoutAnswerEndsAfterTheCloseTimeout() {
        session.start(rec);
        session.close(1000, "bye");
        outboundClose().release();
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(List.of("closed 1000 bye"), rec.events);
    }

    @Test
    void connectionLostWithoutCloseFrameIs1006() {
        session.start(rec);
        ch.close();
        assertEquals(1, rec.events.size());
        assertTrue(rec.events.get(0).startsWith("closed 1006 "));
    }

    @Test
    void closedBeforeStartIsToldOnStartAfterEarlierFrames() {
        ch.writeInbound(binary("early"), new CloseWebSocketFrame(4002, "gone"));
        outboundClose().release();
        assertTrue(session.closeFuture().isDone());
        session.start(rec);
        ch.runPendingTasks();
        assertEquals(List.of("frame early", "closed 4002 gone"), rec.events);
    }

    @Test
    void longReasonIsCutToFitAControlFrameAndUnsendableCodesBecome1000() {
        session.start(rec);
        String reason = "é".repeat(100);
        session.close(1006, reason);
        CloseWebSocketFrame sent = outboundClose();
        assertEquals(1000, sent.statusCode(), "1006 may not be sent");
        assertTrue(sent.content().readableBytes() <= 125);
        assertEquals("é".repeat(61), sent.reasonText(), "cut at a character boundary");
        sent.release();
        assertEquals(List.of("closed 1006 " + reason), rec.events, "the listener hears the code it asked for");
    }

    @Test
    void sessionKnowsItsRequest() {
        assertEquals("/sockbridge", session.path());
        assertEquals("a=b", session.query());
        assertEquals("sockbridge.v1", session.subprotocol());
        assertNull(session.requestHeader("Origin"));
        assertEquals("ws", session.scheme());
        assertSame(ch.eventLoop(), session.executor());
        assertTrue(session.capabilities().isEmpty());
        assertSame(session.handler(), ch.pipeline().last());
    }
}
