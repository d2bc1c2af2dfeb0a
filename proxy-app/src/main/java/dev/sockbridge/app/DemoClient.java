package dev.sockbridge.app;

import dev.sockbridge.api.client.BridgedDatagramSocket;
import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The demo: a Java client that echoes bytes through the proxy to the native echo servers the proxy
 * started with {@code --demo}, the way a game client would use Sockbridge over WebSocket.
 *
 * <pre>DemoClient ws://127.0.0.1:8080/sockbridge</pre>
 */
public final class DemoClient {
    public static void main(String[] args) throws Exception {
        URI proxy = URI.create(args.length > 0 ? args[0] : "ws://127.0.0.1:8080/sockbridge");
        URI demoJson = URI.create(proxy.toString().replaceFirst("^ws", "http").replaceFirst("/sockbridge$", "/demo.json"));
        String json = HttpClient.newHttpClient().send(HttpRequest.newBuilder(demoJson).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        InetSocketAddress tcp = address(json, "tcp");
        InetSocketAddress udp = address(json, "udp");
        System.out.println("demo: connecting to " + proxy);
        SockbridgeClient client = SockbridgeClient.connect(proxy).get(10, TimeUnit.SECONDS);
        System.out.println("demo: session open, proxy says " + client.welcome().agent());
        boolean ok = true;

        try (BridgedSocket s = new BridgedSocket(client)) {
            s.connect(tcp.getHostString(), tcp.getPort(), 5000);
            byte[] payload = new byte[1 << 20];
            new Random(42).nextBytes(payload);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            long t0 = System.nanoTime();
            Thread writer = new Thread(() -> {
                try {
                    out.write(payload);
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            byte[] back = in.readAllBytes();
            writer.join();
            double ms = (System.nanoTime() - t0) / 1e6;
            boolean same = Arrays.equals(payload, back);
            ok &= same;
            System.out.printf("demo: TCP echo through the proxy to native %s: sent %d bytes, got %d back, crc32 %s, %s (%.0f ms)%n",
                    tcp, payload.length, back.length, Long.toHexString(crc(back)), same ? "identical" : "DIFFERENT", ms);
        }

        try (BridgedDatagramSocket d = new BridgedDatagramSocket(client, new InetSocketAddress("127.0.0.1", 0))) {
            d.setSoTimeout(5000);
            for (String word : new String[] {"hello", "datagram", "world"}) {
                byte[] b = word.getBytes(StandardCharsets.US_ASCII);
                d.send(new DatagramPacket(b, b.length, udp));
                DatagramPacket p = new DatagramPacket(new byte[100], 100);
                d.receive(p);
                String got = new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
                ok &= got.equals(word);
                System.out.println("demo: UDP datagram '" + word + "' echoed by native " + p.getSocketAddress() + ": '" + got + "'");
            }
        }
        client.close();
        System.out.println(ok ? "demo: PASS" : "demo: FAIL");
        System.exit(ok ? 0 : 1);
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    private static InetSocketAddress address(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\"([^\"]+):(\\d+)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("the proxy did not start demo echo servers (--demo): " + json);
        }
        return new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
    }
}
