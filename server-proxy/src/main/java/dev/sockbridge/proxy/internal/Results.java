package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.message.Reply;
import dev.sockbridge.proxy.spi.Result;

/** Between the engine's POSIX results and the Sockbridge protocol's replies. */
public final class Results {
    private Results() {
    }

    /** The Sockbridge protocol reply to call {@code callId} that carries {@code r} (and its buffer). */
    public static Reply toReply(int callId, Result r) {
        if (r instanceof Result.Ok) {
            return new Reply.Ok(callId);
        } else if (r instanceof Result.Value) {
            return new Reply.Value(callId, ((Result.Value) r).value());
        } else if (r instanceof Result.Error) {
            Result.Error e = (Result.Error) r;
            return new Reply.Error(callId, e.code(), e.reason());
        } else if (r instanceof Result.Data) {
            Result.Data d = (Result.Data) r;
            return new Reply.Data(callId, d.flags(), d.from(), d.data());
        } else if (r instanceof Result.Address) {
            return new Reply.Address(callId, ((Result.Address) r).address());
        } else if (r instanceof Result.Accepted) {
            Result.Accepted a = (Result.Accepted) r;
            return new Reply.Accept(callId, a.fd(), a.peer());
        } else if (r instanceof Result.SocketPair) {
            Result.SocketPair p = (Result.SocketPair) r;
            return new Reply.SocketPair(callId, p.fd0(), p.fd1());
        } else if (r instanceof Result.AddrInfos) {
            return new Reply.AddrInfos(callId, ((Result.AddrInfos) r).results());
        } else if (r instanceof Result.NameInfo) {
            Result.NameInfo n = (Result.NameInfo) r;
            return new Reply.NameInfo(callId, n.host(), n.service());
        } else {
            return new Reply.Poll(callId, ((Result.Polled) r).ready());
        }
    }

    /** The result a reply carries (and its buffer). */
    public static Result of(Reply r) {
        if (r instanceof Reply.Ok) {
            return Result.OK;
        } else if (r instanceof Reply.Value) {
            return new Result.Value(((Reply.Value) r).value());
        } else if (r instanceof Reply.Error) {
            Reply.Error e = (Reply.Error) r;
            return new Result.Error(e.code(), e.reason());
        } else if (r instanceof Reply.Data) {
            Reply.Data d = (Reply.Data) r;
            return new Result.Data(d.flags(), d.from(), d.data());
        } else if (r instanceof Reply.Address) {
            return new Result.Address(((Reply.Address) r).address());
        } else if (r instanceof Reply.Accept) {
            Reply.Accept a = (Reply.Accept) r;
            return new Result.Accepted(a.fd(), a.peer());
        } else if (r instanceof Reply.SocketPair) {
            Reply.SocketPair p = (Reply.SocketPair) r;
            return new Result.SocketPair(p.fd0(), p.fd1());
        } else if (r instanceof Reply.AddrInfos) {
            return new Result.AddrInfos(((Reply.AddrInfos) r).results());
        } else if (r instanceof Reply.NameInfo) {
            Reply.NameInfo n = (Reply.NameInfo) r;
            return new Result.NameInfo(n.host(), n.service());
        } else {
            return new Result.Polled(((Reply.Poll) r).ready());
        }
    }
}
