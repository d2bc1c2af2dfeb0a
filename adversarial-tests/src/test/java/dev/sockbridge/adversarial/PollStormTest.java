package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.SessionDriver;
import dev.sockbridge.proxy.ProxyLimits;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A poll storm: one session parks 500 polls on 200 idle UDP sockets each while datagrams keep
 * changing another socket (issue 10: every change rescanned every waiting poll's every descriptor).
 * The witness keeps being served meanwhile, the proxy's held bytes stay bounded, and closing the
 * session releases every poll and channel.
 */
@Timeout(180)
class PollStormTest {
    static final int SOCKETS = 200;
    static final int POLLS = 500;
    static final int DATAGRAMS = 3000;
    static final long BOUND = HostileProxy.SESSION_BUDGET + (256 << 10);

    @Test
    void parkedPollsAndChangingSockets() throws Exception {
        try (HostileProxy p = new HostileProxy(ProxyLimits.defaults());
             DatagramSocket sender = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            p.openWitness();
            p.takePeakBuffered();
            try (SessionDriver d = SessionDriver.open(p.sockbridge).releaseRepliesOnArrival()) {
                List<PollFd> idle = new ArrayList<>();
                for (int i = 0; i < SOCKETS; i++) {
                    int fd = (int) ((Reply.Value) d.call(new Request.Socket(d.nextId(), Posix.AF_INET, Posix.SOCK_DGRAM, 0))).value();
                    assertTrue(d.call(new Request.Bind(d.nextId(), fd, new InetSocketAddress("127.0.0.1", 0))) instanceof Reply.Ok);
                    idle.add(new PollFd(fd, Posix.POLLIN));
                }
                int busy = (int) ((Reply.Value) d.call(new Request.Socket(d.nextId(), Posix.AF_INET, Posix.SOCK_DGRAM, 0))).value();
                d.call(new Request.Bind(d.nextId(), busy, new InetSocketAddress("127.0.0.1", 0)));
                InetSocketAddress busyAddr = ((Reply.Address) d.call(new Request.GetSockName(d.nextId(), busy))).address();
                for (int i = 0; i < POLLS; i++) {
                    d.callAsync(new Request.Poll(d.nextId(), idle, 60_000));
                }
                byte[] payload = new byte[200];
                for (int i = 0; i < DATAGRAMS; i++) {
                    sender.send(new DatagramPacket(payload, payload.length, busyAddr));
                    if (i % 500 == 0) {
                        p.witnessRoundTrip();
                        // and the busy socket is drained now and then, so it keeps changing state
                        d.callAsync(new Request.RecvFrom(d.nextId(), busy, 2048, Posix.MSG_DONTWAIT));
                    }
                }
                p.witnessRoundTrips(5);
            }
            p.assertPeakBufferedAtMost(BOUND);
            p.closeWitness();
            p.assertQuiescent();
        }
    }
}
