package io.backplane.node.store;

/**
 * The node database failed: it could not be opened (not a node database, held by another node process) or RocksDB refused
 * a read or write. The message names the directory or the column family and key. The node must stop on it: a failed write
 * may or may not be durable, and only a restart (which reads what is) can tell.
 */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
