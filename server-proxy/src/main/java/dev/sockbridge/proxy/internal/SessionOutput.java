package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;

/**
 * Where a {@link SessionCore} sends what it produces; the protocol front end (Sockbridge CBOR,
 * Emscripten binary, ...) encodes it. Called on the session's loop. {@code route} is whatever the
 * front end passed in with the request (a sub-stream, say), so answers go back the way calls came.
 */
public interface SessionOutput {
    void reply(Reply reply, Object route);

    /**
     * A push-mode event; {@code datagram} asks for the unreliable path when the front end has one.
     * Returns true when the event went to (or was dropped on) the unreliable path: such events spend no
     * credit, since a lost datagram could never be granted back.
     */
    default boolean event(Event event, Object route, boolean datagram) {
        Message.release(event);
        return false;
    }

    /**
     * False while the client side cannot take more on {@code route}; the core then holds data for
     * calls and sockets on that route and stops reading their native channels. Routes are independent.
     */
    boolean isWritable(Object route);
}
