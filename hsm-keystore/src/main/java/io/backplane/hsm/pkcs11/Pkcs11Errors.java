package io.backplane.hsm.pkcs11;

import java.util.Map;

/** Names of the PKCS#11 return values an operator may meet, for error lines. */
final class Pkcs11Errors {
    private static final Map<Long, String> NAMES = Map.ofEntries(
            Map.entry(0x0L, "CKR_OK"), Map.entry(0x3L, "CKR_SLOT_ID_INVALID"), Map.entry(0x5L, "CKR_GENERAL_ERROR"),
            Map.entry(0x6L, "CKR_FUNCTION_FAILED"), Map.entry(0x7L, "CKR_ARGUMENTS_BAD"), Map.entry(0x30L, "CKR_DEVICE_ERROR"),
            Map.entry(0x32L, "CKR_DEVICE_REMOVED"), Map.entry(0xA0L, "CKR_PIN_INCORRECT"), Map.entry(0xA4L, "CKR_PIN_LOCKED"),
            Map.entry(0xB3L, "CKR_SESSION_HANDLE_INVALID"), Map.entry(0xE0L, "CKR_TOKEN_NOT_PRESENT"),
            Map.entry(0xE1L, "CKR_TOKEN_NOT_RECOGNIZED"), Map.entry(0x100L, "CKR_USER_ALREADY_LOGGED_IN"),
            Map.entry(0x101L, "CKR_USER_NOT_LOGGED_IN"), Map.entry(0x190L, "CKR_CRYPTOKI_NOT_INITIALIZED"),
            Map.entry(0x191L, "CKR_CRYPTOKI_ALREADY_INITIALIZED"));

    private Pkcs11Errors() {
    }

    /** The code of a {@code CKR_...} name, or -1 for a name we do not know. */
    static long code(String name) {
        return NAMES.entrySet().stream().filter(e -> e.getValue().equals(name)).mapToLong(Map.Entry::getKey).findFirst().orElse(-1);
    }

    static String name(long rv) {
        return NAMES.getOrDefault(rv, "CKR_0x" + Long.toHexString(rv));
    }
}
