package io.backplane.provisioning;

import static io.backplane.provisioning.InProcessCli.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.Role;
import io.backplane.config.NodeHome;
import io.backplane.node.admin.NodeAdminViews;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's plugin approval in a real browser (headless Chromium through Selenium) against the admin server
 * over a real home's plugin store: carol uploads through the API; dave logs in to the page with his token, picks his
 * operator key file, and approves; the page signs the approval with WebCrypto's Ed25519 (the key never leaves the
 * page) and the store accepts it; once the version is pending (scheduled with the CLI), dave vetoes it from the page.
 * The uploader's own approval from the page is refused with the store's reason. Screenshot:
 * {@code provisioning/target/dashboard-approval.png}.
 */
class PluginApprovalBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;
    private ChromeDriver browser;

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void anApproverApprovesAndVetoesFromThePageWithTheirOwnKey() throws Exception {
        assertThat(CHROMIUM).as("Chromium is missing: scripts/install-deps installs chromium and chromium-driver").exists();
        assertThat(DRIVER).as("chromedriver is missing: scripts/install-deps installs chromium-driver").exists();
        PluginStoreFixture f = new PluginStoreFixture(dir, "carol", "dave");
        Path m = f.manifest("1.0.0");
        AdminViews views = new AdminViews(TestAdminServer.node(Map.of("id", "node0", "height", 1, "round", 2, "leader", 0,
                "txPerSec", 0.0, "peersConnected", 0, "peers", List.of(), "signing", true)), null, null,
                NodeAdminViews.pluginLifecycle(new NodeHome(f.home), List::of), TestAdminServer.audit(new java.util.ArrayList<>()), null);
        try (TestAdminServer api = new TestAdminServer(dir, views, Map.of("carol", Set.of(Role.PLUGIN_AUTHOR, Role.APPROVER), "dave", Set.of(Role.APPROVER)))) {
            assertThat(api.send("carol", "POST", "/v1/plugins", f.upload(m, f.sign("carol", "upload", "1.0.0", PluginStoreFixture.digest(m)))).statusCode())
                    .isEqualTo(201);
            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                            "--window-size=1280,1200", "--user-data-dir=" + dir.resolve("chromium"));
            browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build(), options);
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));

            // carol, the uploader, cannot approve her own plugin from the page either
            login(api, "carol", wait);
            browser.findElement(By.id("approver-key")).sendKeys(f.keys.resolve("carol.key").toString());
            wait.until(d -> row(d, "kary-tree 1.0.0") != null && !row(d, "kary-tree 1.0.0").findElements(By.cssSelector("button.approve")).isEmpty());
            row(browser, "kary-tree 1.0.0").findElement(By.cssSelector("button.approve")).click();
            wait.until(d -> d.findElement(By.id("plugin-result")).getText().contains("409"));
            assertThat(browser.findElement(By.id("plugin-result")).getText()).contains("the uploader carol cannot approve their own plugin");
            assertThat(state(api)).isEqualTo("STAGED");

            login(api, "dave", wait);
            browser.findElement(By.id("approver-key")).sendKeys(f.keys.resolve("dave.key").toString());
            wait.until(d -> row(d, "kary-tree 1.0.0") != null && !row(d, "kary-tree 1.0.0").findElements(By.cssSelector("button.approve")).isEmpty());
            row(browser, "kary-tree 1.0.0").findElement(By.cssSelector("button.approve")).click();
            wait.until(d -> d.findElement(By.id("plugin-result")).getText().equals("kary-tree 1.0.0: APPROVED"));
            assertThat(state(api)).isEqualTo("APPROVED");
            assertThat(row(browser, "kary-tree 1.0.0").getText()).contains("carol / dave");

            assertThat(run("plugins", "activate", "kary-tree", "1.0.0", "--epoch", "5", "--current-epoch", "4", "--as", "dave", "--home", f.home.toString())
                    .code()).isZero();
            wait.until(d -> row(d, "kary-tree 1.0.0") != null && !row(d, "kary-tree 1.0.0").findElements(By.cssSelector("button.veto")).isEmpty());
            row(browser, "kary-tree 1.0.0").findElement(By.cssSelector("button.veto")).click();
            wait.until(d -> d.findElement(By.id("plugin-result")).getText().equals("kary-tree 1.0.0: VETOED"));
            assertThat(state(api)).isEqualTo("VETOED");

            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Path out = Path.of("target", "dashboard-approval.png");
            Files.createDirectories(out.getParent());
            Files.copy(shot.toPath(), out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(Files.size(out)).isGreaterThan(10_000);
        }
    }

    private void login(TestAdminServer api, String who, WebDriverWait wait) throws Exception {
        browser.get(api.url() + "/dashboard");
        browser.executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        browser.findElement(By.id("token")).sendKeys(Files.readString(dir.resolve(who + ".token")).trim());
        browser.findElement(By.id("login-button")).click();
        wait.until(d -> d.findElement(By.id("board")).isDisplayed());
    }

    private static WebElement row(org.openqa.selenium.WebDriver d, String plugin) {
        return d.findElements(By.cssSelector("#plugins tbody tr")).stream().filter(r -> plugin.equals(r.getDomAttribute("data-plugin"))).findFirst().orElse(null);
    }

    private static String state(TestAdminServer api) throws Exception {
        return JsonOutput.MAPPER.readTree(api.send("dave", "GET", "/v1/plugins", null).body()).path("plugins").path(0).path("state").asText();
    }
}
