package io.backplane.plugin.api;

/**
 * The plugin API version this artifact implements, as {@code major.minor}. A major change breaks plugins; a minor one
 * only adds. A manifest states the range it was built for (see {@link VersionRange}); the host refuses plugins whose
 * range excludes {@link #CURRENT}.
 */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    /** The version of this API. */
    public static final ApiVersion CURRENT = new ApiVersion(1, 0);

    public ApiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("API version parts must be non-negative");
        }
    }

    /** Parses {@code major.minor}. */
    public static ApiVersion parse(String s) {
        String[] parts = s.trim().split("\\.", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("API version '" + s + "' must be major.minor, e.g. 1.0");
        }
        try {
            return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("API version '" + s + "' must be major.minor, e.g. 1.0");
        }
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
