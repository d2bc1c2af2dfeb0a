package dev.sockbridge.benchmarks;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.SockbridgeProxy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bulk throughput and 64-byte round trips through the proxy, next to direct loopback TCP in the
 * same run. The transport is chosen by URI; {@code main} runs the in-process transport.
 *
 * <pre>mvn -q -pl benchmarks -am package -DskipTests && java -cp ... dev.sockbridge.benchmarks.CoreBenchmark [MiB] [roundTrips]</pre>
 */
public final class CoreBenchmark {
    static final int CHUNK = Integer.getInteger("bench.chunk", 64 << 10);

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int trips = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        try (NativeEchoServer echo = new NativeEchoServer()) {
            SockbridgeProxy proxy = SockbridgeProxy.builder().build();
            URI name = URI.create("inprocess://bench");
            URI uri = proxy.serve(Transports.forUri(name).newServer(name, TransportOptions.defaults())).get();
            System.out.println("Sockbridge core benchmark: " + mib + " MiB echoed, " + trips + " round trips of 64 bytes; "
                    + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version"));
            List<String[]> rows = run(echo.address(), uri, TransportOptions.defaults(), "proxy, in-process transport", mib, trips);
            Stats.table(rows);
            proxy.shutdown(Duration.ofSeconds(1)).get();
        }
    }

    /** Measures direct TCP and the proxy path; returns table rows (header first). */
    static List<String[]> run(InetSocketAddress echo, URI uri, TransportOptions opts, String label, int mib, int trips)
            throws Exception {
        long bytes = (long) mib << 20;
        // warm-up of both paths, not reported: the JIT of a freshly started proxy JVM (the WebSocket benchmark's)
        // needs about a GiB through it before its CPU per byte settles; with 128 MiB the ratio came out 0.1 lower
        long warm = Long.getLong("bench.warmMiB", 1024L) << 20;
        directBulk(echo, warm);
        proxyBulk(echo, uri, opts, warm);
        directRoundTrips(echo, 2000);
        proxyRoundTrips(echo, uri, opts, 2000);

        long[] c0 = Cpu.nanos();
        double directMBs = directBulk(echo, bytes);
        long[] c1 = Cpu.nanos();
        double proxyMBs = proxyBulk(echo, uri, opts, bytes);
        long[] c2 = Cpu.nanos();
        double directCpu = Cpu.msPerMiB(c0, c1, false, mib);
        double proxyCpu = Cpu.msPerMiB(c1, c2, false, mib);
        double directSys = Cpu.msPerMiB(c0, c1, true, mib);
        double proxySys = Cpu.msPerMiB(c1, c2, true, mib);
        long[] d = Stats.sorted(directRoundTrips(echo, trips));
        long[] p = Stats.sorted(proxyRoundTrips(echo, uri, opts, trips));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"path", "bulk echo MB/s", "bulk CPU ms/MiB", "of it kernel", "64 B RTT p50 µs", "64 B RTT p99 µs", "round trips/s"});
        rows.add(new String[] {"direct loopback TCP", Stats.f1(directMBs), String.format("%.2f", directCpu), String.format("%.2f", directSys),
            Stats.f1(Stats.percentile(d, 50)), Stats.f1(Stats.percentile(d, 99)), Stats.f1(trips / (sum(d) / 1e9))});
        rows.add(new String[] {label, Stats.f1(proxyMBs), String.format("%.2f", proxyCpu), String.format("%.2f", proxySys), Stats.f1(Stats.percentile(p, 50)),
            Stats.f1(Stats.percentile(p, 99)), Stats.f1(trips / (sum(p) / 1e9))});
        rows.add(new String[] {"proxy / direct", String.format("%.2f", proxyMBs / directMBs),
            String.format("%.2f", proxyCpu / directCpu), String.format("%.2f", proxySys / directSys), "", "", ""});
        return rows;
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    /** A writer thread and a reader thread on one blocking socket; MB/s of payload echoed back. */
    static double directBulk(InetSocketAddress echo, long bytes) throws Exception {
        try (Socket s = new Socket(echo.getAddress(), echo.getPort())) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] chunk = new byte[CHUNK];
            long start = System.nanoTime();
            Thread writer = new Thread(() -> {
                try {
                    for (long sent = 0; sent < bytes; sent += CHUNK) {
                        out.write(chunk, 0, (int) Math.min(CHUNK, bytes - sent));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            byte[] buf = new byte[CHUNK];
            long got = 0;
            while (got < bytes) {
                int n = in.read(buf);
                if (n < 0) {
                    throw new IllegalStateException("EOF");
                }
                got += n;
            }
            writer.join();
            return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
        }
    }

    static long[] directRoundTrips(InetSocketAddress echo, int n) throws Exception {
        try (Socket s = new Socket(echo.getAddress(), echo.getPort())) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] msg = new byte[64];
            long[] t = new long[n];
            for (int i = 0; i < n; i++) {
                long a = System.nanoTime();
                out.write(msg);
                if (in.readNBytes(msg, 0, 64) != 64) {
                    throw new IllegalStateException("EOF");
                }
                t[i] = System.nanoTime() - a;
            }
            return t;
        }
    }

    static int connectThroughProxy(ProtocolDriver c, InetSocketAddress echo) throws Exception {
        int fd = (int) ((Reply.Value) c.sync(new Request.Socket(c.nextId(), Posix.AF_INET, Posix.SOCK_STREAM, 0))).value();
        c.sync(new Request.SetSockOpt(c.nextId(), fd, Posix.IPPROTO_TCP, 1, 1));
        c.sync(new Request.Connect(c.nextId(), fd, echo));
        return fd;
    }

    /**
     * Sends keep a window of calls in flight; receives come by push with credit handed back as the
     * data is consumed: the way a streaming client uses the protocol.
     */
    static double proxyBulk(InetSocketAddress echo, URI uri, TransportOptions opts, long bytes) throws Exception {
        try (ProtocolDriver c = ProtocolDriver.connect(uri, opts)) {
            int fd = connectThroughProxy(c, echo);
            AtomicLong received = new AtomicLong();
            AtomicLong uncredited = new AtomicLong();
            CountDownLatch done = new CountDownLatch(1);
            long window = Long.getLong("bench.credit", 4L << 20);
            c.onEvent = e -> {
                if (e instanceof Event.Data) {
                    int n = ((Event.Data) e).data().readableBytes();
                    Message.release(e);
                    if (received.addAndGet(n) >= bytes) {
                        done.countDown();
                    }
                    long u = uncredited.addAndGet(n);
                    if (u >= window / 4 && uncredited.compareAndSet(u, 0)) {
                        c.send(new Control.Credit(fd, u));
                    }
                } else {
                    Message.release(e);
                }
            };
            c.sync(new Request.Push(c.nextId(), fd, true, window));
            // sends are issued on the transport's own thread, the next one as each reply comes: an
            // asynchronous client's natural shape, and no thread hand-off per message
            ByteBuf chunk = Unpooled.directBuffer(CHUNK).writeZero(CHUNK);
            EventExecutor loop = c.transport.executor();
            long start = System.nanoTime();
            SendPump pump = new SendPump(c, fd, chunk, bytes, Integer.getInteger("bench.window", 16));
            loop.execute(pump);
            if (!done.await(Long.getLong("bench.stallSeconds", 120), TimeUnit.SECONDS)) {
                String sends = loop.submit(() -> pump.sent + " sent, " + pump.inFlight + " sends unanswered").get(5, TimeUnit.SECONDS);
                throw new IllegalStateException("bulk echo did not finish: " + received.get() + " of " + bytes + " received, "
                        + sends + ", " + uncredited.get() + " not yet credited");
            }
            double mbs = bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
            chunk.release();
            return mbs;
        }
    }

    /**
     * Keeps up to {@code maxInFlight} SENDs of {@code chunk} unanswered until {@code bytes} went out. Runs on the
     * transport's executor only, where the replies also arrive, so its counters need no locking.
     */
    private static final class SendPump implements Runnable {
        private final ProtocolDriver c;
        private final int fd;
        private final ByteBuf chunk;
        private final long bytes;
        private final int maxInFlight;
        long sent;
        int inFlight;

        SendPump(ProtocolDriver c, int fd, ByteBuf chunk, long bytes, int maxInFlight) {
            this.c = c;
            this.fd = fd;
            this.chunk = chunk;
            this.bytes = bytes;
            this.maxInFlight = maxInFlight;
        }

        @Override
        public void run() {
            EventExecutor loop = c.transport.executor();
            while (inFlight < maxInFlight && sent < bytes) {
                int n = (int) Math.min(chunk.readableBytes(), bytes - sent);
                sent += n;
                inFlight++;
                c.call(new Request.Send(c.nextId(), fd, 0, chunk.retainedSlice(0, n))).whenComplete((r, t) -> {
                    if (r instanceof Reply.Error || t != null) {
                        System.err.println("send failed: " + (t != null ? t : r));
                    }
                    if (loop.inEventLoop()) {
                        answered();
                    } else {
                        loop.execute(this::answered);
                    }
                });
            }
        }

        private void answered() {
            inFlight--;
            run();
        }
    }

    static long[] proxyRoundTrips(InetSocketAddress echo, URI uri, TransportOptions opts, int n) throws Exception {
        try (ProtocolDriver c = ProtocolDriver.connect(uri, opts)) {
            int fd = connectThroughProxy(c, echo);
            ByteBuf msg = Unpooled.directBuffer(64).writeZero(64);
            long[] t = new long[n];
            for (int i = 0; i < n; i++) {
                long a = System.nanoTime();
                c.call(new Request.Send(c.nextId(), fd, 0, msg.retainedSlice())).get(10, TimeUnit.SECONDS);
                Reply r = c.call(new Request.Recv(c.nextId(), fd, 64, Posix.MSG_WAITALL)).get(10, TimeUnit.SECONDS);
                Message.release(r);
                t[i] = System.nanoTime() - a;
            }
            msg.release();
            return t;
        }
    }
}
