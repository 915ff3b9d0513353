package io.backplane.plugin.api;

/**
 * A range of plugin API versions in interval notation: {@code [1.0,2.0)} includes 1.0 and excludes 2.0;
 * {@code [1.0,1.0]} is exactly 1.0.
 */
public record VersionRange(ApiVersion lower, boolean lowerInclusive, ApiVersion upper, boolean upperInclusive) {
    public static VersionRange parse(String s) {
        String t = s.trim();
        if (t.length() < 5 || "[(".indexOf(t.charAt(0)) < 0 || "])".indexOf(t.charAt(t.length() - 1)) < 0 || !t.contains(",")) {
            throw new IllegalArgumentException("API range '" + s + "' must look like [1.0,2.0)");
        }
        String[] ends = t.substring(1, t.length() - 1).split(",", -1);
        if (ends.length != 2) {
            throw new IllegalArgumentException("API range '" + s + "' must have exactly two ends");
        }
        VersionRange r = new VersionRange(ApiVersion.parse(ends[0]), t.charAt(0) == '[', ApiVersion.parse(ends[1]), t.charAt(t.length() - 1) == ']');
        if (r.lower.compareTo(r.upper) > 0) {
            throw new IllegalArgumentException("API range '" + s + "' is empty: its lower end is above its upper end");
        }
        return r;
    }

    public boolean contains(ApiVersion v) {
        int lo = v.compareTo(lower);
        int hi = v.compareTo(upper);
        return (lowerInclusive ? lo >= 0 : lo > 0) && (upperInclusive ? hi <= 0 : hi < 0);
    }

    @Override
    public String toString() {
        return (lowerInclusive ? "[" : "(") + lower + "," + upper + (upperInclusive ? "]" : ")");
    }
}
