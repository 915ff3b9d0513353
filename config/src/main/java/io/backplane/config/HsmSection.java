package io.backplane.config;

/**
 * {@code hsm.*}: the PKCS#11 token holding the node's keys. An empty {@code library} means "the project-owned
 * SoftHSM2 token under the node home". The PIN is never a config value: it comes from {@code pinFile} or the
 * {@code BACKPLANE_HSM_PIN} environment variable.
 */
public record HsmSection(String library, String tokenLabel, String pinFile) {
    public HsmSection {
        if (library == null) {
            library = "";
        }
        if (tokenLabel == null || tokenLabel.isBlank() || tokenLabel.length() > 32) {
            throw ConfigException.badKey("hsm.tokenLabel", "must be 1 to 32 characters (PKCS#11 label), got '" + tokenLabel + "'");
        }
        if (pinFile == null) {
            pinFile = "";
        }
    }
}
