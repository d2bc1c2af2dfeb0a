package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Debian's nginx in front of the proxy on loopback, with the configuration from docs/nginx-sockbridge.conf. */
@Timeout(120)
class NginxReverseProxyTest {

    static Path nginx() {
        for (String p : new String[] {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void echoThroughNginxWebSocketUpgrade(@TempDir Path dir) throws Exception {
        Path nginx = nginx();
        assumeTrue(nginx != null, "nginx is not installed (scripts/setup.sh installs it)");
        Path doc = BrowserDemoTest.clientDir().getParent().getParent().resolve("docs/nginx-sockbridge.conf");
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--demo");
             ServerSocket echoless = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int proxyPort = p.port();
            int nginxPort = freePort();
            String site = Files.readString(doc).replace("@NGINX_PORT@", String.valueOf(nginxPort))
                    .replace("@SOCKBRIDGE_PORT@", String.valueOf(proxyPort));
            Files.writeString(dir.resolve("site.conf"), site);
            for (String t : new String[] {"body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
                Files.createDirectories(dir.resolve(t));
            }
            String main = "worker_processes 1;\ndaemon off;\npid " + dir.resolve("nginx.pid") + ";\n"
                    + "error_log " + dir.resolve("error.log") + " info;\n"
                    + "events { worker_connections 64; }\n"
                    + "http {\n  access_log off;\n"
                    + "  client_body_temp_path " + dir.resolve("body") + ";\n  proxy_temp_path " + dir.resolve("proxy") + ";\n"
                    + "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";\n  uwsgi_temp_path " + dir.resolve("uwsgi") + ";\n"
                    + "  scgi_temp_path " + dir.resolve("scgi") + ";\n"
                    + "  include " + dir.resolve("site.conf") + ";\n}\n";
            Files.writeString(dir.resolve("nginx.conf"), main);
            Process n = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
            try {
                awaitPort(nginxPort, n, dir);
                SockbridgeClient client = SockbridgeClient.connect(URI.create("ws://127.0.0.1:" + nginxPort + "/sockbridge"))
                        .get(10, TimeUnit.SECONDS);
                try (BridgedSocket s = new BridgedSocket(client, "127.0.0.1", echoless.getLocalPort());
                     Socket peer = echoless.accept()) {
                    byte[] payload = new byte[256 << 10];
                    new Random(3).nextBytes(payload);
                    s.getOutputStream().write(payload);
                    byte[] got = peer.getInputStream().readNBytes(payload.length);
                    assertArrayEquals(payload, got, "client to native through nginx");
                    peer.getOutputStream().write(payload);
                    assertArrayEquals(payload, s.getInputStream().readNBytes(payload.length), "native to client through nginx");
                }
                client.close();
            } finally {
                n.destroy();
                n.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void awaitPort(int port, Process n, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!n.isAlive()) {
                throw new AssertionError("nginx exited: " + Files.readString(dir.resolve("stdout.log"))
                        + (Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : ""));
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                n.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
        throw new AssertionError("nginx did not listen on " + port);
    }
}
