package dev.sockbridge.samples;

import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.transport.websocket.WebSocketServer;
import java.util.List;

/** Mounts the protocols beside Sockbridge's own on the proxy's listeners. */
final class Protocols {
    private Protocols() {
    }

    static void mountEmscripten(SockbridgeProxy proxy, WebSocketServer server, ProxyOptions opts) {
        // filled in when the Emscripten front ends land
    }

    static List<AutoCloseable> startQuic(SockbridgeProxy proxy, ProxyOptions opts) {
        return List.of();
    }
}
