package dev.sockbridge.proxy;

import dev.sockbridge.api.testing.SessionDriver;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * The engine tests' name for the shared {@link SessionDriver} (a client that speaks the Sockbridge protocol message
 * by message), kept so that the many tests written against it need no edit.
 */
final class RawSession extends SessionDriver {
    private RawSession(Transport t) {
        super(t);
    }

    public static RawSession open(URI uri) throws Exception {
        return open(uri, true);
    }

    public static RawSession open(URI uri, boolean hello) throws Exception {
        RawSession s = new RawSession(Transports.forUri(uri).connect(uri, TransportOptions.defaults())
                .get(TIMEOUT_S, TimeUnit.SECONDS));
        if (hello) {
            s.hello();
        }
        return s;
    }
}
