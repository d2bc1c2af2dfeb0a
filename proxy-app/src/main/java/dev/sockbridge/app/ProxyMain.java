package dev.sockbridge.app;

import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.api.transport.EventLoops;
import io.netty.channel.EventLoopGroup;
import dev.sockbridge.transport.websocket.StaticContent;
import dev.sockbridge.transport.websocket.WebSocketOptions;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import dev.sockbridge.transport.websocket.WebSocketServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The runnable proxy: one command, safe defaults (listens on 127.0.0.1:8080, sessions reach loopback
 * only). Serves on one port: Sockbridge at /sockbridge, Emscripten's POSIX-socket protocol at
 * /emscripten, a websockify-style bridge at /websockify, and all three at / (and any other path) chosen
 * by the offered subprotocol, as the tools they replace answer; the browser client and demo page at /; counters at
 * /stats and Prometheus metrics at /metrics on a separate admin listener (loopback), with /live and /ready for health
 * checks. SIGTERM drains (see {@link SockbridgeProxy#drain}): /ready turns 503, new sessions are refused, open ones are
 * told the proxy is going away and get {@code --drain-timeout} to finish, the rest are closed with 1001; then every
 * native channel is closed and the process exits 0. SIGINT (Ctrl-C) does not drain: it stops accepting, gives calls in
 * flight up to 5 s, ends every session with 1001 and exits 0, as before.
 * {@code --help} lists every option.
 */
public final class ProxyMain {
    private final ProxyOptions opts;
    private SockbridgeProxy proxy;
    private EventLoopGroup group;
    private final List<WebSocketServer> servers = new ArrayList<>();
    private final List<AutoCloseable> extras = new ArrayList<>();
    private DemoEcho demoEcho;
    private WebSocketServer admin;
    private ProxyAuth auth;
    private PrometheusEndpoint metrics;
    private AccessLog accessLog;
    private final CountDownLatch stopped = new CountDownLatch(1);

    ProxyMain(ProxyOptions opts) {
        this.opts = opts;
    }

    public static void main(String[] args) throws Exception {
        ProxyOptions opts;
        try {
            opts = ProxyOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("sockbridge: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (opts.has("help")) {
            System.out.print(ProxyOptions.help());
            return;
        }
        try {
            LogSetup.apply(opts);
        } catch (IllegalArgumentException e) {
            System.err.println("sockbridge: " + e.getMessage());
            System.exit(2);
            return;
        }
        ProxyMain m = new ProxyMain(opts);
        long t0 = System.nanoTime();
        try {
            m.start();
        } catch (IllegalArgumentException e) {
            System.err.println("sockbridge: cannot start: " + e.getMessage());
            m.stop();
            System.exit(2);
        } catch (Exception e) {
            System.err.println("sockbridge: cannot start: " + e);
            m.stop();
            System.exit(1);
        }
        // before "ready": whoever reads that line may send SIGTERM at once, and must get a drain, not exit 143
        m.installSignalHandlers();
        System.out.printf("ready in %d ms (pid %d)%n", (System.nanoTime() - t0) / 1_000_000, ProcessHandle.current().pid());
        System.out.flush();
        m.stopped.await();
        System.exit(0);
    }

    private void installSignalHandlers() {
        sun.misc.SignalHandler h = sig -> {
            Thread t = new Thread(() -> {
                if (sig.getName().equals("TERM")) {
                    drain(opts.drainTimeout());
                } else {
                    System.out.println("received SIG" + sig.getName() + ": shutting down");
                }
                stop();
                stopped.countDown();
            }, "shutdown");
            t.start();
        };
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), h);
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
    }

    /**
     * Readiness turns false at once (/ready answers 503), new sessions are refused, open ones are told and get
     * {@code timeout} to end; blocks until they have (bounded: the proxy closes what is left at the timeout).
     */
    void drain(Duration timeout) {
        try {
            java.util.concurrent.CompletableFuture<Void> f = proxy.drain(timeout);
            // said once the drain has begun: /ready answers 503 from here on
            System.out.println("received SIGTERM: draining " + proxy.stats().sessionsOpen() + " sessions, timeout "
                    + timeout.toMillis() + " ms");
            System.out.flush();
            f.get(timeout.toMillis() + 15_000, TimeUnit.MILLISECONDS);
            System.out.println("drained; sessions open: " + proxy.stats().sessionsOpen());
        } catch (Exception e) {
            System.err.println("drain: " + e);
        }
    }

    void start() throws Exception {
        checkExposure();
        opts.drainTimeout(); // a malformed value stops the start, not the drain
        // one group for the listeners and the sessions, so a session runs on its connection's loop;
        // made here so it outlives the proxy's own shutdown and stops last
        group = EventLoops.newGroup(opts.getInt("threads", Math.max(1, Runtime.getRuntime().availableProcessors())), "sockbridge");
        auth = ProxyAuth.from(opts);
        SockbridgeProxy.Builder pb = SockbridgeProxy.builder().policy(opts.policy()).limits(opts.limits())
                .proxyLimits(opts.proxyLimits()).eventLoopGroup(group);
        if (auth != null) {
            pb.authenticator(auth.authenticator);
        }
        LogSetup.check(opts);
        if (opts.get("access-log", "on").equals("on")) {
            accessLog = new AccessLog();
            pb.listener(accessLog);
        }
        if (opts.has("name-server")) {
            String[] ns = hostAndPort(opts.get("name-server", null));
            pb.nameServer(new java.net.InetSocketAddress(ns[0], Integer.parseInt(ns[1])));
        }
        metrics = PrometheusEndpoint.install(opts, pb);
        proxy = pb.build();
        if (metrics != null) {
            metrics.bindTo(proxy);
            extras.add(metrics);
        }
        // a message in progress is held in memory until complete: the server's default is what the
        // Sockbridge protocol needs, and only the Emscripten routes (see Protocols) allow more
        TransportOptions wsOpts = TransportOptions.defaults()
                .with(TransportOptions.MAX_FRAME_SIZE, proxy.limits().maxFrameSize())
                .with(WebSocketOptions.IDLE_TIMEOUT_MILLIS, opts.getInt("idle-timeout", 300) * 1000L)
                .with(WebSocketOptions.PING_INTERVAL_MILLIS, opts.getInt("ping-interval", 30) * 1000L);
        if (opts.has("origin")) {
            wsOpts = wsOpts.with(WebSocketOptions.ALLOWED_ORIGINS, String.join(",", opts.all("origin")));
        }
        if (opts.has("allowed-host")) {
            wsOpts = wsOpts.with(WebSocketOptions.ALLOWED_HOSTS, String.join(",", opts.all("allowed-host")));
        }
        StaticFiles files = staticFiles();
        Map<String, String> demoQuery = new LinkedHashMap<>();
        if (opts.has("demo")) {
            demoEcho = new DemoEcho();
            demoQuery.put("tcp", hostPort(demoEcho.tcpAddress()));
            demoQuery.put("udp", hostPort(demoEcho.udpAddress()));
        }

        String[] listen = hostAndPort(opts.get("listen", "127.0.0.1:8080"));
        WebSocketServer ws = server(listen, false, wsOpts, files, demoQuery);
        servers.add(ws);
        if (opts.has("tls-listen")) {
            TransportOptions tls = wsOpts;
            if (opts.has("tls-cert")) {
                tls = tls.with(WebSocketOptions.TLS_CERT_FILE, opts.get("tls-cert", null))
                        .with(WebSocketOptions.TLS_KEY_FILE, opts.get("tls-key", null));
            } else if (opts.has("tls-self-signed")) {
                tls = tls.with(WebSocketOptions.TLS_SELF_SIGNED, true);
            } else {
                throw new IllegalArgumentException("--tls-listen needs --tls-cert and --tls-key, or --tls-self-signed");
            }
            if (opts.has("auth-client-pin")) {
                // a pinned certificate need not come from a CA TLS knows: the authenticator checks pins and CAs
                tls = tls.with(WebSocketOptions.TLS_CLIENT_CERT_ANY, true);
            } else if (opts.has("auth-client-ca")) {
                tls = tls.with(WebSocketOptions.TLS_CLIENT_CA_FILE, opts.get("auth-client-ca", null));
            }
            servers.add(server(hostAndPort(opts.get("tls-listen", null)), true, tls, files, demoQuery));
        }
        for (WebSocketServer s : servers) {
            URI u = proxy.serve(s.transport("/sockbridge")).get(10, TimeUnit.SECONDS);
            // at / (and any path without a route of its own) the offered subprotocol picks the protocol
            proxy.serve(s.transport(WebSocketRoute.ANY_PATH)).get(10, TimeUnit.SECONDS);
            Protocols.mountEmscripten(proxy, s, opts);
            System.out.println("Sockbridge protocol:   " + u + "  (subprotocol " + WebSocketOptions.SUBPROTOCOL + ")");
            System.out.println("Emscripten POSIX proxy: " + s.uri("/emscripten") + "  (-sPROXY_POSIX_SOCKETS)");
            System.out.println("websockify bridge:      " + s.uri("/websockify") + " (TCP), " + s.uri("/websockify-udp")
                    + " (UDP)  " + Protocols.describeBridge(opts));
            System.out.println("at " + s.uri("/") + " (any other path too), by subprotocol: " + WebSocketOptions.SUBPROTOCOL
                    + " -> Sockbridge; binary or base64 -> websockify bridge (" + (Protocols.rootBridgeUdp(opts) ? "UDP" : "TCP")
                    + ", " + Protocols.describeBridge(opts) + "); none -> Emscripten POSIX proxy");
        }
        List<String> pageOrigins = new ArrayList<>();
        for (WebSocketServer s : servers) {
            URI u = s.uri("/");
            pageOrigins.add((s.isSecure() ? "https://" : "http://") + u.getHost() + ":" + u.getPort());
            if (u.getHost().equals("127.0.0.1")) {
                pageOrigins.add((s.isSecure() ? "https://" : "http://") + "localhost:" + u.getPort());
            }
        }
        extras.addAll(Protocols.startQuic(proxy, opts, pageOrigins));
        System.out.println("policy: " + proxy.policy().describe()
                + (opts.has("allow") || opts.has("allow-bind") ? "" : "  [default: loopback only]"));
        System.out.println("limits: " + proxy.limits());
        System.out.println("proxy limits: " + proxy.proxyLimits());
        System.out.println("auth:   " + (auth == null ? "none (every session is admitted under the policy)"
                : String.join("; ", auth.described) + "; sessions without a credential are refused"));
        if (demoTokens()) {
            System.out.println("demo token: " + servers.get(0).uri("/demo-token").toString().replaceFirst("^ws", "http")
                    + "  (plays the game backend for the demo page)");
        }
        admin = adminServer();
        proxy.protectListener(admin.localAddress());
        String adminHttp = admin.uri("/").toString().replaceFirst("^ws", "http").replaceFirst("/$", "");
        System.out.println("stats:  " + adminHttp + "/stats  (admin listener; health: " + adminHttp + "/live, " + adminHttp
                + "/ready)");
        if (metrics != null) {
            System.out.println("metrics: " + adminHttp + "/metrics  (Prometheus, admin listener)");
        }
        if (files != null) {
            StringBuilder q = new StringBuilder();
            demoQuery.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=').append(v));
            System.out.println("demo page: " + servers.get(0).uri("/demo/index.html").toString().replaceFirst("^ws", "http") + q);
        }
    }

    private WebSocketServer server(String[] hostPort, boolean secure, TransportOptions o, StaticFiles files,
                                   Map<String, String> demo) throws Exception {
        WebSocketServer.Builder b = WebSocketServer.builder().bind(hostPort[0], Integer.parseInt(hostPort[1]))
                .secure(secure).options(o).eventLoopGroup(proxy.eventLoopGroup())
                .httpHandler((path, query) -> {
                    // counters live on the admin listener: heap, RSS and traffic are nobody else's business
                    if (path.equals("/webtransport.json")) {
                        return StaticContent.of("application/json", Protocols.webTransportJson.getBytes(StandardCharsets.UTF_8));
                    }
                    if (path.equals("/demo-token") && demoTokens()) {
                        String t = MintToken.demoToken(auth.demoMintingKey, demoEcho.tcpAddress(), demoEcho.udpAddress());
                        return StaticContent.of("application/json", ("{\"token\":\"" + t + "\"}").getBytes(StandardCharsets.UTF_8));
                    }
                    if (path.equals("/demo.json") && !demo.isEmpty()) {
                        return StaticContent.of("application/json", demoJson(demo).getBytes(StandardCharsets.UTF_8));
                    }
                    if (path.equals("/")) {
                        return StaticContent.html("<!doctype html><title>Sockbridge</title><p>Sockbridge proxy. "
                                + "<a href=\"/demo/index.html\">Demo page</a>.");
                    }
                    return files == null ? null : files.get(path, query);
                });
        WebSocketServer s = b.build();
        s.start().get(10, TimeUnit.SECONDS);
        return s;
    }

    /**
     * The admin listener, loopback by default, no WebSocket routes: /stats (counters), /metrics (Prometheus), /live
     * (200 "live" while the process runs) and /ready (200 "ready" while sessions are accepted, 503 "draining" once a
     * drain has begun: a balancer's health check sends no more clients here).
     */
    private WebSocketServer adminServer() throws Exception {
        String[] hp = hostAndPort(opts.get("admin-listen", "127.0.0.1:0"));
        WebSocketServer s = WebSocketServer.builder().bind(hp[0], Integer.parseInt(hp[1]))
                .options(TransportOptions.defaults().with(WebSocketOptions.ALLOWED_HOSTS,
                        opts.has("allowed-host") ? String.join(",", opts.all("allowed-host")) : ""))
                .eventLoopGroup(proxy.eventLoopGroup())
                .httpHandler((path, query) -> {
                    switch (path) {
                        case "/stats":
                            return StaticContent.of("application/json", statsJson().getBytes(StandardCharsets.UTF_8));
                        case "/metrics":
                            return metrics != null ? metrics.scrape() : null;
                        case "/live":
                            return StaticContent.text("live\n");
                        case "/ready":
                            return proxy.isDraining() ? StaticContent.text("draining\n").withStatus(503)
                                    : StaticContent.text("ready\n");
                        default:
                            return null;
                    }
                })
                .build();
        s.start().get(10, TimeUnit.SECONDS);
        return s;
    }

    /**
     * Safe by default: a listener beyond loopback with neither an Origin allowlist nor an authenticator
     * would let every web page and every host on the network drive the proxy, so it does not start.
     * Anything wider than loopback that is allowed is said at start.
     */
    private void checkExposure() {
        List<String> wide = new ArrayList<>();
        for (String flag : List.of("listen", "tls-listen", "webtransport-listen", "quic-listen", "admin-listen")) {
            if (opts.has(flag) && !isLoopback(hostAndPort(opts.get(flag, null))[0])) {
                wide.add("--" + flag + " " + opts.get(flag, null));
            }
        }
        boolean auth = ProxyAuth.configured(opts);
        if (!wide.isEmpty() && !opts.has("origin") && !auth) {
            throw new IllegalArgumentException("listening beyond loopback (" + String.join(", ", wide) + ") needs an Origin "
                    + "allowlist (--origin) or an authenticator (--auth-*): otherwise any web page and any host can use this "
                    + "proxy's sockets");
        }
        for (String w : wide) {
            System.out.println("WARNING: listening beyond loopback: " + w);
        }
        if (opts.all("origin").contains("*")) {
            System.out.println("WARNING: --origin '*': pages of every web site may open sessions");
        }
        if (opts.all("allowed-host").contains("*")) {
            System.out.println("WARNING: --allowed-host '*': no protection against DNS rebinding");
        }
    }

    static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * The demo's stand-in for a game backend mints tokens only where the demo runs as shipped: echo
     * servers on, an HMAC key to sign with, and every listener on loopback (a real deployment has its
     * backend mint tokens; a public /demo-token would hand one to anyone).
     */
    private boolean demoTokens() {
        if (demoEcho == null || auth == null || auth.demoMintingKey == null || servers.isEmpty()) {
            return false;
        }
        for (WebSocketServer s : servers) {
            if (!s.localAddress().getAddress().isLoopbackAddress()) {
                return false;
            }
        }
        return true;
    }

    private StaticFiles staticFiles() throws IOException {
        Path dir = null;
        if (opts.has("static")) {
            dir = Path.of(opts.get("static", "."));
        } else if (StaticFiles.bundledInJar()) {
            // the deployable jar serves the copy it was built with, wherever it runs
            return StaticFiles.bundled();
        } else {
            // from classes (development, tests): the working tree's clients/js, so edits show without a build
            for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("clients/js/src"))) {
                    dir = p.resolve("clients/js");
                    break;
                }
            }
        }
        if (dir == null && !opts.has("static")) {
            StaticFiles bundled = StaticFiles.bundled();
            if (bundled != null) {
                return bundled;
            }
        }
        if (dir == null || !Files.isDirectory(dir)) {
            System.out.println("no static folder (browser client) found; the demo page is not served");
            return null;
        }
        return new StaticFiles(dir);
    }

    String statsJson() {
        ProxyStats s = proxy.stats();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return String.format("{\"sessionsOpen\":%d,\"sessionsTotal\":%d,\"nativeChannelsOpen\":%d,\"callsTotal\":%d,"
                        + "\"callErrors\":%d,\"callsDenied\":%d,\"bytesToNative\":%d,\"bytesFromNative\":%d,"
                        + "\"datagramsDropped\":%d,\"malformedFrames\":%d,\"bufferedBytes\":%d,\"sessionsRefused\":%d,"
                        + "\"heapUsedBytes\":%d,\"rssBytes\":%d}",
                s.sessionsOpen(), s.sessionsTotal(), s.nativeChannelsOpen(), s.callsTotal(), s.callErrors(), s.callsDenied(),
                s.bytesToNative(), s.bytesFromNative(), s.datagramsDropped(), s.malformedFrames(), s.bufferedBytes(),
                s.sessionsRefused(), heap, rss());
    }

    private static String demoJson(Map<String, String> demo) {
        StringBuilder sb = new StringBuilder("{");
        demo.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
        return sb.append('}').toString();
    }

    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: no RSS figure
        }
        return -1;
    }

    /** The proxy, once started (tests read its counters). */
    SockbridgeProxy proxy() {
        return proxy;
    }

    /** The access log listener, or null with {@code --access-log off} (tests read what it tracks). */
    AccessLog accessLog() {
        return accessLog;
    }

    /** {@code path} on the first (plain) WebSocket listener, once started. */
    URI uri(String path) {
        return servers.get(0).uri(path);
    }

    void stop() {
        try {
            for (WebSocketServer s : servers) {
                s.shutdown().get(5, TimeUnit.SECONDS); // stop accepting; open sessions go on for now
            }
            if (proxy != null) {
                // calls in flight get up to 5 s; then every session ends and its native channels close
                proxy.shutdown(Duration.ofSeconds(5)).get(15, TimeUnit.SECONDS);
                System.out.println("stopped; native channels open: " + proxy.stats().nativeChannelsOpen());
            }
            for (WebSocketServer s : servers) {
                s.shutdownNow().get(5, TimeUnit.SECONDS);
            }
            for (AutoCloseable c : extras) {
                c.close();
            }
            if (admin != null) {
                admin.shutdownNow().get(5, TimeUnit.SECONDS);
            }
            if (demoEcho != null) {
                demoEcho.close();
            }
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            System.err.println("shutdown: " + e);
        }
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    static String[] hostAndPort(String s) {
        String t = s.trim();
        if (t.startsWith("[")) {
            int c = t.indexOf(']');
            return new String[] {t.substring(1, c), t.substring(c + 2)};
        }
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            return new String[] {"127.0.0.1", t};
        }
        return new String[] {t.substring(0, colon), t.substring(colon + 1)};
    }
}
