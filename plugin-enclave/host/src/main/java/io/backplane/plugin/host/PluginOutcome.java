package io.backplane.plugin.host;

import java.util.Objects;
import java.util.function.Function;

/**
 * The result of asking a plugin: {@link Decided} with its answer, or {@link Undecided} with a typed reason. A caller
 * that gets {@code Undecided} abstains from the decision that needed the answer (DESIGN.md §1).
 */
public sealed interface PluginOutcome<T> {
    /** The plugin answered and the answer passed the host's checks. */
    record Decided<T>(T value) implements PluginOutcome<T> {
        public Decided {
            Objects.requireNonNull(value, "value");
        }
    }

    /** The plugin could not answer; {@code detail} is for operators. */
    record Undecided<T>(UndecidedReason reason, String detail) implements PluginOutcome<T> {
    }

    default boolean decided() {
        return this instanceof Decided;
    }

    /** The answer; throws {@link IllegalStateException} naming the reason when undecided. */
    default T orThrow() {
        if (this instanceof Decided<T> d) {
            return d.value();
        }
        Undecided<T> u = (Undecided<T>) this;
        throw new IllegalStateException("plugin undecided: " + u.reason().label() + ": " + u.detail());
    }

    default <R> PluginOutcome<R> map(Function<T, R> f) {
        if (this instanceof Decided<T> d) {
            return new Decided<>(f.apply(d.value()));
        }
        Undecided<T> u = (Undecided<T>) this;
        return new Undecided<>(u.reason(), u.detail());
    }
}
