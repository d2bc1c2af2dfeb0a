package dev.sockbridge.proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** A native peer's side of the read-ahead tests: data whose misplaced pieces show, written a read at a time. */
public final class LockStepPeer {
    private LockStepPeer() {
    }

    /** The pattern the peer sends: byte i is (i * 31 + i / 251), so a misplaced piece shows. */
    public static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + i / 251);
        }
        return b;
    }

    /**
     * Writes {@code data} to {@code peer} in pieces of {@code piece} bytes, each only once the proxy has read the
     * one before ({@code readByProxy} has grown by it), so every piece reaches the proxy as a read of its own:
     * the worst case for a queue of small buffers, made deterministic by the proxy's own counter.
     */
    public static void writeInLockStep(Socket peer, byte[] data, int piece, LongSupplier readByProxy) throws Exception {
        OutputStream out = peer.getOutputStream();
        long base = readByProxy.getAsLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int off = 0; off < data.length; off += piece) {
            int n = Math.min(piece, data.length - off);
            out.write(data, off, n);
            out.flush();
            while (readByProxy.getAsLong() < base + off + n) {
                assertTrue(System.nanoTime() < deadline, "the proxy read " + (readByProxy.getAsLong() - base) + " of "
                        + (off + n) + " bytes");
                Thread.onSpinWait();
            }
        }
    }
}
