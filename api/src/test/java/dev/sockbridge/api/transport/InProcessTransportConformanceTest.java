package dev.sockbridge.api.transport;

import dev.sockbridge.api.internal.inprocess.InProcessTransportProvider;
import java.net.URI;
import java.util.UUID;

/** The in-process transport against the transport contract. */
class InProcessTransportConformanceTest extends AbstractTransportConformanceTest {

    @Override
    protected TransportProvider provider() {
        return new InProcessTransportProvider();
    }

    @Override
    protected URI serverUri() {
        return URI.create("inprocess://conformance-" + UUID.randomUUID());
    }

    @Override
    protected long backpressureSendLimit() {
        // nothing buffers between the ends but the transport itself: the high-water mark and a frame
        return 64 * 1024 + 2 * 16 * 1024;
    }
}
