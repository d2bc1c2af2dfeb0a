package dev.sockbridge.proxy.spi;

import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;

/**
 * One path back to the client that a front end offers the engine: the transport itself, or one stream of it
 * (a WebTransport stream per socket, say). Results of the {@link Call}s submitted on it, and push events of the
 * sockets a push call on it put in push mode, come back here. Routes are independent: one that cannot take more
 * holds back only what goes to it.
 *
 * <p><b>Threading.</b> Every method is called on the session's event loop, and must not block.
 *
 * <p><b>Backpressure.</b> While {@link #isWritable()} is false the engine does not answer receives on this route
 * nor push data to it: the data waits in the socket's bounded receive buffer, and once that is full the engine
 * stops reading the native socket (the peer's TCP window closes). When the route can take more again, the front
 * end calls {@link EngineSession#writabilityChanged()}.
 */
public interface Route {
    /**
     * The result of {@code call}: exactly once per call the engine accepted (except fire-and-forget sends, see
     * {@link Call}). Owns the result's buffer. May be called before {@link EngineSession#submit} returns.
     */
    void completed(Call call, Result result);

    /** Whether the client side can take more on this route now. */
    default boolean isWritable() {
        return true;
    }

    /**
     * A push-mode event ({@link Event.Data}, {@link Event.Accept}, {@link Event.Ready}) of a socket whose push call
     * came on this route. {@code datagram}: a UDP socket's data, which may take an unreliable path if the front end
     * has one. Returns true when the event took (or was dropped on) such a path: it then spends no push credit,
     * since a lost datagram could never be granted back. Owns the event's buffer. Default: dropped.
     */
    default boolean pushed(Event event, boolean datagram) {
        Message.release(event);
        return false;
    }

    /** A route that drops every result: for calls whose outcome the front end does not need. */
    Route DISCARD = (call, result) -> Result.release(result);
}
