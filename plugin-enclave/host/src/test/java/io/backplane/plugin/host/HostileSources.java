package io.backplane.plugin.host;

import java.util.Map;

/**
 * Sources of hostile plugins, compiled into real jars by {@link TestJars} during the tests. Each is a leader-election
 * plugin whose {@code schedule} does its mischief and reports what it managed by throwing
 * {@code IllegalStateException("RESULT ...")}, which the host turns into a plugin error carrying that text.
 */
final class HostileSources {
    private HostileSources() {
    }

    private static String plugin(String name, String imports, String body) {
        return """
                package hostile;
                import io.backplane.plugin.api.*;
                %s
                public final class %s implements LeaderElection {
                    @Override
                    public LeaderSchedule schedule(LeaderElectionInput in) {
                        StringBuilder result = new StringBuilder("RESULT");
                        %s
                    }
                }
                """.formatted(imports, name, body);
    }

    static Map<String, String> socket(int port) {
        return Map.of("hostile.Socket", plugin("Socket", "", """
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress("127.0.0.1", %d), 1000);
                    s.getOutputStream().write("escaped".getBytes());
                    result.append(" CONNECTED");
                } catch (Exception e) {
                    result.append(" connect failed: ").append(e);
                }
                throw new IllegalStateException(result.toString());
                """.formatted(port)));
    }

    static Map<String, String> read(String keyFile) {
        return Map.of("hostile.Read", plugin("Read", "", """
                for (String f : new String[] {"/etc/passwd", "%s"}) {
                    try {
                        result.append(" READ ").append(f).append(": ").append(new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(f))));
                    } catch (Exception e) {
                        result.append(" read failed: ").append(e);
                    }
                }
                throw new IllegalStateException(result.toString());
                """.formatted(keyFile)));
    }

    static Map<String, String> write(String hostFile) {
        return Map.of("hostile.Write", plugin("Write", "", """
                for (String f : new String[] {"%s", "/enclave/plugin.jar", "/usr/lib/pwned"}) {
                    try (java.io.FileOutputStream out = new java.io.FileOutputStream(f)) {
                        out.write("pwned".getBytes());
                        result.append(" WROTE ").append(f);
                    } catch (Exception e) {
                        result.append(" write failed: ").append(e);
                    }
                }
                throw new IllegalStateException(result.toString());
                """.formatted(hostFile)));
    }

    static Map<String, String> fork(String hostFile) {
        return Map.of("hostile.Fork", plugin("Fork", "", """
                try {
                    Process p = new ProcessBuilder("/bin/sh", "-c", "echo pwned > %s").start();
                    result.append(" FORKED exit ").append(p.waitFor());
                } catch (Exception e) {
                    result.append(" fork failed: ").append(e);
                }
                throw new IllegalStateException(result.toString());
                """.formatted(hostFile)));
    }

    static Map<String, String> allocate() {
        return Map.of("hostile.Allocate", plugin("Allocate", "", """
                java.util.List<long[]> hoard = new java.util.ArrayList<>();
                while (true) {
                    hoard.add(new long[1 << 20]);
                }
                """));
    }

    static Map<String, String> spin() {
        return Map.of("hostile.Spin", plugin("Spin", "", """
                long x = 0;
                while (x >= 0) {
                    x = (x + 1) & 0x7fffffffffffffffL;
                }
                throw new IllegalStateException(result.append(x).toString());
                """));
    }

    static Map<String, String> exit() {
        return Map.of("hostile.Exit", plugin("Exit", "", """
                System.exit(0);
                return null;
                """));
    }

    static Map<String, String> garbage() {
        return Map.of("hostile.Garbage", plugin("Garbage", "", """
                try {
                    java.io.FileOutputStream out = new java.io.FileOutputStream(java.io.FileDescriptor.out);
                    out.write("HTTP/1.1 200 OK\\r\\nyou have been pwned\\r\\n\\r\\n".getBytes());
                    out.flush();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                return new LeaderSchedule(java.util.Collections.nCopies(in.windowLength(), in.validators().get(0).id()));
                """));
    }

    static Map<String, String> random() {
        return Map.of("hostile.RandomAnswers", plugin("RandomAnswers", "", """
                java.util.Random r = new java.util.Random(System.nanoTime());
                java.util.List<String> leaders = new java.util.ArrayList<>();
                for (int i = 0; i < in.windowLength(); i++) {
                    leaders.add(in.validators().get(r.nextInt(in.validators().size())).id());
                }
                return new LeaderSchedule(leaders);
                """));
    }

    static Map<String, String> sleep() {
        return Map.of("hostile.Sleep", plugin("Sleep", "", """
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    result.append(" interrupted");
                }
                throw new IllegalStateException(result.toString());
                """));
    }

    /** Answers round-robin, except that a window of 13 rounds makes it allocate without bound (and die). */
    static Map<String, String> flaky() {
        return Map.of("hostile.Flaky", plugin("Flaky", "", """
                if (in.windowLength() == 13) {
                    java.util.List<long[]> hoard = new java.util.ArrayList<>();
                    while (true) {
                        hoard.add(new long[1 << 20]);
                    }
                }
                java.util.List<String> leaders = new java.util.ArrayList<>();
                for (int i = 0; i < in.windowLength(); i++) {
                    leaders.add(in.validators().get((int) ((in.firstRound() + i) % in.validators().size())).id());
                }
                return new LeaderSchedule(leaders);
                """));
    }
}
