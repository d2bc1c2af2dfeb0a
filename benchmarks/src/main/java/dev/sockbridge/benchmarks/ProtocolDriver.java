package dev.sockbridge.benchmarks;

import dev.sockbridge.api.transport.CloseCode;
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
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The thinnest possible protocol client (call ids, futures, a push-event hook), so that the
 * benchmark measures the proxy and its transport rather than a client library's conveniences.
 */
final class ProtocolDriver implements AutoCloseable {
    private final MessageCodec codec = MessageCodec.cbor();
    final Transport transport;
    private final ConcurrentHashMap<Integer, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final CompletableFuture<Control.Welcome> welcome = new CompletableFuture<>();
    volatile Consumer<Event> onEvent = Message::release;

    private ProtocolDriver(Transport t) {
        this.transport = t;
        t.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                Message m;
                try {
                    m = codec.decode(frame);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    frame.release();
                }
                if (m instanceof Reply) {
                    CompletableFuture<Reply> f = pending.remove(((Reply) m).callId());
                    if (f != null) {
                        f.complete((Reply) m);
                    } else {
                        Message.release(m);
                    }
                } else if (m instanceof Event) {
                    onEvent.accept((Event) m);
                } else if (m instanceof Control.Welcome) {
                    welcome.complete((Control.Welcome) m);
                }
            }

            @Override
            public void closed(int code, String reason) {
                welcome.completeExceptionally(new IllegalStateException("closed " + code + " " + reason));
                pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("closed " + code + " " + reason)));
            }
        });
    }

    static ProtocolDriver connect(URI uri, TransportOptions options) throws Exception {
        Transport t = Transports.forUri(uri).connect(uri, options).get(10, TimeUnit.SECONDS);
        ProtocolDriver d = new ProtocolDriver(t);
        d.send(new Control.Hello(List.of(1), "bench"));
        d.welcome.get(10, TimeUnit.SECONDS);
        return d;
    }

    int nextId() {
        return ids.incrementAndGet();
    }

    void send(Message m) {
        transport.send(codec.encode(m, transport.alloc()));
    }

    CompletableFuture<Reply> call(Request r) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        pending.put(r.callId(), f);
        send(r);
        return f;
    }

    Reply sync(Request r) throws Exception {
        Reply rep = call(r).get(30, TimeUnit.SECONDS);
        if (rep instanceof Reply.Error) {
            throw new IllegalStateException(r.messageType() + " failed: " + rep);
        }
        return rep;
    }

    @Override
    public void close() {
        transport.close(CloseCode.NORMAL.code(), "bench done");
    }
}
