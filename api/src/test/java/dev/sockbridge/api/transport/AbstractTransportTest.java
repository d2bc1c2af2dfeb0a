package dev.sockbridge.api.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The base's own rules, on a wire the test drives by hand (frames put in, writability set) on a real event loop:
 * what the conformance suite cannot force on a real wire, such as a drain asked for inside another callback.
 */
class AbstractTransportTest {
    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final HandWire t = new HandWire(loop);
    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** A wire whose inbound frames and writability the test sets. */
    static final class HandWire extends AbstractTransport {
        final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();
        volatile boolean writable = true;
        final List<String> closes = new CopyOnWriteArrayList<>();

        HandWire(DefaultEventLoop loop) {
            super(loop);
        }

        void arrive(String s) {
            inbound.add(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
            drain();
        }

        void flip(boolean w) {
            writable = w;
            wireWritabilityChanged();
        }

        @Override
        protected void sendFrame(ByteBuf frame) {
            frame.release();
        }

        @Override
        protected boolean wireWritable() {
            return writable;
        }

        @Override
        protected void closeWire(int code, String reason) {
            closes.add(code + " " + reason);
            end(code, reason);
            terminated();
        }

        @Override
        protected boolean deliverNext() {
            ByteBuf f = inbound.poll();
            if (f == null) {
                return false;
            }
            deliverFrame(f);
            return true;
        }

        @Override
        public Set<Capability> capabilities() {
            return Set.of();
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
            return "hand";
        }
    }

    private final class Recorder implements TransportListener {
        private int depth;

        @Override
        public void frameReceived(ByteBuf frame) {
            events.add((depth > 0 ? "nested " : "") + "frame " + frame.toString(StandardCharsets.UTF_8));
            frame.release();
        }

        @Override
        public void writabilityChanged(boolean writable) {
            depth++;
            try {
                events.add("writable " + writable);
                if (writable) {
                    t.setAutoRead(true); // resumes reading from inside a callback
                }
            } finally {
                depth--;
            }
        }

        @Override
        public void closed(int code, String reason) {
            events.add("closed " + code + " " + reason);
        }
    }

    private <T> T on(Callable<T> c) throws Exception {
        return loop.submit(c).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aDrainAskedForInsideACallbackRunsAfterIt() throws Exception {
        on(() -> {
            t.start(new Recorder());
            t.setAutoRead(false);
            t.arrive("a");
            t.flip(false);
            return null;
        });
        on(() -> {
            t.flip(true);
            return null;
        });
        on(() -> null);
        on(() -> null);
        assertEquals(List.of("writable false", "writable true", "frame a"), events,
                "frame a is delivered after writabilityChanged returned, not inside it");
    }

    @Test
    void startTwiceThrowsAndCloseIsToldOnceWithItsCode() throws Exception {
        on(() -> {
            t.start(new Recorder());
            return null;
        });
        assertThrows(IllegalStateException.class, () -> t.start(new Recorder()));
        t.close(CloseCode.LIMIT_EXCEEDED, null);
        t.close(1000, "again");
        t.closeFuture().get(10, TimeUnit.SECONDS);
        on(() -> null);
        assertEquals(List.of("4002 limit exceeded"), t.closes, "the wire is closed once");
        assertEquals(List.of("closed 4002 limit exceeded"), events);
        assertFalse(t.isWritable());
        ByteBuf late = Unpooled.buffer(1).writeByte(1);
        t.send(late);
        assertEquals(0, late.refCnt(), "a send after close is released");
    }

    @Test
    void aListenerThatThrowsClosesItsTransportWithInternalError() throws Exception {
        on(() -> {
            t.start(new TransportListener() {
                @Override
                public void frameReceived(ByteBuf frame) {
                    frame.release();
                    throw new IllegalStateException("a listener bug, thrown by the test");
                }

                @Override
                public void closed(int code, String reason) {
                    events.add("closed " + code);
                }
            });
            t.arrive("boom");
            t.arrive("never");
            return null;
        });
        assertEquals(List.of("1011 internal error"), t.closes);
        assertEquals(List.of("closed 1011"), events);
        on(() -> {
            t.inbound.forEach(ByteBuf::release);
            return null;
        });
    }
}
