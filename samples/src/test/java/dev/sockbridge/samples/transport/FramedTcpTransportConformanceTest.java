package dev.sockbridge.samples.transport;

import dev.sockbridge.api.transport.AbstractTransportConformanceTest;
import dev.sockbridge.api.transport.TransportProvider;
import dev.sockbridge.api.transport.Transports;
import java.net.URI;

/** The sample transport against the transport contract, found the way an application finds it: by its scheme. */
class FramedTcpTransportConformanceTest extends AbstractTransportConformanceTest {

    @Override
    protected TransportProvider provider() {
        return Transports.forScheme("tcp-framed");
    }

    @Override
    protected URI serverUri() {
        return URI.create("tcp-framed://127.0.0.1:0");
    }
}
