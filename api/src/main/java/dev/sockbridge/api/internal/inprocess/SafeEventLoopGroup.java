package dev.sockbridge.api.internal.inprocess;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Loops that outlive a task that throws. Netty's {@link DefaultEventLoop} runs tasks without a
 * guard, so one exception ends its thread and the loop refuses every later task ("event executor
 * terminated"). The in-process transport's loops are shared by every in-process connection in the
 * JVM, so one listener's bug would break all of them, for good. These loops log the exception and go
 * on, as Netty's socket loops do.
 */
final class SafeEventLoopGroup extends DefaultEventLoopGroup {
    SafeEventLoopGroup(int threads, ThreadFactory threadFactory) {
        super(threads, threadFactory);
    }

    @Override
    protected EventLoop newChild(Executor executor, Object... args) {
        return new SafeEventLoop(this, executor);
    }

    private static final class SafeEventLoop extends DefaultEventLoop {
        SafeEventLoop(EventLoopGroup parent, Executor executor) {
            super(parent, executor);
        }

        @Override
        protected void run() {
            for (;;) {
                Runnable task = takeTask();
                if (task != null) {
                    safeExecute(task);
                    updateLastExecutionTime();
                }
                if (confirmShutdown()) {
                    break;
                }
            }
        }
    }
}
