package dev.sockbridge.transport.webtransport.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Records the session capsules a {@link Capsules.Parser} reports, as text ("close 0 done", "drain", "malformed"),
 * for the parser's unit and fuzz tests to compare with what they expect. Flow-control capsules are ignored here;
 * a test that checks them records them in a subclass.
 */
class CapsuleRecorder implements Capsules.Listener {
    final List<String> events = new ArrayList<>();

    @Override
    public void closeSessionCapsule(int code, String reason) {
        events.add("close " + Integer.toUnsignedString(code) + " " + reason);
    }

    @Override
    public void drainSessionCapsule() {
        events.add("drain");
    }

    @Override
    public void malformedCapsule(String why) {
        events.add("malformed");
    }
}
