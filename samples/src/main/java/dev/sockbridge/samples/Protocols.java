package dev.sockbridge.samples;

import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.emscripten.BridgeTargets;
import dev.sockbridge.proxy.emscripten.EmscriptenPosixSession;
import dev.sockbridge.proxy.emscripten.WebsockifyBridge;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import dev.sockbridge.transport.websocket.WebSocketServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Mounts the protocols beside Sockbridge's own on the proxy's listeners. */
final class Protocols {
    private Protocols() {
    }

    /**
     * /emscripten: Emscripten's PROXY_POSIX_SOCKETS protocol (no subprotocol, as its client offers none).
     * /websockify and /websockify-udp: the websockify-compatible bridge of Emscripten's default socket
     * emulation (subprotocol "binary"), to the configured target(s); every target under the policy.
     */
    static void mountEmscripten(SockbridgeProxy proxy, WebSocketServer server, ProxyOptions opts) throws IOException {
        server.addRoute(WebSocketRoute.builder("/emscripten", s -> EmscriptenPosixSession.serve(proxy, s)).build());
        BridgeTargets tcp = targets(opts, BridgeTargets.Kind.TCP);
        BridgeTargets udp = targets(opts, BridgeTargets.Kind.UDP);
        server.addRoute(WebSocketRoute.builder("/websockify", s -> WebsockifyBridge.serve(proxy, s, tcp, s.path(), s.query()))
                .subprotocols(WebsockifyBridge.SUBPROTOCOL).build());
        server.addRoute(WebSocketRoute.builder("/websockify-udp", s -> WebsockifyBridge.serve(proxy, s, udp, s.path(), s.query()))
                .subprotocols(WebsockifyBridge.SUBPROTOCOL).build());
    }

    static String describeBridge(ProxyOptions opts) {
        if (opts.has("bridge-target")) {
            return "-> " + opts.get("bridge-target", "");
        }
        if (opts.has("bridge-tokens")) {
            return "(targets from token file " + opts.get("bridge-tokens", "") + ")";
        }
        if (opts.has("bridge-url-targets")) {
            return "(target from ?target=HOST:PORT, under the policy; development)";
        }
        return "(no target configured: connections are refused with 1008)";
    }

    private static BridgeTargets targets(ProxyOptions opts, BridgeTargets.Kind kind) throws IOException {
        List<BridgeTargets> list = new ArrayList<>();
        if (opts.has("bridge-tokens")) {
            list.add(BridgeTargets.tokenFile(Path.of(opts.get("bridge-tokens", "")), kind));
        }
        if (opts.has("bridge-target")) {
            list.add(BridgeTargets.fixed(BridgeTargets.Target.parse(opts.get("bridge-target", ""), kind)));
        }
        if (opts.has("bridge-url-targets")) {
            list.add(BridgeTargets.fromUrl(kind));
        }
        return requestTarget -> {
            for (BridgeTargets t : list) {
                BridgeTargets.Target r = t.resolve(requestTarget);
                if (r != null) {
                    return r;
                }
            }
            return null;
        };
    }

    static List<AutoCloseable> startQuic(SockbridgeProxy proxy, ProxyOptions opts) {
        return List.of();
    }
}
