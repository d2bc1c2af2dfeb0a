package dev.sockbridge.proxy.spi;

/**
 * One served connection of a wire protocol, as the proxy sees it: made by a {@link FrontEndFactory} for one
 * admitted transport, started once, and closed by the proxy when it must end the session.
 *
 * <p><b>Lifecycle.</b> {@link FrontEndFactory#create} makes it, then the proxy calls {@link #start()} once
 * (typically {@code transport.start(listener)}). The session ends either from the client's side (the transport
 * closed, a goodbye, a protocol error: the front end calls {@link EngineSession#close}) or from the proxy's side:
 * {@link #close} on shutdown ({@code 1001}), grant expiry ({@code 1008 "grant expired"}) or when the transport's
 * held bytes take the proxy's whole buffer budget ({@code 1013}).
 *
 * <p><b>Threading.</b> {@link #start()} runs on the thread that admitted the transport (any thread);
 * {@link #close} runs on the session's event loop.
 */
public interface FrontEnd {
    /**
     * Malformed requests a session may send that are answered with an error; a front end ends the session (with a
     * close code and reason) at the next one. A client that works sends none.
     */
    int MAX_MALFORMED_REQUESTS = 256;

    /** Starts serving: starts the transport with this front end's listener. Once. */
    void start();

    /**
     * The proxy drains ({@code SockbridgeProxy.drain}): the session may go on until the drain's timeout, after
     * which the proxy {@linkplain #close closes} it with {@code 1001}. The proxy has already called
     * {@link dev.sockbridge.api.transport.Transport#goingAway} on the transport (the transport's own signal, where
     * it has one); a front end whose protocol can say it tells the client here, and may end the session sooner
     * once the client has nothing left to do (no open sockets, say). The default does nothing more: the session is
     * closed at the timeout, or when the client ends it. On the session's loop; once.
     */
    default void goingAway(String reason) {
    }

    /**
     * Ends the session from the proxy's side: tells the client in the front end's protocol if it can, closes the
     * transport with {@code code} and {@code reason}, and calls {@link EngineSession#close}. On the session's loop;
     * may come more than once (the later ones do nothing).
     */
    void close(int code, String reason);
}
