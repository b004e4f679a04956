package dev.bonsai.web;

import static dev.bonsai.support.Api.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.JSHandle;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import com.microsoft.playwright.options.SameSiteAttribute;
import com.microsoft.playwright.options.WaitForSelectorState;
import dev.bonsai.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real browser (Debian's Chromium driven by Playwright) against the running
 * app: one tenant's whole journey, from signing in to revoking a key, and another tenant who sees
 * none of it. Each page is captured into target/dashboard-screenshots.
 */
@QuarkusTest
class DashboardBrowserTest {

    private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
    private static final double JOB_TIMEOUT_MILLIS = 180_000;

    @TestHTTPResource("/")
    URL base;

    private static Playwright playwright;
    private static Browser browser;

    @BeforeAll
    static void launch() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("BONSAI_TEST_CHROMIUM", "/usr/bin/chromium"));
        Assumptions.assumeTrue(Files.isExecutable(chromium), "The dashboard's browser tests need Chromium at " + chromium
                + " (apt-get install -y chromium; .ci/run installs it); skipped.");
        Files.createDirectories(SCREENSHOTS);
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(chromium)
                .setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run")));
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    @Test
    void aTenantsJourneyThroughTheDashboard() throws Exception {
        String key = Api.newTenant();
        BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900)
                .setBaseURL(base.toString()));
        Page page = context.newPage();
        List<String> consoleErrors = new java.util.ArrayList<>();
        page.onConsoleMessage(message -> {
            // A refused form's status (401, 422) is logged by the browser too; only script errors count.
            if ("error".equals(message.type()) && !message.text().startsWith("Failed to load resource")) {
                consoleErrors.add(message.text());
            }
        });

        // Signing in: a wrong key is refused in place, the right one opens a session cookie.
        page.navigate("dashboard/models");
        assertTrue(page.url().endsWith("/dashboard/sign-in"), "signed-out pages lead to the sign-in page");
        page.fill("#apiKey", "bns_not_a_key");
        page.click("button:has-text('Sign in')");
        page.waitForSelector("#sign-in-problem .problem");
        assertTrue(page.textContent("#sign-in-problem").contains("not valid"));
        shot(page, "01-sign-in-refused");
        // The keyboard alone: the first Tab reaches the skip link, Enter in the field signs in.
        page.reload();
        page.keyboard().press("Tab");
        assertEquals("Skip to content", page.evaluate("() => document.activeElement.textContent"));
        page.focus("#apiKey");
        page.keyboard().type(key);
        page.keyboard().press("Enter");
        page.waitForURL(Pattern.compile(".*/dashboard/datasets$"));
        Cookie session = context.cookies().stream().filter(c -> c.name.equals("bonsai_session")).findFirst().orElseThrow();
        assertTrue(session.httpOnly, "the session cookie is out of scripts' reach");
        assertEquals(SameSiteAttribute.LAX, session.sameSite);
        assertFalse(session.value.contains(key), "the cookie holds a session token, not the key");
        assertTrue(page.textContent("main").contains("No datasets yet"));
        assertLabelled(page);
        shot(page, "02-datasets-empty");

        // A form post without the page's CSRF token, or from another origin, is refused.
        APIResponse forged = page.request().post("dashboard/api-keys", RequestOptions.create()
                .setForm(FormData.create().set("name", "forged")));
        assertEquals(403, forged.status());
        APIResponse crossSite = page.request().post("dashboard/api-keys", RequestOptions.create()
                .setHeader("Origin", "https://evil.example").setHeader("X-CSRF-Token", "anything")
                .setForm(FormData.create().set("name", "forged")));
        assertEquals(403, crossSite.status());

        // Upload by dropping a file on the box; the report and the label chart follow.
        String csv = Api.sampleCsv(40);
        JSHandle dropped = page.evaluateHandle("csv => { const data = new DataTransfer();"
                + " data.items.add(new File([csv], 'news.csv', { type: 'text/csv' })); return data; }", csv);
        page.dispatchEvent(".drop", "drop", Map.of("dataTransfer", dropped));
        page.waitForURL(Pattern.compile(".*/dashboard/datasets/ds_\\w+$"));
        String datasetUrl = page.url();
        assertTrue(page.textContent("main").contains("Validation report"));
        assertEquals(3, page.locator("section[aria-labelledby=labels-heading] tbody tr").count(), "one row per label");
        assertTrue(page.locator("canvas[data-chart=label-chart]").boundingBox().height > 50, "the chart is drawn");
        assertEquals(20, page.locator("section[aria-labelledby=rows-heading] tbody tr").count(), "a preview of the rows");
        shot(page, "03-dataset-report");

        // A file that fails validation is kept with a report naming the line at fault.
        Path bad = Files.createTempFile("bad", ".csv");
        Files.writeString(bad, "text,label\n\"fine text\",sports\n\"no label here\",\n", StandardCharsets.UTF_8);
        page.navigate("dashboard/datasets");
        page.setInputFiles("#file", bad);
        page.click("#upload-form button[type=submit]");
        page.waitForURL(Pattern.compile(".*/dashboard/datasets/ds_\\w+$"));
        assertTrue(page.textContent(".problem").contains("rejected"));
        assertTrue(page.locator(".finding-error").first().textContent().contains("line 3"), page.textContent("main"));
        shot(page, "04-dataset-rejected");

        // A long job streams its events to its page (SSE), and the cancel button stops it.
        page.navigate(datasetUrl);
        page.click("text=Fine-tune a model on it");
        page.waitForURL(Pattern.compile(".*/dashboard/fine-tuning\\?dataset=ds_\\w+$"));
        assertLabelled(page);
        shot(page, "05-fine-tuning-form");
        page.selectOption("#method", "full");
        page.fill("#hp-epochs", "20");
        page.click("#fine-tune-form button[type=submit]");
        page.waitForURL(Pattern.compile(".*/dashboard/fine-tuning/ftjob_\\w+$"));
        page.waitForSelector("#events li", new Page.WaitForSelectorOptions().setTimeout(JOB_TIMEOUT_MILLIS));
        page.waitForSelector("[data-field=status]:has-text('running')",
                new Page.WaitForSelectorOptions().setTimeout(JOB_TIMEOUT_MILLIS));
        shot(page, "06-fine-tuning-live");
        page.click("button:has-text('Cancel job')");
        page.waitForSelector("[data-field=status]:has-text('cancelled')",
                new Page.WaitForSelectorOptions().setTimeout(JOB_TIMEOUT_MILLIS));
        page.waitForSelector("button:has-text('Cancel job')", new Page.WaitForSelectorOptions()
                .setState(WaitForSelectorState.DETACHED).setTimeout(10_000));
        assertTrue(page.textContent("#events").contains("ancel"), "the events say it was cancelled");

        // A head job on the same data: the page follows it to the end and links the model.
        page.navigate(datasetUrl);
        page.click("text=Fine-tune a model on it");
        page.fill("#hp-epochs", "abc");
        page.click("#fine-tune-form button[type=submit]");
        page.waitForSelector("#fine-tune-problem .problem");
        assertTrue(page.textContent("#fine-tune-problem").contains("/hyperparameters/epochs"), "the field is named");
        page.fill("#hp-epochs", "30");
        page.fill("#model-name", "news classifier");
        page.click("#fine-tune-form button[type=submit]");
        page.waitForURL(Pattern.compile(".*/dashboard/fine-tuning/ftjob_\\w+$"));
        page.waitForSelector("text=Model ready", new Page.WaitForSelectorOptions().setTimeout(JOB_TIMEOUT_MILLIS));
        assertTrue(page.locator("#events li").count() > 30, "every epoch is listed");
        shot(page, "07-fine-tuning-succeeded");

        // The model: metrics, per-class table, confusion matrix, and the "try it" box.
        page.click("text=Model ready >> a");
        page.waitForURL(Pattern.compile(".*/dashboard/models/mdl_\\w+$"));
        String modelUrl = page.url();
        String modelId = modelUrl.substring(modelUrl.lastIndexOf('/') + 1);
        assertEquals(3, page.locator("table.confusion tbody tr").count());
        assertEquals(3, page.locator("section[aria-labelledby=metrics-heading] table:not(.confusion) tbody tr").count());
        page.fill("#try-text", "The storm and rain story\nThe oven recipe story");
        page.click("#try-form button[type=submit]");
        page.waitForSelector("#prediction .prediction");
        assertEquals(List.of("weather", "cooking"), page.locator("#prediction .top-label").allTextContents());
        assertEquals(6, page.locator("#prediction meter").count(), "every label's score for each text");
        assertLabelled(page);
        shot(page, "08-model");

        // Compression for a device: the variant matrix, sortable, the plot, and the downloads.
        page.click("text=Compress for a device");
        page.waitForURL(Pattern.compile(".*/dashboard/compression\\?model=mdl_\\w+$"));
        assertEquals(modelId, page.inputValue("#model"));
        page.uncheck("input[name=recipe][value=auto]");
        page.check("input[name=recipe][value=int8-dynamic]");
        shot(page, "09-compression-form");
        page.click("#compress-form button[type=submit]");
        page.waitForURL(Pattern.compile(".*/dashboard/compression/cjob_\\w+$|.*/dashboard/compression/\\w+$"));
        page.waitForSelector("#matrix-heading", new Page.WaitForSelectorOptions().setTimeout(JOB_TIMEOUT_MILLIS));
        Locator rows = page.locator("table[data-sortable] tbody tr");
        assertEquals(2, rows.count(), "the original and the int8 variant");
        page.click("th button:has-text('Size')");
        assertEquals("ascending", page.getAttribute("th:has(button:has-text('Size'))", "aria-sort"));
        assertTrue(rows.nth(0).textContent().contains("int8-dynamic"), "the smaller variant comes first");
        page.click("th button:has-text('Size')");
        assertTrue(rows.nth(0).textContent().contains("original"), "then the larger");
        assertTrue(page.locator("canvas[data-chart=variant-plot]").boundingBox().height > 50);
        shot(page, "10-compression-result");
        Download download = page.waitForDownload(() -> rows.nth(1).locator("a:has-text('Bundle')").click());
        byte[] zip = Files.readAllBytes(download.path());
        assertTrue(zip.length > 1000 && zip[0] == 'P' && zip[1] == 'K', "a zip bundle");

        // API keys: a new key's secret is shown once and copied; revoking it makes it useless.
        page.navigate("dashboard/api-keys");
        page.fill("#key-name", "deploy");
        page.click("#create-key-form button[type=submit]");
        page.waitForSelector("#new-secret");
        String secret = page.inputValue("#new-secret");
        assertTrue(secret.startsWith("bns_"));
        as(secret).get("/v1/models").then().statusCode(200);
        page.click("button[data-copy]");
        page.waitForSelector(".copied:has-text('Copied')");
        shot(page, "11-api-key-created");
        page.onDialog(dialog -> dialog.accept());
        page.click("tr:has-text('deploy') button:has-text('Revoke')");
        page.waitForSelector("tr:has-text('deploy') .status-revoked");
        assertEquals(0, page.locator("#new-secret").count(), "the secret is not shown again");
        as(secret).get("/v1/models").then().statusCode(401);
        shot(page, "12-api-key-revoked");

        // A phone-width screen: nothing overflows sideways.
        Page phone = context.newPage();
        phone.setViewportSize(390, 844);
        for (String path : List.of(modelUrl, datasetUrl, base + "dashboard/compression", base + "dashboard/api-keys")) {
            phone.navigate(path);
            Object overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth");
            Object culprits = phone.evaluate("() => Array.from(document.querySelectorAll('body *'))"
                    + ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1"
                    + " && !e.closest('.table-wrap, .visually-hidden, .skip'))"
                    + ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)");
            assertTrue(((Number) overflow).intValue() <= 0, path + " overflows a phone screen by " + overflow + " px: "
                    + culprits);
        }
        phone.navigate(modelUrl);
        shot(phone, "13-model-phone");

        // Another tenant sees none of this tenant's data.
        BrowserContext other = browser.newContext(new Browser.NewContextOptions().setBaseURL(base.toString()));
        Page intruder = other.newPage();
        intruder.navigate("dashboard/sign-in");
        intruder.fill("#apiKey", Api.newTenant());
        intruder.click("button:has-text('Sign in')");
        intruder.waitForURL(Pattern.compile(".*/dashboard/datasets$"));
        assertTrue(intruder.textContent("main").contains("No datasets yet"));
        intruder.navigate("dashboard/models");
        assertFalse(intruder.content().contains(modelId));
        com.microsoft.playwright.Response response = intruder.navigate(modelUrl);
        assertEquals(404, response.status());
        assertTrue(intruder.textContent("h1").contains("Not found"));
        shot(intruder, "14-other-tenant-404");
        assertEquals(404, intruder.navigate(datasetUrl).status());
        other.close();

        // Signing out ends the session.
        page.navigate("dashboard/models");
        page.click("button:has-text('Sign out')");
        page.waitForURL(Pattern.compile(".*/dashboard/sign-in$"));
        page.navigate("dashboard/models");
        assertTrue(page.url().endsWith("/dashboard/sign-in"));
        assertTrue(consoleErrors.isEmpty(), "no script errors: " + consoleErrors);
        context.close();
    }

    /** Every visible form control has a label (its own, or aria-label). */
    private static void assertLabelled(Page page) {
        Object unlabelled = page.evaluate("() => Array.from(document.querySelectorAll('input, select, textarea'))"
                + ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
                + ".map(e => e.name || e.id)");
        assertNotNull(unlabelled);
        assertEquals(List.of(), unlabelled, "unlabelled form controls on " + page.url());
    }

    private static void shot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }
}
