package io.backplane.node.net;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.function.Supplier;

/**
 * The socket transport chosen for this JVM: io_uring, then epoll, then NIO. Netty probes each native library once
 * and caches why it failed to load; this only reads those answers, so a missing library never breaks class loading.
 *
 * @param name          {@code io_uring}, {@code epoll} or {@code nio}
 * @param reason        why this one was chosen (and why the better ones were not)
 * @param ioHandler     the event loops' I/O handler factory
 * @param socketChannel the client channel type
 * @param serverChannel the server channel type
 */
record NativeTransport(String name, String reason, Supplier<IoHandlerFactory> ioHandler,
        Class<? extends SocketChannel> socketChannel, Class<? extends ServerChannel> serverChannel) {

    /** The transport for a {@link TransportConfig#nativeTransport()} setting; a demanded one that cannot load fails. */
    static NativeTransport choose(String setting) {
        switch (setting) {
            case "io_uring" -> {
                requireAvailable("io_uring", ioUringCause());
                return ioUring("demanded by configuration");
            }
            case "epoll" -> {
                requireAvailable("epoll", epollCause());
                return epoll("demanded by configuration");
            }
            case "nio" -> {
                return nio("demanded by configuration");
            }
            default -> {
                String uring = ioUringCause();
                if (uring == null) {
                    return ioUring("auto: io_uring is available");
                }
                String ep = epollCause();
                if (ep == null) {
                    return epoll("auto: io_uring unavailable (" + uring + ")");
                }
                return nio("auto: io_uring unavailable (" + uring + "); epoll unavailable (" + ep + ")");
            }
        }
    }

    /** Null when the named transport can be used in this JVM, else why not. */
    static String unavailabilityCause(String name) {
        return switch (name) {
            case "io_uring" -> ioUringCause();
            case "epoll" -> epollCause();
            case "nio" -> null;
            default -> "unknown transport " + name;
        };
    }

    private static void requireAvailable(String name, String cause) {
        if (cause != null) {
            throw new IllegalStateException("transport config `nativeTransport`: " + name + " was demanded but is"
                    + " unavailable: " + cause);
        }
    }

    /** Null when io_uring loads, else why not. */
    private static String ioUringCause() {
        try {
            return IoUring.isAvailable() ? null : describe(IoUring.unavailabilityCause());
        } catch (LinkageError e) {
            return describe(e);
        }
    }

    /** Null when epoll loads, else why not. */
    private static String epollCause() {
        try {
            return Epoll.isAvailable() ? null : describe(Epoll.unavailabilityCause());
        } catch (LinkageError e) {
            return describe(e);
        }
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "no cause given";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return msg.length() > 300 ? msg.substring(0, 300) + "..." : msg;
    }

    private static NativeTransport ioUring(String reason) {
        return new NativeTransport("io_uring", reason, IoUringIoHandler::newFactory, IoUringSocketChannel.class,
                IoUringServerSocketChannel.class);
    }

    private static NativeTransport epoll(String reason) {
        return new NativeTransport("epoll", reason, EpollIoHandler::newFactory, EpollSocketChannel.class,
                EpollServerSocketChannel.class);
    }

    private static NativeTransport nio(String reason) {
        return new NativeTransport("nio", reason, NioIoHandler::newFactory, NioSocketChannel.class,
                NioServerSocketChannel.class);
    }
}
