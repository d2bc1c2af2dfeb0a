package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.SocketCallException;
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
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A minimal Sockbridge protocol client for tests, speaking message by message over a transport with
 * {@code STREAMS} and {@code DATAGRAMS}: calls on the main channel or on extra streams (each answered on its own
 * stream), fire-and-forget {@code SendTo} with call id 0 on the datagram path, and push events recorded with the
 * path they came on.
 */
final class SockbridgeDriver implements AutoCloseable {
    static final long TIMEOUT_S = 20;

    /** A push event as received, and whether it came as a datagram. */
    record Received(Event event, boolean viaDatagram) {
    }

    private final MessageCodec codec = MessageCodec.cbor();
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Reply>> replies = new ConcurrentHashMap<>();
    private final Map<Integer, BlockingQueue<Received>> events = new ConcurrentHashMap<>();
    final CompletableFuture<Control.Welcome> welcome = new CompletableFuture<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    final Channel main;

    /** One ordered channel of the session: the main transport or an extra stream. */
    final class Channel implements TransportListener {
        final Transport transport;

        Channel(Transport transport) {
            this.transport = transport;
        }

        @Override
        public void frameReceived(ByteBuf frame) {
            try {
                Message m = codec.decode(frame);
                if (m instanceof Reply) {
                    future(((Reply) m).callId()).complete((Reply) m);
                } else if (m instanceof Event) {
                    queue(fdOf((Event) m)).add(new Received((Event) m, false));
                } else if (m instanceof Control.Welcome) {
                    welcome.complete((Control.Welcome) m);
                } else if (m instanceof Control.Goodbye) {
                    closed.complete("goodbye " + m);
                }
            } catch (Exception e) {
                closed.complete("undecodable frame: " + e);
            } finally {
                frame.release();
            }
        }

        @Override
        public void datagramReceived(ByteBuf datagram) {
            try {
                Message m = codec.decode(datagram);
                if (m instanceof Event) {
                    queue(fdOf((Event) m)).add(new Received((Event) m, true));
                } else {
                    Message.release(m);
                }
            } catch (Exception ignored) {
                // a bad datagram is lost like any other
            } finally {
                datagram.release();
            }
        }

        @Override
        public void closed(int code, String reason) {
            if (this == main) {
                closed.complete(code + " " + reason);
            }
        }

        void send(Message m) {
            transport.send(codec.encode(m, transport.alloc()));
        }

        CompletableFuture<Reply> callAsync(IntFunction<Request> make) {
            Request r = make.apply(ids.incrementAndGet());
            CompletableFuture<Reply> f = future(r.callId());
            send(r);
            return f;
        }

        Reply call(IntFunction<Request> make) throws Exception {
            return callAsync(make).get(TIMEOUT_S, TimeUnit.SECONDS);
        }

        /** A call whose reply is a Value (an fd, a count); an error reply throws. */
        long value(IntFunction<Request> make) throws Exception {
            return expect(call(make), Reply.Value.class).value();
        }

        void ok(IntFunction<Request> make) throws Exception {
            expect(call(make), Reply.Ok.class);
        }

        byte[] data(IntFunction<Request> make) throws Exception {
            Reply.Data d = expect(call(make), Reply.Data.class);
            try {
                return ByteBufUtil.getBytes(d.data());
            } finally {
                Message.release(d);
            }
        }
    }

    private SockbridgeDriver(Transport transport) {
        main = new Channel(transport);
        transport.start(main);
        main.send(new Control.Hello(List.of(MessageCodec.VERSION), "sockbridge-webtransport-test"));
    }

    static SockbridgeDriver connect(TransportProvider provider, URI uri, TransportOptions options) throws Exception {
        Transport t = provider.connect(uri, options).get(TIMEOUT_S, TimeUnit.SECONDS);
        SockbridgeDriver d = new SockbridgeDriver(t);
        d.welcome.get(TIMEOUT_S, TimeUnit.SECONDS);
        return d;
    }

    /** Opens an extra stream of the session, for calls answered on it. */
    Channel openStream() throws Exception {
        Transport t = main.transport.openStream().get(TIMEOUT_S, TimeUnit.SECONDS);
        Channel c = new Channel(t);
        t.start(c);
        return c;
    }

    /**
     * sendto(fd, data, 0, to) as fire and forget on the datagram path ({@code SendTo} with call id 0). A datagram
     * that the encoded message would not fit in fails here with EMSGSIZE, as a kernel fails a UDP send over the
     * path MTU with DF set; nothing is sent then.
     *
     * @return false if the transport dropped it at once (no room)
     */
    boolean sendToUnreliable(int fd, InetSocketAddress to, byte[] data) throws SocketCallException {
        Transport t = main.transport;
        ByteBuf datagram = codec.encode(new Request.SendTo(0, fd, 0, to, Unpooled.wrappedBuffer(data)), t.alloc());
        int max = t.maxDatagramSize();
        if (datagram.readableBytes() > max) {
            int size = datagram.readableBytes();
            datagram.release();
            throw new SocketCallException(Errno.EMSGSIZE.code(), "sendto of " + data.length + " bytes is a datagram of "
                    + size + " bytes; the datagram path carries at most " + max);
        }
        return t.sendDatagram(datagram);
    }

    BlockingQueue<Received> events(int fd) {
        return queue(fd);
    }

    private BlockingQueue<Received> queue(int fd) {
        return events.computeIfAbsent(fd, k -> new LinkedBlockingQueue<>());
    }

    private CompletableFuture<Reply> future(int id) {
        return replies.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    private static int fdOf(Event e) {
        if (e instanceof Event.Data) {
            return ((Event.Data) e).fd();
        }
        if (e instanceof Event.Accept) {
            return ((Event.Accept) e).fd();
        }
        return ((Event.Ready) e).fd();
    }

    static <T extends Reply> T expect(Reply r, Class<T> type) {
        if (!type.isInstance(r)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + r);
        }
        return type.cast(r);
    }

    @Override
    public void close() {
        main.transport.close(1000, "test done");
    }
}
