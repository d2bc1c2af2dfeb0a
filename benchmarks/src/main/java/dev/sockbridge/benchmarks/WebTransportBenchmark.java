package dev.sockbridge.benchmarks;

import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.benchmarks.DatagramPaths.NativeUdp;
import dev.sockbridge.benchmarks.DatagramPaths.PlainQuic;
import dev.sockbridge.benchmarks.DatagramPaths.PlainQuicEchoServer;
import dev.sockbridge.benchmarks.DatagramPaths.ThroughProxy;
import dev.sockbridge.benchmarks.DatagramPaths.UdpEchoServer;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.transport.webtransport.QuicServerTransport;
import dev.sockbridge.transport.webtransport.QuicTransportOptions;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sockbridge over QUIC, measured next to its baselines in the same run, with a proxy in this JVM.
 *
 * <p><b>(a) Datagrams.</b> A windowed echo (at most {@code window} datagrams in flight, each echo lets
 * the next go, payloads of fixed size) to a native UDP echo server on 127.0.0.1:
 * <ul>
 *   <li>direct: a Java UDP socket to the echo server;</li>
 *   <li>plain QUIC: a Netty QUIC client and an echoing Netty QUIC server, no proxy and no UDP echo server
 *       (the ceiling: the QUIC datagram round trip the proxy paths also make);</li>
 *   <li>{@code quic://} and {@code webtransport://}: {@code SockbridgeClient.sendToUnreliable} on the datagram
 *       path, the proxy's UDP socket in push mode (data events back as datagrams).</li>
 * </ul>
 * Each path gets a warm-up, then the paths take turns for a few measured segments (so that a busy
 * moment of the shared machine hits all of them alike) and the median is reported. Besides echoes per
 * second the table shows the CPU time of the whole JVM (client, proxy and echo servers are all in it) per
 * echo: on a CPU-bound machine the rate ratio follows the CPU ratio, and unlike the rate it does not
 * depend on how much of the machine the run got. A last row per size is the bound: a proxied echo makes
 * the QUIC round trip and a UDP round trip, so even a proxy costing nothing would need the CPU of both.
 *
 * <p><b>(b) Streams.</b> The bulk echo and 64-byte round trips of {@link CoreBenchmark} over
 * {@code quic://}, {@code webtransport://} and {@code ws://}, next to direct loopback TCP.
 *
 * <pre>scripts/bench.sh webtransport [seconds per datagram segment, 1.5] [MiB for bulk, 128] [round trips, 5000] [rounds, 3]</pre>
 */
public final class WebTransportBenchmark {
    private static final double WARM_SECONDS = Double.parseDouble(System.getProperty("bench.warm", "1"));
    // diagnosis: -Dbench.threadCpu=true (CPU per echo by thread), -Dbench.quicStats=true (client QUIC packet counters),
    // -Dbench.only=datagrams|streams, -Dbench.proxyRows=REGEX, -Dbench.window100=N, -Dbench.window1000=N

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.5;
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int trips = args.length > 2 ? Integer.parseInt(args[2]) : 5000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        String only = System.getProperty("bench.only", "datagrams,streams");
        int[][] sizes = {{100, Integer.getInteger("bench.window100", 256)}, {1000, Integer.getInteger("bench.window1000", 64)}};
        long began = System.nanoTime();
        try (UdpEchoServer udpEcho = new UdpEchoServer();
             NativeEchoServer tcpEcho = new NativeEchoServer();
             PlainQuicEchoServer plainQuic = new PlainQuicEchoServer()) {
            SockbridgeProxy.Builder pb = SockbridgeProxy.builder();
            if (Boolean.getBoolean("bench.sharedLoops")) {
                // experiment: sessions on the QUIC server's own loops, so no thread hop between the two (both
                // native or both NIO, as EventLoops chooses). Measured when QUIC ran on NIO: slower (one thread
                // does QUIC and UDP, batches shrink and the CPU per echo grows)
                pb.eventLoopGroup(dev.sockbridge.transport.webtransport.internal.QuicEventLoops.server());
            }
            SockbridgeProxy proxy = pb.build();
            TransportOptions serverOpts = TransportOptions.defaults()
                    .with(TransportOptions.MAX_FRAME_SIZE, proxy.limits().maxFrameSize());
            QuicServerTransport quicServer = QuicServerTransport.create(URI.create("quic://127.0.0.1:0"), serverOpts);
            QuicServerTransport wtServer = QuicServerTransport.create(URI.create("webtransport://127.0.0.1:0/sockbridge"), serverOpts);
            URI quic = proxy.serve(quicServer).get(10, TimeUnit.SECONDS);
            URI wt = proxy.serve(wtServer).get(10, TimeUnit.SECONDS);
            URI ws = proxy.serve(URI.create("ws://127.0.0.1:0/sockbridge"), serverOpts).get(10, TimeUnit.SECONDS);
            TransportOptions quicOpts = clientOptions(quicServer);
            TransportOptions wtOpts = clientOptions(wtServer);
            TransportOptions wsOpts = TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, 1 << 20);
            System.out.println("Sockbridge WebTransport / QUIC benchmark: proxy in this JVM; datagrams " + WARM_SECONDS
                    + " s warm-up, then " + rounds + " × " + seconds + " s per path; bulk " + mib + " MiB, " + trips + " round trips; "
                    + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                    + ", native IO " + dev.sockbridge.api.transport.EventLoops.ioName());
            if (only.contains("datagrams")) {
                System.out.println();
                datagrams(udpEcho.address(), plainQuic.address(), quic, quicOpts, wt, wtOpts, sizes, seconds, rounds);
            }
            if (only.contains("streams")) {
                System.out.println();
                streams(tcpEcho.address(), mib, trips, new Path("proxy over raw QUIC (quic://)", quic, quicOpts),
                        new Path("proxy over WebTransport (webtransport://)", wt, wtOpts),
                        new Path("proxy over WebSocket (ws://)", ws, wsOpts));
            }
            proxy.shutdown(Duration.ofSeconds(1)).get(20, TimeUnit.SECONDS);
        }
        System.out.printf("%ntotal %.0f s%n", (System.nanoTime() - began) / 1e9);
    }

    private static TransportOptions clientOptions(QuicServerTransport server) {
        return TransportOptions.defaults()
                .with(QuicTransportOptions.CERTIFICATE_SHA256, server.certificate().sha256Base64())
                .with(TransportOptions.MAX_FRAME_SIZE, 1 << 20);
    }

    record Path(String label, URI uri, TransportOptions opts) {
    }

    // ------------------------------------------------------------------ (a) datagrams

    /** One datagram path under test. */
    private record Row(String label, WindowedEcho path, boolean proxied, List<WindowedEcho.Segment> segments) {
    }

    static void datagrams(InetSocketAddress echo, InetSocketAddress plainServer, URI quic, TransportOptions quicOpts, URI wt,
                          TransportOptions wtOpts, int[][] sizes, double seconds, int rounds) throws Exception {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"datagram echo path", "payload B", "window", "echoed/s (median)", "MB/s each way",
            "CPU µs/echo", "loss %", "dropped by proxy (client)", "÷ plain QUIC: rate", "÷ plain QUIC: CPU"});
        for (int[] sw : sizes) {
            int size = sw[0];
            int window = sw[1];
            List<Row> paths = new ArrayList<>();
            try {
                paths.add(new Row("direct UDP (Java client ↔ UDP echo)", new NativeUdp(echo, size, window), false, new ArrayList<>()));
                paths.add(new Row("plain Netty QUIC datagram echo (ceiling)", new PlainQuic(plainServer, size, window), false,
                        new ArrayList<>()));
                for (Path p : List.of(new Path("proxy, quic:// → UDP echo", quic, quicOpts),
                        new Path("proxy, webtransport:// → UDP echo", wt, wtOpts))) {
                    if (p.label().matches(System.getProperty("bench.proxyRows", ".*"))) {
                        paths.add(new Row(p.label(), new ThroughProxy(p.uri(), p.opts(), echo, size, window), true, new ArrayList<>()));
                    }
                }
                for (Row r : paths) {
                    r.path().warmUp(WARM_SECONDS);
                }
                for (int i = 0; i < rounds; i++) { // interleaved, so that a busy moment of the machine hits every path alike
                    for (Row r : paths) {
                        r.segments().add(r.path().measure(seconds));
                    }
                }
                Row plain = paths.get(1);
                double plainRate = median(plain.segments(), WindowedEcho.Segment::perSecond);
                double plainCpu = median(plain.segments(), WindowedEcho.Segment::cpuMicrosPerEcho);
                for (Row r : paths) {
                    double rate = median(r.segments(), WindowedEcho.Segment::perSecond);
                    double cpu = median(r.segments(), WindowedEcho.Segment::cpuMicrosPerEcho);
                    String drops = r.proxied() ? ((ThroughProxy) r.path()).droppedByProxy() + " ("
                            + ((ThroughProxy) r.path()).droppedByClient() + ")" : "";
                    rows.add(new String[] {r.label(), String.valueOf(size), String.valueOf(window), String.format("%,.0f", rate),
                        Stats.f1(rate * size / 1e6), String.format("%.2f", cpu),
                        String.format("%.2f", r.path().lossPercent()) + (r.path().stalls() > 0 ? " (" + r.path().stalls() + " stalls)" : ""),
                        drops, String.format("%.2f", rate / plainRate), String.format("%.2f", plainCpu / cpu)});
                    DatagramPaths.printQuicStats(r.label(), r.path());
                }
                // what a proxy with no overhead of its own would cost: the QUIC round trip plus the UDP round trip
                double bound = plainCpu + median(paths.get(0).segments(), WindowedEcho.Segment::cpuMicrosPerEcho);
                rows.add(new String[] {"bound: plain QUIC + direct UDP CPU (a proxy adding nothing)", String.valueOf(size),
                    "", "", "", String.format("%.2f", bound), "", "", "", String.format("%.2f", plainCpu / bound)});
            } finally {
                for (Row r : paths) {
                    r.path().close();
                }
            }
        }
        Stats.table(rows);
        System.out.println("echoed/s: median of " + rounds + " interleaved segments of " + seconds + " s (after " + WARM_SECONDS
                + " s warm-up each). CPU µs/echo: CPU time of this whole JVM (client, proxy, echo servers) per echo, median."
                + " ÷ plain QUIC: rate = echoed/s ratio (target ≥ 0.70); CPU = plain's CPU/echo ÷ this path's, the rate ratio"
                + " to expect when both are CPU-bound on the same cores; the bound row is the best a proxied path can do, since"
                + " it makes the QUIC round trip and a UDP round trip. loss = 1 − echoed/sent over all segments after drains;"
                + " a stall (nothing back for " + WindowedEcho.STALL_MILLIS + " ms) writes off the window.");
    }

    private static double median(List<WindowedEcho.Segment> s, java.util.function.ToDoubleFunction<WindowedEcho.Segment> f) {
        double[] v = s.stream().mapToDouble(f).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    // ------------------------------------------------------------------ (b) streams

    static void streams(InetSocketAddress echo, int mib, int trips, Path... paths) throws Exception {
        long bytes = (long) mib << 20;
        long warm = Math.min(bytes, 32L << 20);
        CoreBenchmark.directBulk(echo, warm);
        CoreBenchmark.directRoundTrips(echo, 1000);
        for (Path p : paths) {
            CoreBenchmark.proxyBulk(echo, p.uri(), p.opts(), warm);
            CoreBenchmark.proxyRoundTrips(echo, p.uri(), p.opts(), 1000);
        }
        double directMBs = CoreBenchmark.directBulk(echo, bytes);
        long[] d = Stats.sorted(CoreBenchmark.directRoundTrips(echo, trips));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"stream path (TCP echo)", "bulk echo MB/s", "÷ direct", "64 B RTT p50 µs", "64 B RTT p99 µs"});
        rows.add(new String[] {"direct loopback TCP", Stats.f1(directMBs), "1.00", Stats.f1(Stats.percentile(d, 50)),
            Stats.f1(Stats.percentile(d, 99))});
        for (Path p : paths) {
            java.util.Map<String, Long> cpu0 = WindowedEcho.THREAD_CPU ? WindowedEcho.threadCpu() : null;
            long t0 = System.nanoTime();
            double mbs = CoreBenchmark.proxyBulk(echo, p.uri(), p.opts(), bytes);
            if (WindowedEcho.THREAD_CPU) {
                WindowedEcho.printThreadCpu(p.label() + ": thread CPU per MiB echoed (µs), % of one core:", cpu0,
                        WindowedEcho.threadCpu(), mib, (System.nanoTime() - t0) / 1e9);
            }
            long[] t = Stats.sorted(CoreBenchmark.proxyRoundTrips(echo, p.uri(), p.opts(), trips));
            rows.add(new String[] {p.label(), Stats.f1(mbs), String.format("%.2f", mbs / directMBs),
                Stats.f1(Stats.percentile(t, 50)), Stats.f1(Stats.percentile(t, 99))});
        }
        Stats.table(rows);
    }
}
