package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.Posix.SOCK_STREAM;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link RealEmfileTest} in a JVM of its own under a low {@code ulimit -n}: takes every free descriptor
 * with plain JDK sockets the proxy does not know of, so the kernel itself refuses the proxy's next socket with
 * EMFILE (the proxy's own caps do not see these descriptors while its native channels are few). Prints one line
 * per check and exits 0 when every check held.
 */
public final class EmfileChild {
    private static int failures;

    private static void check(boolean ok, String what) {
        System.out.println((ok ? "ok   " : "FAIL ") + what);
        if (!ok) {
            failures++;
        }
    }

    private static boolean creationErrno(Reply r) {
        if (!(r instanceof Reply.Error)) {
            return false;
        }
        int c = ((Reply.Error) r).code();
        return c == Errno.EMFILE.code() || c == Errno.ENFILE.code() || c == Errno.ENOBUFS.code();
    }

    private static void preloadProjectClasses() throws IOException {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            java.nio.file.Path root = java.nio.file.Path.of(entry);
            if (!java.nio.file.Files.isDirectory(root)) {
                continue;
            }
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(root)) {
                for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                    String rel = root.relativize(f).toString();
                    if (!rel.endsWith(".class") || rel.equals("module-info.class")) {
                        continue;
                    }
                    String cls = rel.substring(0, rel.length() - 6).replace(java.io.File.separatorChar, '.');
                    try {
                        Class.forName(cls, true, EmfileChild.class.getClassLoader());
                    } catch (Throwable ignored) {
                        // a class that cannot initialise alone (a test needing its fixtures) is not one the proxy needs
                    }
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        SockbridgeProxy proxy = SockbridgeProxy.builder().threads(1).proxyLimits(ProxyLimits.unlimited()).build();
        URI uri = EngineTestBase.serveInProcess(proxy, "emfile");
        List<DatagramChannel> fillers = new ArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             RawSession s = RawSession.open(uri)) {
            InetSocketAddress target = (InetSocketAddress) listener.getLocalSocketAddress();
            InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
            // a first round loads every class the later ones need (no descriptor will be left to open a jar)
            int warm = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), warm, any));
            s.ok(new Request.Close(s.nextId(), warm));
            int warmTcp = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.Connect(s.nextId(), warmTcp, target));
            s.ok(new Request.Close(s.nextId(), warmTcp));
            listener.accept().close();
            // an error path too (connect refused goes through the errno mapping), and every class of the
            // project's own modules: a class first needed after the descriptors are gone cannot be loaded
            int refused = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                InetSocketAddress closed = (InetSocketAddress) gone.getLocalSocketAddress();
                gone.close();
                s.call(new Request.Connect(s.nextId(), refused, closed));
            }
            s.ok(new Request.Close(s.nextId(), refused));
            preloadProjectClasses();
            int udp = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            int udp2 = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            int tcp = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            int lis = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));

            try {
                for (int i = 0; i < 100_000; i++) {
                    fillers.add(DatagramChannel.open());
                }
            } catch (IOException full) {
                System.out.println("descriptors taken by the filler: " + fillers.size() + " (" + full.getMessage() + ")");
            }
            Reply bind = s.call(new Request.Bind(s.nextId(), udp, any));
            check(creationErrno(bind), "bind with no descriptor left: " + bind);
            Reply send = s.call(new Request.SendTo(s.nextId(), udp2, 0, target, Unpooled.wrappedBuffer(new byte[8])));
            check(creationErrno(send), "sendto (implicit bind) with no descriptor left: " + send);
            Reply conn = s.call(new Request.Connect(s.nextId(), tcp, target));
            check(creationErrno(conn), "connect with no descriptor left: " + conn);
            Reply listen = s.call(new Request.Listen(s.nextId(), lis, 5));
            check(creationErrno(listen), "listen with no descriptor left: " + listen);
            check(proxy.stats().nativeChannelsOpen() == 0, "no native channel counted: " + proxy.stats().nativeChannelsOpen());

            for (int i = 0; i < 20 && !fillers.isEmpty(); i++) {
                fillers.remove(fillers.size() - 1).close();
            }
            check(s.call(new Request.Bind(s.nextId(), udp, any)) instanceof Reply.Ok, "the same UDP socket binds later");
            Reply send2 = s.call(new Request.SendTo(s.nextId(), udp2, 0, target, Unpooled.wrappedBuffer(new byte[8])));
            check(send2 instanceof Reply.Value, "the same UDP socket sends later: " + send2);
            Reply conn2 = s.call(new Request.Connect(s.nextId(), tcp, target));
            check(conn2 instanceof Reply.Ok, "the same TCP socket connects later: " + conn2);
            Reply listen2 = s.call(new Request.Listen(s.nextId(), lis, 5));
            check(listen2 instanceof Reply.Ok, "the same TCP socket listens later: " + listen2);
        } finally {
            for (DatagramChannel c : fillers) {
                c.close();
            }
        }
        proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
        ProxyDrained.assertDrained(proxy);
        check(true, "proxy drained");
        System.out.println(failures == 0 ? "ALL OK" : failures + " FAILED");
        System.exit(failures == 0 ? 0 : 1);
    }
}
