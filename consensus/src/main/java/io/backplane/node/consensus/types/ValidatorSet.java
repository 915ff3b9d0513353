package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import io.backplane.codec.Encodable;
import java.util.BitSet;
import java.util.List;

/**
 * The validators of one epoch, indexed 0..n-1 in this order. Quorum = more than 2/3 of the total stake; a
 * "weak" quorum (more than 1/3) is enough to contain one honest validator.
 */
public final class ValidatorSet implements Encodable {
    private final long epoch;
    private final List<Validator> validators;
    private final long totalStake;

    public ValidatorSet(long epoch, List<Validator> validators) {
        if (validators.isEmpty() || validators.size() > Limits.MAX_VALIDATORS) {
            throw new IllegalArgumentException("a validator set has 1.." + Limits.MAX_VALIDATORS + " validators, got " + validators.size());
        }
        this.epoch = epoch;
        this.validators = List.copyOf(validators);
        long total = 0;
        for (Validator v : validators) {
            total = Math.addExact(total, v.stake());
        }
        this.totalStake = total;
    }

    public long epoch() {
        return epoch;
    }

    public int size() {
        return validators.size();
    }

    public Validator get(int index) {
        return validators.get(index);
    }

    public List<Validator> validators() {
        return validators;
    }

    public long totalStake() {
        return totalStake;
    }

    /** The smallest stake that is more than 2/3 of the total. */
    public long quorumStake() {
        return totalStake * 2 / 3 + 1;
    }

    /** The smallest stake that is more than 1/3 of the total: any such group holds an honest validator. */
    public long weakQuorumStake() {
        return totalStake / 3 + 1;
    }

    public boolean contains(int index) {
        return index >= 0 && index < validators.size();
    }

    public long stakeOf(BitSet signers) {
        long s = 0;
        for (int i = signers.nextSetBit(0); i >= 0; i = signers.nextSetBit(i + 1)) {
            if (i >= validators.size()) {
                return -1;
            }
            s += validators.get(i).stake();
        }
        return s;
    }

    public boolean hasQuorum(BitSet signers) {
        long s = stakeOf(signers);
        return s >= quorumStake();
    }

    @Override
    public void encode(CanonicalWriter w) {
        w.u64(epoch).list(validators, (out, v) -> v.encode(out));
    }

    public static ValidatorSet decode(CanonicalReader r) {
        long epoch = r.u64();
        List<Validator> vs = r.list(Limits.MAX_VALIDATORS, Validator::decode);
        if (vs.isEmpty()) {
            throw new CodecException("validator set of epoch " + epoch + " is empty");
        }
        return new ValidatorSet(epoch, vs);
    }
}
