package dev.sockbridge.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.ModulePath;
import org.junit.jupiter.api.Test;

/** transport-websocket as a named module: its provider found through provides, one package exported, a ws echo. */
class ModulePathTest {

    @Test
    void onTheModulePathTheWebSocketProviderIsFoundAndEchoes() throws Exception {
        String out = ModulePath.probe("ws://127.0.0.1:0/module-path-probe");
        assertTrue(out.contains("provider [ws, wss] in dev.sockbridge.transport.websocket\n"), out);
        assertTrue(out.contains("provider [inprocess] in dev.sockbridge.api\n"), out);
        assertTrue(out.contains("module dev.sockbridge.transport.websocket exports [dev.sockbridge.transport.websocket]\n"),
                out);
        assertTrue(out.contains("echo ws://127.0.0.1:0/module-path-probe ok\n"), out);
    }
}
