package dev.sockbridge.api.client;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.codec.ProtocolException;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import io.netty.buffer.ByteBuf;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A stand-in proxy that speaks the protocol by hand over the real in-process transport: it answers
 * Hello with a Welcome (or what the test says), records everything else, and sends what the test
 * scripts. An optional responder answers requests automatically. A test that needs a fresh peer per
 * test method declares it {@code @RegisterExtension final ScriptedPeer peer = new ScriptedPeer();}: it
 * closes after each test.
 */
final class ScriptedPeer implements AutoCloseable, AfterEachCallback {
    private static final AtomicInteger NAMES = new AtomicInteger();
    static final long TIMEOUT_SECONDS = 5;

    final URI uri = URI.create("inprocess://scripted-peer-" + NAMES.incrementAndGet());
    final BlockingQueue<Message> frames = new LinkedBlockingQueue<>();
    final BlockingQueue<Message> datagrams = new LinkedBlockingQueue<>();
    /** Extra streams the client opened, in order. */
    final BlockingQueue<Transport> streams = new LinkedBlockingQueue<>();
    /** Frames that came on extra streams, each with its stream. */
    final BlockingQueue<OnStream> streamFrames = new LinkedBlockingQueue<>();
    /** Extra streams that ended, with "code reason". */
    final BlockingQueue<String> streamsClosed = new LinkedBlockingQueue<>();

    /** A frame that came on an extra stream. */
    record OnStream(Transport stream, Message message) {
    }
    final CompletableFuture<Transport> transport = new CompletableFuture<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final MessageCodec codec = MessageCodec.cbor();
    private final ServerTransport server;
    volatile Message answerToHello = new Control.Welcome(1, "scripted-peer", 1 << 20, 64, 64, 1 << 20);
    /** Answers requests as they come (null: no answer); they are recorded all the same. */
    volatile Function<Request, Message> responder;

    ScriptedPeer() {
        server = Transports.forUri(uri).newServer(uri, TransportOptions.defaults());
        server.start(t -> {
            t.start(new TransportListener() {
                @Override
                public void frameReceived(ByteBuf frame) {
                    Message m = decode(frame);
                    if (m instanceof Control.Hello) {
                        ScriptedPeer.this.send(answerToHello);
                        return;
                    }
                    frames.add(m);
                    Function<Request, Message> r = responder;
                    if (r != null && m instanceof Request) {
                        Message answer = r.apply((Request) m);
                        if (answer != null) {
                            ScriptedPeer.this.send(answer);
                        }
                    }
                }

                @Override
                public void datagramReceived(ByteBuf datagram) {
                    datagrams.add(decode(datagram));
                }

                @Override
                public void streamOpened(Transport stream) {
                    stream.start(new TransportListener() {
                        @Override
                        public void frameReceived(ByteBuf frame) {
                            streamFrames.add(new OnStream(stream, decode(frame)));
                        }

                        @Override
                        public void closed(int code, String reason) {
                            streamsClosed.add(code + " " + reason);
                        }
                    });
                    streams.add(stream);
                }

                @Override
                public void closed(int code, String reason) {
                    closed.complete(code + " " + reason);
                }
            });
            transport.complete(t);
        }).join();
    }

    private Message decode(ByteBuf frame) {
        try {
            return codec.decode(frame);
        } catch (ProtocolException e) {
            throw new AssertionError("the client sent a malformed frame", e);
        } finally {
            frame.release();
        }
    }

    SockbridgeClient connect() throws Exception {
        return SockbridgeClient.connect(uri).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    Transport transport() {
        return transport.join();
    }

    void send(Message m) {
        Transport t = transport();
        t.send(codec.encode(m, t.alloc()));
    }

    void sendDatagram(Message m) {
        Transport t = transport();
        if (!t.sendDatagram(codec.encode(m, t.alloc()))) {
            fail("datagram dropped");
        }
    }

    /** Sends {@code m} on an extra stream. */
    void sendOn(Transport stream, Message m) {
        stream.send(codec.encode(m, stream.alloc()));
    }

    /** The next frame that came on an extra stream. */
    OnStream takeFromStream() throws InterruptedException {
        OnStream m = streamFrames.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(m, "the client sent nothing on a stream");
        return m;
    }

    /** The next frame the client sent (Hello excluded). */
    Message take() throws InterruptedException {
        Message m = frames.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(m, "the client sent nothing");
        return m;
    }

    <T extends Message> T take(Class<T> type) throws InterruptedException {
        return assertInstanceOf(type, take());
    }

    /** Fails if the client sends a frame within {@code millis}. */
    void expectNothing(long millis) throws InterruptedException {
        Message m = frames.poll(millis, TimeUnit.MILLISECONDS);
        if (m != null) {
            fail("unexpected frame from the client: " + m);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        server.shutdownNow().join();
        Message m;
        while ((m = frames.poll()) != null) {
            Message.release(m);
        }
        while ((m = datagrams.poll()) != null) {
            Message.release(m);
        }
        OnStream o;
        while ((o = streamFrames.poll()) != null) {
            Message.release(o.message());
        }
    }
}
