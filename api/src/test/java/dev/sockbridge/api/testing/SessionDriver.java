package dev.sockbridge.api.testing;

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
import dev.sockbridge.api.transport.TransportProvider;
import dev.sockbridge.api.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare Sockbridge protocol client for tests: it sends exactly the messages it is given (malformed frames too),
 * pipelined, never waiting for a reply unless asked to, over any transport found by URI. What a test or a hostile
 * client can do that the client library will not (guess descriptors, race calls against a close).
 *
 * <p>Replies complete futures by call id, whether the future was asked for before or after the reply came; a reply
 * is kept only until it is claimed. Push events go to {@link #events}; other messages (Welcome, Goodbye, a frame
 * that did not decode, as a Goodbye with code -1) to {@link #other}. Replies carrying data belong to the caller
 * (release them, as {@link Message#release}), unless {@link #releaseRepliesOnArrival()} was called.
 *
 * <p><b>Lifecycle.</b> {@link #open(URI)} connects and, by default, completes the handshake; {@link #close()}
 * closes the transport with code 1000. When the transport closes, {@link #closed} completes and every call still
 * waiting fails.
 *
 * <p><b>Threading.</b> Thread-safe; replies and events arrive on the transport's event loop. Every blocking method
 * waits at most {@link #TIMEOUT_S} seconds.
 */
public class SessionDriver implements AutoCloseable {
    public static final long TIMEOUT_S = 20;
    private final MessageCodec codec = MessageCodec.cbor();
    /** The transport the session runs on. */
    public final Transport transport;
    /** Push events, in arrival order (stream and datagram paths both). */
    public final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Messages that are neither replies nor events. */
    public final BlockingQueue<Message> other = new LinkedBlockingQueue<>();
    /** Completes with "code reason" when the transport closes. */
    public final CompletableFuture<String> closed = new CompletableFuture<>();
    private final ConcurrentHashMap<Integer, CompletableFuture<Reply>> replies = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile boolean releaseOnArrival;

    /** Starts the transport with this driver as its listener; see {@link #open} for a connected, greeted one. */
    protected SessionDriver(Transport t) {
        transport = t;
        t.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                Message m;
                try {
                    m = codec.decode(frame);
                } catch (Exception e) {
                    other.add(new Control.Goodbye(-1, "undecodable: " + e));
                    return;
                } finally {
                    frame.release();
                }
                if (m instanceof Reply r) {
                    arrived(r);
                } else if (m instanceof Event e) {
                    events.add(e);
                } else {
                    other.add(m);
                }
            }

            @Override
            public void datagramReceived(ByteBuf datagram) {
                try {
                    if (codec.decode(datagram) instanceof Event e) {
                        events.add(e);
                    }
                } catch (Exception ignored) {
                    // a bad datagram is lost like any other
                } finally {
                    datagram.release();
                }
            }

            @Override
            public void closed(int code, String reason) {
                closed.complete(code + " " + reason);
                IllegalStateException gone = new IllegalStateException("closed " + code + " " + reason);
                replies.values().forEach(f -> f.completeExceptionally(gone));
            }
        });
    }

    /** Connects to {@code uri} (provider by scheme, default options) and completes the handshake. */
    public static SessionDriver open(URI uri) throws Exception {
        return open(uri, true);
    }

    /** Connects to {@code uri}; with {@code hello}, sends Hello and waits for the Welcome (consumed). */
    public static SessionDriver open(URI uri, boolean hello) throws Exception {
        return open(Transports.forUri(uri), uri, TransportOptions.defaults(), hello);
    }

    /** Connects through {@code provider} with {@code options} (a certificate pin, say); with the handshake. */
    public static SessionDriver open(TransportProvider provider, URI uri, TransportOptions options) throws Exception {
        return open(provider, uri, options, true);
    }

    private static SessionDriver open(TransportProvider provider, URI uri, TransportOptions options, boolean hello)
            throws Exception {
        SessionDriver s = new SessionDriver(provider.connect(uri, options).get(TIMEOUT_S, TimeUnit.SECONDS));
        if (hello) {
            s.hello();
        }
        return s;
    }

    /** Sends Hello and waits for the Welcome (which it takes from {@link #other}). */
    protected void hello() throws Exception {
        send(new Control.Hello(List.of(MessageCodec.VERSION), "sockbridge-test"));
        assertInstanceOf(Control.Welcome.class, other.poll(TIMEOUT_S, TimeUnit.SECONDS), "welcome");
    }

    /**
     * Replies are released as they arrive (their futures still complete, with the type, call id and errno intact):
     * for floods of pipelined calls whose data the test does not read. Returns this driver.
     */
    public SessionDriver releaseRepliesOnArrival() {
        releaseOnArrival = true;
        return this;
    }

    public int nextId() {
        return ids.incrementAndGet();
    }

    public void send(Message m) {
        transport.send(codec.encode(m, transport.alloc()));
    }

    /** Sends bytes as one frame, whatever they are. */
    public void sendRaw(byte[] frame) {
        transport.send(Unpooled.wrappedBuffer(frame));
    }

    /** Sends now; the future completes with the reply (errors included) or fails when the transport closes. */
    public CompletableFuture<Reply> callAsync(Request r) {
        CompletableFuture<Reply> f = claim(r.callId());
        send(r);
        return f;
    }

    /** Sends and waits for the reply. */
    public Reply call(Request r) throws Exception {
        return callAsync(r).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    /** Waits for the reply to a call sent before (by {@link #send}, say). */
    public Reply awaitReply(int callId) throws Exception {
        return claim(callId).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    /** Calls and expects a Value reply (an fd or a count). */
    public int value(Request r) throws Exception {
        Reply rep = call(r);
        if (rep instanceof Reply.Error) {
            throw new AssertionError(r.messageType() + " failed: " + rep);
        }
        return (int) assertInstanceOf(Reply.Value.class, rep).value();
    }

    /** Calls and expects Ok. */
    public void ok(Request r) throws Exception {
        Reply rep = call(r);
        assertInstanceOf(Reply.Ok.class, rep, () -> r.messageType() + " gave " + rep);
    }

    /** Calls and expects an error reply with this errno. */
    public Reply.Error error(Request r, int errno) throws Exception {
        Reply rep = call(r);
        Reply.Error e = assertInstanceOf(Reply.Error.class, rep, () -> r + " gave " + rep);
        assertEquals(errno, e.code(), () -> "errno of " + r.messageType() + ": " + e);
        return e;
    }

    /**
     * Opens a TCP socket, connects it to {@code echo} (a server that sends back what it gets), sends {@code bytes}
     * and reads (at most 20 times) until as many came back; asserts they all did, {@code why} saying what that
     * proves.
     *
     * @return the socket's fd, still open
     */
    public int tcpEcho(java.net.InetSocketAddress echo, byte[] bytes, String why) throws Exception {
        int fd = value(new Request.Socket(nextId(), dev.sockbridge.api.Posix.AF_INET, dev.sockbridge.api.Posix.SOCK_STREAM,
                0));
        ok(new Request.Connect(nextId(), fd, echo));
        assertEquals(bytes.length, value(new Request.Send(nextId(), fd, 0, Unpooled.wrappedBuffer(bytes))));
        long got = 0;
        for (int i = 0; i < 20 && got < bytes.length; i++) {
            Reply.Data d = assertInstanceOf(Reply.Data.class, call(new Request.Recv(nextId(), fd, 1024, 0)));
            got += d.data().readableBytes();
            Message.release(d);
        }
        assertEquals(bytes.length, got, why);
        return fd;
    }

    /** A reply as a test message: its errno and reason if it is an error. */
    public static String describe(Reply r) {
        return r instanceof Reply.Error e ? "error " + e.code() + " (" + e.reason() + ")" : r.toString();
    }

    /** The future of {@code id}'s reply: the one already there (then no longer kept), or a new one to wait on. */
    private CompletableFuture<Reply> claim(int id) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Reply>[] out = new CompletableFuture[1];
        replies.compute(id, (k, f) -> {
            if (f == null) {
                out[0] = new CompletableFuture<>();
                return out[0];
            }
            out[0] = f;
            return f.isDone() ? null : f;
        });
        if (closed.isDone()) {
            out[0].completeExceptionally(new IllegalStateException("closed " + closed.join()));
        }
        return out[0];
    }

    private void arrived(Reply r) {
        if (releaseOnArrival) {
            Message.release(r);
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<Reply>[] waiting = new CompletableFuture[1];
        replies.compute(r.callId(), (k, f) -> {
            if (f == null) {
                return CompletableFuture.completedFuture(r); // kept until claimed
            }
            waiting[0] = f;
            return null;
        });
        if (waiting[0] != null) {
            waiting[0].complete(r);
        }
    }

    @Override
    public void close() {
        transport.close(1000, "test done");
    }
}
