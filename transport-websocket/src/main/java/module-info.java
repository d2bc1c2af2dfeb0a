/**
 * Sockbridge over WebSocket ({@code ws}, {@code wss}): the transport provider and a {@code WebSocketServer} on which
 * several protocols share one port. Only {@code dev.sockbridge.transport.websocket} is exported.
 */
module dev.sockbridge.transport.websocket {
    requires org.slf4j;
    requires transitive dev.sockbridge.api;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.handler;

    exports dev.sockbridge.transport.websocket;

    provides dev.sockbridge.api.transport.TransportProvider
            with dev.sockbridge.transport.websocket.WebSocketTransportProvider;
}
