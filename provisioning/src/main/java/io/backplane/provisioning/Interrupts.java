package io.backplane.provisioning;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Clean stops, in one place. {@link Main#main} installs one shutdown hook; a long command registers, while it runs,
 * how to print what it has finished ({@link #whileRunning}). On Ctrl-C (SIGINT) or SIGTERM the hook prints that
 * (a partial table, or a partial JSON document marked {@code "interrupted": true}) and the JVM exits with the
 * signal's status (130 for Ctrl-C). On every exit, interrupted or not, the process's scratch directory under
 * {@code <home>/tmp} is removed.
 */
final class Interrupts {
    private static final AtomicReference<Runnable> PARTIAL = new AtomicReference<>();
    private static final AtomicReference<Path> SCRATCH = new AtomicReference<>();
    private static volatile boolean finished;
    private static volatile boolean json;

    private Interrupts() {
    }

    /** Called once by {@link Main#main}: only a real process has signals to stop it. */
    static void install(boolean jsonRequested) {
        json = jsonRequested;
        Runtime.getRuntime().addShutdownHook(new Thread(Interrupts::onShutdown, "backplane-stop"));
    }

    /** The command line returned normally: nothing is partial any more. */
    static void finished() {
        finished = true;
    }

    /** Registers the printer of finished work until the returned handle is closed. */
    static Registration whileRunning(Runnable printFinishedWork) {
        PARTIAL.set(printFinishedWork);
        return () -> PARTIAL.compareAndSet(printFinishedWork, null);
    }

    /** Ends a {@link #whileRunning} registration. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** A directory this process owns and that is removed when it exits. */
    static void scratch(Path dir) {
        SCRATCH.set(dir);
    }

    private static void onShutdown() {
        Runnable partial = PARTIAL.get();
        if (!finished && partial != null) {
            try {
                partial.run();
            } catch (RuntimeException e) {
                System.err.println("backplane: interrupted; could not print the finished work: " + e.getMessage());
            }
        } else if (!finished && json) {
            // Stopped before any work finished: --json still owes its one document.
            System.out.println("{\"error\":{\"code\":" + ExitCodes.INTERRUPTED + ",\"message\":\"interrupted before any work finished\"}}");
        }
        System.out.flush();
        Path dir = SCRATCH.get();
        if (dir != null) {
            deleteTree(dir);
        }
    }

    /** Removes {@code dir} and everything below it, best effort (a file still held open elsewhere may stay). */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // best effort: the next run sweeps directories of processes that are gone
        }
    }
}
