package dev.sockbridge.api.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.ModulePath;
import org.junit.jupiter.api.Test;

/** The api as a named module: its provider found through provides/uses, only public packages exported. */
class ModulePathTest {

    @Test
    void onTheModulePathTheInProcessProviderIsFoundAndOnlyPublicPackagesAreExported() throws Exception {
        String out = ModulePath.probe("inprocess://module-path-probe");
        assertTrue(out.contains("api module dev.sockbridge.api\n"), out);
        assertTrue(out.contains("provider [inprocess] in dev.sockbridge.api\n"), out);
        assertTrue(out.contains("module dev.sockbridge.api exports [dev.sockbridge.api, dev.sockbridge.api.client, "
                + "dev.sockbridge.api.codec, dev.sockbridge.api.message, dev.sockbridge.api.transport]\n"), out);
        assertTrue(out.contains("echo inprocess://module-path-probe ok\n"), out);
    }
}
