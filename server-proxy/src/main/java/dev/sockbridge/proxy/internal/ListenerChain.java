package dev.sockbridge.proxy.internal;

import dev.sockbridge.proxy.ProxyListener;
import dev.sockbridge.proxy.SessionInfo;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of a proxy as one: every event goes to each, in the order they were added. A listener that throws
 * is logged and skipped for that event only; the engine and the listeners after it never see the exception, since
 * an exception thrown from, say, a call's end would otherwise unwind the session's event loop code mid-way.
 */
public final class ListenerChain implements ProxyListener {
    private static final Logger LOG = LoggerFactory.getLogger("dev.sockbridge.proxy.listener");

    private final ProxyListener[] listeners;
    /** Per listener: its first failure is a warning, the rest are debug (one broken listener must not flood the log). */
    private final AtomicBoolean[] warned;

    private ListenerChain(List<ProxyListener> ls) {
        listeners = ls.toArray(new ProxyListener[0]);
        warned = new AtomicBoolean[listeners.length];
        for (int i = 0; i < warned.length; i++) {
            warned[i] = new AtomicBoolean();
        }
    }

    /** {@code ls} as one listener; {@link ProxyListener#NONE} for none. */
    public static ProxyListener of(List<ProxyListener> ls) {
        return ls.isEmpty() ? ProxyListener.NONE : new ListenerChain(ls);
    }

    /** Listener {@code i} threw from {@code event}: logged, and the event goes on to the next listener. */
    private void failed(int i, String event, Throwable t) {
        ProxyListener l = listeners[i];
        String msg = "proxy listener " + l.getClass().getName() + " threw from " + event
                + " (ignored; its further failures are logged at DEBUG)";
        if (warned[i].compareAndSet(false, true)) {
            LOG.warn(msg, t);
        } else {
            LOG.debug(msg, t);
        }
    }

    // one loop per event, written out: a capturing lambda per event would allocate on the hot paths (bytes, calls)

    @Override
    public void sessionOpened(SessionInfo session) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].sessionOpened(session);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "sessionOpened", t);
            }
        }
    }

    @Override
    public void sessionClosed(SessionInfo session, int code, String reason) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].sessionClosed(session, code, reason);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "sessionClosed", t);
            }
        }
    }

    @Override
    public void callStarted(SessionInfo session, String call, int fd) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].callStarted(session, call, fd);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "callStarted", t);
            }
        }
    }

    @Override
    public void callEnded(SessionInfo session, String call, int fd, int error) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].callEnded(session, call, fd, error);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "callEnded", t);
            }
        }
    }

    @Override
    public void callDenied(SessionInfo session, String call, String reason) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].callDenied(session, call, reason);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "callDenied", t);
            }
        }
    }

    @Override
    public void sessionRefused(SocketAddress remote, String transport, String reason) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].sessionRefused(remote, transport, reason);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "sessionRefused", t);
            }
        }
    }

    @Override
    public void nativeChannelOpened(SessionInfo session, String kind) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].nativeChannelOpened(session, kind);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "nativeChannelOpened", t);
            }
        }
    }

    @Override
    public void nativeChannelClosed(SessionInfo session, String kind) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].nativeChannelClosed(session, kind);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "nativeChannelClosed", t);
            }
        }
    }

    @Override
    public void bytesSent(SessionInfo session, int fd, long bytes) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].bytesSent(session, fd, bytes);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "bytesSent", t);
            }
        }
    }

    @Override
    public void bytesReceived(SessionInfo session, int fd, long bytes) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].bytesReceived(session, fd, bytes);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "bytesReceived", t);
            }
        }
    }

    @Override
    public void datagramDropped(SessionInfo session, int fd, String reason) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].datagramDropped(session, fd, reason);
            } catch (RuntimeException | LinkageError | AssertionError t) {
                failed(i, "datagramDropped", t);
            }
        }
    }
}
