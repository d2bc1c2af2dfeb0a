package dev.sockbridge.api.internal.client;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.client.Accepted;
import dev.sockbridge.api.client.CreditMode;
import dev.sockbridge.api.client.NameInfo;
import dev.sockbridge.api.client.PushListener;
import dev.sockbridge.api.client.Received;
import dev.sockbridge.api.client.SessionClosedException;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.codec.ProtocolException;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.MessageType;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The implementation of {@link SockbridgeClient}: one per transport.
 *
 * <pre>
 *  caller thread ── call() ── put(callId → Call) ── encode ── Transport.send (the main channel, or the socket's own stream)
 *  event loop    ── frameReceived ── decode ── Reply: remove(callId).complete
 *                                            └ Event: PushState ── listener ── (AUTO) Credit
 * </pre>
 *
 * <p><b>Own streams.</b> {@link #useOwnStream} gives one socket an extra stream of the transport
 * ({@link Transport.Capability#STREAMS}): from then on every call naming that descriptor, and the
 * credit granted to it, goes there, and the proxy answers there (and pushes there once push mode was
 * asked for there). Call ids stay unique across the session, so one call table serves every stream.
 * A call remembers its stream: if that stream ends before the reply, the call fails.
 *
 * <p><b>Threading.</b> Calls come from any thread; the table of outstanding calls and the push states
 * are concurrent maps. Everything the transport delivers runs on its executor, one at a time. The end
 * of the session is decided once ({@link #ended}); a call that registers after it is failed by
 * whichever side sees the other last, so no future is left hanging.
 */
public final class ClientSession implements SockbridgeClient, TransportListener {
    private static final System.Logger LOG = System.getLogger("dev.sockbridge.client");

    private final Transport transport;
    private final MessageCodec codec = MessageCodec.cbor();
    private final ConcurrentMap<Integer, Call<?>> calls = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, PushState> pushes = new ConcurrentHashMap<>();
    /** Sockets on a stream of their own ({@link #useOwnStream}): descriptor → that stream. */
    private final ConcurrentMap<Integer, OwnStream> ownStreams = new ConcurrentHashMap<>();
    private final AtomicInteger lastCallId = new AtomicInteger();
    private final CompletableFuture<SockbridgeClient> opened = new CompletableFuture<>();
    private final CompletableFuture<Control.Goodbye> closeFuture = new CompletableFuture<>();
    private final CompletableFuture<String> goingAway = new CompletableFuture<>();
    private final AtomicReference<Control.Goodbye> ended = new AtomicReference<>();
    private final Queue<CompletableFuture<Void>> writableWaiters = new ConcurrentLinkedQueue<>();
    private volatile Control.Welcome welcome;

    private final LongAdder callsSent = new LongAdder();
    private final LongAdder unknownReplies = new LongAdder();
    private final LongAdder eventsDropped = new LongAdder();
    private final LongAdder datagramsSent = new LongAdder();
    private final LongAdder datagramsDropped = new LongAdder();
    private final LongAdder malformed = new LongAdder();

    private ClientSession(Transport transport) {
        this.transport = transport;
    }

    /** Starts {@code transport}, sends Hello and completes on Welcome (or fails on Goodbye or close). */
    public static CompletableFuture<SockbridgeClient> open(Transport transport) {
        return open(transport, AGENT);
    }

    public static CompletableFuture<SockbridgeClient> open(Transport transport, String agent) {
        ClientSession s = new ClientSession(Objects.requireNonNull(transport, "transport"));
        transport.start(s);
        s.sendControl(new Control.Hello(List.of(MessageCodec.VERSION, MessageCodec.VERSION_GOING_AWAY), agent));
        return s.opened;
    }

    // ------------------------------------------------------------------ session

    @Override
    public Control.Welcome welcome() {
        return welcome;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public boolean isOpen() {
        return ended.get() == null;
    }

    @Override
    public CompletableFuture<Control.Goodbye> closeFuture() {
        return closeFuture;
    }

    @Override
    public CompletableFuture<String> goingAway() {
        return goingAway;
    }

    @Override
    public void peerGoingAway(String reason) {
        goingAway.complete(reason == null ? "" : reason); // the transport's signal; the protocol's may come too
    }

    @Override
    public boolean isWritable() {
        return transport.isWritable();
    }

    @Override
    public CompletableFuture<Void> whenWritable() {
        if (transport.isWritable()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        writableWaiters.add(f);
        Control.Goodbye g = ended.get();
        if (g != null) {
            failWaiters(g);
        } else if (transport.isWritable()) {
            releaseWaiters();
        }
        return f;
    }

    @Override
    public Stats stats() {
        return new Stats(callsSent.sum(), unknownReplies.sum(), eventsDropped.sum(), datagramsSent.sum(),
                datagramsDropped.sum(), malformed.sum());
    }

    @Override
    public void close() {
        end(new Control.Goodbye(Control.Goodbye.NORMAL, "client closed the session"), true);
    }

    // ------------------------------------------------------------------ calls

    @Override
    public CompletableFuture<Integer> socket(int domain, int type, int protocol) {
        return call(id -> new Request.Socket(id, domain, type, protocol), as(Reply.Value.class, v -> (int) v.value()));
    }

    @Override
    public CompletableFuture<int[]> socketPair(int domain, int type, int protocol) {
        return call(id -> new Request.SocketPair(id, domain, type, protocol),
                as(Reply.SocketPair.class, p -> new int[] {p.fd0(), p.fd1()}));
    }

    @Override
    public CompletableFuture<Void> bind(int fd, InetSocketAddress address) {
        return call(fd, id -> new Request.Bind(id, fd, address), ok());
    }

    @Override
    public CompletableFuture<Void> connect(int fd, InetSocketAddress address) {
        return call(fd, id -> new Request.Connect(id, fd, address), ok());
    }

    @Override
    public CompletableFuture<Void> listen(int fd, int backlog) {
        return call(fd, id -> new Request.Listen(id, fd, backlog), ok());
    }

    @Override
    public CompletableFuture<Accepted> accept(int fd, int flags) {
        return call(fd, id -> new Request.Accept(id, fd, flags), as(Reply.Accept.class, a -> new Accepted(a.fd(), a.peer())));
    }

    @Override
    public CompletableFuture<Void> shutdown(int fd, int how) {
        return call(fd, id -> new Request.Shutdown(id, fd, how), ok());
    }

    @Override
    public CompletableFuture<Void> close(int fd) {
        CompletableFuture<Void> f = call(fd, id -> new Request.Close(id, fd), ok());
        f.whenComplete((v, t) -> {
            pushes.remove(fd);
            if (t == null) {
                OwnStream own = ownStreams.remove(fd);
                if (own != null) {
                    // the close's reply came last on the stream (after the EBADF of anything that waited)
                    own.stream.close(Control.Goodbye.NORMAL, "socket " + fd + " closed");
                }
            }
        });
        return f;
    }

    @Override
    public CompletableFuture<Integer> send(int fd, ByteBuf data, int flags) {
        return call(fd, id -> new Request.Send(id, fd, flags, data), as(Reply.Value.class, v -> (int) v.value()));
    }

    @Override
    public CompletableFuture<Received> recv(int fd, int length, int flags) {
        return call(fd, id -> new Request.Recv(id, fd, length, flags), ClientSession::received);
    }

    @Override
    public CompletableFuture<Integer> sendTo(int fd, InetSocketAddress to, ByteBuf data, int flags) {
        return call(fd, id -> new Request.SendTo(id, fd, flags, to, data), as(Reply.Value.class, v -> (int) v.value()));
    }

    @Override
    public CompletableFuture<Received> recvFrom(int fd, int length, int flags) {
        return call(fd, id -> new Request.RecvFrom(id, fd, length, flags), ClientSession::received);
    }

    @Override
    public CompletableFuture<Integer> sendMsg(int fd, InetSocketAddress to, int flags, ByteBuf... iov) {
        ByteBuf data;
        if (iov.length == 1) {
            data = iov[0];
        } else {
            CompositeByteBuf c = transport.alloc().compositeBuffer(Math.max(2, iov.length));
            for (ByteBuf b : iov) {
                c.addComponent(true, b);
            }
            data = c;
        }
        return call(fd, id -> new Request.SendMsg(id, fd, flags, to, data), as(Reply.Value.class, v -> (int) v.value()));
    }

    @Override
    public CompletableFuture<Received> recvMsg(int fd, int length, int flags) {
        return call(fd, id -> new Request.RecvMsg(id, fd, length, flags), ClientSession::received);
    }

    @Override
    public boolean sendToUnreliable(int fd, InetSocketAddress to, ByteBuf data) throws SocketCallException {
        if (ended.get() != null) {
            data.release();
            datagramsDropped.increment();
            return false;
        }
        if (!transport.capabilities().contains(Transport.Capability.DATAGRAMS)) {
            // no datagram path: an ordinary sendto whose reply is only counted
            sendTo(fd, to, data, 0).whenComplete((n, t) -> {
                if (t != null) {
                    datagramsDropped.increment();
                }
            });
            return true;
        }
        int payload = data.readableBytes();
        ByteBuf datagram = codec.encode(new Request.SendTo(0, fd, 0, to, data), transport.alloc()); // takes data
        int size = datagram.readableBytes();
        int max = transport.maxDatagramSize();
        if (size > max) {
            datagram.release();
            if (max <= 0) { // the datagram path went away (the transport is closing)
                datagramsDropped.increment();
                return false;
            }
            throw new SocketCallException(Errno.EMSGSIZE.code(), "sendto of " + payload + " bytes is a datagram of " + size
                    + " bytes; the datagram path carries at most " + max);
        }
        if (transport.sendDatagram(datagram)) {
            datagramsSent.increment();
            return true;
        }
        datagramsDropped.increment();
        return false;
    }

    @Override
    public CompletableFuture<Long> getSockOpt(int fd, int level, int name) {
        return call(fd, id -> new Request.GetSockOpt(id, fd, level, name), as(Reply.Value.class, Reply.Value::value));
    }

    @Override
    public CompletableFuture<Void> setSockOpt(int fd, int level, int name, long value) {
        return call(fd, id -> new Request.SetSockOpt(id, fd, level, name, value), ok());
    }

    @Override
    public CompletableFuture<List<AddrInfo>> getAddrInfo(String host, String service, int flags, int family, int socktype,
                                                         int protocol) {
        return call(id -> new Request.GetAddrInfo(id, host, service, flags, family, socktype, protocol),
                as(Reply.AddrInfos.class, Reply.AddrInfos::results));
    }

    @Override
    public CompletableFuture<NameInfo> getNameInfo(InetSocketAddress address, int flags) {
        return call(id -> new Request.GetNameInfo(id, address, flags),
                as(Reply.NameInfo.class, n -> new NameInfo(n.host(), n.service())));
    }

    @Override
    public CompletableFuture<List<PollFd>> poll(List<PollFd> fds, int timeoutMillis) {
        List<PollFd> copy = List.copyOf(fds);
        return call(id -> new Request.Poll(id, copy, timeoutMillis), as(Reply.Poll.class, Reply.Poll::ready));
    }

    @Override
    public CompletableFuture<InetSocketAddress> getSockName(int fd) {
        return call(fd, id -> new Request.GetSockName(id, fd), as(Reply.Address.class, Reply.Address::address));
    }

    @Override
    public CompletableFuture<InetSocketAddress> getPeerName(int fd) {
        return call(fd, id -> new Request.GetPeerName(id, fd), as(Reply.Address.class, Reply.Address::address));
    }

    // ------------------------------------------------------------------ push

    @Override
    public CompletableFuture<Void> push(int fd, PushListener listener, long initialCredit, CreditMode mode) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(mode, "mode");
        if (initialCredit < 0) {
            throw new IllegalArgumentException("negative credit " + initialCredit);
        }
        PushState state = new PushState(fd, listener, mode, initialCredit);
        pushes.put(fd, state); // before the request leaves: events may follow the reply at once
        CompletableFuture<Void> f = call(fd, id -> new Request.Push(id, fd, true, initialCredit), ok());
        f.whenComplete((v, t) -> {
            if (t != null) {
                pushes.remove(fd, state);
            }
        });
        return f;
    }

    @Override
    public CompletableFuture<Void> stopPush(int fd) {
        PushState state = pushes.get(fd);
        CompletableFuture<Void> f = call(fd, id -> new Request.Push(id, fd, false, 0), ok());
        f.whenComplete((v, t) -> {
            if (t == null && state != null) {
                pushes.remove(fd, state);
            }
        });
        return f;
    }

    @Override
    public void grant(int fd, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("credit must be positive: " + bytes);
        }
        PushState state = pushes.get(fd);
        if (state != null) {
            state.granted(bytes);
        }
        sendCredit(fd, bytes);
    }

    // ------------------------------------------------------------------ own streams

    @Override
    public CompletableFuture<Void> useOwnStream(int fd) {
        Control.Goodbye g = ended.get();
        if (g != null) {
            return CompletableFuture.failedFuture(closed(g));
        }
        if (!transport.capabilities().contains(Transport.Capability.STREAMS)) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException(
                    "the " + transport.scheme() + " transport has no extra streams"));
        }
        if (ownStreams.containsKey(fd)) {
            return CompletableFuture.completedFuture(null);
        }
        return transport.openStream().thenApply(stream -> {
            OwnStream own = new OwnStream(fd, stream);
            stream.start(own);
            if (ownStreams.putIfAbsent(fd, own) != null) {
                stream.close(Control.Goodbye.NORMAL, "socket " + fd + " already has a stream");
                return null;
            }
            Control.Goodbye e = ended.get();
            if (e != null) { // the session ended meanwhile: its sweep may have missed this stream
                ownStreams.remove(fd, own);
                stream.close(e.code(), e.reason());
                throw new java.util.concurrent.CompletionException(closed(e));
            }
            return null;
        });
    }

    @Override
    public boolean hasOwnStream(int fd) {
        return ownStreams.containsKey(fd);
    }

    /** The transport a call or credit for {@code fd} goes on, or null for the main channel. */
    private OwnStream streamOf(int fd) {
        return ownStreams.isEmpty() ? null : ownStreams.get(fd);
    }

    /** One socket's own stream: frames from it are handled like the main channel's. */
    private final class OwnStream implements TransportListener {
        final int fd;
        final Transport stream;
        /** Set once the stream ended; calls sent on it after that are failed by their sender. */
        volatile String endedWith;

        OwnStream(int fd, Transport stream) {
            this.fd = fd;
            this.stream = stream;
        }

        @Override
        public void frameReceived(ByteBuf frame) {
            inbound(frame);
        }

        @Override
        public void closed(int code, String reason) {
            endedWith = code + (reason == null || reason.isEmpty() ? "" : " " + reason);
            ownStreams.remove(fd, this);
            for (Integer id : calls.keySet()) {
                Call<?> c = calls.get(id);
                if (c != null && c.via == this && calls.remove(id, c)) {
                    c.future.completeExceptionally(streamEnded(this));
                }
            }
        }

        @Override
        public String toString() {
            return "stream of socket " + fd + " (" + stream + ")";
        }
    }

    private Throwable streamEnded(OwnStream s) {
        Control.Goodbye g = ended.get();
        return g != null ? closed(g) : new IOException("the stream of socket " + s.fd + " ended (" + s.endedWith
                + ") before the reply came");
    }

    /** One socket in push mode, as the client sees it. */
    private static final class PushState {
        final int fd;
        final PushListener listener;
        final CreditMode mode;
        /** AUTO grants back once this much was consumed. */
        final long threshold;
        /** The credit the proxy has left, as far as the client knows (negative after a datagram overdraft). */
        private long credit;
        /** AUTO: consumed and not yet granted back. */
        private long consumed;

        PushState(int fd, PushListener listener, CreditMode mode, long initialCredit) {
            this.fd = fd;
            this.listener = listener;
            this.mode = mode;
            this.credit = initialCredit;
            this.threshold = Math.max(1, initialCredit / 2);
        }

        synchronized void spent(long n) {
            credit -= n;
        }

        synchronized void granted(long n) {
            credit += n;
        }

        /** AUTO: records what a handled event spent; returns what to grant back now (0: nothing yet). */
        synchronized long consumed(long n) {
            consumed += n;
            if (consumed < threshold) {
                return 0;
            }
            long g = consumed;
            consumed = 0;
            credit += g;
            return g;
        }
    }

    /** {@code viaDatagram}: the event came on the unreliable path, where the proxy spends no credit. */
    private void onEvent(Event e, boolean viaDatagram) {
        PushState state = pushes.get(e.fd());
        if (state == null) {
            eventsDropped.increment();
            Message.release(e);
            return;
        }
        long cost = viaDatagram ? 0 : e instanceof Event.Data ? Math.max(1, ((Event.Data) e).data().readableBytes())
                : e instanceof Event.Accept ? 1 : 0;
        state.spent(cost);
        try {
            if (e instanceof Event.Data) {
                Event.Data d = (Event.Data) e;
                state.listener.onData(d.fd(), d.data(), d.from(), d.flags());
            } else if (e instanceof Event.Accept) {
                Event.Accept a = (Event.Accept) e;
                state.listener.onAccept(a.fd(), a.newFd(), a.peer());
            } else {
                Event.Ready r = (Event.Ready) e;
                state.listener.onReady(r.fd(), r.events(), r.errno());
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "push listener for fd " + e.fd() + " failed", ex);
        } finally {
            Message.release(e);
        }
        if (cost > 0 && state.mode == CreditMode.AUTO) {
            long g = state.consumed(cost);
            if (g > 0) {
                sendCredit(state.fd, g);
            }
        }
    }

    // ------------------------------------------------------------------ the call table

    /** A call waiting for its reply. */
    private static final class Call<T> {
        final CompletableFuture<T> future = new CompletableFuture<>();
        final Function<Reply, T> onReply;
        final MessageType type;
        /** The socket's own stream the request went on; null for the main channel. */
        final OwnStream via;

        Call(Function<Reply, T> onReply, MessageType type, OwnStream via) {
            this.onReply = onReply;
            this.type = type;
            this.via = via;
        }

        void complete(Reply r) {
            if (r instanceof Reply.Error) {
                Reply.Error e = (Reply.Error) r;
                future.completeExceptionally(new SocketCallException(e.code(), e.reason()));
                return;
            }
            T value;
            try {
                value = onReply.apply(r);
            } catch (ClassCastException e) {
                Message.release(r);
                future.completeExceptionally(new IOException("proxy answered " + type + " with " + r.messageType()));
                return;
            }
            if (!future.complete(value) && value instanceof Received) {
                ((Received) value).release(); // cancelled or failed meanwhile: nobody will release it
            }
        }
    }

    private static <R extends Reply, T> Function<Reply, T> as(Class<R> type, Function<R, T> f) {
        return r -> f.apply(type.cast(r));
    }

    private static Function<Reply, Void> ok() {
        return as(Reply.Ok.class, o -> null);
    }

    private static Received received(Reply r) {
        Reply.Data d = (Reply.Data) r;
        return new Received(d.data(), d.flags(), d.from());
    }

    private int nextCallId() {
        int id;
        do {
            id = lastCallId.updateAndGet(i -> i == Integer.MAX_VALUE ? 1 : i + 1);
        } while (calls.containsKey(id));
        return id;
    }

    /** A call that names no socket: on the main channel. */
    private <T> CompletableFuture<T> call(IntFunction<Request> make, Function<Reply, T> onReply) {
        return call(NO_FD, make, onReply);
    }

    private static final int NO_FD = Integer.MIN_VALUE;

    /** A call for socket {@code fd}: on its own stream if it has one, else on the main channel. */
    private <T> CompletableFuture<T> call(int fd, IntFunction<Request> make, Function<Reply, T> onReply) {
        int id = nextCallId();
        Request request = make.apply(id);
        OwnStream via = fd == NO_FD ? null : streamOf(fd);
        Transport out = via == null ? transport : via.stream;
        Call<T> call = new Call<>(onReply, request.messageType(), via);
        Control.Goodbye g = ended.get();
        if (g != null) {
            Message.release(request);
            call.future.completeExceptionally(closed(g));
            return call.future;
        }
        calls.put(id, call);
        g = ended.get();
        if (g != null) {
            // the session ended while this call registered: the sweep may have missed it
            Message.release(request);
            if (calls.remove(id, call)) {
                call.future.completeExceptionally(closed(g));
            }
            return call.future;
        }
        ByteBuf frame;
        try {
            frame = codec.encode(request, out.alloc());
        } catch (IllegalArgumentException e) {
            calls.remove(id, call);
            call.future.completeExceptionally(e);
            return call.future;
        }
        int max = welcome.maxFrameSize();
        int size = frame.readableBytes();
        if (size > max) {
            frame.release();
            calls.remove(id, call);
            call.future.completeExceptionally(new SocketCallException(Errno.EMSGSIZE.code(),
                    request.messageType() + " frame of " + size + " bytes exceeds the session's limit of " + max));
            return call.future;
        }
        callsSent.increment();
        out.send(frame);
        if (via != null && via.endedWith != null && calls.remove(id, call)) {
            // the stream ended while this call was sent: its sweep may have missed it, and nothing answers now
            call.future.completeExceptionally(streamEnded(via));
        }
        return call.future;
    }

    private void sendControl(Control c) {
        if (ended.get() == null || c instanceof Control.Goodbye) {
            transport.send(codec.encode(c, transport.alloc()));
        }
    }

    /** Credit goes where the socket's calls go, so that a busy main channel never delays it. */
    private void sendCredit(int fd, long bytes) {
        OwnStream own = streamOf(fd);
        if (own == null) {
            sendControl(new Control.Credit(fd, bytes));
        } else if (ended.get() == null) {
            own.stream.send(codec.encode(new Control.Credit(fd, bytes), own.stream.alloc()));
        }
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void frameReceived(ByteBuf frame) {
        inbound(frame);
    }

    /** A frame from the main channel or from a socket's own stream: the same handling. */
    private void inbound(ByteBuf frame) {
        Message m;
        try {
            m = codec.decode(frame);
        } catch (ProtocolException e) {
            malformed.increment();
            Call<?> call = e.callId() > 0 && welcome != null ? calls.remove(e.callId()) : null;
            if (call != null) {
                call.future.completeExceptionally(new IOException("malformed reply to call " + e.callId() + ": " + e.getMessage(), e));
            } else if (e.callId() <= 0 || welcome == null) {
                protocolError("malformed frame: " + e.getMessage());
            }
            // else a malformed reply to a call that is not waiting: ignored like any unknown reply
            return;
        } finally {
            frame.release();
        }
        if (ended.get() != null) {
            Message.release(m);
            return;
        }
        if (welcome == null) {
            handshake(m);
        } else if (m instanceof Reply) {
            Reply r = (Reply) m;
            Call<?> call = calls.remove(r.callId());
            if (call == null) {
                unknownReplies.increment();
                Message.release(r);
            } else {
                call.complete(r);
            }
        } else if (m instanceof Event) {
            onEvent((Event) m, false);
        } else if (m instanceof Control.Goodbye) {
            end((Control.Goodbye) m, false);
        } else if (m instanceof Control.GoingAway && welcome.version() >= MessageCodec.VERSION_GOING_AWAY) {
            peerGoingAway(((Control.GoingAway) m).reason());
        } else {
            Message.release(m);
            malformed.increment();
            protocolError("a proxy may not send " + m.messageType());
        }
    }

    private void handshake(Message m) {
        if (m instanceof Control.Welcome) {
            Control.Welcome w = (Control.Welcome) m;
            if (w.version() != MessageCodec.VERSION && w.version() != MessageCodec.VERSION_GOING_AWAY) {
                protocolError("the proxy chose version " + w.version() + ", which was not offered");
                return;
            }
            welcome = w;
            opened.complete(this);
        } else if (m instanceof Control.Goodbye) {
            end((Control.Goodbye) m, false);
        } else {
            Message.release(m);
            protocolError("expected WELCOME, got " + m.messageType());
        }
    }

    @Override
    public void datagramReceived(ByteBuf datagram) {
        Message m;
        try {
            m = codec.decode(datagram);
        } catch (ProtocolException e) {
            malformed.increment();
            datagramsDropped.increment();
            return;
        } finally {
            datagram.release();
        }
        if (m instanceof Event.Data && welcome != null && ended.get() == null) {
            onEvent((Event) m, true);
        } else {
            Message.release(m);
            datagramsDropped.increment();
        }
    }

    @Override
    public void writabilityChanged(boolean writable) {
        if (writable) {
            releaseWaiters();
        }
    }

    @Override
    public void closed(int code, String reason) {
        end(new Control.Goodbye(code, reason), false);
    }

    // ------------------------------------------------------------------ the end

    private void protocolError(String reason) {
        end(new Control.Goodbye(Control.Goodbye.PROTOCOL_ERROR, reason), true);
    }

    private static SessionClosedException closed(Control.Goodbye g) {
        return new SessionClosedException(g.code(), g.reason());
    }

    /** Ends the session once: tells the proxy if asked, closes the transport and fails what waits. */
    private void end(Control.Goodbye why, boolean sayGoodbye) {
        if (!ended.compareAndSet(null, why)) {
            return;
        }
        if (sayGoodbye) {
            sendControl(why);
        }
        transport.close(why.code(), why.reason());
        opened.completeExceptionally(closed(why));
        for (Integer id : calls.keySet()) {
            Call<?> c = calls.remove(id);
            if (c != null) {
                c.future.completeExceptionally(closed(why));
            }
        }
        pushes.clear();
        for (Integer fd : ownStreams.keySet()) {
            OwnStream own = ownStreams.remove(fd);
            if (own != null) {
                own.stream.close(why.code(), why.reason());
            }
        }
        failWaiters(why);
        closeFuture.complete(why);
    }

    private void releaseWaiters() {
        CompletableFuture<Void> f;
        while ((f = writableWaiters.poll()) != null) {
            f.complete(null);
        }
    }

    private void failWaiters(Control.Goodbye why) {
        CompletableFuture<Void> f;
        while ((f = writableWaiters.poll()) != null) {
            f.completeExceptionally(closed(why));
        }
    }

    @Override
    public String toString() {
        return "SockbridgeClient[" + transport + (isOpen() ? "" : ", closed") + "]";
    }
}
