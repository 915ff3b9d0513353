package io.backplane.node.mempool;

import static io.backplane.node.mempool.MempoolTest.token;
import static io.backplane.node.mempool.MempoolTest.tx;
import static io.backplane.node.tx.TxFixtures.CHAIN;
import static io.backplane.node.tx.TxFixtures.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.accel.Accelerator;
import io.backplane.node.consensus.crypto.AccelTestSupport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mempool's batch signature check on the OpenCL device (PoCL here): the integration tier; the rest is {@link MempoolTest}. */
class MempoolIT {
    @Test
    void rejectsBadSignaturesOnTheDeviceToo() {
        try (Accelerator device = AccelTestSupport.deviceForced(io.backplane.accel.DeviceFaultHook.NONE)) {
            Mempool m = new Mempool(CHAIN, MempoolLimits.defaults(), device, pk -> 0L);
            List<byte[]> batch = new ArrayList<>();
            for (int s = 0; s < 8; s++) {
                byte[] t = tx(key(200 + s), 0).encode();
                if (s % 2 == 1) {
                    t[t.length - 40] ^= 0x10; // inside the signature
                }
                batch.add(t);
            }
            List<SubmitResult> r = m.submit(batch);
            for (int s = 0; s < 8; s++) {
                if (s % 2 == 0) {
                    assertThat(r.get(s)).isInstanceOf(SubmitResult.Accepted.class);
                } else {
                    assertThat(token(r.get(s))).isEqualTo("bad-signature");
                }
            }
        }
    }
}
