package dev.sockbridge.transport.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestChecksTest {

    @Test
    void hostMustBeAnIpLiteralLocalhostOrAConfiguredName() {
        Set<String> none = Set.of();
        assertTrue(RequestChecks.hostAllowed("127.0.0.1:8080", none));
        assertTrue(RequestChecks.hostAllowed("10.1.2.3", none));
        assertTrue(RequestChecks.hostAllowed("[::1]:8080", none));
        assertTrue(RequestChecks.hostAllowed("LocalHost:8080", none));
        assertFalse(RequestChecks.hostAllowed("evil.example:8080", none));
        assertFalse(RequestChecks.hostAllowed("127.0.0.1.evil.example", none));
        assertFalse(RequestChecks.hostAllowed("localhost.evil.example", none));
        assertFalse(RequestChecks.hostAllowed("1.2.3.4.5", none));
        assertFalse(RequestChecks.hostAllowed("999.0.0.1", none));
        assertFalse(RequestChecks.hostAllowed(null, none));
        assertFalse(RequestChecks.hostAllowed("", none));
        assertFalse(RequestChecks.hostAllowed("a b", none));
        assertTrue(RequestChecks.hostAllowed("game.example:443", Set.of("game.example")));
        assertFalse(RequestChecks.hostAllowed("sub.game.example", Set.of("game.example")));
        assertTrue(RequestChecks.hostAllowed("anything.example", Set.of("*")));
    }

    @Test
    void originMustBeAbsentOwnOrListed() {
        Set<String> none = Set.of();
        assertTrue(RequestChecks.originAllowed(null, "127.0.0.1:8080", false, none));
        assertTrue(RequestChecks.originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", false, none));
        assertTrue(RequestChecks.originAllowed("HTTP://LOCALHOST:8080/", "localhost:8080", false, none));
        assertTrue(RequestChecks.originAllowed("https://game.example", "game.example:443", true, none));
        assertFalse(RequestChecks.originAllowed("http://game.example", "game.example:443", true, none));
        assertFalse(RequestChecks.originAllowed("http://localhost:8080", "127.0.0.1:8080", false, none));
        assertFalse(RequestChecks.originAllowed("https://evil.example", "127.0.0.1:8080", false, none));
        assertFalse(RequestChecks.originAllowed("null", "127.0.0.1:8080", false, none));
        assertFalse(RequestChecks.originAllowed("http://127.0.0.1:8080", null, false, none));
        assertTrue(RequestChecks.originAllowed("https://good.example", "127.0.0.1:8080", false, Set.of("https://good.example")));
        assertTrue(RequestChecks.originAllowed("https://evil.example", "127.0.0.1:8080", false, Set.of("*")));
    }

    @Test
    void hostOfStripsPortAndBrackets() {
        assertEquals("::1", RequestChecks.hostOf("[::1]:80"));
        assertEquals("game.example", RequestChecks.hostOf("Game.Example"));
        assertNull(RequestChecks.hostOf(" "));
    }
}
