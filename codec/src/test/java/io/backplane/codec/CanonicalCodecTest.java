package io.backplane.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CanonicalCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    /** A small record with every kind of field, as protocol messages will use them. */
    record Sample(int kind, long round, boolean flag, byte[] id, String label, List<byte[]> items, Long epoch) implements Encodable {
        @Override
        public void encode(CanonicalWriter w) {
            w.u8(kind).u64(round).bool(flag).fixed(id, 4).string(label)
                    .list(items, CanonicalWriter::bytes)
                    .optional(epoch, CanonicalWriter::u64);
        }

        static Sample decode(CanonicalReader r) {
            return new Sample(r.u8(), r.u64(), r.bool(), r.fixed(4), r.string(64),
                    r.list(16, in -> in.bytes(1024)), r.optional(CanonicalReader::u64));
        }
    }

    private static Sample sample() {
        return new Sample(2, 0x0102030405060708L, true, HEX.parseHex("deadbeef"), "vote",
                List.of(HEX.parseHex("aa"), new byte[0]), 7L);
    }

    @Test
    void encodesGoldenBytes() {
        String golden = "02" + "0102030405060708" + "01" + "deadbeef" + "00000004" + "766f7465"
                + "00000002" + "00000001" + "aa" + "00000000" + "01" + "0000000000000007";
        assertThat(HEX.formatHex(sample().toCanonicalBytes())).isEqualTo(golden);
    }

    @Test
    void encodesFixedWidthIntegersBigEndian() {
        byte[] bytes = new CanonicalWriter().u16(0xABCD).u32(0xFFFF_FFFFL).u64(-1L).toByteArray();
        assertThat(HEX.formatHex(bytes)).isEqualTo("abcd" + "ffffffff" + "ffffffffffffffff");
    }

    @Test
    void absentOptionalIsOneZeroByte() {
        byte[] bytes = new CanonicalWriter().optional(null, CanonicalWriter::u64).toByteArray();
        assertThat(HEX.formatHex(bytes)).isEqualTo("00");
    }

    @Test
    void roundTripsRandomValues() {
        Random rnd = new Random(42);
        for (int i = 0; i < 500; i++) {
            byte[] id = new byte[4];
            rnd.nextBytes(id);
            byte[] item = new byte[rnd.nextInt(100)];
            rnd.nextBytes(item);
            Sample s = new Sample(rnd.nextInt(256), rnd.nextLong(), rnd.nextBoolean(), id, "l" + rnd.nextInt(),
                    List.of(item), rnd.nextBoolean() ? null : rnd.nextLong());
            byte[] enc = s.toCanonicalBytes();
            Sample back = CanonicalReader.decode(enc, Sample::decode);
            assertThat(back.toCanonicalBytes()).isEqualTo(enc);
            assertThat(back.round()).isEqualTo(s.round());
            assertThat(back.epoch()).isEqualTo(s.epoch());
        }
    }

    @Test
    void rejectsTrailingBytes() {
        byte[] enc = sample().toCanonicalBytes();
        byte[] longer = java.util.Arrays.copyOf(enc, enc.length + 1);
        assertThatThrownBy(() -> CanonicalReader.decode(longer, Sample::decode))
                .isInstanceOf(CodecException.class).hasMessageContaining("trailing");
    }

    @Test
    void rejectsEveryTruncation() {
        byte[] enc = sample().toCanonicalBytes();
        for (int len = 0; len < enc.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(enc, len);
            assertThatThrownBy(() -> CanonicalReader.decode(cut, Sample::decode))
                    .as("truncated to %d bytes", len)
                    .isInstanceOf(CodecException.class);
        }
    }

    @Test
    void rejectsLengthLongerThanInput() {
        byte[] bad = HEX.parseHex("00000010" + "aabb");
        assertThatThrownBy(() -> CanonicalReader.decode(bad, r -> r.bytes(1 << 20)))
                .isInstanceOf(CodecException.class).hasMessageContaining("declares 16 bytes but only 2 remain");
    }

    @Test
    void rejectsLengthOverTheCallersLimit() {
        byte[] bad = new CanonicalWriter().bytes(new byte[100]).toByteArray();
        assertThatThrownBy(() -> CanonicalReader.decode(bad, r -> r.bytes(99)))
                .isInstanceOf(CodecException.class).hasMessageContaining("more than the limit 99");
    }

    @Test
    void rejectsHugeListCountWithoutAllocating() {
        byte[] bad = HEX.parseHex("7fffffff00");
        assertThatThrownBy(() -> CanonicalReader.decode(bad, r -> r.list(Integer.MAX_VALUE, CanonicalReader::u8)))
                .isInstanceOf(CodecException.class).hasMessageContaining("elements but only 1 bytes remain");
    }

    @Test
    void rejectsNonCanonicalBoolAndOptionalTags() {
        assertThatThrownBy(() -> CanonicalReader.decode(HEX.parseHex("02"), CanonicalReader::bool))
                .isInstanceOf(CodecException.class).hasMessageContaining("bool");
        assertThatThrownBy(() -> CanonicalReader.decode(HEX.parseHex("02"), r -> r.optional(CanonicalReader::u8)))
                .isInstanceOf(CodecException.class).hasMessageContaining("optional tag");
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] bad = HEX.parseHex("00000002c328");
        assertThatThrownBy(() -> CanonicalReader.decode(bad, r -> r.string(10)))
                .isInstanceOf(CodecException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void writerRefusesOutOfRangeValues() {
        CanonicalWriter w = new CanonicalWriter();
        assertThatThrownBy(() -> w.u8(256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.u16(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.fixed(new byte[3], 4)).isInstanceOf(IllegalArgumentException.class);
    }
}
