package io.backplane.hsm.pkcs11;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The few raw PKCS#11 calls SunPKCS11 does not offer: listing slots with their token labels and flags (SunPKCS11
 * selects a token only by slot id or index, and SoftHSM renumbers slots) and initialising a fresh token without putting
 * its PINs on a command line. Hand-written over JNA because no maintained Java PKCS#11 wrapper is on our registry; it
 * assumes LP64 (CK_ULONG = 64 bits: Linux x86-64 and aarch64). {@code C_Initialize} is called with
 * {@code CKF_OS_LOCKING_OK}, and never finalised, so SunPKCS11 (which tolerates "already initialised") shares it.
 */
final class Cryptoki {
    static final long CKR_OK = 0;
    static final long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
    static final long CKF_TOKEN_INITIALIZED = 0x400;
    static final long CKF_USER_PIN_INITIALIZED = 0x8;
    static final long CKF_USER_PIN_LOCKED = 0x40000;
    static final long CKF_SO_PIN_LOCKED = 0x400000;

    /** The C functions we call; names are PKCS#11's. */
    interface Lib extends Library {
        long C_Initialize(Pointer initArgs);

        long C_GetSlotList(byte tokenPresent, long[] slots, LongByReference count);

        long C_GetTokenInfo(long slot, Pointer info);

        long C_InitToken(long slot, byte[] soPin, long soPinLen, byte[] label32);

        long C_OpenSession(long slot, long flags, Pointer app, Pointer notify, LongByReference session);

        long C_Login(long session, long userType, byte[] pin, long pinLen);

        long C_InitPIN(long session, byte[] pin, long pinLen);

        long C_Logout(long session);

        long C_CloseSession(long session);

        long C_FindObjectsInit(long session, Pointer template, long count);

        long C_FindObjects(long session, long[] objects, long max, LongByReference count);

        long C_FindObjectsFinal(long session);

        long C_CreateObject(long session, Pointer template, long count, LongByReference object);

        long C_SetAttributeValue(long session, long object, Pointer template, long count);

        long C_GetAttributeValue(long session, long object, Pointer template, long count);
    }

    /** One slot with a token: its id, label (trailing blanks removed) and CK_TOKEN_INFO flags. */
    record Slot(long id, String label, long flags) {
        boolean initialized() {
            return (flags & CKF_TOKEN_INITIALIZED) != 0;
        }

        boolean userPinLocked() {
            return (flags & CKF_USER_PIN_LOCKED) != 0;
        }
    }

    private static final ConcurrentHashMap<String, Lib> LOADED = new ConcurrentHashMap<>();

    private final Lib lib;
    private final String library;

    private Cryptoki(String library, Lib lib) {
        this.library = library;
        this.lib = lib;
    }

    /** Loads and initialises {@code library} once per process. */
    static Cryptoki open(String library) {
        Lib lib = LOADED.computeIfAbsent(library, path -> {
            Lib l;
            try {
                l = Native.load(path, Lib.class);
            } catch (UnsatisfiedLinkError e) {
                // JNA's message lists every place it searched (the whole class path): keep dlopen's own reason only.
                String why = String.valueOf(e.getMessage()).lines().filter(line -> line.startsWith(path + ":")).findFirst()
                        .orElse(String.valueOf(e.getMessage()).lines().findFirst().orElse("unknown reason"));
                throw new TokenException("PKCS#11 library " + path + " cannot be loaded (" + why + ")", false, e);
            }
            // CK_C_INITIALIZE_ARGS: four mutex callbacks (NULL), flags = CKF_OS_LOCKING_OK (0x2), pReserved.
            Memory args = new Memory(48);
            args.clear();
            args.setLong(32, 0x2);
            long rv = l.C_Initialize(args);
            if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
                throw new TokenException("C_Initialize of " + path + " failed: " + Pkcs11Errors.name(rv), false, null);
            }
            return l;
        });
        return new Cryptoki(library, lib);
    }

    List<Slot> slots() {
        LongByReference count = new LongByReference();
        check(lib.C_GetSlotList((byte) 1, null, count), "C_GetSlotList");
        long[] ids = new long[(int) count.getValue()];
        if (ids.length > 0) {
            check(lib.C_GetSlotList((byte) 1, ids, count), "C_GetSlotList");
        }
        List<Slot> out = new ArrayList<>();
        for (int i = 0; i < (int) count.getValue(); i++) {
            // CK_TOKEN_INFO: label[32], manufacturerID[32], model[16], serialNumber[16], then CK_FLAGS flags.
            Memory info = new Memory(256);
            info.clear();
            long rv = lib.C_GetTokenInfo(ids[i], info);
            if (rv != CKR_OK) {
                continue; // a slot whose token vanished between the two calls
            }
            String label = new String(info.getByteArray(0, 32), StandardCharsets.UTF_8).stripTrailing();
            out.add(new Slot(ids[i], label, info.getLong(96)));
        }
        return out;
    }

    /**
     * Initialises the token in {@code slot} with {@code label}, an SO PIN and the user PIN, through C_InitToken,
     * C_Login(SO) and C_InitPIN: the PINs stay in this process's memory, never on a command line.
     */
    void initToken(long slot, String label, char[] soPin, char[] userPin) {
        byte[] so = utf8(soPin);
        byte[] user = utf8(userPin);
        try {
            byte[] label32 = new byte[32];
            Arrays.fill(label32, (byte) ' ');
            byte[] l = label.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(l, 0, label32, 0, Math.min(32, l.length));
            check(lib.C_InitToken(slot, so, so.length, label32), "C_InitToken");
            LongByReference session = new LongByReference();
            check(lib.C_OpenSession(slot, 0x4 | 0x2, null, null, session), "C_OpenSession");
            try {
                check(lib.C_Login(session.getValue(), 0 /* CKU_SO */, so, so.length), "C_Login(SO)");
                check(lib.C_InitPIN(session.getValue(), user, user.length), "C_InitPIN");
                lib.C_Logout(session.getValue());
            } finally {
                lib.C_CloseSession(session.getValue());
            }
        } finally {
            Arrays.fill(so, (byte) 0);
            Arrays.fill(user, (byte) 0);
        }
    }

    static final long CKR_USER_ALREADY_LOGGED_IN = 0x100;
    static final long CKA_CLASS = 0x0;
    static final long CKA_TOKEN = 0x1;
    static final long CKA_PRIVATE = 0x2;
    static final long CKA_LABEL = 0x3;
    static final long CKA_APPLICATION = 0x10;
    static final long CKA_MODIFIABLE = 0x170;
    static final long CKO_DATA = 0x0;

    /**
     * The values kept in the private token data objects (CKO_DATA) whose CKA_APPLICATION is {@code name} in
     * {@code slot}: normally one. The value is held, hex-encoded, in the object's CKA_LABEL, because that is the
     * attribute a data object may change in place: SoftHSM answers CKR_ATTRIBUTE_READ_ONLY for its CKA_VALUE, and
     * replacing the object instead (create, destroy) costs ~20 ms per write there. Logs in as user with {@code pin}
     * (an "already logged in" answer is fine: SunPKCS11 shares the login); never logs out, since that would log out
     * SunPKCS11's sessions too. Errors are {@link java.io.IOException}s naming the CKR code.
     */
    List<byte[]> readData(long slot, String name, char[] pin) throws java.io.IOException {
        long s = userSession(slot, pin);
        try {
            List<byte[]> out = new ArrayList<>();
            for (long obj : findData(s, name)) {
                Memory t = template(new long[] {CKA_LABEL}, new Memory[] {null}, new long[] {0});
                checkIo(lib.C_GetAttributeValue(s, obj, t, 1), "C_GetAttributeValue");
                long len = t.getLong(16);
                Memory v = new Memory(Math.max(1, len));
                t = template(new long[] {CKA_LABEL}, new Memory[] {v}, new long[] {len});
                checkIo(lib.C_GetAttributeValue(s, obj, t, 1), "C_GetAttributeValue");
                String hex = new String(v.getByteArray(0, (int) t.getLong(16)), StandardCharsets.US_ASCII);
                try {
                    out.add(java.util.HexFormat.of().parseHex(hex));
                } catch (IllegalArgumentException e) {
                    throw new java.io.IOException("token data object '" + name + "' holds a label that is not hex");
                }
            }
            return out;
        } finally {
            lib.C_CloseSession(s);
        }
    }

    /**
     * The names (CKA_APPLICATION) of the private token data objects in {@code slot} that begin with {@code prefix}, each
     * once; their values are read with {@link #readData}.
     */
    List<String> dataNames(long slot, String prefix, char[] pin) throws java.io.IOException {
        long s = userSession(slot, pin);
        try {
            Memory t = template(new long[] {CKA_CLASS, CKA_TOKEN}, new Memory[] {ulong(CKO_DATA), bytes(new byte[] {1})}, new long[] {8, 1});
            List<Long> handles = find(s, t, 2);
            java.util.TreeSet<String> out = new java.util.TreeSet<>();
            for (long obj : handles) {
                Memory a = template(new long[] {CKA_APPLICATION}, new Memory[] {null}, new long[] {0});
                checkIo(lib.C_GetAttributeValue(s, obj, a, 1), "C_GetAttributeValue");
                long len = a.getLong(16);
                Memory v = new Memory(Math.max(1, len));
                a = template(new long[] {CKA_APPLICATION}, new Memory[] {v}, new long[] {len});
                checkIo(lib.C_GetAttributeValue(s, obj, a, 1), "C_GetAttributeValue");
                String name = new String(v.getByteArray(0, (int) a.getLong(16)), StandardCharsets.UTF_8);
                if (name.startsWith(prefix)) {
                    out.add(name);
                }
            }
            return new ArrayList<>(out);
        } finally {
            lib.C_CloseSession(s);
        }
    }

    /** Sets the value of the private token data object {@code name} in {@code slot} (C_SetAttributeValue), creating it once. */
    void writeData(long slot, String name, byte[] value, char[] pin) throws java.io.IOException {
        // Fast path (once per signature: the audit and guard anchor): a kept session and object handle, so one
        // C_SetAttributeValue instead of open-session, login, find, set, close (about 0.2 ms less with SoftHSM). Any
        // failure drops them and takes the full path below, which reports the error.
        String key = library + "#" + slot + "#" + name;
        long[] kept = KEPT.get(key);
        if (kept != null) {
            synchronized (kept) {
                if (kept[0] != 0) {
                    byte[] label = java.util.HexFormat.of().formatHex(value).getBytes(StandardCharsets.UTF_8);
                    long rv = lib.C_SetAttributeValue(kept[0], kept[1], template(new long[] {CKA_LABEL}, new Memory[] {bytes(label)},
                            new long[] {label.length}), 1);
                    if (rv == CKR_OK) {
                        return;
                    }
                    lib.C_CloseSession(kept[0]);
                    kept[0] = 0;
                }
            }
            KEPT.remove(key, kept);
        }
        writeDataSlow(slot, name, value, pin);
        long s = userSession(slot, pin);
        List<Long> found = findData(s, name);
        if (found.size() == 1) {
            long[] fresh = {s, found.get(0)};
            if (KEPT.putIfAbsent(key, fresh) == null) {
                return;
            }
        }
        lib.C_CloseSession(s);
    }

    /** Kept (session, object handle) per library, slot and data object name, for {@link #writeData}. */
    private static final java.util.concurrent.ConcurrentHashMap<String, long[]> KEPT = new java.util.concurrent.ConcurrentHashMap<>();

    private void writeDataSlow(long slot, String name, byte[] value, char[] pin) throws java.io.IOException {
        long s = userSession(slot, pin);
        try {
            List<Long> found = findData(s, name);
            byte[] label = java.util.HexFormat.of().formatHex(value).getBytes(StandardCharsets.US_ASCII);
            if (found.size() == 1) {
                checkIo(lib.C_SetAttributeValue(s, found.get(0), template(new long[] {CKA_LABEL}, new Memory[] {bytes(label)},
                        new long[] {label.length}), 1), "C_SetAttributeValue");
                return;
            }
            if (!found.isEmpty()) {
                throw new java.io.IOException("token holds " + found.size() + " data objects for '" + name + "'; expected one");
            }
            Memory yes = bytes(new byte[] {1});
            byte[] app = name.getBytes(StandardCharsets.UTF_8);
            Memory t = template(new long[] {CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_APPLICATION, CKA_LABEL},
                    new Memory[] {ulong(CKO_DATA), yes, yes, yes, bytes(app), bytes(label)}, new long[] {8, 1, 1, 1, app.length, label.length});
            checkIo(lib.C_CreateObject(s, t, 6, new LongByReference()), "C_CreateObject");
        } finally {
            lib.C_CloseSession(s);
        }
    }

    private long userSession(long slot, char[] pin) throws java.io.IOException {
        LongByReference session = new LongByReference();
        checkIo(lib.C_OpenSession(slot, 0x4 | 0x2, null, null, session), "C_OpenSession");
        byte[] p = utf8(pin);
        try {
            long rv = lib.C_Login(session.getValue(), 1 /* CKU_USER */, p, p.length);
            if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
                lib.C_CloseSession(session.getValue());
                checkIo(rv, "C_Login");
            }
        } finally {
            Arrays.fill(p, (byte) 0);
        }
        return session.getValue();
    }

    /** The handles of the token data objects whose CKA_APPLICATION is {@code name}. */
    private List<Long> findData(long s, String name) throws java.io.IOException {
        byte[] l = name.getBytes(StandardCharsets.UTF_8);
        Memory t = template(new long[] {CKA_CLASS, CKA_TOKEN, CKA_APPLICATION}, new Memory[] {ulong(CKO_DATA), bytes(new byte[] {1}), bytes(l)},
                new long[] {8, 1, l.length});
        return find(s, t, 3);
    }

    /** The handles of the objects matching the {@code n}-attribute template {@code t}. */
    private List<Long> find(long s, Memory t, int n0) throws java.io.IOException {
        checkIo(lib.C_FindObjectsInit(s, t, n0), "C_FindObjectsInit");
        try {
            List<Long> out = new ArrayList<>();
            long[] found = new long[16];
            LongByReference n = new LongByReference();
            do {
                checkIo(lib.C_FindObjects(s, found, found.length, n), "C_FindObjects");
                for (int i = 0; i < (int) n.getValue(); i++) {
                    out.add(found[i]);
                }
            } while (n.getValue() == found.length);
            return out;
        } finally {
            lib.C_FindObjectsFinal(s);
        }
    }

    /** CK_ATTRIBUTE[] on LP64: {CK_ULONG type; void* pValue; CK_ULONG ulValueLen} = 24 bytes each. */
    private static Memory template(long[] types, Memory[] values, long[] lengths) {
        Template t = new Template(24L * types.length, values);
        for (int i = 0; i < types.length; i++) {
            t.setLong(24L * i, types[i]);
            t.setPointer(24L * i + 8, values[i]);
            t.setLong(24L * i + 16, lengths[i]);
        }
        return t;
    }

    /** The attribute array, holding its values so the GC cannot free them while the array is in use. */
    private static final class Template extends Memory {
        @SuppressWarnings("unused")
        private final Memory[] values;

        Template(long size, Memory[] values) {
            super(size);
            this.values = values;
        }
    }

    private static Memory bytes(byte[] b) {
        Memory m = new Memory(Math.max(1, b.length));
        m.write(0, b, 0, b.length);
        return m;
    }

    private static Memory ulong(long v) {
        Memory m = new Memory(8);
        m.setLong(0, v);
        return m;
    }

    private void checkIo(long rv, String call) throws java.io.IOException {
        if (rv != CKR_OK) {
            throw new java.io.IOException(call + " on " + library + " failed: " + Pkcs11Errors.name(rv));
        }
    }

    static boolean anyLoaded() {
        return !LOADED.isEmpty();
    }

    String library() {
        return library;
    }

    private static byte[] utf8(char[] pin) {
        java.nio.ByteBuffer b = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(pin));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return out;
    }

    private void check(long rv, String call) {
        if (rv != CKR_OK) {
            throw new TokenException(call + " on " + library + " failed: " + Pkcs11Errors.name(rv), false, null);
        }
    }
}
