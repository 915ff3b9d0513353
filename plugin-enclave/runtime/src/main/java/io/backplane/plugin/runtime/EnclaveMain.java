package io.backplane.plugin.runtime;

import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.BlockValidator;
import io.backplane.plugin.api.LeaderElection;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.RoutingStrategy;
import io.backplane.plugin.wire.Frames;
import io.backplane.plugin.wire.Wire;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The enclave's main, run inside the sandboxed child JVM: {@code EnclaveMain ENTRY_CLASS KIND[,KIND...]}. It answers
 * framed requests on stdin with framed responses on stdout until stdin closes. {@code System.out} is pointed at stderr
 * before the plugin is loaded so a plugin's prints cannot corrupt the channel (the host logs stderr). The handshake is
 * answered before any plugin class is loaded; {@link Wire#INIT} then loads the entry class and runs its constructor,
 * so the host can give the JVM's start and the plugin's start separate budgets. A plugin that
 * throws gets a {@link Frames#PLUGIN_ERROR} answer; one that runs out of memory kills the JVM
 * ({@code -XX:+ExitOnOutOfMemoryError}), which the host sees as a crash.
 */
public final class EnclaveMain {
    private EnclaveMain() {
    }

    public static void main(String[] args) throws Exception {
        OutputStream channel = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        InputStream in = new BufferedInputStream(System.in, 1 << 16);
        if (args.length != 2) {
            System.err.println("usage: EnclaveMain ENTRY_CLASS KIND[,KIND...]");
            System.exit(2);
        }
        List<PluginKind> kinds = new ArrayList<>();
        for (String k : args[1].split(",")) {
            kinds.add(PluginKind.fromWireName(k));
        }
        serveLazily(args[0], kinds, in, channel);
    }

    /**
     * The request loop of a real enclave: answers the handshake before any plugin code is loaded, loads and constructs
     * the entry class on {@link Wire#INIT} (its failure is a plugin error), and refuses plugin calls before that.
     */
    public static void serveLazily(String entryClass, List<PluginKind> kinds, InputStream in, OutputStream out) throws java.io.IOException {
        Object plugin = null;
        Frames.Request req;
        while ((req = Frames.readRequest(in)) != null) {
            Frames.Response resp;
            try {
                if (req.method().equals(Wire.INIT)) {
                    if (plugin == null) {
                        plugin = instantiate(entryClass, kinds);
                    }
                    resp = new Frames.Response(req.id(), Frames.OK, new byte[0]);
                } else if (plugin == null && !req.method().equals(Wire.HELLO)) {
                    throw new IllegalStateException("the plugin is not started: " + Wire.INIT + " comes first");
                } else {
                    resp = new Frames.Response(req.id(), Frames.OK, dispatch(plugin, kinds, req.method(), req.payload()));
                }
            } catch (StackOverflowError | RuntimeException | ExceptionInInitializerError e) {
                resp = new Frames.Response(req.id(), Frames.PLUGIN_ERROR, describe(e));
            } catch (ReflectiveOperationException e) {
                Throwable c = e instanceof java.lang.reflect.InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
                resp = new Frames.Response(req.id(), Frames.PLUGIN_ERROR, describe(c));
            }
            Frames.writeResponse(out, resp);
        }
    }

    private static Object instantiate(String entryClass, List<PluginKind> kinds) throws ReflectiveOperationException {
        Object plugin = Class.forName(entryClass).getDeclaredConstructor().newInstance();
        for (PluginKind k : kinds) {
            if (!k.contract().isInstance(plugin)) {
                throw new IllegalArgumentException("entry class " + entryClass + " does not implement " + k.contract().getSimpleName());
            }
        }
        return plugin;
    }

    private static byte[] describe(Throwable e) {
        String msg = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return msg.getBytes(StandardCharsets.UTF_8);
    }

    /** The request loop over an already constructed plugin, separate from {@link #main} so it can be exercised over pipes. */
    public static void serve(Object plugin, List<PluginKind> kinds, InputStream in, OutputStream out) throws java.io.IOException {
        Frames.Request req;
        while ((req = Frames.readRequest(in)) != null) {
            Frames.Response resp;
            try {
                resp = new Frames.Response(req.id(), Frames.OK, req.method().equals(Wire.INIT) ? new byte[0]
                        : dispatch(plugin, kinds, req.method(), req.payload()));
            } catch (StackOverflowError | RuntimeException e) {
                resp = new Frames.Response(req.id(), Frames.PLUGIN_ERROR, describe(e));
            }
            Frames.writeResponse(out, resp);
        }
    }

    /** Runs one request against a plugin object; shared with the host's in-process endpoint so both speak the same bytes. */
    public static byte[] dispatch(Object plugin, List<PluginKind> kinds, String method, byte[] payload) {
        if (method.equals(Wire.HELLO)) {
            return Wire.encodeHello(new Wire.Hello(ApiVersion.CURRENT, kinds));
        }
        PluginKind kind = PluginKind.fromWireName(method);
        if (!kinds.contains(kind)) {
            throw new IllegalArgumentException("this plugin does not implement " + method);
        }
        return switch (kind) {
            case LEADER_ELECTION -> Wire.encodeSchedule(((LeaderElection) plugin).schedule(Wire.decodeLeaderInput(payload)));
            case BLOCK_VALIDATOR -> {
                Wire.ValidationRequest v = Wire.decodeValidation(payload);
                yield Wire.encodeVerdict(((BlockValidator) plugin).validate(v.proposal(), v.ledger()));
            }
            case ROUTING -> Wire.encodePlan(((RoutingStrategy) plugin).plan(Wire.decodeRouting(payload)));
        };
    }
}
