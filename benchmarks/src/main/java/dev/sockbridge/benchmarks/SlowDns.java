package dev.sockbridge.benchmarks;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS server on loopback that holds its answers until released: every A query gets 127.0.0.1
 * (TTL 0, so nothing is cached), every other query an empty answer. Names starting with "now."
 * are answered at once. The proxy is pointed at it with the {@code SockbridgeProxy.Builder.nameServer}
 * property (the runnable proxy's {@code --name-server}), so no query leaves the machine. Shared by
 * {@link HostileLoadBenchmark} and the adversarial tests. Answers on its own daemon thread until closed.
 */
public final class SlowDns implements AutoCloseable {
    public final DatagramSocket socket;
    public final AtomicInteger queries = new AtomicInteger();
    public final AtomicInteger answered = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<DatagramPacket> held = new ArrayList<>();
    private final Thread thread;

    public SlowDns() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::serve, "slow-dns");
        thread.setDaemon(true);
        thread.start();
    }

    public String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    /** Sends every held answer, and answers later queries at once. */
    public void release() throws IOException {
        synchronized (held) {
            release.countDown();
            for (DatagramPacket p : held) {
                socket.send(p);
                answered.incrementAndGet();
            }
            held.clear();
        }
    }

    private void serve() {
        byte[] buf = new byte[1500];
        try {
            while (!socket.isClosed()) {
                DatagramPacket q = new DatagramPacket(buf, buf.length);
                socket.receive(q);
                DatagramPacket a = answer(q);
                if (a == null) {
                    continue;
                }
                queries.incrementAndGet();
                synchronized (held) {
                    if (release.getCount() == 0 || nameOf(q).startsWith("now.")) {
                        socket.send(a);
                        answered.incrementAndGet();
                    } else {
                        held.add(a);
                    }
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    private static String nameOf(DatagramPacket q) {
        StringBuilder sb = new StringBuilder();
        byte[] d = q.getData();
        int i = q.getOffset() + 12;
        while (i < q.getOffset() + q.getLength() && d[i] != 0) {
            int len = d[i] & 0xff;
            sb.append(new String(d, i + 1, len, java.nio.charset.StandardCharsets.US_ASCII)).append('.');
            i += len + 1;
        }
        return sb.toString();
    }

    private static DatagramPacket answer(DatagramPacket q) {
        byte[] d = q.getData();
        int off = q.getOffset();
        int len = q.getLength();
        if (len < 17) {
            return null;
        }
        int i = off + 12;
        while (i < off + len && d[i] != 0) {
            i += (d[i] & 0xff) + 1;
        }
        int qEnd = i + 5; // zero label, type, class
        if (qEnd > off + len) {
            return null;
        }
        int type = ((d[i + 1] & 0xff) << 8) | (d[i + 2] & 0xff);
        boolean a = type == 1;
        ByteBuffer r = ByteBuffer.allocate(512);
        r.put(d, off, 2); // id
        r.putShort((short) 0x8180); // response, recursion desired and available, no error
        r.putShort((short) 1).putShort((short) (a ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        r.put(d, off + 12, qEnd - (off + 12));
        if (a) {
            r.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(0).putShort((short) 4);
            r.put(new byte[] {127, 0, 0, 1});
        }
        return new DatagramPacket(r.array(), r.position(), q.getSocketAddress());
    }

    @Override
    public void close() {
        socket.close();
    }
}
