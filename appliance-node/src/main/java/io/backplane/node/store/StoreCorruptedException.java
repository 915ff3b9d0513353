package io.backplane.node.store;

/**
 * A value in the node database is damaged: it does not decode, has the wrong length, or does not match its key (a block
 * stored under another block's id). The message names the column family and the key; nothing is guessed around it.
 */
public final class StoreCorruptedException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreCorruptedException(String column, byte[] key, String problem, Throwable cause) {
        super("node database column family '" + column + "', key " + Keys.show(key) + ": " + problem, cause);
    }

    public StoreCorruptedException(String column, byte[] key, String problem) {
        this(column, key, problem, null);
    }
}
