package org.mxguard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mxguard.testbed.TestZones.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mxguard.cli.WebCommand;
import org.mxguard.config.DnsSettings;
import org.mxguard.testbed.DnsTestBed;
import org.mxguard.web.AuditServer;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code mxguard web} as a person uses it: Debian's headless Chromium (through its chromedriver)
 * fills the form for the multi-WAN zone of the test bed, and the findings the page shows are those
 * of {@code /audit.json} for the same query, which is what {@code mxguard audit --json} prints.
 * Chromium loads nothing but pages from 127.0.0.1 (every other host name resolves to nothing).
 */
@Timeout(120)
class WebPageIT {
    @RegisterExtension
    static final DnsTestBed BED = new DnsTestBed();

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(30);

    static AuditServer server;
    static WebDriver browser;
    static String base;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium is not installed (" + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install chromium chromium-driver,"
                        + " as ./test does; the browser test of mxguard web is skipped");
        server = WebCommand.server(DnsSettings.defaults().withServers(List.of(BED.resolver())), AuditServer.Limits.DEFAULT)
                .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        base = "http://127.0.0.1:" + server.address().getPort();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions",
                // loopback only: no name resolves, and no proxy is looked for
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--no-proxy-server");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The findings a page shows, as "severity id subject", in page order: the severity is the section's. */
    static List<String> shown(WebDriver page) {
        List<String> out = new ArrayList<>();
        for (String severity : List.of("fail", "temperror", "warn", "pass")) {
            for (WebElement f : page.findElements(By.cssSelector("section#" + severity + " article.finding"))) {
                out.add(severity + " " + f.findElement(By.className("id")).getText() + " " + f.findElement(By.className("subject")).getText());
            }
        }
        return out;
    }

    static List<String> listed(JsonNode json) {
        List<String> out = new ArrayList<>();
        json.get("findings").forEach(f -> out.add(f.get("severity").asText() + " " + f.get("id").asText() + " " + f.get("subject").asText()));
        return out;
    }

    static JsonNode getJson(String url) throws Exception {
        assertThat(url).startsWith(base + "/audit.json?");
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return Cli.MAPPER.readTree(r.body());
        }
    }

    @Test
    @DisplayName("fill the form for multiwan.test with both WAN addresses: the page shows the findings of the JSON, the URL shares it")
    void formToReport() throws Exception {
        browser.get(base + "/");
        browser.findElement(By.id("domain-input")).sendKeys(MULTI_WAN_DOMAIN);
        browser.findElement(By.id("egress-input")).sendKeys(MULTI_WAN_IP_1 + "\n" + MULTI_WAN_IP_2);
        browser.findElement(By.id("submit")).click();
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.id("counts")));

        assertThat(browser.getCurrentUrl()).startsWith(base + "/audit?domain=" + MULTI_WAN_DOMAIN + "&egress=");
        assertThat(browser.findElement(By.id("domain")).getText()).isEqualTo(MULTI_WAN_DOMAIN);
        List<String> onPage = shown(browser);
        assertThat(onPage).as("the failures the CLI test knows of").contains(
                "fail egress-not-mx-address " + MULTI_WAN_IP_2, "fail ptr-missing " + MULTI_WAN_IP_2,
                "warn mx-single-host " + MULTI_WAN_DOMAIN, "pass ptr-confirmed " + MULTI_WAN_IP_1);

        JsonNode json = getJson(browser.findElement(By.id("json")).getAttribute("href"));
        assertThat(onPage).isEqualTo(listed(json));

        // the JSON is mxguard audit --json's, field for field
        Cli.Run cli = Cli.run("audit", MULTI_WAN_DOMAIN, "--egress", MULTI_WAN_IP_1, "--egress", MULTI_WAN_IP_2,
                "--json", "--dns", BED.resolverHostPort());
        assertThat(json).isEqualTo(Cli.MAPPER.readTree(cli.out()));

        assertThat(browser.findElement(By.id("zone-snippet")).getText())
                .contains("mx2.multiwan.test. IN A 127.0.6.2")
                .contains("; ask the owner of the address for: 2.6.0.127.in-addr.arpa. IN PTR mx2.multiwan.test.");

        // the shareable link, opened afresh, shows the same report
        String share = browser.findElement(By.id("share")).getAttribute("href");
        assertThat(share).isEqualTo(base + "/audit?domain=multiwan.test&egress=127.0.6.1&egress=127.0.6.2");
        browser.get(share);
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.id("counts")));
        assertThat(shown(browser)).isEqualTo(onPage);
    }

    @Test
    @DisplayName("a wrong egress address typed in the form: the page says which, and audits nothing")
    void badInputInTheForm() {
        browser.get(base + "/");
        browser.findElement(By.id("domain-input")).sendKeys(GOOD_DOMAIN);
        browser.findElement(By.id("egress-input")).sendKeys("127.0.1.300");
        browser.findElement(By.id("submit")).click();
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.id("error")));
        assertThat(browser.findElement(By.id("error")).getText()).isEqualTo("egress 127.0.1.300: not an IP address");
        assertThat(browser.findElements(By.cssSelector("article.finding"))).isEmpty();
    }
}
