package io.backplane.node.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.accel.AccelMetrics;
import io.backplane.plugin.host.PluginMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The importable Grafana dashboard ({@code deploy/grafana/backplane-validators.json}) queries only series a node
 * registers: the node's, the accelerator's and the plugin host's metrics, registered in one registry as
 * {@code node run} does (families with no sample yet count: a scrape omits them until their first event).
 */
class GrafanaDashboardTest {
    private static String base(String name) {
        return name.replaceAll("_(bucket|sum|count|total)$", "");
    }

    @Test
    void everyQueriedSeriesIsOneTheNodeRegisters() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        NodeMetrics node = new NodeMetrics(registry);
        node.peers(Map::of, () -> 0, () -> 0);
        node.signing((kind, outcome) -> 0);
        new AccelMetrics(registry);
        new PluginMetrics(registry);
        Set<String> registered = new HashSet<>();
        for (MetricSnapshot s : registry.scrape()) {
            registered.add(base(s.getMetadata().getName()));
        }
        Path file = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/grafana/backplane-validators.json");
        JsonNode doc = new ObjectMapper().readTree(Files.readString(file));
        assertThat(doc.path("panels").size()).isGreaterThanOrEqualTo(10);
        List<String> unknown = new ArrayList<>();
        int queried = 0;
        for (JsonNode panel : doc.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = Pattern.compile("backplane_[a-z_]+").matcher(target.path("expr").asText());
                while (m.find()) {
                    queried++;
                    if (!registered.contains(base(m.group()))) {
                        unknown.add(panel.path("title").asText() + ": " + m.group());
                    }
                }
            }
        }
        assertThat(queried).isGreaterThan(15);
        assertThat(unknown).as("series the dashboard queries and no node registers").isEmpty();
        assertThat(doc.path("__inputs").path(0).path("pluginId").asText()).isEqualTo("prometheus");
    }
}
