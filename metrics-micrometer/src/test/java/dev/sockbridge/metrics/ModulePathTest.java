package dev.sockbridge.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.ModulePath;
import org.junit.jupiter.api.Test;

/**
 * This module as a named module beside the engine and Micrometer's (automatic) modules: its {@code requires} are
 * met by the real jars and it exports only {@code dev.sockbridge.metrics}.
 */
class ModulePathTest {

    @Test
    void onTheModulePathTheMetricsModuleResolvesAndExportsOnlyItsPackage() throws Exception {
        String out = ModulePath.probe("inprocess://module-path-probe");
        assertTrue(out.contains("module dev.sockbridge.metrics exports [dev.sockbridge.metrics]\n"), out);
        assertTrue(out.contains("echo inprocess://module-path-probe ok\n"), out);
    }
}
