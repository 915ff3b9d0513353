package io.backplane.plugin.api;

import java.util.Arrays;
import java.util.Objects;

/** One transaction of a proposed block: its sender, the sender's nonce and its opaque body. */
public record Transaction(String sender, long nonce, byte[] body) {
    public Transaction {
        Objects.requireNonNull(sender, "sender");
        body = Objects.requireNonNull(body, "body").clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transaction t && sender.equals(t.sender) && nonce == t.nonce && Arrays.equals(body, t.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sender, nonce, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "Transaction[sender=" + sender + ", nonce=" + nonce + ", body=" + body.length + " bytes]";
    }
}
