package io.backplane.plugin.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A plugin's own version, semantic versioning {@code MAJOR.MINOR.PATCH[-PRERELEASE]} (build metadata is refused). */
public record Semver(int major, int minor, int patch, String preRelease) implements Comparable<Semver> {
    private static final Pattern FORM = Pattern.compile("(0|[1-9]\\d{0,8})\\.(0|[1-9]\\d{0,8})\\.(0|[1-9]\\d{0,8})(?:-([0-9A-Za-z.-]+))?");

    public static Semver parse(String s) {
        Matcher m = FORM.matcher(s == null ? "" : s);
        if (!m.matches()) {
            throw new IllegalArgumentException("version '" + s + "' is not semantic versioning MAJOR.MINOR.PATCH[-PRE]");
        }
        return new Semver(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                m.group(4) == null ? "" : m.group(4));
    }

    @Override
    public int compareTo(Semver o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        if (c == 0) {
            c = Integer.compare(patch, o.patch);
        }
        if (c == 0 && !preRelease.equals(o.preRelease)) {
            // A pre-release sorts before its release; between two pre-releases, plain string order is enough here.
            c = preRelease.isEmpty() ? 1 : o.preRelease.isEmpty() ? -1 : preRelease.compareTo(o.preRelease);
        }
        return c;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch + (preRelease.isEmpty() ? "" : "-" + preRelease);
    }
}
