package dev.sockbridge.app;

import dev.sockbridge.proxy.ProxyListener;
import dev.sockbridge.proxy.SessionInfo;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One line per session end, for every front end, on the logger {@value #LOGGER} (INFO), so that Logback's
 * configuration routes it (its own file, its own format) apart from the proxy's other logs. The line names the
 * client address, the transport (scheme and wire protocol), how long the session lasted, the bytes each way
 * between the sessions' sockets and their targets, how many native sockets it opened, and how it was closed.
 * In the text format the message carries these as {@code key=value}; in the JSON format
 * ({@code --log-format json}) they are fields of the line.
 *
 * <p>Threading: as {@link ProxyListener} says, a session's events come on its loop, except {@link #sessionOpened}
 * (any thread); the counters are atomic so either is safe.
 */
final class AccessLog implements ProxyListener {
    static final String LOGGER = "sockbridge.access";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private static final class Counts {
        final long startNanos = System.nanoTime();
        final AtomicLong toNative = new AtomicLong();
        final AtomicLong fromNative = new AtomicLong();
        final AtomicLong sockets = new AtomicLong();
    }

    private final Map<SessionInfo, Counts> open = new ConcurrentHashMap<>();

    @Override
    public void sessionOpened(SessionInfo session) {
        open.put(session, new Counts());
    }

    @Override
    public void bytesSent(SessionInfo session, int fd, long bytes) {
        Counts c = open.get(session);
        if (c != null) {
            c.toNative.addAndGet(bytes);
        }
    }

    @Override
    public void bytesReceived(SessionInfo session, int fd, long bytes) {
        Counts c = open.get(session);
        if (c != null) {
            c.fromNative.addAndGet(bytes);
        }
    }

    @Override
    public void nativeChannelOpened(SessionInfo session, String kind) {
        Counts c = open.get(session);
        if (c != null) {
            c.sockets.incrementAndGet();
        }
    }

    @Override
    public void sessionClosed(SessionInfo session, int code, String reason) {
        Counts c = open.remove(session);
        if (c == null || !LOG.isInfoEnabled()) {
            return;
        }
        long ms = (System.nanoTime() - c.startNanos) / 1_000_000;
        String client = address(session.remote());
        String transport = session.scheme() + "/" + session.protocol();
        String why = reason == null ? "" : reason;
        LoggingEventBuilder e = LOG.atInfo()
                .addKeyValue("session", session.id())
                .addKeyValue("client", client)
                .addKeyValue("transport", transport)
                .addKeyValue("durationMs", ms)
                .addKeyValue("bytesToNative", c.toNative.get())
                .addKeyValue("bytesFromNative", c.fromNative.get())
                .addKeyValue("socketsOpened", c.sockets.get())
                .addKeyValue("closeCode", code)
                .addKeyValue("closeReason", why);
        if (session.subject() != null) {
            e = e.addKeyValue("subject", session.subject());
        }
        e.log("session " + session.id() + " ended: client=" + client + " transport=" + transport + " durationMs=" + ms
                + " bytesToNative=" + c.toNative.get() + " bytesFromNative=" + c.fromNative.get()
                + " socketsOpened=" + c.sockets.get() + " closeCode=" + code + " closeReason=\"" + why + "\""
                + (session.subject() == null ? "" : " subject=" + session.subject()));
    }

    /** Sessions open now (the map is emptied by sessionClosed; a test checks nothing is kept after the end). */
    int tracked() {
        return open.size();
    }

    private static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress i && i.getAddress() != null) {
            String host = i.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return a == null ? "-" : a.toString();
    }
}
