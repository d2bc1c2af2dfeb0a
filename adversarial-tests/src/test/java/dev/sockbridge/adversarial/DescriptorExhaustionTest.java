package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.SessionDriver;
import dev.sockbridge.proxy.ProxyLimits;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Descriptor exhaustion through a small global cap (ProxyLimits.maxNativeChannels): three sessions
 * bind UDP sockets and connect TCP ones until refused. Every refusal is an errno (EMFILE, ENFILE or
 * ENOBUFS), never an internal error or a hang; the proxy never holds more native channels than the
 * cap; the witness (which got its channel first) keeps being served; a refused descriptor stays
 * usable once channels are freed; and everything is released afterwards.
 */
@Timeout(120)
class DescriptorExhaustionTest {
    static final int CAP = 16;
    static final int ATTEMPTS = 40;
    static final Set<Integer> REFUSALS = Set.of(Errno.EMFILE.code(), Errno.ENFILE.code(), Errno.ENOBUFS.code());

    @Test
    void sessionsBindUntilTheGlobalCapRefusesThem() throws Exception {
        try (HostileProxy p = new HostileProxy(ProxyLimits.defaults().withMaxNativeChannels(CAP))) {
            p.openWitness();
            List<SessionDriver> attackers = new ArrayList<>();
            List<String> bad = new ArrayList<>();
            int refused = 0;
            int[] lastRefusedFd = {-1};
            SessionDriver lastRefusedBy = null;
            for (int s = 0; s < 3; s++) {
                SessionDriver d = SessionDriver.open(p.sockbridge).releaseRepliesOnArrival();
                attackers.add(d);
                for (int i = 0; i < ATTEMPTS; i++) {
                    boolean udp = i % 2 == 0;
                    Reply r = d.call(new Request.Socket(d.nextId(), Posix.AF_INET, udp ? Posix.SOCK_DGRAM : Posix.SOCK_STREAM, 0));
                    if (r instanceof Reply.Error e) {
                        if (!REFUSALS.contains(e.code())) {
                            bad.add("socket: " + SessionDriver.describe(r));
                        }
                        refused++;
                        continue;
                    }
                    int fd = (int) ((Reply.Value) r).value();
                    Reply b = udp ? d.call(new Request.Bind(d.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)))
                            : d.call(new Request.Connect(d.nextId(), fd, p.tcpEchoAddress()));
                    if (b instanceof Reply.Error e) {
                        if (!REFUSALS.contains(e.code())) {
                            bad.add((udp ? "bind: " : "connect: ") + SessionDriver.describe(b));
                        }
                        refused++;
                        if (udp) {
                            lastRefusedFd[0] = fd;
                            lastRefusedBy = d;
                        }
                    }
                    assertTrue(p.stats().nativeChannelsOpen() <= CAP, "native channels over the cap: " + p.stats());
                }
            }
            assertTrue(bad.isEmpty(), "refusals that are not EMFILE/ENFILE/ENOBUFS: " + bad);
            assertTrue(refused >= 3 * ATTEMPTS - CAP, "only " + refused + " of " + 3 * ATTEMPTS + " attempts refused under a cap of " + CAP);
            p.witnessRoundTrip();
            // a descriptor refused a channel is still usable once the attackers free theirs
            assertTrue(lastRefusedBy != null, "no UDP bind was refused");
            for (SessionDriver d : attackers) {
                if (d != lastRefusedBy) {
                    d.close();
                    d.closed.get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
            Reply again = lastRefusedBy.call(new Request.Bind(lastRefusedBy.nextId(), lastRefusedFd[0], new InetSocketAddress("127.0.0.1", 0)));
            assertTrue(again instanceof Reply.Ok, "bind after channels were freed: " + SessionDriver.describe(again));
            lastRefusedBy.close();
            lastRefusedBy.closed.get(30, java.util.concurrent.TimeUnit.SECONDS);
            p.closeWitness();
            p.assertQuiescent();
            assertEquals(0, p.stats().sessionsOpen());
        }
    }
}
