package io.backplane.hsm.audit;

import java.util.Map;

/** Where key events go (the audit log); appending must be durable before the audited action's result is released. */
@FunctionalInterface
public interface AuditSink {
    void append(String event, String keyId, Map<String, String> detail);

    AuditSink NONE = (event, keyId, detail) -> { };
}
