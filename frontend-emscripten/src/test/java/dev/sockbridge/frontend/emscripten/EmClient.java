package dev.sockbridge.frontend.emscripten;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A byte-level client of the Emscripten POSIX-socket protocol over a real transport: the test writes
 * the exact request bytes the 3.1.6 client would send and reads the raw reply bytes, matched by call
 * id (replies may come in any order). Every frame received is also kept, in arrival order.
 */
final class EmClient implements AutoCloseable {
    static final long TIMEOUT_S = 20;
    final Transport transport;
    private final Map<Integer, CompletableFuture<Rep>> replies = new ConcurrentHashMap<>();
    final BlockingQueue<Rep> arrivals = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final AtomicInteger ids = new AtomicInteger(100_000); // clear of the ids tests write by hand

    private EmClient(Transport t) {
        transport = t;
        t.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                byte[] b = ByteBufUtil.getBytes(frame);
                frame.release();
                Rep r = new Rep(b);
                arrivals.add(r);
                if (b.length >= 4) {
                    future(r.id()).complete(r);
                }
            }

            @Override
            public void closed(int code, String reason) {
                closed.complete(code + " " + reason);
            }
        });
    }

    static EmClient open(URI uri) throws Exception {
        return new EmClient(Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(TIMEOUT_S, TimeUnit.SECONDS));
    }

    int nextId() {
        return ids.incrementAndGet();
    }

    private CompletableFuture<Rep> future(int id) {
        return replies.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    void sendRaw(byte[] frame) {
        transport.send(Unpooled.wrappedBuffer(frame));
    }

    /** Sends a request (its id is its first 4 bytes) and returns the future of its reply. */
    CompletableFuture<Rep> send(byte[] frame) {
        CompletableFuture<Rep> f = future(ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        sendRaw(frame);
        return f;
    }

    Rep call(byte[] frame) throws Exception {
        return send(frame).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    Rep await(int id) throws Exception {
        return future(id).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    boolean hasReply(int id) {
        return future(id).isDone();
    }

    @Override
    public void close() {
        transport.close(1000, "test done");
    }

    // ------------------------------------------------------------------ requests, byte by byte

    /** A little-endian message builder. */
    static final class B {
        private final ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

        static B req(int id, int op) {
            return new B().i32(id).i32(op);
        }

        B i32(int v) {
            b.putInt(v);
            return this;
        }

        B i64(long v) {
            b.putLong(v);
            return this;
        }

        B bytes(byte[] v) {
            b.put(v);
            return this;
        }

        B zeros(int n) {
            b.put(new byte[n]);
            return this;
        }

        /** A NUL-padded fixed char[n] field. */
        B str(String s, int n) {
            byte[] v = s.getBytes(StandardCharsets.UTF_8);
            b.put(v).put(new byte[n - v.length]);
            return this;
        }

        byte[] build() {
            byte[] out = new byte[b.position()];
            System.arraycopy(b.array(), 0, out, 0, out.length);
            return out;
        }
    }

    /** sockaddr_in: family 2 LE, port BE, address, 8 zero bytes. */
    static byte[] sin(String ip, int port) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.put((byte) 2).put((byte) 0).putShort((short) port).put(InetAddress.getByName(ip).getAddress());
        return b.array();
    }

    /** sockaddr_in6: family 10 LE, port BE, flowinfo, address, scope id LE. */
    static byte[] sin6(String ip, int port) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.put((byte) 10).put((byte) 0).putShort((short) port).putInt(0).put(InetAddress.getByName(ip).getAddress());
        return b.array();
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    // ------------------------------------------------------------------ replies

    /** A raw reply: @0 callId, @4 ret, @8 errno, then the call's payload. */
    record Rep(byte[] b) {
        int len() {
            return b.length;
        }

        int i32(int at) {
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
        }

        long i64(int at) {
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
        }

        int id() {
            return i32(0);
        }

        int ret() {
            return i32(4);
        }

        int errno() {
            return i32(8);
        }

        byte[] slice(int at, int n) {
            byte[] out = new byte[n];
            System.arraycopy(b, at, out, 0, n);
            return out;
        }

        String hex() {
            return EmClient.hex(b);
        }

        /** Asserts a failed call: ret, Emscripten errno and exact size. */
        Rep fails(int ret, int errno, int size) {
            assertEquals(ret, ret(), () -> "ret of " + hex());
            assertEquals(errno, errno(), () -> "errno of " + hex());
            assertEquals(size, len(), () -> "size of " + hex());
            return this;
        }

        @Override
        public String toString() {
            return b.length > 64 ? "Rep(" + b.length + " bytes: " + EmClient.hex(slice(0, 64)) + "...)" : "Rep(" + hex() + ")";
        }
    }
}
