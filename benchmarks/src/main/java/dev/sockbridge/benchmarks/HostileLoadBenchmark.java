package dev.sockbridge.benchmarks;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.TransportOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The attacks of issue 10 against the runnable proxy (a child JVM started as users start it, a fresh
 * one per attack so that each row's memory figures are its own), over loopback, each bounded in
 * count and time. Per attack it prints what was sent, the proxy's RSS before, at its highest during
 * and after the attacker left (RSS is the process's own figure from /proc: the JVM keeps memory it
 * once took, so "after" shows what the attack cost for good), the most bytes the proxy counted as
 * held for sessions, the native channels left open once every client left, and the 99th percentile
 * of another session's 64-byte echo round trips during the attack. The first row is the baseline:
 * the same witness with no attack.
 *
 * <pre>scripts/bench.sh hostile [scale [attack]]</pre>
 *
 * {@code scale} (default 1) multiplies the attacks' sizes; {@code attack}, if given, runs only the attacks whose
 * name contains it (and the baseline), to look at one of them without waiting for the others.
 */
public final class HostileLoadBenchmark {
    private static final MessageCodec CODEC = MessageCodec.cbor();
    private static int scale = 1;
    private static String only;

    public static void main(String[] args) throws Exception {
        scale = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        only = args.length > 1 ? args[1] : null;
        long t0 = System.nanoTime();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"attack", "inputs sent", "outcome", "RSS before MiB", "RSS during (max) MiB", "RSS after MiB",
            "held bytes peak (proxy's count)", "native channels after", "witness echo p99 µs (n)"});
        try (NativeEchoServer echo = new NativeEchoServer(); Targets targets = new Targets()) {
            System.out.println("Sockbridge hostile-load benchmark: the runnable proxy in its own JVM (a fresh one per attack, "
                    + "default limits), loopback only; scale " + scale + "; " + Runtime.getRuntime().availableProcessors()
                    + " cores, Java " + System.getProperty("java.version"));
            rows.add(run("none (baseline)", echo, targets, List.of(), p -> {
                Thread.sleep(3000);
                return new String[] {"-", "-"};
            }));
            rows.add(run("non-reading client, /sockbridge: calls on a bad descriptor", echo, targets, List.of(), p -> nonReading(p,
                    "/sockbridge", "sockbridge.v1", sockbridge(new Control.Hello(List.of(MessageCodec.VERSION), "hostile")),
                    badDescriptorCalls())));
            byte[] ping = frame(9, new byte[125]);
            rows.add(run("non-reading client, /sockbridge: pings", echo, targets, List.of(), p -> nonReading(p,
                    "/sockbridge", "sockbridge.v1", sockbridge(new Control.Hello(List.of(MessageCodec.VERSION), "hostile")), i -> ping)));
            rows.add(run("non-reading client, /emscripten: unknown calls", echo, targets, List.of(), p -> nonReading(p,
                    "/emscripten", null, new byte[0], i -> emscripten(i + 1, 999))));
            rows.add(run("non-reading client, /emscripten: pings", echo, targets, List.of(), p -> nonReading(p,
                    "/emscripten", null, new byte[0], i -> ping)));
            rows.add(run("non-reading client, /websockify: target floods", echo, targets, List.of(), p -> targetFlood(p, targets)));
            rows.add(run("pipelined socket + sendto + close (UDP)", echo, targets, List.of(), p -> pipelined(p, targets)));
            try (SlowDns dns = new SlowDns()) {
                rows.add(run("resolver slower than the client's close", echo, targets,
                        List.of("--name-server", dns.address(), "--allow-lookup", "test"), p -> slowResolver(p, targets, dns)));
            }
            rows.add(run("descriptor exhaustion (proxy under ulimit -n 2048)", echo, targets, List.of(), p -> descriptors(p)));
            rows.add(run("many sessions at once, from 4 loopback addresses", echo, targets, List.of(), p -> manySessions(p)));
            rows.add(run("partial large messages held open", echo, targets, List.of(), p -> partialMessages(p)));
            rows.add(run("poll storm", echo, targets, List.of(), p -> pollStorm(p)));
        }
        System.out.println();
        rows.removeIf(java.util.Objects::isNull);
        Stats.table(rows);
        System.out.printf("%nRSS: the proxy process's resident set (VmRSS), sampled every 10 ms. held bytes: the proxy's own count "
                + "(ProxyStats.bufferedBytes), sampled every 50 ms. native channels after: once every client (the witness too) left, "
                + "waiting up to 10 s. witness: one other session's 64-byte echo round trips through a proxied TCP connection, "
                + "back to back during the attack. total %d s%n", (System.nanoTime() - t0) / 1_000_000_000L);
    }

    interface Attack {
        /** Runs the attack against a started proxy; returns {inputs sent, outcome}. Leaves no attacker connected. */
        String[] run(Proxy p) throws Exception;
    }

    private static String[] run(String name, NativeEchoServer echo, Targets targets, List<String> jvmArgs, Attack attack) throws Exception {
        if (only != null && !name.contains(only) && !name.startsWith("none")) {
            return null;
        }
        System.err.println("== " + name);
        boolean lowFd = name.startsWith("descriptor exhaustion");
        try (Proxy p = Proxy.start(jvmArgs, targets, lowFd ? 2048 : 0)) {
            Witness w = new Witness(p.uri, echo.address());
            w.roundTrips(200); // warm its path before measuring
            long rssBefore = p.rss();
            p.startSampling();
            w.start();
            String[] r;
            try {
                r = attack.run(p);
            } finally {
                w.stop();
                p.stopSampling();
            }
            w.close();
            long[] after = p.quiesce();
            long[] lat = Stats.sorted(w.latencies());
            return new String[] {name, r[0], r[1], mib(rssBefore), mib(p.rssMax.get()), mib(p.rss()), String.valueOf(p.heldMax.get()),
                String.valueOf(after[0]), Stats.f1(Stats.percentile(lat, 99)) + " (" + lat.length + ")"};
        }
    }

    // ---- the attacks ----

    /** close() on a descriptor that does not exist, encoded once (4096 call ids in turn) so the writer outpaces the proxy. */
    private static IntFunction<byte[]> badDescriptorCalls() {
        byte[][] frames = new byte[4096][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = sockbridge(new Request.Close(i + 1, 9999));
        }
        return i -> frames[i % frames.length];
    }

    private static String[] nonReading(Proxy p, String path, String subprotocol, byte[] first, IntFunction<byte[]> frames) throws Exception {
        try (RawWebSocket a = RawWebSocket.open(p.port, path, subprotocol)) {
            if (a.status != 101) {
                return new String[] {"-", "upgrade refused: " + a.status};
            }
            a.write(first);
            RawWebSocket.Flood f = a.flood(frames, (32L << 20) * scale, 3000);
            String outcome = f.stalled() ? "proxy stopped reading" : f.closed() ? "closed by proxy" : "proxy read it all";
            if (f.closed()) {
                int code = a.drainToClose(1 << 20, 5000);
                outcome = code > 0 ? "closed by proxy (close code " + code + ")" : "connection dropped by proxy, no close frame";
            }
            return new String[] {mib(f.sent()) + " MiB of frames", outcome};
        }
    }

    private static String[] targetFlood(Proxy p, Targets t) throws Exception {
        long before = p.stats("bytesFromNative");
        long sentBefore = t.floodSent.get();
        try (RawWebSocket a = RawWebSocket.open(p.port, "/websockify", "binary")) {
            if (a.status != 101) {
                return new String[] {"-", "upgrade refused: " + a.status};
            }
            long last = -1;
            long lastChange = System.nanoTime();
            for (int i = 0; i < 600; i++) { // at most 60 s; until the proxy stops reading the target for 3 s
                long now = p.stats("bytesFromNative");
                if (now != last) {
                    last = now;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > 3_000_000_000L) {
                    break;
                }
                Thread.sleep(100);
            }
            return new String[] {"target wrote " + mib(t.floodSent.get() - sentBefore) + " MiB",
                "proxy read " + mib(last - before) + " MiB of it, then stopped"};
        }
    }

    private static String[] pipelined(Proxy p, Targets t) throws Exception {
        int rounds = 3000 * scale;
        int bad = 0;
        String firstBad = null;
        try (ProtocolDriver d = ProtocolDriver.connect(p.uri, TransportOptions.defaults())) {
            int fd = (int) ((Reply.Value) d.sync(new Request.Socket(d.nextId(), Posix.AF_INET, Posix.SOCK_DGRAM, 0))).value();
            d.sync(new Request.Close(d.nextId(), fd));
            fd++; // descriptors are handed out in increasing order
            for (int b = 0; b < rounds / 100; b++) {
                List<CompletableFuture<Reply>> replies = new ArrayList<>();
                for (int i = 0; i < 100; i++, fd++) {
                    replies.add(d.call(new Request.Socket(d.nextId(), Posix.AF_INET, Posix.SOCK_DGRAM, 0)));
                    replies.add(d.call(new Request.SendTo(d.nextId(), fd, 0, t.udpSinkAddress(), Unpooled.wrappedBuffer(new byte[1200]))));
                    replies.add(d.call(new Request.Close(d.nextId(), fd)));
                }
                CompletableFuture.allOf(replies.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
                for (CompletableFuture<Reply> f : replies) {
                    if (f.getNow(null) instanceof Reply.Error e && (e.code() == Errno.ENOBUFS.code() || e.code() == Errno.EIO.code())) {
                        bad++;
                        firstBad = firstBad == null ? e.toString() : firstBad;
                    }
                }
            }
        }
        return new String[] {rounds + " rounds (" + 3 * rounds + " calls)", bad == 0 ? "every call answered, no ENOBUFS"
                : bad + " calls failed, first: " + firstBad};
    }

    private static String[] slowResolver(Proxy p, Targets t, SlowDns dns) throws Exception {
        int rounds = 200 * scale;
        ProtocolDriver closesSockets = ProtocolDriver.connect(p.uri, TransportOptions.defaults());
        ProtocolDriver closesSession = ProtocolDriver.connect(p.uri, TransportOptions.defaults());
        List<CompletableFuture<Reply>> closes = new ArrayList<>();
        int queriesBefore = dns.queries.get();
        for (int i = 0; i < rounds; i++) {
            for (ProtocolDriver d : List.of(closesSockets, closesSession)) {
                boolean udp = i % 2 == 0;
                int fd = (int) ((Reply.Value) d.sync(new Request.Socket(d.nextId(), Posix.AF_INET,
                        udp ? Posix.SOCK_DGRAM : Posix.SOCK_STREAM, 0))).value();
                InetSocketAddress slow = InetSocketAddress.createUnresolved("r" + i + (d == closesSession ? "s" : "c") + ".slow.test",
                        udp ? t.udpSinkAddress().getPort() : t.flood.getLocalPort());
                if (udp) {
                    d.call(new Request.SendTo(d.nextId(), fd, 0, slow, Unpooled.wrappedBuffer(new byte[100])));
                } else {
                    d.call(new Request.Connect(d.nextId(), fd, slow));
                }
                if (d == closesSockets) {
                    closes.add(d.call(new Request.Close(d.nextId(), fd)));
                }
            }
        }
        CompletableFuture.allOf(closes.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        for (int i = 0; i < 3000 && dns.queries.get() - queriesBefore < 2 * rounds; i++) {
            Thread.sleep(10);
        }
        int held = dns.queries.get() - queriesBefore;
        closesSession.close();
        closesSockets.close();
        Thread.sleep(500); // the sessions' closes reach the proxy before the answers
        dns.release();
        return new String[] {2 * rounds + " lookups (" + rounds + " sendto, " + rounds + " connect)",
            held + " DNS queries held unanswered until every socket and session closed"};
    }

    private static String[] descriptors(Proxy p) throws Exception {
        int sessions = 10 * scale;
        int attempts = 0;
        int bound = 0;
        int refused = 0;
        String other = null;
        List<ProtocolDriver> open = new ArrayList<>();
        try {
            for (int s = 0; s < sessions; s++) {
                ProtocolDriver d = ProtocolDriver.connect(p.uri, TransportOptions.defaults());
                open.add(d);
                List<CompletableFuture<Reply>> binds = new ArrayList<>();
                for (int i = 0; i < 250; i++) {
                    attempts++;
                    Reply r = d.call(new Request.Socket(d.nextId(), Posix.AF_INET, Posix.SOCK_DGRAM, 0)).get(30, TimeUnit.SECONDS);
                    if (r instanceof Reply.Value v) {
                        binds.add(d.call(new Request.Bind(d.nextId(), (int) v.value(), new InetSocketAddress("127.0.0.1", 0))));
                    } else {
                        refused++;
                    }
                }
                for (CompletableFuture<Reply> f : binds) {
                    Reply r = f.get(30, TimeUnit.SECONDS);
                    if (r instanceof Reply.Ok) {
                        bound++;
                    } else if (r instanceof Reply.Error e && (e.code() == Errno.EMFILE.code() || e.code() == Errno.ENFILE.code()
                            || e.code() == Errno.ENOBUFS.code())) {
                        refused++;
                    } else if (other == null) {
                        other = r.toString();
                    }
                }
            }
        } finally {
            open.forEach(ProtocolDriver::close);
        }
        return new String[] {attempts + " UDP sockets bound from " + sessions + " sessions",
            bound + " bound, " + refused + " refused (EMFILE)" + (other == null ? "" : ", other: " + other)};
    }

    private static String[] manySessions(Proxy p) throws Exception {
        int attempts = 2000 * scale;
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<RawWebSocket> open = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger served = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        try {
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (int i = 0; i < attempts; i++) {
                InetAddress local = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i % 4)});
                all.add(CompletableFuture.runAsync(() -> {
                    try {
                        RawWebSocket ws = RawWebSocket.open(p.port, "/sockbridge", "sockbridge.v1", local);
                        open.add(ws);
                        if (ws.status != 101) {
                            (ws.status == 503 || ws.status == 429 ? refused : failed).incrementAndGet();
                            return;
                        }
                        ws.write(sockbridge(new Control.Hello(List.of(MessageCodec.VERSION), "hostile")));
                        byte[][] f = ws.readFrame(30_000);
                        if (f == null) {
                            failed.incrementAndGet();
                        } else if (f[0][0] == 8) {
                            refused.incrementAndGet();
                        } else {
                            served.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }, pool));
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        } finally {
            synchronized (open) {
                open.forEach(RawWebSocket::close);
            }
            pool.shutdownNow();
        }
        return new String[] {attempts + " WebSocket sessions",
            served + " served, " + refused + " refused (503 or close code)" + (failed.get() > 0 ? ", " + failed + " failed/hung" : "")};
    }

    private static String[] partialMessages(Proxy p) throws Exception {
        int conns = 30 * scale;
        List<RawWebSocket> open = new ArrayList<>();
        List<CompletableFuture<RawWebSocket.Flood>> floods = new ArrayList<>();
        try {
            for (int i = 0; i < conns; i++) {
                boolean sb = i % 3 == 0;
                RawWebSocket a = RawWebSocket.open(p.port, sb ? "/sockbridge" : "/emscripten", sb ? "sockbridge.v1" : null);
                open.add(a);
                if (a.status != 101) {
                    continue;
                }
                if (sb) {
                    a.write(sockbridge(new Control.Hello(List.of(MessageCodec.VERSION), "hostile")));
                }
                long declared = sb ? (1 << 20) - 64 : 16L << 20;
                byte[] header = frameHeader(2, declared);
                long payload = declared - 16;
                int chunk = 64 << 10;
                floods.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        // all of the message but its last 16 bytes, and not a byte more: whole 64 KiB chunks would
                        // complete it (and begin another), which the proxy then handles and frees
                        return a.flood(k -> k == 0 ? header : new byte[(int) Math.min(chunk, payload - (long) (k - 1) * chunk)],
                                header.length + payload, 3000);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            CompletableFuture.allOf(floods.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        } finally {
            open.forEach(RawWebSocket::close);
        }
        long sent = floods.stream().mapToLong(f -> f.join().sent()).sum();
        long stalled = floods.stream().filter(f -> f.join().stalled()).count();
        long closed = floods.stream().filter(f -> f.join().closed()).count();
        return new String[] {conns + " connections, " + mib(sent) + " MiB of partial messages",
            stalled + " stalled, " + closed + " closed by the proxy, " + (conns - stalled - closed) + " all but 16 bytes read"};
    }

    private static String[] pollStorm(Proxy p) throws Exception {
        int polls = 1000;
        int sockets = 200;
        int datagrams = 3000 * scale;
        try (ProtocolDriver d = ProtocolDriver.connect(p.uri, TransportOptions.defaults());
             DatagramSocket sender = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            List<PollFd> idle = new ArrayList<>();
            for (int i = 0; i < sockets; i++) {
                int fd = (int) ((Reply.Value) d.sync(new Request.Socket(d.nextId(), Posix.AF_INET, Posix.SOCK_DGRAM, 0))).value();
                d.sync(new Request.Bind(d.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)));
                idle.add(new PollFd(fd, Posix.POLLIN));
            }
            int busy = idle.get(0).fd();
            InetSocketAddress busyAddr = ((Reply.Address) d.sync(new Request.GetSockName(d.nextId(), busy))).address();
            for (int i = 0; i < polls; i++) {
                d.call(new Request.Poll(d.nextId(), idle.subList(1, sockets), 60_000));
            }
            byte[] payload = new byte[200];
            for (int i = 0; i < datagrams; i++) {
                sender.send(new DatagramPacket(payload, payload.length, busyAddr));
                if (i % 10 == 9) {
                    // drain the busy socket now and then, so it keeps changing state (its poll-in goes on and off)
                    d.call(new Request.RecvFrom(d.nextId(), busy, 2048, Posix.MSG_DONTWAIT)).get(30, TimeUnit.SECONDS);
                }
            }
        }
        return new String[] {polls + " polls × " + (sockets - 1) + " fds parked, " + datagrams + " datagrams", "-"};
    }

    // ---- the proxy in its own JVM ----

    static final class Proxy implements AutoCloseable {
        final Process process;
        final URI uri;
        final int port;
        final URI statsUri;
        final AtomicLong rssMax = new AtomicLong();
        final AtomicLong heldMax = new AtomicLong();
        private final AtomicBoolean sampling = new AtomicBoolean();
        private final HttpClient http = HttpClient.newHttpClient();
        private Thread sampler;

        private Proxy(Process p, URI uri, URI stats) {
            this.process = p;
            this.uri = uri;
            this.port = uri.getPort();
            this.statsUri = stats;
        }

        static Proxy start(List<String> jvmArgs, Targets t, int fdLimit) throws Exception {
            List<String> cmd = new ArrayList<>();
            if (fdLimit > 0) {
                cmd.addAll(List.of("/bin/sh", "-c", "ulimit -n " + fdLimit + " && exec \"$0\" \"$@\""));
            }
            cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss512k", "-Xmx1g",
                    "-XX:MaxDirectMemorySize=1g",
                    "-Djava.util.logging.config.file=" + System.getProperty("java.util.logging.config.file", "")));
            // "--" options (and the value after each) go to the proxy, the rest to its JVM
            List<String> proxyArgs = new ArrayList<>();
            for (int i = 0; i < jvmArgs.size(); i++) {
                if (jvmArgs.get(i).startsWith("--")) {
                    proxyArgs.add(jvmArgs.get(i));
                    if (i + 1 < jvmArgs.size() && !jvmArgs.get(i + 1).startsWith("-")) {
                        proxyArgs.add(jvmArgs.get(++i));
                    }
                } else {
                    cmd.add(jvmArgs.get(i));
                }
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sockbridge.app.ProxyMain",
                    "--listen", "127.0.0.1:0", "--idle-timeout", "0", "--bridge-target", "127.0.0.1:" + t.flood.getLocalPort()));
            cmd.addAll(proxyArgs);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
            URI uri = null;
            URI stats = null;
            for (String l; (l = out.readLine()) != null; ) {
                if (l.startsWith("Sockbridge protocol:")) {
                    uri = URI.create(l.replaceFirst("^Sockbridge protocol:\\s+", "").replaceFirst("\\s.*$", ""));
                } else if (l.startsWith("stats:")) {
                    stats = URI.create(l.replaceFirst("^stats:\\s+", "").replaceFirst("\\s.*$", ""));
                } else if (l.startsWith("ready in")) {
                    break;
                }
            }
            if (uri == null || stats == null) {
                p.destroyForcibly();
                throw new IllegalStateException("the proxy did not start");
            }
            // keep reading its output: a full pipe would block whichever proxy thread logs next
            Thread drain = new Thread(() -> {
                try {
                    for (String l; (l = out.readLine()) != null; ) {
                        System.err.println("[proxy] " + l);
                    }
                } catch (IOException e) {
                    // exited
                }
            }, "proxy-output");
            drain.setDaemon(true);
            drain.start();
            return new Proxy(p, uri, stats);
        }

        long rss() {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                    if (l.startsWith("VmRSS:")) {
                        return Long.parseLong(l.replaceAll("\\D+", "")) * 1024;
                    }
                }
            } catch (IOException e) {
                // exited
            }
            return -1;
        }

        String statsJson() throws Exception {
            return http.send(HttpRequest.newBuilder(statsUri).build(), HttpResponse.BodyHandlers.ofString()).body();
        }

        long stats(String field) throws Exception {
            Matcher m = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(statsJson());
            if (!m.find()) {
                throw new IllegalStateException("no " + field + " in the proxy's stats");
            }
            return Long.parseLong(m.group(1));
        }

        void startSampling() {
            rssMax.set(rss());
            heldMax.set(0);
            sampling.set(true);
            sampler = new Thread(() -> {
                for (int i = 0; sampling.get(); i++) {
                    rssMax.accumulateAndGet(rss(), Math::max);
                    if (i % 5 == 0) {
                        try {
                            heldMax.accumulateAndGet(stats("bufferedBytes"), Math::max);
                        } catch (Exception e) {
                            // the proxy is too busy to answer: the next sample may get through
                        }
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        void stopSampling() throws InterruptedException {
            sampling.set(false);
            sampler.join(5000);
        }

        /** Waits (up to 10 s) until no session and no native channel is open; returns {native channels, sessions}. */
        long[] quiesce() throws Exception {
            long ch = -1;
            long s = -1;
            for (int i = 0; i < 100; i++) {
                ch = stats("nativeChannelsOpen");
                s = stats("sessionsOpen");
                if (ch == 0 && s == 0) {
                    break;
                }
                Thread.sleep(100);
            }
            return new long[] {ch, s};
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Another session doing 64-byte echo round trips back to back through a proxied TCP connection. */
    static final class Witness {
        private final SockbridgeClient client;
        private final int fd;
        private final List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean();
        private Thread thread;
        private volatile Exception failure;

        Witness(URI uri, InetSocketAddress echo) throws Exception {
            client = SockbridgeClient.connect(uri).get(30, TimeUnit.SECONDS);
            fd = client.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0).get(30, TimeUnit.SECONDS);
            client.connect(fd, echo).get(30, TimeUnit.SECONDS);
        }

        long roundTrip() throws Exception {
            byte[] msg = new byte[64];
            ThreadLocalRandom.current().nextBytes(msg);
            long t0 = System.nanoTime();
            client.send(fd, msg).get(60, TimeUnit.SECONDS);
            int got = 0;
            while (got < 64) {
                byte[] b = client.recvBytes(fd, 64 - got).get(60, TimeUnit.SECONDS);
                if (b.length == 0) {
                    throw new IllegalStateException("the witness's echo connection ended");
                }
                got += b.length;
            }
            return System.nanoTime() - t0;
        }

        void roundTrips(int n) throws Exception {
            for (int i = 0; i < n; i++) {
                roundTrip();
            }
        }

        void start() {
            running.set(true);
            thread = new Thread(() -> {
                try {
                    while (running.get()) {
                        nanos.add(roundTrip());
                    }
                } catch (Exception e) {
                    failure = e;
                }
            }, "witness");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(70_000);
        }

        long[] latencies() {
            if (failure != null) {
                throw new IllegalStateException("the witness was not served during the attack", failure);
            }
            synchronized (nanos) {
                return nanos.stream().mapToLong(Long::longValue).toArray();
            }
        }

        void close() {
            client.close();
        }
    }

    /** A TCP target that floods whoever connects (bounded: 256 MiB per connection) and a UDP sink. */
    static final class Targets implements AutoCloseable {
        final ServerSocket flood = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final DatagramSocket udpSink = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final AtomicLong floodSent = new AtomicLong();

        Targets() throws IOException {
            Thread t = new Thread(() -> {
                while (!flood.isClosed()) {
                    try {
                        Socket s = flood.accept();
                        Thread w = new Thread(() -> {
                            try (s) {
                                OutputStream out = s.getOutputStream();
                                byte[] b = new byte[65536];
                                for (int i = 0; i < 4096; i++) {
                                    out.write(b);
                                    floodSent.addAndGet(b.length);
                                }
                            } catch (IOException e) {
                                // the proxy closed it
                            }
                        }, "flood");
                        w.setDaemon(true);
                        w.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "flood-accept");
            t.setDaemon(true);
            t.start();
            Thread sink = new Thread(() -> {
                byte[] b = new byte[65536];
                while (!udpSink.isClosed()) {
                    try {
                        udpSink.receive(new DatagramPacket(b, b.length));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "udp-sink");
            sink.setDaemon(true);
            sink.start();
        }

        InetSocketAddress udpSinkAddress() {
            return new InetSocketAddress("127.0.0.1", udpSink.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            flood.close();
            udpSink.close();
        }
    }

    // ---- frames ----

    static byte[] sockbridge(Message m) {
        ByteBuf b = CODEC.encode(m, UnpooledByteBufAllocator.DEFAULT);
        try {
            return frame(2, ByteBufUtil.getBytes(b));
        } finally {
            b.release();
        }
    }

    /** An Emscripten PROXY_POSIX_SOCKETS request: call id, opcode, arguments (little-endian). */
    static byte[] emscripten(int callId, int opcode, int... args) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * args.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(callId).putInt(opcode);
        for (int a : args) {
            b.putInt(a);
        }
        return frame(2, b.array());
    }

    static byte[] frame(int opcode, byte[] payload) {
        return RawWebSocket.frame(opcode, payload);
    }

    /** A masked client frame's header declaring {@code length} bytes of payload (sent separately, or never). */
    static byte[] frameHeader(int opcode, long length) {
        return RawWebSocket.frame(opcode, new byte[0], length);
    }

    static String mib(long bytes) {
        return Stats.f1(bytes / 1048576.0);
    }
}
