package dev.sockbridge.proxy.spi;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import io.netty.channel.EventLoop;

/**
 * The engine's side of one session, handed to its {@link FrontEnd}: a descriptor table of native TCP/UDP sockets
 * and the execution of POSIX calls on them, under the session's policy and limits (the proxy's, narrowed by the
 * session's grant). A front end decodes its wire format into {@link Call}s, {@link #submit}s them, and encodes
 * the {@link Result}s its {@link Route}s receive.
 *
 * <pre>
 *   Transport ─frame─▶ front end: decode ─Call─▶ submit ─▶ socket table ─▶ native channels
 *             ◀─frame─ front end: encode ◀─Result── Route.completed ◀──┘
 * </pre>
 *
 * <p><b>Threading.</b> The session is confined to {@link #loop()}: call every method there unless it says "any
 * thread"; {@link #execute} gets there from a transport's thread. Every native channel of the session is
 * registered on the same loop, and nothing here blocks it: a call that cannot finish now (a blocking recv,
 * accept, connect, poll, or a send without room) waits inside the engine and completes later.
 *
 * <p><b>Backpressure.</b> Each socket reads ahead of the client at most its receive buffer
 * ({@link SessionLimits#socketReceiveBuffer()}), and not at all while the route its data goes to is not
 * {@linkplain Route#isWritable() writable}. Sends wait (or fail with EAGAIN/ENOBUFS) while the native socket is
 * full. All bytes the engine holds for the session, and those the front end counts here ({@link #addBuffered},
 * {@link #countHeldBytes}), are bounded by {@link SessionLimits#maxBufferedBytes()} and the proxy's budget. A front
 * end should read its transport only while the transport is writable ({@link ReadGate}), so a client that does not
 * read its answers stops being read.
 */
public interface EngineSession {
    /** Who the session is (its protocol is the factory's). Any thread. */
    SessionInfo info();

    /** The event loop the session and all its native channels run on. Any thread. */
    EventLoop loop();

    /** The session's limits: each the smaller of the proxy's and the grant's. Any thread. */
    SessionLimits limits();

    /** The session's policy: the proxy's and the grant's together (both must allow). Any thread. */
    SocketPolicy policy();

    /**
     * Runs {@code task} on {@link #loop()}: at once when called there, else queued. False when the loop has stopped
     * (only after the proxy shut down and ended every session): the task did not run. Any thread.
     */
    boolean execute(Runnable task);

    /**
     * Executes one call: its result reaches {@code call.route()} now or later, exactly once (see {@link Call}),
     * also when the call fails or the session ends first (then with EBADF). After {@link #close} a call is dropped
     * unanswered and its buffers released.
     *
     * <p>A call submitted from inside a {@link Route} callback (a result or push event being delivered), or while
     * such calls wait, does not run there, nested inside the engine's work that produced the result: it is queued
     * and run, in submission order, as a task of the loop right after.
     */
    void submit(Call call);

    /** Grants {@code bytes} more push credit to socket {@code fd} (push mode; see {@link dev.sockbridge.api.message.Request.Push}). */
    void credit(int fd, long bytes);

    /** A route became writable again: retries the receives and push deliveries that waited for it. */
    void writabilityChanged();

    /** The front end dropped a push datagram of socket {@code fd} (its datagram path refused it): counted. */
    void datagramDropped(int fd);

    /** Counts a malformed request in the proxy's stats. Any thread. */
    void countMalformed();

    /**
     * Counts a refusal the front end made itself (a bridge with no target for its URL, say) as a denied call, in
     * {@link dev.sockbridge.proxy.ProxyStats#callsDenied()} and to {@link dev.sockbridge.proxy.ProxyListener#callDenied};
     * denials of submitted calls the engine counts itself. On {@link #loop()}.
     */
    void countDenied(String call, String reason);

    /** Calls submitted and not yet completed. Any thread (an estimate there). */
    int outstandingCalls();

    /** Bytes the engine holds for this session now (receive queues, sends in flight, what the front end counts). */
    long bufferedBytes();

    /** Whether {@code n} more bytes fit the session's budget and the proxy's. */
    boolean bufferRoom(long n);

    /**
     * Counts {@code delta} bytes more (negative: fewer) that the front end holds for the session (a message being
     * reassembled, say), in the session's and the proxy's totals. Every byte added must be subtracted once, also
     * after the session ended.
     */
    void addBuffered(long delta);

    /**
     * Counts what {@code transport} holds for this session (answers not yet written, a message being received) in
     * the proxy's buffered bytes ({@link Transport#countHeldBytes}); if that takes the proxy's whole budget while
     * this session holds much, the proxy ends the session ({@link FrontEnd#close} with 1013). Call for the main
     * transport and each stream, before starting it. Any thread.
     */
    void countHeldBytes(Transport transport);

    /** What the transports counted with {@link #countHeldBytes} hold now. Any thread. */
    long transportHeldBytes();

    /** Whether {@link #close} was called. */
    boolean isClosed();

    /**
     * Ends the engine side: closes every socket (data already sent still reaches its peer), answers nothing more,
     * tells the {@link dev.sockbridge.proxy.ProxyListener}. The front end calls it when its transport closed or it
     * ends the session; it does not close the transport. Idempotent.
     */
    void close(int code, String reason);
}
