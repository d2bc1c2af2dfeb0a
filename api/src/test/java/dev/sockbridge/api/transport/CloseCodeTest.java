package dev.sockbridge.api.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.message.Control.Goodbye;
import dev.sockbridge.api.testing.ProjectFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloseCodeTest {

    /** docs/protocol.md section 3.3 lists exactly {@link CloseCode#known()}, in order, with the same names. */
    @Test
    void theProtocolDocumentsTableIsTheKnownCodes() throws IOException {
        List<String> doc = new ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(protocolDoc(), StandardCharsets.UTF_8)) {
            if (line.startsWith("| code | name | when |")) {
                in = true;
                continue;
            }
            if (in && line.startsWith("| ---")) {
                continue;
            }
            if (in && !line.startsWith("|")) {
                break;
            }
            if (in) {
                String[] cells = line.split("\\|");
                doc.add(cells[1].trim() + " " + cells[2].trim());
            }
        }
        List<String> known = new ArrayList<>();
        for (CloseCode c : CloseCode.known()) {
            known.add(c.code() + " " + c.name());
        }
        assertEquals(known, doc, "docs/protocol.md 3.3 and CloseCode.known()");
    }

    @Test
    void goodbyesConstantsAreTheCloseCodes() {
        assertEquals(CloseCode.NORMAL.code(), Goodbye.NORMAL);
        assertEquals(CloseCode.GOING_AWAY.code(), Goodbye.GOING_AWAY);
        assertEquals(CloseCode.PROTOCOL_ERROR.code(), Goodbye.PROTOCOL_ERROR);
        assertEquals(CloseCode.POLICY_VIOLATION.code(), Goodbye.POLICY_VIOLATION);
        assertEquals(CloseCode.TOO_BIG.code(), Goodbye.TOO_BIG);
        assertEquals(CloseCode.INTERNAL_ERROR.code(), Goodbye.INTERNAL_ERROR);
        assertEquals(CloseCode.UNSUPPORTED_VERSION.code(), Goodbye.UNSUPPORTED_VERSION);
        assertEquals(CloseCode.LIMIT_EXCEEDED.code(), Goodbye.LIMIT_EXCEEDED);
    }

    @Test
    void ofReturnsTheConstantForAKnownCodeAndAnUnnamedOneElse() {
        for (CloseCode c : CloseCode.known()) {
            assertSame(c, CloseCode.of(c.code()));
        }
        CloseCode app = CloseCode.of(4100);
        assertEquals(4100, app.code());
        assertEquals(app, CloseCode.of(4100));
        assertEquals("CODE_4100", app.name());
        assertThrows(IllegalArgumentException.class, () -> CloseCode.of(70000));
        assertThrows(IllegalArgumentException.class, () -> CloseCode.of(-1));
    }

    @Test
    void onlyCodesAnEndpointMaySendAreSendable() {
        assertTrue(CloseCode.NORMAL.isSendable());
        assertTrue(CloseCode.TRY_AGAIN_LATER.isSendable());
        assertTrue(CloseCode.LIMIT_EXCEEDED.isSendable());
        assertFalse(CloseCode.NO_STATUS.isSendable());
        assertFalse(CloseCode.ABNORMAL.isSendable());
        assertFalse(CloseCode.isSendable(1015));
        assertFalse(CloseCode.isSendable(1004));
        assertFalse(CloseCode.isSendable(5000));
    }

    static Path protocolDoc() {
        return ProjectFiles.find("docs/protocol.md");
    }
}
