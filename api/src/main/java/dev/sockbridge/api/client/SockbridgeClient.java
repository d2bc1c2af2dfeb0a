package dev.sockbridge.api.client;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.internal.client.ClientSession;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.TransportProvider;
import dev.sockbridge.api.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A Sockbridge session seen from the client: every POSIX socket call as an asynchronous method,
 * executed by the proxy on native sockets ({@code docs/protocol.md}).
 *
 * <pre>
 *   your code ──call()──▶ SockbridgeClient ──Request(callId)──▶ Transport ══▶ proxy ──▶ TCP/UDP
 *             ◀─future──                   ◀──Reply(callId)───           ◀══
 *             ◀─PushListener (push mode)── ◀──Event / Credit──▶
 * </pre>
 *
 * <p><b>Lifecycle.</b> {@link #connect(URI)} opens a transport, sends {@code Hello} and completes with
 * the client once the proxy's {@code Welcome} arrives (its limits are in {@link #welcome()}); a
 * {@code Goodbye} instead fails it with a {@link SessionClosedException}. The session then lives until
 * {@link #close()}, a {@code Goodbye} from the proxy, or the transport closing; {@link #closeFuture()}
 * completes then, with the code and reason. Ending fails every call still waiting with a
 * {@link SessionClosedException}, and every later call fails the same way at once. The proxy closes
 * all of the session's descriptors.
 *
 * <p><b>Calls.</b> Each method sends one request with a fresh call id and returns a future completed
 * by the reply with that id; replies may come in any order. A call the proxy answers with an error
 * completes exceptionally with a {@link dev.sockbridge.api.SocketCallException} (errno or EAI code plus
 * reason). Cancelling a future does not cancel the call at the proxy: its reply is dropped when it
 * comes. Descriptors are the proxy's: they are only meaningful in this session.
 *
 * <p><b>Threading.</b> Every method is thread-safe and none blocks. Futures complete, and
 * {@link PushListener}s run, on the transport's event loop ({@code transport().executor()}): keep
 * dependent stages short, or use the {@code *Async} stages of {@link CompletableFuture}. For blocking,
 * java.net-shaped use there are {@link BridgedSocket}, {@link BridgedServerSocket} and
 * {@link BridgedDatagramSocket}.
 *
 * <p><b>Backpressure.</b> Requests are queued on the transport and never refused for lack of room.
 * Waiting for each reply before the next call (as the blocking classes do) bounds what is in flight;
 * a caller that issues many calls without waiting watches {@link #isWritable()} or waits for
 * {@link #whenWritable()}. The proxy's own limits ({@code maxOutstandingCalls}, {@code maxBufferedBytes})
 * fail calls with ENOBUFS rather than queue without bound. In push mode, credit bounds what the proxy
 * sends ({@link #push}). Everything shares the transport's one ordered channel unless a socket is given
 * a stream of its own ({@link #useOwnStream}, on transports with extra streams: WebTransport, raw QUIC):
 * then a socket whose data waits holds up only its own stream.
 *
 * <p><b>Buffers.</b> Methods that take a {@link ByteBuf} take ownership of it (it is released once
 * sent, or on failure) and do not copy it; the {@code byte[]} overloads copy the array, which the
 * caller may reuse at once. A {@link Received} belongs to the caller, who releases it.
 */
public interface SockbridgeClient extends AutoCloseable {

    /** The agent string sent in {@code Hello}. */
    String AGENT = "sockbridge-java/0.1";

    /** Connects to the proxy at {@code uri} ({@code ws://}, {@code wss://}, {@code inprocess://}, ...) with default options. */
    static CompletableFuture<SockbridgeClient> connect(URI uri) {
        return connect(uri, TransportOptions.defaults());
    }

    /**
     * Connects to the proxy at {@code uri}: finds the {@link TransportProvider} for its scheme
     * ({@link Transports#forUri}), opens a transport and does the handshake. Fails with
     * IllegalArgumentException for an unknown scheme, with the transport's exception if it cannot
     * connect, and with a {@link SessionClosedException} if the proxy says {@code Goodbye}.
     */
    static CompletableFuture<SockbridgeClient> connect(URI uri, TransportOptions options) {
        TransportProvider provider;
        try {
            provider = Transports.forUri(uri);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return provider.connect(uri, options).thenCompose(ClientSession::open);
    }

    /** Runs a session over an open transport that has not been started; completes after the handshake. */
    static CompletableFuture<SockbridgeClient> connect(Transport transport) {
        return ClientSession.open(transport);
    }

    // ------------------------------------------------------------------ the session

    /** The proxy's answer to the handshake: protocol version, its agent and the session's limits. */
    Control.Welcome welcome();

    /** The transport the session runs on. */
    Transport transport();

    /** True until the session ends. */
    boolean isOpen();

    /** Completes, never exceptionally, when the session ends, with the code and reason it ended with. */
    CompletableFuture<Control.Goodbye> closeFuture();

    /**
     * Completes, with the proxy's reason, when the proxy says it is going away (it drains for a rollout): the
     * session still works, but the proxy will close it with 1001 when its drain timeout ends. Finish the work under
     * way, then {@link #close()} and connect again (a balancer sends the new session to another proxy). Said by a
     * Sockbridge {@code GOING_AWAY} message (protocol version 2, which this client offers) or by the transport
     * (WebTransport's DRAIN_WEBTRANSPORT_SESSION capsule), whichever comes first. Never completes if the session
     * ends without it (see {@link #closeFuture()}). Dependent actions run on the transport's event loop unless
     * added with an executor: do not block in them.
     */
    CompletableFuture<String> goingAway();

    /** False while the transport's send queue is above its high-water mark. */
    boolean isWritable();

    /** Completes when the transport is writable (at once if it is); fails if the session ends first. */
    CompletableFuture<Void> whenWritable();

    /** Counters of this session. */
    Stats stats();

    /**
     * Ends the session: sends {@code Goodbye(1000)}, closes the transport and fails every call still
     * waiting with a {@link SessionClosedException}. Idempotent.
     */
    @Override
    void close();

    // ------------------------------------------------------------------ sockets

    /** socket(domain, type, protocol) → the new descriptor. {@code type} may include SOCK_NONBLOCK. */
    CompletableFuture<Integer> socket(int domain, int type, int protocol);

    /** socketpair(domain, type, protocol) → the two connected descriptors (the pair lives in the proxy). */
    CompletableFuture<int[]> socketPair(int domain, int type, int protocol);

    /** bind(fd, address). */
    CompletableFuture<Void> bind(int fd, InetSocketAddress address);

    /**
     * connect(fd, address). An unresolved {@code address} is resolved by the proxy. Fails with
     * EINPROGRESS on a non-blocking socket; completion then shows in poll, SO_ERROR or a push-mode
     * ready event.
     */
    CompletableFuture<Void> connect(int fd, InetSocketAddress address);

    /** listen(fd, backlog). */
    CompletableFuture<Void> listen(int fd, int backlog);

    /** accept4(fd, flags) → the new descriptor and the peer. {@code flags} may hold SOCK_NONBLOCK. */
    CompletableFuture<Accepted> accept(int fd, int flags);

    /** accept(fd). */
    default CompletableFuture<Accepted> accept(int fd) {
        return accept(fd, 0);
    }

    /** shutdown(fd, how), {@code how} one of SHUT_RD, SHUT_WR, SHUT_RDWR. */
    CompletableFuture<Void> shutdown(int fd, int how);

    /** close(fd). Calls still waiting on the socket fail with EBADF; push mode ends. */
    CompletableFuture<Void> close(int fd);

    // ------------------------------------------------------------------ data

    /** send(fd, data, flags) → the number of bytes taken. Takes ownership of {@code data}. */
    CompletableFuture<Integer> send(int fd, ByteBuf data, int flags);

    /** send(fd, data, 0) with a copy of {@code data}. */
    default CompletableFuture<Integer> send(int fd, byte[] data) {
        return send(fd, Unpooled.copiedBuffer(data), 0);
    }

    /** recv(fd, length, flags) → up to {@code length} bytes; empty data on a stream socket is end of stream. */
    CompletableFuture<Received> recv(int fd, int length, int flags);

    /** recv(fd, length, 0) as a byte array; an empty array on a stream socket is end of stream. */
    default CompletableFuture<byte[]> recvBytes(int fd, int length) {
        return recv(fd, length, 0).thenApply(Received::takeBytes);
    }

    /** sendto(fd, data, flags, to) → bytes sent. {@code to} may be null on a connected socket. Takes ownership of {@code data}. */
    CompletableFuture<Integer> sendTo(int fd, InetSocketAddress to, ByteBuf data, int flags);

    /** sendto(fd, data, 0, to) with a copy of {@code data}. */
    default CompletableFuture<Integer> sendTo(int fd, InetSocketAddress to, byte[] data) {
        return sendTo(fd, to, Unpooled.copiedBuffer(data), 0);
    }

    /** recvfrom(fd, length, flags) → the data with its source; MSG_TRUNC when a datagram was cut. */
    CompletableFuture<Received> recvFrom(int fd, int length, int flags);

    /**
     * sendmsg(fd, msg, flags) → bytes sent: the buffers of {@code iov} are gathered (not copied) into
     * one message to {@code to} (null on a connected socket). Takes ownership of the buffers.
     */
    CompletableFuture<Integer> sendMsg(int fd, InetSocketAddress to, int flags, ByteBuf... iov);

    /** recvmsg(fd, length, flags) → the data, its source and MSG_TRUNC if cut. */
    CompletableFuture<Received> recvMsg(int fd, int length, int flags);

    /**
     * Sends one datagram without waiting for, or hearing of, the result. On a transport with
     * {@link Transport.Capability#DATAGRAMS} (WebTransport, raw QUIC, in-process) it travels on the
     * unreliable datagram path as a {@code SendTo} with call id 0, and the proxy answers nothing. The
     * encoded message must fit one datagram ({@link Transport#maxDatagramSize()}, about 1150 bytes of
     * payload over QUIC): a larger one is refused here with EMSGSIZE and nothing is sent, as a kernel
     * refuses a UDP send larger than the path allows when it may not fragment. Send such data with
     * {@link #sendTo}, on the reliable path.
     *
     * <p>On a transport without a datagram path (WebSocket) it is an ordinary sendto on the reliable
     * path whose reply is only counted: a failure there shows in {@link Stats#datagramsDropped()}, and
     * any size the session's frames allow is accepted.
     *
     * <p>Takes ownership of {@code data} (also when it throws).
     *
     * @return false if it was dropped here (session ended, no room on the datagram path)
     * @throws SocketCallException EMSGSIZE when the datagram path cannot carry it in one datagram
     */
    boolean sendToUnreliable(int fd, InetSocketAddress to, ByteBuf data) throws SocketCallException;

    /** {@link #sendToUnreliable(int, InetSocketAddress, ByteBuf)} with a copy of {@code data}. */
    default boolean sendToUnreliable(int fd, InetSocketAddress to, byte[] data) throws SocketCallException {
        return sendToUnreliable(fd, to, Unpooled.copiedBuffer(data));
    }

    // ------------------------------------------------------------------ streams

    /**
     * Puts socket {@code fd} on an extra stream of its own, on a transport with
     * {@link Transport.Capability#STREAMS} (WebTransport, raw QUIC, in-process): from then on every
     * call naming {@code fd} (send, recv, close, options, push, ...) and the credit granted to it travel
     * on that stream, and the proxy answers on it. Push events follow the stream the {@code push} request
     * came on, so call {@link #push} after this completes (or again, for a socket already in push mode)
     * to have them come there too. The point: a socket whose data waits (a slow reader, a full window)
     * then holds up only its own stream, never the main channel or other sockets.
     *
     * <p>Calls that name no socket (socket, poll, getaddrinfo, ...) stay on the main channel; a
     * descriptor returned by accept starts there too. Calls already under way finish where they went.
     * Closing the socket ({@link #close(int)}) closes its stream once the proxy answered. If the stream
     * ends otherwise, calls waiting on it fail with an IOException and later calls for {@code fd} go on
     * the main channel again (push events then need a new {@code push}). Datagram-path sends
     * ({@link #sendToUnreliable}) are not affected, and {@link #isWritable()} / {@link #whenWritable()}
     * still watch the main channel only. At once if {@code fd} already has its stream.
     *
     * @return completes once the stream is open; fails with UnsupportedOperationException on a transport
     *         without extra streams (WebSocket), with a SessionClosedException if the session ended
     */
    CompletableFuture<Void> useOwnStream(int fd);

    /** True while socket {@code fd} has a stream of its own ({@link #useOwnStream}). */
    boolean hasOwnStream(int fd);

    // ------------------------------------------------------------------ options

    /** getsockopt(fd, level, name) → the value as the wire carries it ({@link SocketOption} describes the encoding). */
    CompletableFuture<Long> getSockOpt(int fd, int level, int name);

    /** setsockopt(fd, level, name, value), with the value as the wire carries it. */
    CompletableFuture<Void> setSockOpt(int fd, int level, int name, long value);

    /** getsockopt of a typed option. */
    default <T> CompletableFuture<T> getSockOpt(int fd, SocketOption<T> option) {
        return getSockOpt(fd, option.level(), option.optname()).thenApply(option::fromWire);
    }

    /** setsockopt of a typed option. */
    default <T> CompletableFuture<Void> setSockOpt(int fd, SocketOption<T> option, T value) {
        return setSockOpt(fd, option.level(), option.optname(), option.toWire(value));
    }

    // ------------------------------------------------------------------ names, poll

    /**
     * getaddrinfo(host, service, hints), resolved by the proxy. {@code host} or {@code service} may be
     * null. Fails with a negative EAI code ({@link dev.sockbridge.api.GaiError}).
     */
    CompletableFuture<List<AddrInfo>> getAddrInfo(String host, String service, int flags, int family, int socktype, int protocol);

    /** getaddrinfo(host, service) with no hints (any family, any type). */
    default CompletableFuture<List<AddrInfo>> getAddrInfo(String host, String service) {
        return getAddrInfo(host, service, 0, Posix.AF_UNSPEC, 0, 0);
    }

    /** getnameinfo(address, flags), done by the proxy. */
    CompletableFuture<NameInfo> getNameInfo(InetSocketAddress address, int flags);

    /**
     * poll(fds, timeout) → the descriptors with events (their returned events), in request order;
     * empty on timeout. A negative timeout waits without limit, 0 does not wait.
     */
    CompletableFuture<List<PollFd>> poll(List<PollFd> fds, int timeoutMillis);

    /** getsockname(fd). */
    CompletableFuture<InetSocketAddress> getSockName(int fd);

    /** getpeername(fd). */
    CompletableFuture<InetSocketAddress> getPeerName(int fd);

    // ------------------------------------------------------------------ push mode

    /** {@link #push(int, PushListener, long, CreditMode) push(fd, listener, initialCredit, CreditMode.AUTO)}. */
    default CompletableFuture<Void> push(int fd, PushListener listener, long initialCredit) {
        return push(fd, listener, initialCredit, CreditMode.AUTO);
    }

    /**
     * Switches {@code fd} to push mode: from now on the proxy sends its data, accepted connections and
     * readiness changes as events to {@code listener}, without recv or accept calls (which then fail
     * with EINVAL). Each data event spends {@code max(1, bytes)} of the socket's credit and each accept
     * event 1; when it is spent the proxy stops reading the socket until more is granted. The proxy
     * starts with {@code initialCredit} (replacing any it had); more comes from
     * {@link #grant} or, in {@link CreditMode#AUTO}, from the client itself once the listener has
     * handled events. The listener is in place before the request leaves, so no event is missed.
     * Calling push again for the same socket replaces the listener and restarts the credit.
     */
    CompletableFuture<Void> push(int fd, PushListener listener, long initialCredit, CreditMode mode);

    /** Returns {@code fd} to request/reply mode; data not yet delivered waits for recv. Events already sent still reach the listener. */
    CompletableFuture<Void> stopPush(int fd);

    /** Grants {@code bytes} more credit to push-mode socket {@code fd} (a {@code Credit} message; no reply). */
    void grant(int fd, long bytes);

    /**
     * Counters of one session, for logs and tests.
     *
     * @param calls requests sent, on every stream (datagram-path sends excluded)
     * @param unknownReplies replies whose call id was not waiting: ignored
     * @param eventsDropped events for sockets not in push mode here: dropped
     * @param datagramsSent {@code SendTo}s sent on the datagram path
     * @param datagramsDropped unreliable sends dropped here or failed at the proxy (when it said so), and
     *        datagrams received that were not push data
     * @param malformedFrames frames and datagrams from the proxy that did not decode
     */
    record Stats(long calls, long unknownReplies, long eventsDropped, long datagramsSent, long datagramsDropped,
                 long malformedFrames) {
    }
}
