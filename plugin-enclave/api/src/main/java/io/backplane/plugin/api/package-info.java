/**
 * The plugin API: the only artifact a plugin author depends on (plugin kinds, their inputs and outputs, the manifest).
 * It must stay small, pure and free of any dependency.
 */
package io.backplane.plugin.api;
