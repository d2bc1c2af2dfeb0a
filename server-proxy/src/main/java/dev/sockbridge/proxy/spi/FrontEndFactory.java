package dev.sockbridge.proxy.spi;

import dev.sockbridge.api.transport.Transport;

/**
 * Plugs a wire protocol into the engine: makes the {@link FrontEnd} of each transport a proxy serves with it
 * ({@link dev.sockbridge.proxy.SockbridgeProxy#serve(dev.sockbridge.api.transport.ServerTransport, FrontEndFactory)},
 * {@link dev.sockbridge.proxy.SockbridgeProxy#attach(Transport, FrontEndFactory)}).
 *
 * <p>The proxy admits the transport first (its {@link dev.sockbridge.proxy.ProxyLimits} and authenticator), then
 * makes the session's engine side under the grant's policy and limits, then calls {@link #create}. A factory is
 * shared by all sessions: thread-safe, usually stateless.
 */
public interface FrontEndFactory {
    /** The protocol name sessions of this front end report ({@link dev.sockbridge.proxy.SessionInfo#protocol()}). */
    String protocol();

    /**
     * Makes the front end of one admitted transport (open, not started yet). Must not start the transport nor
     * submit calls: {@link FrontEnd#start()} follows. Any thread.
     */
    FrontEnd create(EngineSession session, Transport transport);

    /**
     * A factory that reports {@code protocol} and makes each front end with {@code create} (usually a constructor
     * reference: {@code FrontEndFactory.of("lines", LineFrontEnd::new)}).
     */
    static FrontEndFactory of(String protocol, java.util.function.BiFunction<EngineSession, Transport, FrontEnd> create) {
        java.util.Objects.requireNonNull(protocol);
        java.util.Objects.requireNonNull(create);
        return new FrontEndFactory() {
            @Override
            public String protocol() {
                return protocol;
            }

            @Override
            public FrontEnd create(EngineSession session, Transport transport) {
                return create.apply(session, transport);
            }
        };
    }

    /** The Sockbridge CBOR protocol ({@code docs/protocol.md}), which {@code serve(ServerTransport)} uses. */
    static FrontEndFactory sockbridge() {
        return dev.sockbridge.proxy.internal.SockbridgeSession.FACTORY;
    }
}
