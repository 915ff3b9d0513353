package io.backplane.accel;

import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.bls.BlsAggregateVerifyInput;
import io.backplane.accel.bls.BlsFastAggregateInput;
import io.backplane.accel.bls.BlsKeySetAggregateInput;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.ed25519.Ed25519Item;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Test fixture: a non-device {@link AccelBackend} that computes with the real {@link CpuBackend} and misbehaves on
 * demand (throws, hangs until released, lies, answers with the wrong shape), so the {@link Accelerator}'s fallback,
 * breaker, cross-check and metrics are exercised on machines without an OpenCL device. The faults come from inside the
 * backend call itself, not from {@link DeviceFaultHook}, so the paths a real driver failure takes are the ones tested.
 */
final class FaultyBackend implements AccelBackend {
    /** What the next calls do. */
    enum Fault { NONE, ERROR, HANG, LIE, SHORT }

    private final CpuBackend real = new CpuBackend();
    private final Set<String> unsupported;
    private final boolean sharesHostCpu;
    private volatile Fault fault = Fault.NONE;
    private final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch hung = new CountDownLatch(1);
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean closed;

    FaultyBackend() {
        this(Set.of(), false);
    }

    FaultyBackend(Set<String> unsupportedOps, boolean sharesHostCpu) {
        this.unsupported = unsupportedOps;
        this.sharesHostCpu = sharesHostCpu;
    }

    FaultyBackend fault(Fault f) {
        this.fault = f;
        return this;
    }

    /** Lets a hung call return (its answer is then discarded by the Accelerator). */
    void release() {
        release.countDown();
    }

    @Override
    public String name() {
        return "faulty";
    }

    @Override
    public String describe() {
        return "test fixture over the CPU backend";
    }

    @Override
    public boolean supports(AccelOp<?, ?> op) {
        return !unsupported.contains(op.name());
    }

    @Override
    public boolean sharesHostCpu() {
        return sharesHostCpu;
    }

    private <T> T call(Supplier<T> compute) {
        calls.incrementAndGet();
        Fault f = fault;
        if (f == Fault.ERROR) {
            throw new IllegalStateException("injected CL_OUT_OF_RESOURCES");
        }
        if (f == Fault.HANG) {
            hung.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("hung call interrupted", e);
            }
        }
        T answer = compute.get();
        if (f == Fault.LIE) {
            return lie(answer);
        }
        if (f == Fault.SHORT && answer instanceof List<?> l && !l.isEmpty()) {
            @SuppressWarnings("unchecked")
            T shorter = (T) l.subList(0, l.size() - 1);
            return shorter;
        }
        if (f == Fault.SHORT && answer instanceof boolean[] b && b.length > 0) {
            @SuppressWarnings("unchecked")
            T shorter = (T) java.util.Arrays.copyOf(b, b.length - 1);
            return shorter;
        }
        return answer;
    }

    /** The same shape, a different value: the first boolean flipped, the first byte of a digest or point changed. */
    @SuppressWarnings("unchecked")
    private static <T> T lie(T answer) {
        if (answer instanceof boolean[] b && b.length > 0) {
            boolean[] c = b.clone();
            c[0] = !c[0];
            return (T) c;
        }
        if (answer instanceof Boolean v) {
            return (T) Boolean.valueOf(!v);
        }
        if (answer instanceof byte[] d) {
            byte[] c = d.clone();
            c[0] ^= 1;
            return (T) c;
        }
        if (answer instanceof Optional<?> o) {
            return (T) (o.isPresent() ? Optional.empty() : Optional.of(new byte[96]));
        }
        if (answer instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof byte[]) {
            List<byte[]> c = new java.util.ArrayList<>((List<byte[]>) l);
            c.set(0, lie(c.get(0)));
            return (T) c;
        }
        return answer;
    }

    @Override
    public List<byte[]> sha256Batch(List<byte[]> messages) {
        return call(() -> real.sha256Batch(messages));
    }

    @Override
    public byte[] merkleRoot(List<byte[]> leaves) {
        return call(() -> real.merkleRoot(leaves));
    }

    @Override
    public boolean[] vdfVerifyBatch(List<VdfProof> proofs) {
        return call(() -> real.vdfVerifyBatch(proofs));
    }

    @Override
    public boolean[] ed25519BatchVerify(List<Ed25519Item> items) {
        return call(() -> real.ed25519BatchVerify(items));
    }

    @Override
    public Optional<byte[]> blsAggregateSignatures(List<byte[]> signatures) {
        return call(() -> real.blsAggregateSignatures(signatures));
    }

    @Override
    public Optional<byte[]> blsAggregatePublicKeys(List<byte[]> publicKeys) {
        return call(() -> real.blsAggregatePublicKeys(publicKeys));
    }

    @Override
    public boolean blsVerify(BlsSignatureSet set) {
        return call(() -> real.blsVerify(set));
    }

    @Override
    public boolean blsFastAggregateVerify(BlsFastAggregateInput input) {
        return call(() -> real.blsFastAggregateVerify(input));
    }

    @Override
    public boolean blsFastAggregateVerifySet(BlsKeySetAggregateInput input) {
        return call(() -> real.blsFastAggregateVerifySet(input));
    }

    @Override
    public boolean blsAggregateVerify(BlsAggregateVerifyInput input) {
        return call(() -> real.blsAggregateVerify(input));
    }

    @Override
    public boolean[] blsBatchVerifyEach(List<BlsSignatureSet> sets) {
        return call(() -> real.blsBatchVerifyEach(sets));
    }

    @Override
    public void close() {
        closed = true;
        release();
    }
}
