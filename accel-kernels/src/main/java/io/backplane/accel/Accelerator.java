package io.backplane.accel;

import io.backplane.accel.vdf.VdfOutput;
import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.AccelMetrics.FallbackReason;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each batch operation on the CPU or on the device, one mechanism for every {@link AccelOp}:
 * <ul>
 *   <li>below the operation's batch-size threshold, or while its circuit breaker is open, the CPU answers;</li>
 *   <li>a device error, a deadline miss or a malformed device answer makes the CPU answer that call, opens the
 *       operation's breaker, and the device is tried again after a cool-down;</li>
 *   <li>a sampled fraction of device answers is recomputed on the CPU; a mismatch is a device fault (the CPU answer
 *       is returned);</li>
 *   <li>every call, its items, latency and any fallback are counted in {@link AccelMetrics}.</li>
 * </ul>
 * Every call gets exactly one answer, and it is always one the CPU path would give (or the CPU's own exception for
 * invalid input). Thread-safe; device calls run one at a time on a dedicated thread so a hung device can be
 * abandoned at its deadline.
 */
public final class Accelerator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Accelerator.class);

    /**
     * Tuning and test hooks.
     *
     * @param thresholds     per operation name, the batch size from which the device is tried (absent: see {@link #threshold})
     * @param deadline       longest wait for one device call before the CPU answers instead
     * @param crossCheckRate fraction in [0, 1] of device answers recomputed on the CPU
     * @param seed           seed of the cross-check sampler (reproducible drills)
     * @param breakerBase    first cool-down after a device fault; doubles on each failed retry
     * @param breakerMax     cap of the cool-down
     * @param faultHook      fault injection at the device boundary ({@link DeviceFaultHook#NONE} in production)
     * @param nanoClock      monotonic clock for the breaker and latency metrics
     * @param registry       where the metrics are registered
     */
    public record Options(Map<String, Integer> thresholds, Duration deadline, double crossCheckRate, long seed,
                          Duration breakerBase, Duration breakerMax, DeviceFaultHook faultHook, LongSupplier nanoClock,
                          PrometheusRegistry registry) {
        public Options {
            thresholds = Map.copyOf(thresholds);
            Objects.requireNonNull(deadline, "deadline");
            if (!(crossCheckRate >= 0 && crossCheckRate <= 1)) {
                throw new IllegalArgumentException("crossCheckRate must be in [0, 1], got " + crossCheckRate);
            }
            Objects.requireNonNull(faultHook, "faultHook");
            Objects.requireNonNull(nanoClock, "nanoClock");
            Objects.requireNonNull(registry, "registry");
        }

        /** Production defaults: measured thresholds, 30 s deadline, 1% cross-check, 5 s to 5 min breaker. */
        public static Options defaults() {
            return new Options(Map.of(), Duration.ofSeconds(30), 0.01, 1L, Duration.ofSeconds(5), Duration.ofMinutes(5),
                    DeviceFaultHook.NONE, System::nanoTime, new PrometheusRegistry());
        }

        public Options withThresholds(Map<String, Integer> t) {
            return new Options(t, deadline, crossCheckRate, seed, breakerBase, breakerMax, faultHook, nanoClock, registry);
        }

        public Options withDeadline(Duration d) {
            return new Options(thresholds, d, crossCheckRate, seed, breakerBase, breakerMax, faultHook, nanoClock, registry);
        }

        public Options withCrossCheck(double rate, long newSeed) {
            return new Options(thresholds, deadline, rate, newSeed, breakerBase, breakerMax, faultHook, nanoClock, registry);
        }

        public Options withFaultHook(DeviceFaultHook h) {
            return new Options(thresholds, deadline, crossCheckRate, seed, breakerBase, breakerMax, h, nanoClock, registry);
        }

        public Options withClock(LongSupplier c) {
            return new Options(thresholds, deadline, crossCheckRate, seed, breakerBase, breakerMax, faultHook, c, registry);
        }

        public Options withRegistry(PrometheusRegistry r) {
            return new Options(thresholds, deadline, crossCheckRate, seed, breakerBase, breakerMax, faultHook, nanoClock, r);
        }
    }

    private final AccelBackend cpu;
    private final AccelBackend device;
    private final Options options;
    private final AccelMetrics metrics;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final SplittableRandom sampler;
    private final ExecutorService deviceThread;

    /**
     * @param cpu    the reference backend
     * @param device the device backend, or empty for CPU only; the accelerator owns and closes it
     */
    public Accelerator(AccelBackend cpu, Optional<AccelBackend> device, Options options) {
        this.cpu = Objects.requireNonNull(cpu, "cpu");
        this.device = device.orElse(null);
        this.options = options;
        this.metrics = new AccelMetrics(options.registry());
        this.sampler = new SplittableRandom(options.seed());
        this.deviceThread = this.device == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "accel-device-" + this.device.name());
            t.setDaemon(true);
            return t;
        });
    }

    public AccelMetrics metrics() {
        return metrics;
    }

    public Optional<AccelBackend> device() {
        return Optional.ofNullable(device);
    }

    /**
     * The batch size from which {@code op} is tried on the device: the configured one, else (for a device that
     * shares the host's cores, where the CPU path won at every measured size) never, else the op's default.
     */
    public int threshold(AccelOp<?, ?> op) {
        Integer configured = options.thresholds().get(op.name());
        if (configured != null) {
            return configured;
        }
        return device != null && device.sharesHostCpu() ? Integer.MAX_VALUE : op.defaultThreshold();
    }

    public CircuitBreaker.State breakerState(AccelOp<?, ?> op) {
        return breaker(op).state();
    }

    public List<byte[]> sha256Batch(List<byte[]> messages) {
        return run(AccelOp.SHA256, messages);
    }

    public byte[] merkleRoot(List<byte[]> leaves) {
        return run(AccelOp.MERKLE, leaves);
    }

    public boolean[] vdfVerifyBatch(List<VdfProof> proofs) {
        return run(AccelOp.VDF_VERIFY, proofs);
    }

    public boolean[] ed25519BatchVerify(List<io.backplane.accel.ed25519.Ed25519Item> items) {
        return run(AccelOp.ED25519_VERIFY, items);
    }

    public Optional<byte[]> blsAggregateSignatures(List<byte[]> signatures) {
        return run(AccelOp.BLS_AGGREGATE, signatures);
    }

    public Optional<byte[]> blsAggregatePublicKeys(List<byte[]> publicKeys) {
        return run(AccelOp.BLS_AGGREGATE_PUBKEYS, publicKeys);
    }

    public boolean blsVerify(io.backplane.accel.bls.BlsSignatureSet set) {
        return run(AccelOp.BLS_VERIFY, set);
    }

    public boolean blsFastAggregateVerify(io.backplane.accel.bls.BlsFastAggregateInput input) {
        return run(AccelOp.BLS_FAST_AGGREGATE_VERIFY, input);
    }

    /** {@code FastAggregateVerify} over a registered key set: the signers' cached points added, one pairing check. */
    public boolean blsFastAggregateVerifySet(io.backplane.accel.bls.BlsKeySetAggregateInput input) {
        return run(AccelOp.BLS_FAST_AGGREGATE_VERIFY_SET, input);
    }

    public boolean blsAggregateVerify(io.backplane.accel.bls.BlsAggregateVerifyInput input) {
        return run(AccelOp.BLS_AGGREGATE_VERIFY, input);
    }

    public boolean[] blsBatchVerifyEach(List<io.backplane.accel.bls.BlsSignatureSet> sets) {
        return run(AccelOp.BLS_BATCH_VERIFY, sets);
    }

    /** Sequential by nature: always the CPU. */
    public VdfOutput vdfEvaluate(byte[] x, long t) {
        long start = options.nanoClock().getAsLong();
        VdfOutput out = cpu.vdfEvaluate(x, t);
        metrics.answered("vdf-eval", cpu.name(), 1, options.nanoClock().getAsLong() - start);
        return out;
    }

    /** Runs one call of {@code op}: the single dispatch path for every operation. */
    public <I, R> R run(AccelOp<I, R> op, I input) {
        op.validate().accept(input);
        int n = op.items().applyAsInt(input);
        if (device == null || n < threshold(op) || !device.supports(op)) {
            return onCpu(op, input, n);
        }
        CircuitBreaker breaker = breaker(op);
        if (!breaker.allowDevice()) {
            metrics.fallback(op.name(), FallbackReason.BREAKER_OPEN);
            return onCpu(op, input, n);
        }
        long start = options.nanoClock().getAsLong();
        R answer;
        try {
            answer = onDevice(op, input, n);
        } catch (TimeoutException e) {
            return deviceFault(op, input, n, breaker, FallbackReason.DEADLINE, "no answer within " + options.deadline());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return deviceFault(op, input, n, breaker, FallbackReason.ERROR, cause.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return deviceFault(op, input, n, breaker, FallbackReason.ERROR, "interrupted while waiting for the device");
        }
        if (!op.shapeOk().test(input, answer)) {
            return deviceFault(op, input, n, breaker, FallbackReason.BAD_SHAPE, "answer of the wrong shape");
        }
        long deviceNanos = options.nanoClock().getAsLong() - start;
        if (sampled()) {
            R reference = op.call().apply(cpu, input);
            boolean match = op.sameAnswer().test(answer, reference);
            metrics.crossCheck(op.name(), match);
            if (!match) {
                breaker.onFailure();
                metrics.breaker(op.name(), true);
                metrics.fallback(op.name(), FallbackReason.MISMATCH);
                LOG.error("accel {}: device {} disagreed with the CPU on a batch of {}; CPU answer used, device benched",
                        op.name(), device.describe(), n);
                metrics.answered(op.name(), cpu.name(), n, options.nanoClock().getAsLong() - start);
                return reference;
            }
        }
        breaker.onSuccess();
        metrics.breaker(op.name(), false);
        metrics.answered(op.name(), device.name(), n, deviceNanos);
        return answer;
    }

    private <I, R> R onDevice(AccelOp<I, R> op, I input, int n) throws InterruptedException, ExecutionException, TimeoutException {
        DeviceFaultHook hook = options.faultHook();
        Future<R> f = deviceThread.submit(() -> {
            hook.beforeDeviceCall(op.name(), n);
            @SuppressWarnings("unchecked")
            R r = (R) hook.afterDeviceCall(op.name(), op.call().apply(device, input));
            return r;
        });
        try {
            return f.get(options.deadline().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true); // its answer, if it ever comes, is dropped: the caller gets the CPU's
            throw e;
        }
    }

    private <I, R> R deviceFault(AccelOp<I, R> op, I input, int n, CircuitBreaker breaker, FallbackReason reason, String detail) {
        breaker.onFailure();
        metrics.breaker(op.name(), true);
        metrics.fallback(op.name(), reason);
        LOG.warn("accel {}: device {} failed ({}: {}); CPU answers, device retried after a cool-down",
                op.name(), device.describe(), reason, detail);
        return onCpu(op, input, n);
    }

    private <I, R> R onCpu(AccelOp<I, R> op, I input, int n) {
        long start = options.nanoClock().getAsLong();
        R r = op.call().apply(cpu, input);
        metrics.answered(op.name(), cpu.name(), n, options.nanoClock().getAsLong() - start);
        return r;
    }

    private boolean sampled() {
        double rate = options.crossCheckRate();
        if (rate <= 0) {
            return false;
        }
        synchronized (sampler) {
            return sampler.nextDouble() < rate;
        }
    }

    private CircuitBreaker breaker(AccelOp<?, ?> op) {
        return breakers.computeIfAbsent(op.name(), k -> new CircuitBreaker(options.nanoClock(),
                options.breakerBase().toNanos(), options.breakerMax().toNanos()));
    }

    /**
     * Releases the device. A device call still stuck past its deadline keeps the device: releasing an OpenCL context
     * under a running call can crash the driver, and a leak at shutdown is the lesser harm.
     */
    @Override
    public void close() {
        boolean idle = true;
        if (deviceThread != null) {
            deviceThread.shutdownNow();
            try {
                idle = deviceThread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                idle = false;
            }
        }
        if (device != null) {
            if (idle) {
                device.close();
            } else {
                LOG.warn("accel: device {} is still busy with an abandoned call; not released", device.describe());
            }
        }
        cpu.close();
    }
}
