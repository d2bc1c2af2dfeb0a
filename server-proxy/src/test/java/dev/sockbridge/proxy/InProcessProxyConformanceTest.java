package dev.sockbridge.proxy;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.testing.AbstractProxyConformanceTest;
import java.net.URI;

/** The proxy's behaviour over the in-process transport: the shared suite, no wire in between. */
class InProcessProxyConformanceTest extends AbstractProxyConformanceTest {
    private static int counter;

    @Override
    protected ServerTransport newServer(TransportOptions options) {
        URI name = URI.create("inprocess://proxy-conformance-" + (++counter) + "-" + System.nanoTime());
        return Transports.forUri(name).newServer(name, options);
    }
}
