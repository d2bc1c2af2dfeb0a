package dev.sockbridge.proxy;

import java.net.SocketAddress;

/**
 * Who a session is, for policies, listeners and logs.
 *
 * @param id       a number unique in this proxy
 * @param remote   the client's address as the transport saw it (null for in-process clients)
 * @param scheme   the transport scheme ("inprocess", "ws", "wss", ...)
 * @param protocol the wire protocol ("sockbridge", "emscripten-posix", ...)
 * @param subject  who the session's grant is for ({@link SessionGrant#subject()}); null where no admission ran
 */
public record SessionInfo(long id, SocketAddress remote, String scheme, String protocol, String subject) {

    /** A session without a known subject. */
    public SessionInfo(long id, SocketAddress remote, String scheme, String protocol) {
        this(id, remote, scheme, protocol, null);
    }
}
