package dev.sockbridge.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A WebSocket client with no library between it and the socket, so it can misbehave: never read,
 * declare a message larger than it sends, pipeline without waiting. Blocking I/O on a plain socket;
 * a flood runs on its own thread and is judged by a watchdog (progress, not time).
 *
 * <p>Shared by {@link HostileLoadBenchmark} and the adversarial tests (one hostile client, measured
 * and asserted alike). Threading: one caller at a time, except that {@link #flood} writes on its own
 * thread while the caller watches.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int BINARY = 2;
    public static final int CLOSE = 8;
    public static final int PING = 9;

    public final Socket socket;
    public final int status;
    public final String responseHead;
    private final InputStream in;
    private final OutputStream out;
    /** Every byte this client has handed to its socket, the handshake included (the adversarial tests compare it with what the kernel holds). */
    private final AtomicLong written = new AtomicLong();

    private RawWebSocket(Socket s, int status, String head, long handshakeBytes) throws IOException {
        this.socket = s;
        this.written.set(handshakeBytes);
        this.status = status;
        this.responseHead = head;
        this.in = s.getInputStream();
        this.out = s.getOutputStream();
    }

    /** Opens a connection and performs the upgrade; {@link #status} is 101 or the refusal's HTTP status. */
    public static RawWebSocket open(int port, String path, String subprotocol) throws IOException {
        return open(port, path, subprotocol, null);
    }

    /** As {@link #open(int, String, String)}, from {@code local} (any port) if not null: many clients need many source addresses. */
    public static RawWebSocket open(int port, String path, String subprotocol, InetAddress local) throws IOException {
        Socket s = new Socket();
        if (local != null) {
            s.bind(new InetSocketAddress(local, 0));
        }
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 30_000);
        s.setSoTimeout(30_000); // a handshake that never answers fails the test instead of hanging it
        s.setTcpNoDelay(true);
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        String req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n"
                + (subprotocol == null ? "" : "Sec-WebSocket-Protocol: " + subprotocol + "\r\n") + "\r\n";
        byte[] reqBytes = req.getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(reqBytes);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        int matched = 0;
        while (matched < 4 && head.size() < 16384) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        int status = h.startsWith("HTTP/1.1 ") && h.length() >= 12 ? Integer.parseInt(h.substring(9, 12)) : -1;
        return new RawWebSocket(s, status, h, reqBytes.length);
    }

    public static byte[] frame(int opcode, byte[] payload) {
        return frame(opcode, payload, payload.length);
    }

    /** A masked client frame whose header declares {@code declaredLength} (more than the payload for a partial one). */
    public static byte[] frame(int opcode, byte[] payload, long declaredLength) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
        b.write(0x80 | opcode);
        if (declaredLength < 126) {
            b.write(0x80 | (int) declaredLength);
        } else if (declaredLength < 65536) {
            b.write(0x80 | 126);
            b.write((int) (declaredLength >> 8));
            b.write((int) declaredLength);
        } else {
            b.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                b.write((int) (declaredLength >> (8 * i)));
            }
        }
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        b.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            b.write(payload[i] ^ mask[i & 3]);
        }
        return b.toByteArray();
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        written.addAndGet(bytes.length);
    }

    public long written() {
        return written.get();
    }

    /** The outcome of a flood: bytes written, and whether the peer stopped reading or closed, or the watchdog gave up. */
    public record Flood(long sent, boolean stalled, boolean closed, boolean aborted) {
    }

    /**
     * A flood ends after this long even if the peer keeps reading (a slow machine, where the proxy
     * keeps up with the writer): the caller judges what the proxy holds by then.
     */
    public static final long MAX_FLOOD_NANOS = 60_000_000_000L;

    /** A check the flood's watchdog makes every 50 ms; true ends the flood at once. */
    public interface Abort {
        boolean now() throws IOException;
    }

    public Flood flood(IntFunction<byte[]> frames, long maxBytes, long stallMillis) throws InterruptedException {
        return flood(frames, maxBytes, stallMillis, () -> false);
    }

    /**
     * Writes {@code frames.apply(i)} for i = 0, 1, ... until {@code maxBytes} are written (the peer
     * kept reading: no backpressure), the socket fails (the peer closed), or no write completes for
     * {@code stallMillis} (the peer stopped reading: backpressure), 60 s pass, or {@code abort} says so (a test
     * that sees the proxy already past its bound stops before the proxy runs out of memory and takes
     * the test JVM with it). Never reads. Bounded by {@code maxBytes} and by the stall window.
     */
    public Flood flood(IntFunction<byte[]> frames, long maxBytes, long stallMillis, Abort abort) throws InterruptedException {
        AtomicLong sent = new AtomicLong();
        boolean[] closed = {false};
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; sent.get() < maxBytes; i++) {
                    byte[] f = frames.apply(i);
                    out.write(f);
                    sent.addAndGet(f.length);
                    written.addAndGet(f.length);
                }
                out.flush();
            } catch (IOException e) {
                closed[0] = true;
            }
        }, "flood-writer");
        writer.setDaemon(true);
        writer.start();
        long last = -1;
        long lastChange = System.nanoTime();
        boolean stalled = false;
        boolean aborted = false;
        long deadline = System.nanoTime() + MAX_FLOOD_NANOS;
        while (writer.isAlive() && System.nanoTime() < deadline) {
            writer.join(50);
            try {
                if (abort.now()) {
                    aborted = true;
                    break;
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            long now = sent.get();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > stallMillis * 1_000_000L) {
                stalled = true;
                break;
            }
        }
        // the writer may still be blocked in write(): it ends when the socket is closed
        return new Flood(sent.get(), stalled, closed[0] && !stalled && !aborted, aborted);
    }

    /** Reads one frame (opcode, payload); null at end of stream or after {@code timeoutMillis} of silence. */
    public byte[][] readFrame(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            int b0 = in.read();
            if (b0 < 0) {
                return null;
            }
            int b1 = in.read();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = (in.read() << 8) | in.read();
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | in.read();
                }
            }
            byte[] p = in.readNBytes((int) Math.min(len, 1 << 24));
            return new byte[][] {{(byte) (b0 & 0x0f)}, p};
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            return null; // reset by the peer: treated as the end
        }
    }

    /**
     * Reads and discards frames until a close frame, the end of the stream, or {@code maxFrames};
     * returns the close code (-1 if the stream ended without a close frame, 0 if none was seen).
     */
    public int drainToClose(int maxFrames, int timeoutMillis) throws IOException {
        for (int i = 0; i < maxFrames; i++) {
            byte[][] f = readFrame(timeoutMillis);
            if (f == null) {
                return -1;
            }
            if (f[0][0] == CLOSE) {
                return f[1].length >= 2 ? ((f[1][0] & 0xff) << 8) | (f[1][1] & 0xff) : 1005;
            }
        }
        return 0;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
