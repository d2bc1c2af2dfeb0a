package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.frontend.emscripten.BridgeTargets;
import dev.sockbridge.proxy.spi.EngineSession;
import io.netty.buffer.ByteBuf;

/**
 * websockify for one WebSocket: every binary message is sent on one engine TCP socket, and what the socket
 * receives comes back as binary messages of at most {@link Bridge#WINDOW} bytes (never empty). The target's end
 * of stream closes the WebSocket with 1000 after the data before it; the WebSocket closing closes the socket after
 * the data the client sent.
 */
public final class TcpBridge extends Bridge {
    public static final String PROTOCOL = "websockify-tcp";

    public TcpBridge(EngineSession session, Transport ws, BridgeTargets.Target target) {
        super(session, ws, target);
    }

    @Override
    int socketType() {
        return Posix.SOCK_STREAM;
    }

    @Override
    void toTarget(ByteBuf data) {
        if (!data.isReadable()) {
            data.release();
            return;
        }
        send(data);
    }

    @Override
    void ready(Event.Ready r) {
        if ((r.events() & Posix.POLLERR) != 0) {
            String name = Errno.nameOf(r.errno());
            end(CloseCode.INTERNAL_ERROR.code(), "target connection failed: " + (name == null ? "errno " + r.errno() : name));
        } else if ((r.events() & (Posix.POLLIN | Posix.POLLRDHUP | Posix.POLLHUP)) != 0) {
            end(CloseCode.NORMAL.code(), "target closed the connection");
        }
    }
}
