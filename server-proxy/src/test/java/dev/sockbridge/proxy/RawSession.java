package dev.sockbridge.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test client that speaks the Sockbridge protocol message by message over a real transport, so
 * tests can send exactly what they mean, malformed frames included.
 */
final class RawSession implements AutoCloseable {
    static final long TIMEOUT_S = 20;
    private final MessageCodec codec = MessageCodec.cbor();
    final Transport transport;
    private final Map<Integer, CompletableFuture<Reply>> replies = new ConcurrentHashMap<>();
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final BlockingQueue<Message> other = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final AtomicInteger ids = new AtomicInteger();

    private RawSession(Transport t) {
        transport = t;
        t.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                try {
                    Message m = codec.decode(frame);
                    if (m instanceof Reply) {
                        future(((Reply) m).callId()).complete((Reply) m);
                    } else if (m instanceof Event) {
                        events.add((Event) m);
                    } else {
                        other.add(m);
                    }
                } catch (Exception e) {
                    other.add(new Control.Goodbye(-1, "undecodable: " + e));
                } finally {
                    frame.release();
                }
            }

            @Override
            public void datagramReceived(ByteBuf datagram) {
                try {
                    Message m = codec.decode(datagram);
                    if (m instanceof Event) {
                        events.add((Event) m);
                    }
                } catch (Exception ignored) {
                    // a bad datagram is just lost
                } finally {
                    datagram.release();
                }
            }

            @Override
            public void closed(int code, String reason) {
                closed.complete(code + " " + reason);
            }
        });
    }

    static RawSession open(URI uri) throws Exception {
        return open(uri, true);
    }

    static RawSession open(URI uri, boolean hello) throws Exception {
        Transport t = Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(TIMEOUT_S, TimeUnit.SECONDS);
        RawSession s = new RawSession(t);
        if (hello) {
            s.send(new Control.Hello(List.of(1), "test"));
            Message w = s.other.poll(TIMEOUT_S, TimeUnit.SECONDS);
            assertInstanceOf(Control.Welcome.class, w, "welcome");
        }
        return s;
    }

    int nextId() {
        return ids.incrementAndGet();
    }

    private CompletableFuture<Reply> future(int id) {
        return replies.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    void send(Message m) {
        transport.send(codec.encode(m, transport.alloc()));
    }

    void sendRaw(byte[] frame) {
        transport.send(Unpooled.wrappedBuffer(frame));
    }

    CompletableFuture<Reply> callAsync(Request r) {
        CompletableFuture<Reply> f = future(r.callId());
        send(r);
        return f;
    }

    Reply call(Request r) throws Exception {
        return callAsync(r).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    Reply awaitReply(int callId) throws Exception {
        return future(callId).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    /** Calls and expects a Value reply (an fd or a count). */
    int value(Request r) throws Exception {
        Reply rep = call(r);
        if (rep instanceof Reply.Error) {
            throw new AssertionError(r.messageType() + " failed: " + rep);
        }
        return (int) assertInstanceOf(Reply.Value.class, rep).value();
    }

    void ok(Request r) throws Exception {
        Reply rep = call(r);
        assertInstanceOf(Reply.Ok.class, rep, () -> r.messageType() + " gave " + rep);
    }

    /** Expects an error reply with this errno. */
    Reply.Error error(Request r, int errno) throws Exception {
        Reply rep = call(r);
        Reply.Error e = assertInstanceOf(Reply.Error.class, rep, () -> r + " gave " + rep);
        assertEquals(errno, e.code(), () -> "errno of " + r.messageType() + ": " + e);
        return e;
    }

    @Override
    public void close() {
        transport.close(1000, "test done");
    }
}
