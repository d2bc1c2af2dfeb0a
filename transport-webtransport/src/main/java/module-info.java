/**
 * Sockbridge over QUIC ({@code webtransport}, {@code quic}): the transport provider, its server transport, options
 * and server certificates. Only {@code dev.sockbridge.transport.webtransport} is exported; QUIC needs Netty's native
 * QUIC library, which the application adds.
 */
module dev.sockbridge.transport.webtransport {
    requires org.slf4j;
    requires transitive dev.sockbridge.api;
    requires io.netty.codec;
    requires io.netty.codec.classes.quic;
    requires io.netty.codec.http3;
    requires io.netty.handler;

    exports dev.sockbridge.transport.webtransport;

    provides dev.sockbridge.api.transport.TransportProvider
            with dev.sockbridge.transport.webtransport.QuicTransportProvider;
}
