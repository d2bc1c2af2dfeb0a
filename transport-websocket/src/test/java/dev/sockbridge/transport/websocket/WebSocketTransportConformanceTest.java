package dev.sockbridge.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sockbridge.api.transport.AbstractTransportConformanceTest;
import dev.sockbridge.api.transport.TransportProvider;
import dev.sockbridge.api.transport.Transports;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The WebSocket transport over plain ws:// on 127.0.0.1 against the transport contract. */
class WebSocketTransportConformanceTest extends AbstractTransportConformanceTest {

    @Override
    protected TransportProvider provider() {
        return new WebSocketTransportProvider();
    }

    @Override
    protected URI serverUri() {
        return URI.create("ws://127.0.0.1:0/sockbridge");
    }

    @Test
    void providerIsFoundByScheme() {
        assertInstanceOf(WebSocketTransportProvider.class, Transports.forScheme("ws"));
        assertInstanceOf(WebSocketTransportProvider.class, Transports.forScheme("wss"));
    }

    @Test
    void runsOnEpollWhereAvailable() throws Exception {
        assumeTrue(Epoll.isAvailable(), "no epoll here");
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        assertTrue(((IoEventLoop) c.transport.executor()).isIoType(EpollIoHandler.class), "client on epoll");
        assertTrue(((IoEventLoop) s.transport.executor()).isIoType(EpollIoHandler.class), "server on epoll");
    }
}
