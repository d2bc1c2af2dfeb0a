package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.webtransport.QuicTransportOptions;
import dev.sockbridge.transport.webtransport.ServerCertificate;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three runnable proxies on loopback behind Debian's HAProxy (WebSocket, L7, health-checked on /ready) and
 * nginx's stream module (WebTransport and raw QUIC over UDP, L4, hashed on the client's address and port),
 * with the configurations from docs/deploy/. A few hundred sessions each keep a TCP echo (and, over QUIC, a UDP
 * echo) going; then one proxy drains (SIGTERM) and another is killed (SIGKILL). Each proxy may reach only its
 * own echo server, so the echo a session can connect to says which proxy it is on.
 */
@Timeout(300)
class BalancedProxiesTest {
    static final int WS_SESSIONS = 240;
    static final int QUIC_SESSIONS = 30;
    static final int WT_SESSIONS = 30;
    static final int NEW_WS_SESSIONS = 30;
    static final int NEW_QUIC_SESSIONS = 10;
    /** Between one session's round trips: 300 sessions make about 600 round trips a second in all. */
    static final long PERIOD_MILLIS = 500;
    static final int DRAIN_TIMEOUT_SECONDS = 15;
    static final int DRAINED = 0;
    static final int KILLED = 1;
    static final int SURVIVOR = 2;

    static Path haproxy() {
        return Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? Path.of("/usr/sbin/haproxy") : null;
    }

    static Path streamModule() {
        Path p = Path.of("/usr/lib/nginx/modules/ngx_stream_module.so");
        return Files.exists(p) ? p : null;
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** One client session, the proxy it landed on, and its echo sockets. */
    static final class Session {
        final String kind;
        final SockbridgeClient client;
        final int proxy;
        final int tcp;
        final int udp;
        final AtomicLong trips = new AtomicLong();
        volatile Throwable failure;
        volatile boolean stopping;

        Session(String kind, SockbridgeClient client, int proxy, int tcp, int udp) {
            this.kind = kind;
            this.client = client;
            this.proxy = proxy;
            this.tcp = tcp;
            this.udp = udp;
        }

        Control.Goodbye goodbye() {
            return client.closeFuture().getNow(null);
        }

        @Override
        public String toString() {
            return kind + "@proxy" + proxy + " trips=" + trips + (failure == null ? "" : " failure=" + failure)
                    + (client.isOpen() ? "" : " closed " + goodbye());
        }
    }

    private final EchoServer[] echoes = new EchoServer[3];
    private final ProxyProcess[] proxies = new ProxyProcess[3];
    private final List<Session> sessions = new ArrayList<>();
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "round-trip-pacer");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void drainOneKillAnotherTheThirdNeverNotices(@TempDir Path dir) throws Exception {
        Path haproxy = haproxy();
        Path nginx = NginxReverseProxyTest.nginx();
        assumeTrue(haproxy != null, "HAProxy is not installed (scripts/setup.sh installs Debian's haproxy)");
        assumeTrue(nginx != null && streamModule() != null,
                "nginx with its stream module is not installed (scripts/setup.sh installs nginx and libnginx-mod-stream)");
        Path docs = BrowserDemoTest.clientDir().getParent().getParent().resolve("docs/deploy");

        // one certificate for all three: a client cannot choose which proxy nginx hands it to
        ServerCertificate cert = ServerCertificate.selfSigned();
        Files.writeString(dir.resolve("cert.pem"), cert.certificatePem());
        Files.writeString(dir.resolve("key.pem"), cert.privateKeyPem());

        int haproxyPort = NginxReverseProxyTest.freePort();
        int statsPort = NginxReverseProxyTest.freePort();
        int wtPort = freeUdpPort();
        int quicPort = freeUdpPort();
        Map<String, String> vars = new TreeMap<>();
        vars.put("LISTEN", "127.0.0.1:" + haproxyPort);
        vars.put("STATS", "127.0.0.1:" + statsPort);
        vars.put("WT_LISTEN", "127.0.0.1:" + wtPort);
        vars.put("QUIC_LISTEN", "127.0.0.1:" + quicPort);
        List<AutoCloseable> cleanup = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                echoes[i] = EchoServer.builder().maxConnections(400).start();
                cleanup.add(echoes[i]);
                int ws = NginxReverseProxyTest.freePort();
                int admin = NginxReverseProxyTest.freePort();
                int wt = freeUdpPort();
                int quic = freeUdpPort();
                String n = "PROXY" + (i + 1);
                vars.put(n, "127.0.0.1:" + ws);
                vars.put(n + "_ADMIN", String.valueOf(admin));
                vars.put(n + "_WT", "127.0.0.1:" + wt);
                vars.put(n + "_QUIC", "127.0.0.1:" + quic);
                proxies[i] = new ProxyProcess("--listen", "127.0.0.1:" + ws, "--admin-listen", "127.0.0.1:" + admin,
                        "--webtransport-listen", "127.0.0.1:" + wt, "--quic-listen", "127.0.0.1:" + quic,
                        "--tls-cert", dir.resolve("cert.pem").toString(), "--tls-key", dir.resolve("key.pem").toString(),
                        // the page origin WebTransport clients reach the proxies by: nginx's address
                        "--origin", "https://127.0.0.1:" + wtPort,
                        // only its own echo server: the echo a session reaches names its proxy
                        "--allow", "127.0.0.1/32:" + echoes[i].tcpAddress().getPort(),
                        "--allow", "127.0.0.1/32:" + echoes[i].udpAddress().getPort(),
                        // behind a balancer every session comes from the balancer's address
                        "--max-sessions-per-address", "1000", "--new-sessions-per-second", "1000",
                        // open sessions get this long once told the proxy is going away
                        "--drain-timeout", DRAIN_TIMEOUT_SECONDS + "s",
                        "--threads", "1");
                cleanup.add(proxies[i]);
            }
            for (ProxyProcess p : proxies) {
                p.await("ready in", 60);
            }
            Process ha = startHaproxy(haproxy, docs.resolve("haproxy.cfg"), dir, vars);
            cleanup.add(() -> stop(ha));
            Process ng = startNginx(nginx, docs.resolve("nginx-stream.conf"), dir, vars);
            cleanup.add(() -> stop(ng));
            awaitCondition("HAProxy sees all three proxies UP", 30, () -> upServers(statsPort).size() == 3);

            URI wsUri = URI.create("ws://127.0.0.1:" + haproxyPort + "/sockbridge");
            URI quicUri = URI.create("quic://127.0.0.1:" + quicPort);
            URI wtUri = URI.create("webtransport://127.0.0.1:" + wtPort + "/sockbridge");
            // a short QUIC idle timeout, so a client notices a killed proxy within seconds
            TransportOptions quicOpts = TransportOptions.defaults().with(QuicTransportOptions.CERTIFICATE_SHA256, cert.sha256Base64())
                    .with(QuicTransportOptions.IDLE_TIMEOUT_MILLIS, 4000).with(QuicTransportOptions.KEEP_ALIVE_MILLIS, 1000);

            open("ws", wsUri, TransportOptions.defaults(), WS_SESSIONS);
            open("quic", quicUri, quicOpts, QUIC_SESSIONS);
            open("wt", wtUri, quicOpts, WT_SESSIONS);
            System.out.println("sessions per proxy: " + perProxy(sessions));
            for (int i = 0; i < 3; i++) {
                int p = i;
                assertTrue(sessions.stream().anyMatch(s -> s.proxy == p && s.kind.equals("ws")), "WebSocket sessions on proxy " + i);
                assertTrue(sessions.stream().anyMatch(s -> s.proxy == p && !s.kind.equals("ws")), "QUIC sessions on proxy " + i);
            }
            awaitTrips(sessions, 2, 30);

            // drain: SIGTERM. HAProxy's check of /ready sees 503 and takes the proxy out
            List<Session> drained = on(sessions, DRAINED);
            // SIGTERM through the handle: Process.destroy() also closes our end of its output, losing what it says
            proxies[DRAINED].process.toHandle().destroy();
            // each of its sessions hears going-away (the client's event) and still works until the drain timeout
            awaitCondition("every session on the draining proxy hears going-away", 30,
                    () -> drained.stream().allMatch(s -> s.client.goingAway().isDone()));
            awaitTrips(drained, 1, DRAIN_TIMEOUT_SECONDS);
            awaitCondition("HAProxy takes the draining proxy out", 20, () -> !upServers(statsPort).contains("proxy1"));

            // new WebSocket sessions, while the drained proxy's sessions still run, land on the other two
            int before = sessions.size();
            open("ws", wsUri, TransportOptions.defaults(), NEW_WS_SESSIONS);
            List<Session> freshWs = List.copyOf(sessions.subList(before, sessions.size()));
            System.out.println("new WebSocket sessions per proxy during the drain: " + perProxy(freshWs));
            assertTrue(freshWs.stream().noneMatch(s -> s.proxy == DRAINED), "no new session on the draining proxy: " + perProxy(freshWs));

            // the drained proxy's sessions end with going-away within the drain timeout, and it exits 0
            awaitCondition("the drained proxy's sessions end", DRAIN_TIMEOUT_SECONDS + 30,
                    () -> drained.stream().noneMatch(s -> s.client.isOpen()));
            for (Session s : drained) {
                s.stopping = true;
            }
            System.out.println("drained sessions ended with: " + codes(drained));
            for (Session s : drained) {
                assertEquals(1001, s.goodbye().code(), "going away: " + s);
            }
            assertEquals(0, proxies[DRAINED].awaitExit(40), "a drained proxy exits 0");
            assertTrue(proxies[DRAINED].lines.stream().anyMatch(l -> l.startsWith("received SIGTERM: draining")), "it drained");

            // nginx has no health check of its own: once the drained proxy is gone, its port answers with ICMP port
            // unreachable, nginx counts a failure and hands the datagrams to the next proxy on the ring
            before = sessions.size();
            open("quic", quicUri, quicOpts, NEW_QUIC_SESSIONS);
            open("wt", wtUri, quicOpts, NEW_QUIC_SESSIONS);
            List<Session> freshQuic = List.copyOf(sessions.subList(before, sessions.size()));
            System.out.println("new QUIC sessions per proxy after the drain: " + perProxy(freshQuic) + "; nginx's refused upstream datagrams: "
                    + read(dir.resolve("nginx/error.log")).lines().filter(l -> l.contains("refused")).count());
            assertTrue(freshQuic.stream().noneMatch(s -> s.proxy == DRAINED), "no new session on the drained proxy: " + perProxy(freshQuic));

            // kill: SIGKILL
            List<Session> killed = on(sessions, KILLED);
            List<Session> survivors = on(sessions, SURVIVOR);
            proxies[KILLED].process.destroyForcibly();
            awaitCondition("every session on the killed proxy ends", 30, () -> killed.stream().noneMatch(s -> s.client.isOpen()));
            for (Session s : killed) {
                s.stopping = true;
            }
            System.out.println("killed sessions ended with: " + codes(killed));
            for (Session s : killed) {
                Control.Goodbye g = s.goodbye();
                assertTrue(g.code() != 1000 && !g.reason().isEmpty(), "a clear, abnormal close on the client: " + s);
            }

            for (Session s : sessions) {
                if (s.proxy != DRAINED) {
                    assertTrue(!s.client.goingAway().isDone(), "only the drained proxy's sessions hear going-away: " + s);
                }
            }

            // the third proxy's sessions never noticed: open, and every round trip succeeded before, during and after
            awaitTrips(survivors, 3, 30);
            for (Session s : survivors) {
                assertTrue(s.client.isOpen() && s.failure == null, "never noticed: " + s);
            }
        } catch (Throwable t) {
            System.out.println("HAProxy's log:\n" + read(dir.resolve("haproxy.log")) + "\nnginx's error log:\n"
                    + read(dir.resolve("nginx/error.log")));
            throw t;
        } finally {
            pacer.shutdownNow();
            for (Session s : sessions) {
                s.stopping = true;
                s.client.close();
            }
            for (int i = cleanup.size() - 1; i >= 0; i--) {
                try {
                    cleanup.get(i).close();
                } catch (Exception ignored) {
                    // the rest still close
                }
            }
        }
    }

    // ------------------------------------------------------------------ sessions

    /** Opens {@code n} sessions, a few at a time, and starts their round trips. */
    private void open(String kind, URI uri, TransportOptions opts, int n) throws Exception {
        int batch = 20;
        for (int done = 0; done < n; done += batch) {
            List<CompletableFuture<Session>> f = new ArrayList<>();
            for (int i = done; i < Math.min(n, done + batch); i++) {
                f.add(SockbridgeClient.connect(uri, opts).thenCompose(c -> identify(kind, c, 0)));
            }
            for (CompletableFuture<Session> s : f) {
                Session session = s.get(30, TimeUnit.SECONDS);
                sessions.add(session);
                schedule(session);
            }
        }
    }

    /** Connects a TCP socket to each proxy's echo in turn: only the session's own proxy allows its echo. */
    private CompletableFuture<Session> identify(String kind, SockbridgeClient c, int i) {
        if (i == echoes.length) {
            return CompletableFuture.failedFuture(new AssertionError("no echo server reachable: policy not as configured"));
        }
        return c.socket(2, 1, 0).thenCompose(fd -> c.connect(fd, echoes[i].tcpAddress()).handle((ok, denied) -> {
            if (denied != null) {
                return c.close(fd).handle((x, y) -> null).thenCompose(x -> identify(kind, c, i + 1));
            }
            if (kind.equals("ws")) {
                return CompletableFuture.completedFuture(new Session(kind, c, i, fd, -1));
            }
            return c.socket(2, 2, 0).thenCompose(u -> c.connect(u, echoes[i].udpAddress())
                    .thenApply(v -> new Session(kind, c, i, fd, u)));
        }).thenCompose(x -> x));
    }

    private void schedule(Session s) {
        if (s.stopping || pacer.isShutdown()) {
            return;
        }
        try {
            pacer.schedule(() -> roundTrip(s).orTimeout(10, TimeUnit.SECONDS).whenComplete((v, e) -> {
                if (e != null) {
                    if (!s.stopping && s.failure == null) {
                        s.failure = e;
                    }
                    return;
                }
                s.trips.incrementAndGet();
                schedule(s);
            }), PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shutDown) {
            // the test is over
        }
    }

    /** 32 bytes through the TCP echo and, over QUIC, a datagram through the UDP echo. */
    private static CompletableFuture<Void> roundTrip(Session s) {
        byte[] p = String.format("%-32s", s.kind + " " + s.proxy + " " + s.trips.get()).getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Void> tcp = s.client.send(s.tcp, p).thenCompose(n -> readFully(s, p.length, new byte[0]))
                .thenAccept(got -> assertArrayEquals(p, got, "TCP echo"));
        if (s.udp < 0) {
            return tcp;
        }
        return tcp.thenCompose(v -> s.client.send(s.udp, p)).thenCompose(n -> s.client.recvBytes(s.udp, 1500))
                .thenAccept(got -> assertArrayEquals(p, got, "UDP echo"));
    }

    private static CompletableFuture<byte[]> readFully(Session s, int length, byte[] have) {
        if (have.length == length) {
            return CompletableFuture.completedFuture(have);
        }
        return s.client.recvBytes(s.tcp, length - have.length).thenCompose(b -> {
            if (b.length == 0) {
                return CompletableFuture.failedFuture(new IOException("echo closed the connection"));
            }
            byte[] more = Arrays.copyOf(have, have.length + b.length);
            System.arraycopy(b, 0, more, have.length, b.length);
            return readFully(s, length, more);
        });
    }

    /** Waits until each of {@code list} has made {@code more} further round trips, none failing. */
    private static void awaitTrips(List<Session> list, int more, long seconds) throws InterruptedException {
        Map<Session, Long> start = list.stream().collect(Collectors.toMap(s -> s, s -> s.trips.get()));
        awaitCondition(more + " more round trips on each of " + list.size() + " sessions", seconds, () -> {
            for (Session s : list) {
                if (s.failure != null) {
                    throw new AssertionError("round trip failed: " + s, s.failure);
                }
            }
            return list.stream().allMatch(s -> s.trips.get() >= start.get(s) + more);
        });
    }

    private static List<Session> on(List<Session> list, int proxy) {
        return list.stream().filter(s -> s.proxy == proxy).collect(Collectors.toList());
    }

    private static Map<String, Long> perProxy(List<Session> list) {
        return list.stream().collect(Collectors.groupingBy(s -> "proxy" + (s.proxy + 1) + "/" + s.kind, TreeMap::new,
                Collectors.counting()));
    }

    private static Map<String, Long> codes(List<Session> list) {
        return list.stream().collect(Collectors.groupingBy(s -> s.kind + " " + s.goodbye(), TreeMap::new, Collectors.counting()));
    }

    private static void awaitCondition(String what, long seconds, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            Thread.sleep(100); // polling interval, not a wait for a race: the deadline bounds it
        }
    }

    // ------------------------------------------------------------------ balancers

    private static String fill(Path template, Map<String, String> vars) throws IOException {
        String s = Files.readString(template);
        for (Map.Entry<String, String> v : vars.entrySet()) {
            s = s.replace("@" + v.getKey() + "@", v.getValue());
        }
        assertTrue(!s.matches("(?s).*@[A-Z0-9_]+@.*"), "a placeholder left in " + template);
        return s;
    }

    private static Process startHaproxy(Path haproxy, Path template, Path dir, Map<String, String> vars) throws Exception {
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, fill(template, vars));
        Process p = new ProcessBuilder(haproxy.toString(), "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        int port = Integer.parseInt(vars.get("STATS").replaceFirst(".*:", ""));
        awaitCondition("HAProxy listens", 20, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("haproxy exited: " + read(dir.resolve("haproxy.log")));
            }
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        return p;
    }

    private static Process startNginx(Path nginx, Path template, Path dir, Map<String, String> vars) throws Exception {
        Path prefix = Files.createDirectories(dir.resolve("nginx"));
        Files.writeString(prefix.resolve("stream.conf"), fill(template, vars));
        Files.writeString(prefix.resolve("nginx.conf"), "load_module " + streamModule() + ";\n"
                + "worker_processes 1;\ndaemon off;\npid " + prefix.resolve("nginx.pid") + ";\n"
                + "error_log " + prefix.resolve("error.log") + " info;\n"
                + "events { worker_connections 1024; }\n"
                + "include " + prefix.resolve("stream.conf") + ";\n");
        Process p = new ProcessBuilder(nginx.toString(), "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        // UDP has no connection to wait for: nginx has bound its ports once it says so
        awaitCondition("nginx starts", 20, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("nginx exited: " + read(prefix.resolve("stdout.log")) + read(prefix.resolve("error.log")));
            }
            return read(prefix.resolve("error.log")).contains("start worker process");
        });
        return p;
    }

    /** The servers HAProxy's status page shows UP. */
    private Set<String> upServers(int statsPort) {
        try {
            String csv = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            String[] lines = csv.split("\n");
            List<String> header = Arrays.asList(lines[0].replaceFirst("^# ", "").split(","));
            int svname = header.indexOf("svname");
            int status = header.indexOf("status");
            java.util.Set<String> up = new java.util.TreeSet<>();
            for (String l : lines) {
                String[] f = l.split(",", -1);
                if (l.startsWith("sockbridge_proxies,") && f[svname].startsWith("proxy") && f[status].startsWith("UP")) {
                    up.add(f[svname]);
                }
            }
            return up;
        } catch (IOException e) {
            throw new AssertionError("HAProxy's status page: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
