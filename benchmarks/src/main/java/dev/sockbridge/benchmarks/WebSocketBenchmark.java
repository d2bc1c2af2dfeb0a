package dev.sockbridge.benchmarks;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.TransportOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runnable proxy (a child JVM, as users run it) over WebSocket: bulk echo and 64-byte round
 * trips next to direct loopback TCP in the same run, then N concurrent sessions each holding one
 * proxied TCP connection, with the proxy's heap (after a GC) and RSS per session.
 *
 * <pre>scripts/bench.sh websocket [MiB] [roundTrips] [sessions]</pre>
 */
public final class WebSocketBenchmark {
    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int trips = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int sessions = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        try (NativeEchoServer echo = new NativeEchoServer()) {
            Process proxy = startProxy();
            Cpu.alsoCount(proxy);
            try {
                String line = awaitLine(proxy, "Sockbridge protocol:");
                URI uri = URI.create(line.replaceFirst("^Sockbridge protocol:\\s+", "").replaceFirst("\\s.*$", ""));
                statsUri = URI.create(awaitLine(proxy, "stats:").replaceFirst("^stats:\\s+", "").replaceFirst("\\s.*$", ""));
                awaitLine(proxy, "ready in");
                // keep reading the proxy's output: a full pipe would block whichever proxy thread logs next,
                // an event loop included, and look like a stall of the proxy
                Thread drain = new Thread(() -> {
                    try {
                        String l;
                        while ((l = out.readLine()) != null) {
                            System.err.println("[proxy] " + l);
                        }
                    } catch (java.io.IOException e) {
                        // the proxy exited
                    }
                }, "proxy-output");
                drain.setDaemon(true);
                drain.start();
                System.out.println("Sockbridge WebSocket benchmark: proxy in its own JVM (" + uri + "), " + mib + " MiB echoed, "
                        + trips + " round trips of 64 bytes, " + sessions + " sessions; "
                        + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version"));
                TransportOptions opts = TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, 1 << 20);
                try {
                    Stats.table(CoreBenchmark.run(echo.address(), uri, opts, "proxy over WebSocket (ws://)", mib, trips));
                } catch (IllegalStateException e) {
                    System.out.println("proxy stats at failure: " + HttpClient.newHttpClient().send(
                            HttpRequest.newBuilder(statsUri).build(), HttpResponse.BodyHandlers.ofString()).body());
                    throw e;
                }
                System.out.println();
                sessions(proxy, uri, opts, echo, sessions);
            } finally {
                proxy.toHandle().destroy();
                proxy.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    static Process startProxy() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss512k",
                "-Djava.util.logging.config.file=" + System.getProperty("java.util.logging.config.file", "")));
        String extra = System.getProperty("bench.proxyJvmArgs", "");
        if (!extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sockbridge.app.ProxyMain",
                "--listen", "127.0.0.1:0", "--idle-timeout", "0", "--max-sockets", "16"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static BufferedReader out;
    /** The proxy's /stats, on its admin listener (printed at start as "stats:  URL"). */
    static URI statsUri;

    static String awaitLine(Process p, String prefix) throws Exception {
        if (out == null) {
            out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        }
        String l;
        while ((l = out.readLine()) != null) {
            if (l.startsWith(prefix)) {
                return l;
            }
        }
        throw new IllegalStateException("proxy exited before '" + prefix + "'");
    }

    static long[] proxyMemory(Process p, URI uri) throws Exception {
        // a full GC first, so heap is what the sessions hold, not garbage
        Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(p.pid()), "GC.run").redirectErrorStream(true).start();
        gc.getInputStream().readAllBytes();
        gc.waitFor(30, TimeUnit.SECONDS);
        String json = HttpClient.newHttpClient().send(HttpRequest.newBuilder(statsUri).build(), HttpResponse.BodyHandlers.ofString()).body();
        return new long[] {field(json, "heapUsedBytes"), field(json, "rssBytes"), field(json, "sessionsOpen"), field(json, "nativeChannelsOpen")};
    }

    private static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(-?\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    static void sessions(Process proxy, URI uri, TransportOptions opts, NativeEchoServer echo, int n) throws Exception {
        long[] before = proxyMemory(proxy, uri);
        List<ProtocolDriver> open = new ArrayList<>();
        long t0 = System.nanoTime();
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ProtocolDriver d = ProtocolDriver.connect(uri, opts);
            open.add(d);
            int fd = (int) ((Reply.Value) d.sync(new Request.Socket(d.nextId(), Posix.AF_INET, Posix.SOCK_STREAM, 0))).value();
            ready.add(d.call(new Request.Connect(d.nextId(), fd, echo.address())).thenAccept(r -> {
                if (r instanceof Reply.Error) {
                    throw new IllegalStateException("connect failed: " + r);
                }
            }));
        }
        CompletableFuture.allOf(ready.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        double secs = (System.nanoTime() - t0) / 1e9;
        long[] after = proxyMemory(proxy, uri);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"idle sessions, each with a proxied TCP connection", "value"});
        rows.add(new String[] {"sessions open (proxy's count)", String.valueOf(after[2])});
        rows.add(new String[] {"native channels open (proxy's count)", String.valueOf(after[3])});
        rows.add(new String[] {"time to open them all (s)", Stats.f1(secs)});
        rows.add(new String[] {"proxy heap after GC, per session (KiB)", Stats.f1((after[0] - before[0]) / 1024.0 / n)});
        rows.add(new String[] {"proxy RSS, per session (KiB)", Stats.f1((after[1] - before[1]) / 1024.0 / n)});
        rows.add(new String[] {"proxy heap after GC, total (MiB)", Stats.f1(after[0] / 1048576.0)});
        rows.add(new String[] {"proxy RSS, total (MiB)", Stats.f1(after[1] / 1048576.0)});
        Stats.table(rows);
        for (ProtocolDriver d : open) {
            d.close();
        }
    }
}
