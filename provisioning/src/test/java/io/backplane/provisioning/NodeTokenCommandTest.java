package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.admin.model.Role;
import io.backplane.admin.server.TokenFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code node token}: a token the node then admits with exactly its roles, written owner-only and never printed; misuse changes nothing. */
class NodeTokenCommandTest {
    @TempDir
    Path dir;

    @Test
    void aTokenIsIssuedOnceWithItsRolesAndNeverPrinted() throws Exception {
        Path home = dir.resolve("home");
        Path out = dir.resolve("dave.token");
        InProcessCli.Result r = InProcessCli.run("node", "token", "--home", home.toString(), "--name", "dave", "--roles", "approver,auditor", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        String token = Files.readString(out).trim();
        assertThat(r.out() + r.err()).doesNotContain(token);
        assertThat(Files.getPosixFilePermissions(out).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        Path tokens = home.resolve("admin/tokens");
        assertThat(Files.readString(tokens)).doesNotContain(token);
        var who = TokenFile.read(tokens).authenticate(token).orElseThrow();
        assertThat(who.name()).isEqualTo("dave");
        assertThat(who.roles()).containsExactlyInAnyOrder(Role.APPROVER, Role.AUDITOR);

        String before = Files.readString(tokens);
        Path again = dir.resolve("again.token");
        assertThat(InProcessCli.run("node", "token", "--home", home.toString(), "--name", "dave", "--roles", "operator", "--out", again.toString()).code())
                .as("a name already there").isEqualTo(ExitCodes.FAILURE);
        assertThat(InProcessCli.run("node", "token", "--home", home.toString(), "--name", "erin", "--roles", "root", "--out", again.toString()).code())
                .as("an unknown role").isEqualTo(ExitCodes.USAGE);
        assertThat(InProcessCli.run("node", "token", "--home", home.toString(), "--name", "erin", "--roles", "operator", "--out", out.toString()).code())
                .as("an existing file").isEqualTo(ExitCodes.FAILURE);
        assertThat(Files.exists(again)).isFalse();
        assertThat(Files.readString(tokens)).isEqualTo(before);
        assertThat(Files.readString(out).trim()).isEqualTo(token);
    }
}
