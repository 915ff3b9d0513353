package io.backplane.node.admin;

import io.backplane.admin.model.Check;
import io.backplane.admin.model.Refused;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The job runner with real child processes: a small shell script stands in for {@code backplane bench} (the real
 * benchmark through a node's admin API is in provisioning's ClusterIT). One at a time, never on a node that is not
 * ready, run under nice and prlimit, done with its JSON, failed with its last line, stopped with the node.
 */
class BenchJobsTest {
    @TempDir
    Path home;
    private final AtomicReference<String> script = new AtomicReference<>();
    private final List<List<String>> launched = new ArrayList<>();
    private volatile List<Check> readiness = List.of(new Check("peers", true, "4 of 4"));

    private BenchJobs jobs() {
        return new BenchJobs(home, args -> {
            launched.add(args);
            return List.of("bash", "-c", script.get());
        }, () -> readiness);
    }

    private static Map<String, Object> await(BenchJobs jobs, String id) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            Map<String, Object> j = jobs.job(id);
            if (!"running".equals(j.get("state"))) {
                return j;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " still running");
    }

    @Test
    void aJobRunsOnceAtATimeAndAnswersItsTable() throws Exception {
        BenchJobs jobs = jobs();
        script.set("echo 'sha256 batch 1 ...' >&2; sleep 1; echo '{\"ops\":[{\"op\":\"sha256\"}]}'");
        Map<String, Object> started = jobs.start(List.of("sha256"), 50);
        assertThat(started).containsEntry("state", "running").containsEntry("id", "b1");
        assertThat(launched.getFirst()).containsSequence("bench", "--ops", "sha256").contains("--json", "--home", home.toString(), "50");
        assertThatThrownBy(() -> jobs.start(List.of("merkle"), 50)).isInstanceOf(Refused.class).hasMessageContaining("b1 is running")
                .extracting(e -> ((Refused) e).status()).isEqualTo(409);
        Map<String, Object> done = await(jobs, "b1");
        assertThat(done).containsEntry("state", "done").containsEntry("progress", "sha256 batch 1 ...");
        assertThat(done.get("result").toString()).contains("sha256");
        // the next one may start now
        script.set("echo 'no device' >&2; exit 3");
        jobs.start(List.of("merkle"), 50);
        Map<String, Object> failed = await(jobs, "b2");
        assertThat(failed).containsEntry("state", "failed");
        assertThat(failed.get("failure").toString()).contains("exit 3").contains("no device");
        assertThatThrownBy(() -> jobs.job("b7")).isInstanceOf(Refused.class).hasMessageContaining("no benchmark b7");
    }

    @Test
    void outputThatIsNotJsonFailsTheJob() throws Exception {
        BenchJobs jobs = jobs();
        script.set("echo 'not json {'");
        jobs.start(List.of("sha256"), 50);
        Map<String, Object> j = await(jobs, "b1");
        assertThat(j).containsEntry("state", "failed");
        assertThat(j.get("failure").toString()).contains("not the JSON document");
    }

    @Test
    void aNodeThatIsNotReadyRefusesAndNothingStarts() {
        readiness = List.of(new Check("peers", false, "1 of 4 validators reachable; a quorum is 3"), new Check("token", true, "open"));
        BenchJobs jobs = jobs();
        script.set("echo '{}'");
        assertThatThrownBy(() -> jobs.start(List.of("sha256"), 50)).isInstanceOf(Refused.class)
                .hasMessageContaining("not ready").hasMessageContaining("a quorum is 3");
        assertThat(launched).isEmpty();
    }

    @Test
    void aRunningJobIsStoppedWithTheNode() throws Exception {
        BenchJobs jobs = jobs();
        script.set("sleep 60");
        jobs.start(List.of("sha256"), 50);
        Thread.sleep(300);
        long start = System.nanoTime();
        jobs.close();
        Map<String, Object> j = await(jobs, "b1");
        assertThat(j).containsEntry("state", "failed");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void theJobRunsAtTheLowestPriorityUnderACpuBudget() throws Exception {
        BenchJobs jobs = jobs();
        // what the child sees: its niceness and its CPU-time limit
        script.set("echo \"{\\\"nice\\\": $(nice), \\\"cpu\\\": \\\"$(ulimit -t)\\\"}\"");
        jobs.start(List.of("sha256"), 50);
        Map<String, Object> j = await(jobs, "b1");
        assertThat(j).containsEntry("state", "done");
        assertThat(j.get("result").toString()).contains("nice=19").contains("cpu=" + BenchJobs.CPU_BUDGET_SECONDS);
    }
}
