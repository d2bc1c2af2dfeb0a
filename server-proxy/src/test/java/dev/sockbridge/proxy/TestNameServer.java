package dev.sockbridge.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A name server on 127.0.0.1 for tests: answers A, AAAA and PTR questions from a table (NXDOMAIN for
 * names it does not know) and records every question it gets, so a test can prove a lookup sent no
 * query. Plain DNS over UDP, one daemon thread; closed by the test.
 */
final class TestNameServer implements AutoCloseable {
    private static final int A = 1;
    private static final int PTR = 12;
    private static final int AAAA = 28;

    private final DatagramSocket socket;
    private final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
    private final Map<String, String> pointers = new ConcurrentHashMap<>();
    private final java.util.Set<String> silent = ConcurrentHashMap.newKeySet();
    /** Every question, as "name type" (type A, AAAA, PTR or a number). */
    final List<String> questions = new CopyOnWriteArrayList<>();
    private final Thread thread;

    TestNameServer() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
        thread = new Thread(this::serve, "test-dns");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** {@code name} resolves to {@code addrs}, in this order (A and AAAA records by family). */
    TestNameServer name(String name, InetAddress... addrs) {
        addresses.put(name.toLowerCase(Locale.ROOT), List.of(addrs));
        return this;
    }

    /** Questions about {@code name} get no answer (a lookup of it stays in flight until it times out). */
    TestNameServer silent(String name) {
        silent.add(name.toLowerCase(Locale.ROOT));
        return this;
    }

    /** The reverse lookup of {@code a} answers {@code name}. */
    TestNameServer pointer(InetAddress a, String name) {
        byte[] b = a.getAddress();
        StringBuilder r = new StringBuilder();
        if (b.length == 4) {
            for (int i = 3; i >= 0; i--) {
                r.append(b[i] & 0xff).append('.');
            }
            r.append("in-addr.arpa");
        } else {
            for (int i = 15; i >= 0; i--) {
                r.append(Integer.toHexString(b[i] & 0xf)).append('.').append(Integer.toHexString((b[i] >> 4) & 0xf)).append('.');
            }
            r.append("ip6.arpa");
        }
        pointers.put(r.toString(), name);
        return this;
    }

    /** Questions about {@code name} (any type) received so far. */
    long questionsAbout(String name) {
        String n = name.toLowerCase(Locale.ROOT) + " ";
        return questions.stream().filter(q -> q.startsWith(n)).count();
    }

    private void serve() {
        byte[] buf = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                byte[] answer = answer(buf, p.getLength());
                if (answer != null) {
                    socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                }
            } catch (IOException | RuntimeException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    private byte[] answer(byte[] q, int len) {
        if (len < 17) {
            return null;
        }
        int pos = 12;
        StringBuilder name = new StringBuilder();
        while (pos < len && q[pos] != 0) {
            int l = q[pos] & 0xff;
            if (name.length() > 0) {
                name.append('.');
            }
            name.append(new String(q, pos + 1, l, StandardCharsets.US_ASCII));
            pos += l + 1;
        }
        pos++;
        int type = ((q[pos] & 0xff) << 8) | (q[pos + 1] & 0xff);
        int questionEnd = pos + 4;
        String n = name.toString().toLowerCase(Locale.ROOT);
        questions.add(n + " " + (type == A ? "A" : type == AAAA ? "AAAA" : type == PTR ? "PTR" : String.valueOf(type)));
        if (silent.contains(n)) {
            return null;
        }

        List<byte[]> rdata = new ArrayList<>();
        boolean known;
        if (type == PTR) {
            String target = pointers.get(n);
            known = target != null;
            if (known) {
                rdata.add(encodeName(target));
            }
        } else {
            List<InetAddress> addrs = addresses.get(n);
            known = addrs != null;
            if (known) {
                for (InetAddress a : addrs) {
                    int size = a.getAddress().length;
                    if ((type == A && size == 4) || (type == AAAA && size == 16)) {
                        rdata.add(a.getAddress());
                    }
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(q[0]);
        out.write(q[1]);
        out.write(0x81); // response, recursion desired
        out.write(known ? 0x80 : 0x83); // recursion available; NOERROR or NXDOMAIN
        short16(out, 1);
        short16(out, rdata.size());
        short16(out, 0);
        short16(out, 0);
        out.write(q, 12, questionEnd - 12);
        for (byte[] d : rdata) {
            short16(out, 0xc00c); // the name of the question
            short16(out, type);
            short16(out, 1);
            short16(out, 0);
            short16(out, 60);
            short16(out, d.length);
            out.write(d, 0, d.length);
        }
        return out.toByteArray();
    }

    private static byte[] encodeName(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String label : name.split("\\.")) {
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            out.write(b.length);
            out.write(b, 0, b.length);
        }
        out.write(0);
        return out.toByteArray();
    }

    private static void short16(ByteArrayOutputStream out, int v) {
        out.write((v >> 8) & 0xff);
        out.write(v & 0xff);
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5000);
    }
}
