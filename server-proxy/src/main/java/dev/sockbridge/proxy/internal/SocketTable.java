package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.proxy.spi.Result;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The descriptors of one session and the polls waiting on them: which socket a descriptor names, the next free
 * descriptor, and, for each descriptor, the polls a change of it may answer. Loop-confined, like its session.
 */
final class SocketTable {
    private final SessionCore session;
    private final Map<Integer, ProxySocket> sockets = new LinkedHashMap<>();
    /**
     * Waiting polls by the descriptors they wait on, so a socket's change looks at the polls that wait on
     * that socket and at no other (a change used to rescan every poll's every descriptor).
     */
    private final Map<Integer, LinkedHashSet<PollWait>> pollsByFd = new HashMap<>();
    private int pollsWaiting;
    private int nextFd = 3;

    SocketTable(SessionCore session) {
        this.session = session;
    }

    ProxySocket get(int fd) {
        return sockets.get(fd);
    }

    int size() {
        return sockets.size();
    }

    /** A copy of the open sockets, for walking them while they may close. */
    List<ProxySocket> all() {
        return new ArrayList<>(sockets.values());
    }

    /** Gives a socket the next free descriptor; null if the session's limit is reached. */
    Integer register(ProxySocket s) {
        if (sockets.size() >= session.limits.maxSockets()) {
            return null;
        }
        int fd;
        do {
            fd = nextFd;
            nextFd = nextFd >= (1 << 30) ? 3 : nextFd + 1;
        } while (sockets.containsKey(fd));
        s.fd = fd;
        sockets.put(fd, s);
        return fd;
    }

    /** Closes one descriptor; the polls waiting on it see POLLNVAL. */
    void close(ProxySocket s, String why) {
        sockets.remove(s.fd);
        s.close(why);
        wakePolls(s.fd);
    }

    /** Closes every descriptor and forgets every waiting poll (unanswered: the session is over). */
    void closeAll(String why) {
        for (ProxySocket s : new ArrayList<>(sockets.values())) {
            s.close(why);
        }
        sockets.clear();
        for (Set<PollWait> set : pollsByFd.values()) {
            for (PollWait w : set) {
                if (w.timer != null) {
                    w.timer.cancel(false);
                }
            }
        }
        pollsByFd.clear();
        pollsWaiting = 0;
    }

    // ------------------------------------------------------------------ poll

    private final class PollWait {
        final EngineCall call;
        final Request.Poll req;
        /** The distinct non-negative descriptors it waits on. */
        final int[] fds;
        io.netty.util.concurrent.ScheduledFuture<?> timer;
        boolean done;

        PollWait(EngineCall call, Request.Poll req) {
            this.call = call;
            this.req = req;
            this.fds = req.fds().stream().mapToInt(PollFd::fd).filter(fd -> fd >= 0).distinct().toArray();
        }

        /** What {@code fd} reports for this poll now (0 when nothing it asks for holds). */
        int revents(int fd) {
            session.ctx.pollChecks.increment();
            ProxySocket s = sockets.get(fd);
            if (s == null) {
                return Posix.POLLNVAL;
            }
            int events = 0;
            for (PollFd p : req.fds()) {
                if (p.fd() == fd) {
                    events |= p.events();
                }
            }
            return s.readiness() & (events | Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL);
        }

        List<PollFd> ready() {
            List<PollFd> out = new ArrayList<>();
            for (PollFd p : req.fds()) {
                if (p.fd() < 0) {
                    continue;
                }
                session.ctx.pollChecks.increment();
                ProxySocket s = sockets.get(p.fd());
                int rev = s == null ? Posix.POLLNVAL
                        : s.readiness() & (p.events() | Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL);
                if (rev != 0) {
                    out.add(new PollFd(p.fd(), rev));
                }
            }
            return out;
        }
    }

    /** poll(2): answers now if a descriptor is ready or the timeout is 0, else waits for a change or the timeout. */
    void poll(EngineCall call, Request.Poll r) {
        PollWait w = new PollWait(call, r);
        List<PollFd> ready = w.ready();
        if (!ready.isEmpty() || r.timeoutMillis() == 0) {
            call.complete(new Result.Polled(ready));
            return;
        }
        for (int fd : w.fds) {
            pollsByFd.computeIfAbsent(fd, k -> new LinkedHashSet<>()).add(w);
        }
        pollsWaiting++;
        if (r.timeoutMillis() > 0) {
            w.timer = session.loop.schedule(() -> {
                if (!w.done) {
                    unpark(w);
                    call.complete(new Result.Polled(List.of()));
                }
            }, r.timeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void unpark(PollWait w) {
        w.done = true;
        pollsWaiting--;
        for (int fd : w.fds) {
            Set<PollWait> set = pollsByFd.get(fd);
            if (set != null) {
                set.remove(w);
                if (set.isEmpty()) {
                    pollsByFd.remove(fd);
                }
            }
        }
        if (w.timer != null) {
            w.timer.cancel(false);
        }
    }

    /**
     * Socket {@code fd} changed (or went away): answers the polls waiting on it that it now makes ready.
     * Costs work for those polls only; a poll it wakes is answered with every descriptor ready then.
     */
    void wakePolls(int fd) {
        if (pollsWaiting == 0) {
            return;
        }
        Set<PollWait> set = pollsByFd.get(fd);
        if (set == null) {
            return;
        }
        List<PollWait> woken = null;
        for (PollWait w : set) {
            if (w.revents(fd) != 0) {
                if (woken == null) {
                    woken = new ArrayList<>();
                }
                woken.add(w);
            }
        }
        if (woken == null) {
            return;
        }
        for (PollWait w : woken) {
            if (w.done) {
                continue;
            }
            unpark(w);
            w.call.complete(new Result.Polled(w.ready()));
        }
    }
}
