package dev.sockbridge.adversarial;

import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
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

/**
 * A bare protocol client: requests go out as soon as they are made (pipelined, never waiting for a
 * reply), replies complete futures by call id. What a hostile client can do that the client library
 * will not (guess descriptors, race calls against close).
 */
final class Driver implements AutoCloseable {
    private final MessageCodec codec = MessageCodec.cbor();
    final Transport transport;
    private final ConcurrentHashMap<Integer, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final CompletableFuture<Control.Welcome> welcome = new CompletableFuture<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();

    private Driver(Transport t) {
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
                if (m instanceof Reply r) {
                    CompletableFuture<Reply> f = pending.remove(r.callId());
                    if (f != null) {
                        f.complete(r);
                    }
                    Message.release(m);
                } else if (m instanceof Control.Welcome w) {
                    welcome.complete(w);
                } else {
                    Message.release(m);
                }
            }

            @Override
            public void closed(int code, String reason) {
                closed.complete(code + " " + reason);
                welcome.completeExceptionally(new IllegalStateException("closed " + code + " " + reason));
                pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("closed " + code + " " + reason)));
            }
        });
    }

    static Driver connect(URI uri) throws Exception {
        Transport t = Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(30, TimeUnit.SECONDS);
        Driver d = new Driver(t);
        d.send(new Control.Hello(List.of(MessageCodec.VERSION), "hostile"));
        d.welcome.get(30, TimeUnit.SECONDS);
        return d;
    }

    int nextId() {
        return ids.incrementAndGet();
    }

    void send(Message m) {
        transport.send(codec.encode(m, transport.alloc()));
    }

    /** Sends now; the future completes with the reply (errors included). */
    CompletableFuture<Reply> call(Request r) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        pending.put(r.callId(), f);
        send(r);
        return f;
    }

    /** The reply, at most 30 s later (a liveness bound: an unanswered call fails the test). */
    Reply await(Request r) throws Exception {
        return call(r).get(30, TimeUnit.SECONDS);
    }

    static String describe(Reply r) {
        return r instanceof Reply.Error e ? "error " + e.code() + " (" + e.reason() + ")" : r.toString();
    }

    @Override
    public void close() {
        transport.close(1000, "done");
    }
}
