package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.transport.Transport;

/** The front ends' read gate, where frontend-emscripten still finds it (see {@link dev.sockbridge.proxy.spi.ReadGate}). */
public final class ReadGate extends dev.sockbridge.proxy.spi.ReadGate {
    public ReadGate(Transport transport) {
        super(transport);
    }
}
