package io.backplane.node.store;

import io.backplane.node.ledger.LedgerStore;
import io.backplane.node.ledger.SparseMerkleTree;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVM of the store's process tests. {@code hold DIR SIGNAL}: opens the database, writes SIGNAL and sleeps until
 * killed. {@code ledger DIR SEED COUNT PROGRESS}: executes the seeded {@link LedgerWorkload} (COUNT changes a height) from the executed height on,
 * committing each height and then appending it to PROGRESS, until killed with -9.
 */
public final class NodeDatabaseChild {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        NodeDatabase db = NodeDatabase.open(dir);
        if (args[0].equals("hold")) {
            try (FileOutputStream signal = new FileOutputStream(args[2])) {
                signal.write("open\n".getBytes(StandardCharsets.US_ASCII));
            }
            Thread.sleep(600_000);
            return;
        }
        long seed = Long.parseLong(args[2]);
        LedgerStore store = db.ledgerStore();
        SparseMerkleTree tree = new SparseMerkleTree(store);
        int count = Integer.parseInt(args[3]);
        try (FileOutputStream progress = new FileOutputStream(args[4], true)) {
            for (long h = store.executedHeight() + 1; ; h++) {
                byte[] root = tree.apply(LedgerWorkload.changes(seed, h, count));
                store.commit(h, root, LedgerWorkload.txs(h));
                progress.write((h + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    static Process start(Path err, String... args) throws java.io.IOException {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(javaBin.toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                NodeDatabaseChild.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
