package io.backplane.provisioning;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A child JVM for {@link KeysGuardChildIT}: runs several {@code backplane} command lines one after another through
 * {@link Main#run} (the real commands, each opening the keystore afresh), separated by {@code --;}, printing
 * {@code EXIT <code>} after each. One JVM for a setup of ten commands instead of ten JVM start-ups.
 */
public final class KeysScriptChild {
    private KeysScriptChild() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        List<String> current = new ArrayList<>();
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--;");
        for (String a : all) {
            if (a.equals("--;")) {
                int code = Main.run(current.toArray(String[]::new), out, err);
                out.println("EXIT " + code);
                current.clear();
            } else {
                current.add(a);
            }
        }
        out.flush();
        System.exit(0);
    }
}
