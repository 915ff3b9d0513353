package io.backplane.admin.server;

import io.backplane.admin.model.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser: headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code scripts/install-deps} installs) driven by Selenium. The page loads over TLS, refuses a wrong token, and after
 * logging in with the operator's token shows the node's height rising as the node commits, its readiness and the
 * health indicators. The screenshot is written to {@code admin-api/target/dashboard.png}.
 * The server's certificate is the test's self-signed one, so Chromium is told to accept it; the ciphers are real.
 */
class DashboardBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;
    private final TestPki pki = new TestPki();
    private final InMemoryViews views = new InMemoryViews();
    private final ScheduledExecutorService commits = Executors.newSingleThreadScheduledExecutor();
    private AdminServer server;
    private ChromeDriver browser;
    private String token;

    @BeforeEach
    void start() throws Exception {
        assertThat(CHROMIUM).as("Chromium is missing: scripts/install-deps installs chromium and chromium-driver").exists();
        assertThat(DRIVER).as("chromedriver is missing: scripts/install-deps installs chromium-driver").exists();
        Path tokens = dir.resolve("tokens");
        token = TokenFile.issue(tokens, "operator", Set.of(Role.OPERATOR));
        server = AdminServer.start(AdminServer.Settings.defaults(new InetSocketAddress("127.0.0.1", 0), pki.serverKeys(), List.of(), tokens), views.views());
        commits.scheduleAtFixedRate(views.height::incrementAndGet, 300, 300, TimeUnit.MILLISECONDS); // the node commits
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                        "--window-size=1280,1000", "--user-data-dir=" + dir.resolve("chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        commits.shutdownNow();
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void thePageLoadsOverTlsRefusesAWrongTokenAndShowsTheHeightRising() throws Exception {
        browser.get("https://127.0.0.1:" + server.port() + "/dashboard");
        assertThat(browser.getCurrentUrl()).startsWith("https://");
        assertThat(browser.getTitle()).isEqualTo("Backplane node");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));

        browser.findElement(By.id("token")).sendKeys(TokenFile.PREFIX + "wrong");
        browser.findElement(By.id("login-button")).click();
        wait.until(d -> d.findElement(By.id("login-error")).getText().contains("401"));
        assertThat(browser.findElement(By.id("board")).isDisplayed()).isFalse();

        browser.findElement(By.id("token")).clear();
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.id("login-button")).click();
        wait.until(d -> d.findElement(By.id("board")).isDisplayed() && d.findElement(By.id("height")).getText().matches("\\d+"));
        long first = Long.parseLong(browser.findElement(By.id("height")).getText());
        wait.until(d -> Long.parseLong(d.findElement(By.id("height")).getText()) >= first + 3);
        assertThat(browser.findElement(By.id("ready")).getText()).isEqualTo("ready");
        assertThat(browser.findElement(By.id("node-id")).getText()).isEqualTo("node0");
        assertThat(browser.findElements(By.cssSelector("#checks tbody tr"))).hasSize(2);
        wait.until(d -> d.findElement(By.id("accel")).getText().equals("25.0 % device"));
        assertThat(browser.findElement(By.id("plugin-latency")).getText()).isEqualTo("5.00 ms");
        assertThat(browser.findElement(By.id("fallbacks")).getText()).startsWith("2 fallbacks");
        // signatures: a rate from two scrapes (the height, and so the signed total, rises) and the refusals
        wait.until(d -> d.findElement(By.id("sign-rate")).getText().matches("\\d+\\.\\d signed/s")
                && !d.findElement(By.id("sign-rate")).getText().startsWith("0.0"));
        assertThat(browser.findElement(By.id("sign-refusals")).getText()).isEqualTo("3 refused by the guard, 1 failed or withheld");

        // a node that stops being ready shows it, and its recovery time once it is back
        views.ready = false;
        wait.until(d -> d.findElement(By.id("ready")).getText().equals("not ready"));
        views.ready = true;
        wait.until(d -> d.findElement(By.id("recovery")).getText().endsWith(" s"));
        assertThat(Double.parseDouble(browser.findElement(By.id("availability")).getText().replace(" %", ""))).isLessThan(100.0);

        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path out = Path.of("target", "dashboard.png");
        Files.createDirectories(out.getParent());
        Files.copy(shot.toPath(), out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(out)).isGreaterThan(10_000);
    }
}
