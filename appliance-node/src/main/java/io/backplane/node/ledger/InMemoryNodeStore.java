package io.backplane.node.ledger;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** A {@link NodeStore} in a hash map; holds everything on the heap. Not thread-safe. */
public final class InMemoryNodeStore implements NodeStore {
    private record Id(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Id other && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private final Map<Id, byte[]> map = new HashMap<>();

    @Override
    public byte[] get(byte[] id) {
        byte[] v = map.get(new Id(id));
        return v == null ? null : v.clone();
    }

    @Override
    public void put(byte[] id, byte[] value) {
        map.put(new Id(id.clone()), value.clone());
    }

    @Override
    public void delete(byte[] id) {
        map.remove(new Id(id));
    }

    @Override
    public long size() {
        return map.size();
    }
}
