package dev.sockbridge.transport.webtransport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.ModulePath;
import org.junit.jupiter.api.Test;

/**
 * transport-webtransport as a named module: its provider found through provides and available (the native QUIC
 * library loads from the module path), one package exported.
 */
class ModulePathTest {

    @Test
    void onTheModulePathTheQuicProviderIsFoundAndAvailable() throws Exception {
        String out = ModulePath.probe();
        assertTrue(out.contains("provider [quic, webtransport] in dev.sockbridge.transport.webtransport\n"), out);
        assertTrue(out.contains("module dev.sockbridge.transport.webtransport exports "
                + "[dev.sockbridge.transport.webtransport]\n"), out);
    }
}
