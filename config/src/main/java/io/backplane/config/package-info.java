/**
 * Node configuration (one YAML file per node, overridable by {@code BACKPLANE_*} variables and {@code --set key=value})
 * mapped to immutable records, and the node's home directory. It validates at load and never reads config lazily.
 */
package io.backplane.config;
