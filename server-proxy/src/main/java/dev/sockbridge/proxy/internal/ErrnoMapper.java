package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.unix.Errors;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/** Turns what Netty and the JDK throw into the errno a POSIX call would have set. */
final class ErrnoMapper {
    private ErrnoMapper() {
    }

    static Errno of(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Errors.NativeIoException) {
                Errno e = Errno.of(-((Errors.NativeIoException) c).expectedErr());
                if (e != null) {
                    return e;
                }
            }
            if (c instanceof ConnectTimeoutException || c instanceof java.net.SocketTimeoutException) {
                return Errno.ETIMEDOUT;
            }
            if (c instanceof PortUnreachableException) {
                return Errno.ECONNREFUSED;
            }
            if (c instanceof NoRouteToHostException) {
                return Errno.EHOSTUNREACH;
            }
            if (c instanceof ClosedChannelException) {
                return Errno.EPIPE;
            }
            String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("refused")) {
                return Errno.ECONNREFUSED;
            }
            if (m.contains("reset")) {
                return Errno.ECONNRESET;
            }
            if (m.contains("broken pipe")) {
                return Errno.EPIPE;
            }
            if (m.contains("network is unreachable")) {
                return Errno.ENETUNREACH;
            }
            if (m.contains("no route")) {
                return Errno.EHOSTUNREACH;
            }
            if (m.contains("already in use")) {
                return Errno.EADDRINUSE;
            }
            if (m.contains("cannot assign") || m.contains("not available")) {
                return Errno.EADDRNOTAVAIL;
            }
            if (m.contains("timed out")) {
                return Errno.ETIMEDOUT;
            }
            if (m.contains("permission denied")) {
                return Errno.EACCES;
            }
            if (m.contains("message too long")) {
                return Errno.EMSGSIZE;
            }
            if (c instanceof BindException) {
                return Errno.EADDRINUSE;
            }
            if (c instanceof ConnectException) {
                return Errno.ECONNREFUSED;
            }
        }
        return t instanceof SocketException ? Errno.EIO : Errno.EIO;
    }

    /**
     * A short reason for the client: the operating system's words where it gave them, a plain message, or else
     * the errno's name. Never a class name, a stack or the proxy's own addresses: replies go to untrusted clients.
     */
    static String reason(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Errors.NativeIoException && c.getMessage() != null) {
                String m = c.getMessage();
                int at = m.lastIndexOf("failed: ");
                return at < 0 ? of(t).name() : m.substring(at + "failed: ".length());
            }
            if (c instanceof ConnectTimeoutException || c instanceof java.net.SocketTimeoutException) {
                return "connection timed out";
            }
        }
        String m = t.getMessage();
        return m != null && PLAIN.matcher(m).matches() ? m : of(t).name();
    }

    /** Words only: no addresses, ports, paths or qualified names. */
    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z ,'()-]{0,119}");
}
