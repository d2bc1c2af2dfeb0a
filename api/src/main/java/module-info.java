/**
 * Sockbridge's API: POSIX socket calls as messages ({@code dev.sockbridge.api.message}), their CBOR codec, the
 * {@code Transport} SPI with its providers and event loops ({@code dev.sockbridge.api.transport}) and the Java
 * client ({@code dev.sockbridge.api.client}).
 *
 * <p>The {@code internal} packages are implementation. Two of them are opened to the other Sockbridge modules only,
 * which use them today: admission plumbing ({@code internal.transport}: server-proxy, both transports) and
 * certificate tools ({@code internal.tls}: both transports). They are not for applications and may change.
 */
module dev.sockbridge.api {
    requires org.slf4j;
    // in the public signatures: ByteBuf, EventLoop/EventLoopGroup, EventExecutor and Future
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    requires transitive io.netty.transport;
    // EventLoops picks epoll where it loads; the native jar is the application's choice
    requires io.netty.transport.classes.epoll;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.dataformat.cbor;

    exports dev.sockbridge.api;
    exports dev.sockbridge.api.client;
    exports dev.sockbridge.api.codec;
    exports dev.sockbridge.api.message;
    exports dev.sockbridge.api.transport;

    exports dev.sockbridge.api.internal.transport to
            dev.sockbridge.proxy,
            dev.sockbridge.transport.websocket,
            dev.sockbridge.transport.webtransport;
    exports dev.sockbridge.api.internal.tls to
            dev.sockbridge.transport.websocket,
            dev.sockbridge.transport.webtransport;

    uses dev.sockbridge.api.transport.TransportProvider;
    provides dev.sockbridge.api.transport.TransportProvider
            with dev.sockbridge.api.internal.inprocess.InProcessTransportProvider;
}
