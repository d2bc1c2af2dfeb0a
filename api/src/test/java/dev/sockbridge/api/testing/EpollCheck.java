package dev.sockbridge.api.testing;

import dev.sockbridge.api.transport.Transport;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * For transports whose event loops come from api's {@code EventLoops}: where epoll loads, that is what they run on.
 * Needs {@code netty-transport-native-epoll} on the test class path.
 */
public final class EpollCheck {
    private EpollCheck() {
    }

    /** Skips the test (an assumption, not a failure) where epoll does not load. */
    public static void assumeEpoll() {
        Assumptions.assumeTrue(Epoll.isAvailable(), "no epoll here");
    }

    /** Fails unless every transport's executor is an epoll event loop. */
    public static void assertOnEpoll(Transport... transports) {
        for (Transport t : transports) {
            Assertions.assertTrue(((IoEventLoop) t.executor()).isIoType(EpollIoHandler.class), t + " on epoll");
        }
    }
}
