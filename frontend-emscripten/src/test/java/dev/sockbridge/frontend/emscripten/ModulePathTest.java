package dev.sockbridge.frontend.emscripten;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.ModulePath;
import org.junit.jupiter.api.Test;

/**
 * The engine and this module as named modules: both resolve (every {@code requires} is met by the real jars), the
 * engine exports only its public packages, this module only its own, and an in-process echo still runs.
 */
class ModulePathTest {

    @Test
    void onTheModulePathTheEngineAndTheFrontEndsExportOnlyTheirPublicPackages() throws Exception {
        String out = ModulePath.probe("inprocess://module-path-probe");
        assertTrue(out.contains("module dev.sockbridge.proxy exports "
                + "[dev.sockbridge.proxy, dev.sockbridge.proxy.auth, dev.sockbridge.proxy.spi]\n"), out);
        assertTrue(out.contains("module dev.sockbridge.frontend.emscripten exports [dev.sockbridge.frontend.emscripten]\n"),
                out);
        assertTrue(out.contains("echo inprocess://module-path-probe ok\n"), out);
    }
}
