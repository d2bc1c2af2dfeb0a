/**
 * Drop-in front ends on the engine's front-end SPI: Emscripten's {@code websocket_to_posix_proxy} protocol
 * ({@code EmscriptenPosixSession}) and the websockify bridge ({@code WebsockifyBridge}, {@code BridgeTargets},
 * {@code TokenFileAuthenticator}). Uses nothing of the engine but its public packages.
 */
module dev.sockbridge.frontend.emscripten {
    requires transitive dev.sockbridge.proxy;

    exports dev.sockbridge.frontend.emscripten;
}
