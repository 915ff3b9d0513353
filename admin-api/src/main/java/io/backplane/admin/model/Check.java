package io.backplane.admin.model;

/** One part of readiness ({@code token}, {@code guard}, {@code keys}, {@code peers}, {@code enclave}, {@code accelerator}): up or not, and why. */
public record Check(String name, boolean ok, String reason) {
}
