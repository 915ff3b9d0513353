package io.backplane.plugin.host;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The enclave's seccomp program (classic BPF, handed to {@code bwrap --seccomp FD}, which also sets no-new-privileges):
 * an <b>allowlist</b> of the system calls a JVM serving frames needs, on x86_64 only (any other architecture, and the
 * x32 ABI, kills the process). {@code clone} is allowed only with {@code CLONE_THREAD} (threads, never a process);
 * {@code clone3} answers {@code ENOSYS} so glibc falls back to {@code clone}; {@code fork}, {@code vfork} and every call
 * not listed (mount, ptrace, unshare, setns, bpf, keyctl, perf_event_open, process_vm_*, socket, io_uring...) answer
 * {@code EPERM}. {@code execve} stays allowed because bubblewrap execs the JVM after installing the filter; with no
 * fork and only {@code java} bound, an exec can only replace the enclave's JVM by another one under the same walls.
 *
 * <p>Written by hand rather than through libseccomp: the host has no native binding to it, and the program is a few
 * dozen instructions that tests run for real (the hostile suite forks, clones and mounts under it).
 */
public final class SeccompFilter {
    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int CLONE_THREAD = 0x00010000;
    private static final int RET_KILL_PROCESS = 0x80000000;
    private static final int RET_ALLOW = 0x7fff0000;
    private static final int RET_ERRNO = 0x00050000;
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;
    private static final int X32_SYSCALL_BIT = 0x40000000;

    private static final short LD_W_ABS = 0x20;
    private static final short JEQ_K = 0x15;
    private static final short JGE_K = 0x35;
    private static final short JSET_K = 0x45;
    private static final short RET_K = 0x06;

    /** x86_64 system call numbers (asm/unistd_64.h) of what the enclave JVM may do, by name for review. */
    static final Map<String, Integer> ALLOWED_X86_64 = allowed();
    static final int NR_CLONE = 56;
    static final int NR_CLONE3 = 435;
    static final int NR_FORK = 57;
    static final int NR_VFORK = 58;

    private SeccompFilter() {
    }

    private static Map<String, Integer> allowed() {
        Object[] pairs = {
            // memory
            "mmap", 9, "mprotect", 10, "munmap", 11, "brk", 12, "mremap", 25, "msync", 26, "mincore", 27, "madvise", 28,
            "mlock", 149, "munlock", 150, "membarrier", 324,
            // file descriptors and files inside the sandbox (read-only binds and the size-limited tmpfs)
            "read", 0, "write", 1, "open", 2, "close", 3, "stat", 4, "fstat", 5, "lstat", 6, "poll", 7, "lseek", 8,
            "ioctl", 16, "pread64", 17, "pwrite64", 18, "readv", 19, "writev", 20, "access", 21, "pipe", 22, "select", 23,
            "dup", 32, "dup2", 33, "sendfile", 40, "fcntl", 72, "flock", 73, "fsync", 74, "fdatasync", 75, "truncate", 76,
            "ftruncate", 77, "getdents", 78, "getcwd", 79, "rename", 82, "mkdir", 83, "rmdir", 84, "unlink", 87,
            "readlink", 89, "fchmod", 91, "umask", 95, "statfs", 137, "fstatfs", 138, "readahead", 187, "getdents64", 217,
            "openat", 257, "mkdirat", 258, "newfstatat", 262, "unlinkat", 263, "renameat", 264, "readlinkat", 267,
            "faccessat", 269, "pselect6", 270, "ppoll", 271, "utimensat", 280, "fallocate", 285, "dup3", 292, "pipe2", 293,
            "preadv", 295, "pwritev", 296, "renameat2", 316, "copy_file_range", 326, "statx", 332, "close_range", 436,
            "faccessat2", 439,
            "epoll_create", 213, "epoll_wait", 232, "epoll_ctl", 233, "epoll_pwait", 281, "eventfd", 284, "eventfd2", 290,
            "epoll_create1", 291, "epoll_pwait2", 441,
            // signals (a fresh pid namespace: only the enclave's own tasks can be reached)
            "rt_sigaction", 13, "rt_sigprocmask", 14, "rt_sigreturn", 15, "pause", 34, "kill", 62, "rt_sigpending", 127,
            "rt_sigtimedwait", 128, "rt_sigqueueinfo", 129, "rt_sigsuspend", 130, "sigaltstack", 131, "tkill", 200,
            "tgkill", 234, "restart_syscall", 219,
            // time and scheduling
            "sched_yield", 24, "nanosleep", 35, "getitimer", 36, "alarm", 37, "setitimer", 38, "gettimeofday", 96,
            "time", 201, "clock_gettime", 228, "clock_getres", 229, "clock_nanosleep", 230, "sched_getparam", 143,
            "sched_getscheduler", 145, "sched_get_priority_max", 146, "sched_get_priority_min", 147,
            "sched_rr_get_interval", 148, "sched_setaffinity", 203, "sched_getaffinity", 204, "getcpu", 309,
            "getpriority", 140,
            // identity and limits (lowering only: no capability can raise them)
            "getpid", 39, "getuid", 102, "getgid", 104, "geteuid", 107, "getegid", 108, "getppid", 110, "getpgrp", 111,
            "getgroups", 115, "getresuid", 118, "getresgid", 120, "getpgid", 121, "getsid", 124, "capget", 125,
            "gettid", 186, "getrlimit", 97, "setrlimit", 160, "prlimit64", 302, "getrusage", 98, "sysinfo", 99, "times", 100,
            "uname", 63,
            // threads and the process's own life
            "futex", 202, "set_tid_address", 218, "set_robust_list", 273, "get_robust_list", 274, "rseq", 334,
            "arch_prctl", 158, "prctl", 157, "getrandom", 318, "exit", 60, "exit_group", 231, "execve", 59, "wait4", 61, "waitid", 247, "signalfd4", 289,
        };
        Map<String, Integer> m = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (m.put((String) pairs[i], (Integer) pairs[i + 1]) != null) {
                throw new IllegalStateException("duplicate system call " + pairs[i]);
            }
        }
        return Map.copyOf(m);
    }

    /** Whether this JVM runs on an architecture the filter is written for. */
    public static boolean supported() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    /** The program as the kernel's {@code struct sock_filter[]} (8 bytes an instruction, native byte order). */
    public static byte[] program() {
        List<long[]> ins = new ArrayList<>(); // {code, jt, jf, k}
        List<Integer> allowed = new ArrayList<>(new java.util.TreeSet<>(ALLOWED_X86_64.values()));
        int n = allowed.size();
        // Layout: 0 load arch; 1 check; 2 kill; 3 load nr; 4 x32 -> EPERM; 5 clone -> CLONE; 6 clone3 -> ENOSYS;
        // 7..7+n-1 allowed -> ALLOW; EPERM; CLONE: load flags, jset, EPERM; ALLOW; ENOSYS.
        int eperm = 7 + n;
        int clone = eperm + 1;
        int allow = clone + 3;
        int enosys = allow + 1;
        ins.add(new long[] {LD_W_ABS, 0, 0, 4});
        ins.add(new long[] {JEQ_K, 1, 0, AUDIT_ARCH_X86_64 & 0xffffffffL});
        ins.add(new long[] {RET_K, 0, 0, RET_KILL_PROCESS & 0xffffffffL});
        ins.add(new long[] {LD_W_ABS, 0, 0, 0});
        ins.add(new long[] {JGE_K, jump(4, eperm), 0, X32_SYSCALL_BIT});
        ins.add(new long[] {JEQ_K, jump(5, clone), 0, NR_CLONE});
        ins.add(new long[] {JEQ_K, jump(6, enosys), 0, NR_CLONE3});
        for (int i = 0; i < n; i++) {
            ins.add(new long[] {JEQ_K, jump(7 + i, allow), 0, allowed.get(i)});
        }
        ins.add(new long[] {RET_K, 0, 0, RET_ERRNO | EPERM});
        ins.add(new long[] {LD_W_ABS, 0, 0, 16}); // args[0] of clone: the flags (low 32 bits, little-endian)
        ins.add(new long[] {JSET_K, 1, 0, CLONE_THREAD});
        ins.add(new long[] {RET_K, 0, 0, RET_ERRNO | EPERM});
        ins.add(new long[] {RET_K, 0, 0, RET_ALLOW});
        ins.add(new long[] {RET_K, 0, 0, RET_ERRNO | ENOSYS});
        ByteBuffer b = ByteBuffer.allocate(ins.size() * 8).order(ByteOrder.nativeOrder());
        for (long[] i : ins) {
            b.putShort((short) i[0]).put((byte) i[1]).put((byte) i[2]).putInt((int) i[3]);
        }
        return b.array();
    }

    private static int jump(int from, int to) {
        int d = to - from - 1;
        if (d < 0 || d > 255) {
            throw new IllegalStateException("seccomp jump out of range: " + d);
        }
        return d;
    }
}
