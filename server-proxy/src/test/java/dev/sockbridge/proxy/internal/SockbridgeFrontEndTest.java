package dev.sockbridge.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.GaiError;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.Result;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Sockbridge CBOR front end without sockets, as Netty tests its codecs: the decoder and encoder on bytes, and
 * the dispatcher between them on a transport whose frames go to an {@link EmbeddedChannel}, driving an engine
 * session that records the calls it is given and is answered by the test.
 */
class SockbridgeFrontEndTest {
    private final MessageCodec codec = MessageCodec.cbor();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final FrameTransport transport = new FrameTransport(channel);
    private final RecordingSession session = new RecordingSession(channel.eventLoop());

    @AfterEach
    void noBuffersLeft() {
        Object o;
        while ((o = channel.readOutbound()) != null) {
            ((ByteBuf) o).release();
        }
        channel.finishAndReleaseAll();
    }

    // ------------------------------------------------------------------ decoder and encoder alone

    @Test
    void decoderTurnsAFrameIntoAMessageAndReleasesIt() {
        SockbridgeDecoder d = new SockbridgeDecoder(codec);
        ByteBuf frame = codec.encode(new Request.Close(7, 3), ByteBufAllocator.DEFAULT);
        SockbridgeDecoder.Inbound in = d.decode(frame, 1 << 20, true);
        assertEquals(new Request.Close(7, 3), assertInstanceOf(SockbridgeDecoder.Decoded.class, in).message());
        assertEquals(0, frame.refCnt());
    }

    @Test
    void decoderAnswersAnUndecodableRequestAfterTheHandshakeAndEndsTheSessionBeforeIt() {
        SockbridgeDecoder d = new SockbridgeDecoder(codec);
        // a CONNECT (call 9) whose address is a number: the call is named, its arguments are not readable
        byte[] bad = badConnect(9);
        SockbridgeDecoder.Inbound after = d.decode(Unpooled.wrappedBuffer(bad), 1 << 20, true);
        SockbridgeDecoder.BadRequest b = assertInstanceOf(SockbridgeDecoder.BadRequest.class, after);
        assertEquals(9, b.callId());
        assertEquals(Errno.EINVAL, b.errno());
        SockbridgeDecoder.Inbound before = d.decode(Unpooled.wrappedBuffer(bad), 1 << 20, false);
        assertEquals(Control.Goodbye.PROTOCOL_ERROR, assertInstanceOf(SockbridgeDecoder.Fatal.class, before).code());
    }

    @Test
    void decoderRefusesAFrameOverTheLimit() {
        SockbridgeDecoder d = new SockbridgeDecoder(codec);
        ByteBuf frame = codec.encode(new Request.Send(1, 3, 0, Unpooled.wrappedBuffer(new byte[100])), ByteBufAllocator.DEFAULT);
        SockbridgeDecoder.Fatal f = assertInstanceOf(SockbridgeDecoder.Fatal.class, d.decode(frame, 64, true));
        assertEquals(Control.Goodbye.TOO_BIG, f.code());
        assertEquals(0, frame.refCnt());
    }

    @Test
    void encoderCarriesEveryResultAsTheReplyToItsCall() throws Exception {
        SockbridgeEncoder e = new SockbridgeEncoder(codec);
        InetSocketAddress from = new InetSocketAddress("127.0.0.1", 4242);
        Reply data = (Reply) decoded(e.reply(5, new Result.Data(0, from, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})),
                ByteBufAllocator.DEFAULT));
        Reply.Data d = assertInstanceOf(Reply.Data.class, data);
        assertEquals(5, d.callId());
        assertEquals(from, d.from());
        assertArrayEquals(new byte[] {1, 2, 3}, ByteBufUtil.getBytes(d.data()));
        Message.release(d);
        assertEquals(new Reply.Error(6, GaiError.EAI_NONAME, "no such name"),
                decoded(e.reply(6, new Result.Error(GaiError.EAI_NONAME, "no such name"), ByteBufAllocator.DEFAULT)));
        assertEquals(new Reply.Ok(7), decoded(e.reply(7, Result.OK, ByteBufAllocator.DEFAULT)));
        assertEquals(new Reply.Value(8, 42), decoded(e.reply(8, new Result.Value(42), ByteBufAllocator.DEFAULT)));
        assertEquals(new Reply.Accept(9, 4, from), decoded(e.reply(9, new Result.Accepted(4, from), ByteBufAllocator.DEFAULT)));
    }

    // ------------------------------------------------------------------ the dispatcher between them

    private SockbridgeSession started() throws Exception {
        SockbridgeSession s = new SockbridgeSession(session, transport);
        s.start();
        clientSends(new Control.Hello(List.of(MessageCodec.VERSION), "test"));
        Control.Welcome w = assertInstanceOf(Control.Welcome.class, sent());
        assertEquals(session.limits().maxSockets(), w.maxSockets());
        return s;
    }

    @Test
    void aRequestBecomesACallAndItsResultTheReplyOnTheSameRoute() throws Exception {
        started();
        clientSends(new Request.Send(11, 3, 0, Unpooled.wrappedBuffer(new byte[] {9, 9})));
        Call c = session.calls.remove(0);
        Request.Send q = assertInstanceOf(Request.Send.class, c.request());
        assertEquals(3, q.fd());
        Message.release(q);
        assertNull(channel.readOutbound(), "nothing is answered before the engine completes the call");
        c.route().completed(c, new Result.Value(2));
        assertEquals(new Reply.Value(11, 2), sent());
    }

    @Test
    void pushEventsAndCreditGoThroughTheRouteOfThePushCall() throws Exception {
        started();
        clientSends(new Request.Push(12, 3, true, 100));
        Call push = session.calls.remove(0);
        push.route().completed(push, Result.OK);
        assertEquals(new Reply.Ok(12), sent());
        assertTrue(!push.route().pushed(new Event.Ready(3, 1, 0), false));
        assertEquals(new Event.Ready(3, 1, 0), sent());
        clientSends(new Control.Credit(3, 500));
        assertEquals(List.of("credit 3 500"), session.log);
    }

    @Test
    void malformedRequestsAreAnsweredUntilTheLimitThenTheSessionEnds() throws Exception {
        started();
        for (int i = 1; i <= FrontEnd.MAX_MALFORMED_REQUESTS; i++) {
            clientSendsRaw(badConnect(i));
            Reply.Error e = assertInstanceOf(Reply.Error.class, sent());
            assertEquals(i, e.callId());
            assertEquals(Errno.EINVAL.code(), e.code());
        }
        clientSendsRaw(badConnect(1000));
        Control.Goodbye g = assertInstanceOf(Control.Goodbye.class, sent());
        assertEquals(Control.Goodbye.LIMIT_EXCEEDED, g.code());
        assertEquals(Control.Goodbye.LIMIT_EXCEEDED, transport.closedWith);
        assertTrue(session.closed);
        assertEquals(FrontEnd.MAX_MALFORMED_REQUESTS + 1, session.malformed);
    }

    @Test
    void aRequestBeforeTheHandshakeEndsTheSession() throws Exception {
        new SockbridgeSession(session, transport).start();
        clientSends(new Request.Close(1, 3));
        Control.Goodbye g = assertInstanceOf(Control.Goodbye.class, sent());
        assertEquals(Control.Goodbye.PROTOCOL_ERROR, g.code());
        assertTrue(session.closed);
        assertTrue(session.calls.isEmpty());
    }

    @Test
    void theProxyEndingTheSessionSaysGoodbyeAndClosesTheTransport() throws Exception {
        SockbridgeSession s = started();
        s.close(1001, "proxy shutting down");
        assertEquals(new Control.Goodbye(1001, "proxy shutting down"), sent());
        assertEquals(1001, transport.closedWith);
        assertTrue(session.closed);
        // a result that arrives after the end is dropped, its buffer released
        ByteBuf late = Unpooled.buffer(4).writeInt(1);
        clientSends(new Request.Close(2, 3));
        assertTrue(session.calls.isEmpty());
        new Call(new Request.Recv(3, 3, 4, 0), dev.sockbridge.proxy.spi.Route.DISCARD).route()
                .completed(null, new Result.Data(0, null, late));
        assertEquals(0, late.refCnt());
    }

    // ------------------------------------------------------------------ helpers

    /** A CONNECT frame whose address field is a number instead of an address: undecodable, but it names its call. */
    private byte[] badConnect(int callId) {
        ByteBuf good = codec.encode(new Request.Connect(callId, 3, new InetSocketAddress("127.0.0.1", 80)), ByteBufAllocator.DEFAULT);
        byte[] b = ByteBufUtil.getBytes(good);
        good.release();
        // the frame ends with the address; cutting the last byte leaves a request whose call id is readable
        byte[] cut = new byte[b.length - 1];
        System.arraycopy(b, 0, cut, 0, cut.length);
        return cut;
    }

    /** Decodes a frame the encoder made, and releases the frame. */
    private Message decoded(ByteBuf frame) throws Exception {
        try {
            return codec.decode(frame);
        } finally {
            frame.release();
        }
    }

    private void clientSends(Message m) {
        transport.listener.frameReceived(codec.encode(m, ByteBufAllocator.DEFAULT));
    }

    private void clientSendsRaw(byte[] frame) {
        transport.listener.frameReceived(Unpooled.wrappedBuffer(frame));
    }

    /** The next frame the front end sent, decoded. */
    private Message sent() throws Exception {
        ByteBuf f = channel.readOutbound();
        if (f == null) {
            throw new AssertionError("nothing was sent");
        }
        try {
            return codec.decode(f);
        } finally {
            f.release();
        }
    }

    /** A transport whose frames go out on an {@link EmbeddedChannel} (whose loop is the test's thread). */
    static final class FrameTransport implements Transport {
        final EmbeddedChannel channel;
        final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
        TransportListener listener;
        int closedWith;

        FrameTransport(EmbeddedChannel channel) {
            this.channel = channel;
        }

        @Override
        public void start(TransportListener l) {
            listener = l;
        }

        @Override
        public void send(ByteBuf frame) {
            channel.writeOutbound(frame);
        }

        @Override
        public boolean isWritable() {
            return channel.isWritable();
        }

        @Override
        public void setAutoRead(boolean autoRead) {
        }

        @Override
        public Set<Capability> capabilities() {
            return Set.of();
        }

        @Override
        public void close(int code, String reason) {
            if (closedWith == 0) {
                closedWith = code;
            }
            closeFuture.complete(null);
        }

        @Override
        public CompletableFuture<Void> closeFuture() {
            return closeFuture;
        }

        @Override
        public EventExecutor executor() {
            return channel.eventLoop();
        }

        @Override
        public ByteBufAllocator alloc() {
            return ByteBufAllocator.DEFAULT;
        }

        @Override
        public SocketAddress remoteAddress() {
            return null;
        }

        @Override
        public String scheme() {
            return "embedded";
        }
    }

    /** The engine's side, recording what the front end asks of it; the test completes the calls. */
    static final class RecordingSession implements EngineSession {
        final EventLoop loop;
        final List<Call> calls = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        int malformed;
        boolean closed;

        RecordingSession(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public SessionInfo info() {
            return new SessionInfo(1, null, "embedded", "sockbridge");
        }

        @Override
        public EventLoop loop() {
            return loop;
        }

        @Override
        public SessionLimits limits() {
            return SessionLimits.defaults();
        }

        @Override
        public SocketPolicy policy() {
            return SocketPolicy.loopbackOnly();
        }

        @Override
        public boolean execute(Runnable task) {
            task.run();
            return true;
        }

        @Override
        public void submit(Call call) {
            if (closed) {
                Message.release(call.request());
            } else {
                calls.add(call);
            }
        }

        @Override
        public void credit(int fd, long bytes) {
            log.add("credit " + fd + " " + bytes);
        }

        @Override
        public void writabilityChanged() {
            log.add("writable");
        }

        @Override
        public void datagramDropped(int fd) {
            log.add("dropped " + fd);
        }

        @Override
        public void countMalformed() {
            malformed++;
        }

        @Override
        public void countDenied(String call, String reason) {
            throw new AssertionError("the Sockbridge front end refuses nothing itself: " + call + " " + reason);
        }

        @Override
        public int outstandingCalls() {
            return calls.size();
        }

        @Override
        public long bufferedBytes() {
            return 0;
        }

        @Override
        public boolean bufferRoom(long n) {
            return true;
        }

        @Override
        public void addBuffered(long delta) {
        }

        @Override
        public void countHeldBytes(Transport t) {
        }

        @Override
        public long transportHeldBytes() {
            return 0;
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public void close(int code, String reason) {
            closed = true;
        }
    }
}
