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
        assertEquals(List.of("train", "validation", "test"), page.evaluate("() => Chart.getChart(document.querySelector("
                + "'canvas[data-chart=label-chart]')).data.datasets.map(d => d.label)"), "rows per label, by split");
        assertTrue(page.textContent("section[aria-labelledby=report-heading]").contains("small_validation_split"),
                "12 validation rows are too few to choose an epoch on, and the report says so");
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
        assertEquals(0, page.locator("canvas[data-chart=label-chart]").count(), "no empty chart for a rejected file");
        assertTrue(page.textContent(".meta").contains("1 row ·"), page.textContent(".meta"));
        String rejectedUrl = page.url();
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
        page.waitForSelector("#outcome-heading", new Page.WaitForSelectorOptions().setTimeout(JOB_TIMEOUT_MILLIS));
        String jobUrl = page.url();
        assertTrue(page.locator("#events li").count() > 30, "every epoch is listed");
        String outcome = page.textContent("section[aria-labelledby=outcome-heading]");
        assertTrue(outcome.contains("Test accuracy") && outcome.contains("Best epoch") && outcome.contains("Time"), outcome);
        assertTrue(outcome.contains("Open the model “news classifier”"), outcome);
        assertTrue(outcome.contains("only 12 rows"), "the job warns that its epoch was chosen on 12 rows: " + outcome);
        assertTrue(page.textContent(".meta").contains("on news.csv"), "the dataset by its name: " + page.textContent(".meta"));
        // The log opens at its end, where the best epoch and the outcome are; the best epoch is marked.
        assertEquals(Boolean.TRUE, page.evaluate("() => { const l = document.getElementById('events');"
                + " return l.scrollHeight > l.clientHeight && l.scrollTop + l.clientHeight >= l.scrollHeight - 2; }"));
        assertEquals(1, page.locator("#events li.best").count(), "the best epoch's line is marked");
        // The chart's x axis counts the epochs that ran, and both axes are titled.
        Object epochChart = page.evaluate("() => { const c = Chart.getChart(document.querySelector('canvas[data-chart=epoch-chart]'));"
                + " return { first: c.data.labels[0], count: c.data.labels.length, x: c.options.scales.x.title.text,"
                + " y: c.options.scales.y.title.text, y1: c.options.scales.y1.title.text,"
                + " leftSteps: Math.round(c.scales.y.max / c.scales.y.options.ticks.stepSize),"
                + " rightSteps: Math.round(c.scales.y1.max / c.scales.y1.options.ticks.stepSize) }; }");
        Map<?, ?> epochs = (Map<?, ?>) epochChart;
        assertEquals("1", epochs.get("first"));
        assertEquals(List.of("epoch", "training loss", "validation macro-F1"),
                List.of(epochs.get("x"), epochs.get("y"), epochs.get("y1")));
        assertEquals(epochs.get("leftSteps"), epochs.get("rightSteps"), "both axes share the gridlines");
        shot(page, "07-fine-tuning-succeeded");

        // The model: metrics, per-class table, confusion matrix, and the "try it" box.
        page.click("text=Open the model");
        page.waitForURL(Pattern.compile(".*/dashboard/models/mdl_\\w+$"));
        String modelUrl = page.url();
        String modelId = modelUrl.substring(modelUrl.lastIndexOf('/') + 1);
        assertEquals(3, page.locator("table.confusion tbody tr").count());
        assertEquals(3, page.locator("table.confusion td[class*=hit-]").count(), "the diagonal is shaded by its share");
        assertTrue(page.textContent(".meta").contains("news.csv") && !page.textContent(".meta").contains("ds_"),
                "names, not ids: " + page.textContent(".meta"));
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
        // A size ceiling the original does not fit: its row says why, at length, and the plot crosses it out.
        page.fill("#maxSizeMegabytes", "50");
        shot(page, "09-compression-form");
        page.click("#compress-form button[type=submit]");
        page.waitForURL(Pattern.compile(".*/dashboard/compression/cjob_\\w+$|.*/dashboard/compression/\\w+$"));
        page.waitForSelector("#matrix-heading", new Page.WaitForSelectorOptions().setTimeout(JOB_TIMEOUT_MILLIS));
        Locator rows = page.locator("table[data-sortable] tbody tr");
        assertEquals(2, rows.count(), "the original and the int8 variant");
        page.click("th button:has-text('Size')");
        assertEquals("ascending", page.getAttribute("th:has(button:has-text('Size'))", "aria-sort"));
        assertTrue(rows.nth(0).textContent().contains("int8-dynamic"), "the smaller variant comes first");
        Map<?, ?> plot = (Map<?, ?>) page.evaluate("() => { const c = Chart.getChart(document.querySelector("
                + "'canvas[data-chart=variant-plot]')); const frontier = c.data.datasets.find(d => d.label.startsWith('Frontier'));"
                + " return { xMin: c.options.scales.x.min, yMax: c.options.scales.y.max, stepped: frontier.stepped,"
                + " named: c.data.datasets.filter(d => d.named).reduce((n, d) => n + d.data.length, 0) }; }");
        assertTrue(((Number) plot.get("xMin")).doubleValue() > 0, "the latency axis starts near the fastest: " + plot);
        assertTrue(((Number) plot.get("yMax")).doubleValue() <= 100, "no accuracy above 100%: " + plot);
        assertEquals("before", plot.get("stepped"), "the frontier is drawn as a step");
        assertEquals(2, ((Number) plot.get("named")).intValue(), "every variant is named on the plot");
        assertTrue(page.textContent("tr:has-text('original') .why").contains("exceed maxSizeBytes"),
                page.textContent("tr:has-text('original')"));
        assertEquals(1L, ((Number) page.evaluate("() => Chart.getChart(document.querySelector('canvas[data-chart=variant-plot]'))"
                + ".data.datasets.find(d => d.label.startsWith('Rejected')).data.length")).longValue(), "the original is crossed out");
        page.click("th button:has-text('Size')");
        assertTrue(rows.nth(0).textContent().contains("original"), "then the larger");
        assertTrue(page.locator("canvas[data-chart=variant-plot]").boundingBox().height > 50);
        shot(page, "10-compression-result");
        Download download = page.waitForDownload(() -> rows.nth(1).locator("a:has-text('Bundle')").click());
        byte[] zip = Files.readAllBytes(download.path());
        assertTrue(zip.length > 1000 && zip[0] == 'P' && zip[1] == 'K', "a zip bundle");
        String compressionUrl = page.url();

        // The same recipe again, for the same device: the two variants are told apart wherever they are listed.
        String again = as(key).contentType("application/json").body(Map.of("model", modelId, "device", "raspberry-pi-4",
                "techniques", List.of("int8-dynamic"))).post("/v1/compression/jobs").then().statusCode(201).extract().path("id");
        long deadline = System.nanoTime() + (long) JOB_TIMEOUT_MILLIS * 1_000_000;
        while (!JobViews.ENDED.contains(as(key).get("/v1/compression/jobs/" + again).then().extract().<String>path("status"))
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        page.navigate(modelUrl);
        List<String> choices = page.locator("#try-variant option").allTextContents();
        assertTrue(choices.stream().anyMatch(c -> c.startsWith("int8-dynamic for Raspberry Pi 4") && c.contains("#1"))
                && choices.stream().anyMatch(c -> c.contains("#2")), "two int8-dynamic variants, told apart: " + choices);
        assertFalse(choices.stream().anyMatch(c -> c.contains("var_")), "names, not ids: " + choices);

        // API keys: a new key's secret is shown once and copied; revoking it makes it useless.
        page.navigate("dashboard/api-keys");
        page.fill("#key-name", "deploy");
        page.click("#create-key-form button[type=submit]");
        page.waitForSelector("#new-secret");
        String secret = page.inputValue("#new-secret");
        assertEquals("", page.inputValue("#key-name"), "the form is ready for the next key");
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

        // Webhooks: an endpoint's secret is shown once; a bad URL is refused above the form with the list
        // kept; it is turned off and on; a job's end appears in its delivery log with the answer it got
        // (here the server's own liveness check, which answers a POST with 200).
        page.navigate("dashboard/webhooks");
        page.fill("#webhook-url", base + "q/health/live");
        page.fill("#webhook-description", "health check as a receiver");
        page.click("#create-webhook-form button[type=submit]");
        page.waitForSelector("#new-secret");
        assertTrue(page.inputValue("#new-secret").startsWith("whsec_"), page.inputValue("#new-secret"));
        assertEquals("", page.inputValue("#webhook-url"), "the form is ready for the next endpoint");
        shot(page, "13-webhook-created");
        page.fill("#webhook-url", "ftp://example.com/hook");
        page.click("#create-webhook-form button[type=submit]");
        page.waitForSelector("#webhook-problem .problem");
        assertTrue(page.textContent("#webhook-problem").contains("https://"), page.textContent("#webhook-problem"));
        assertEquals(1, page.locator("tr[data-endpoint]").count(), "the list stays as it was");
        page.click("tr[data-endpoint] button:has-text('Disable')");
        page.waitForSelector("tr[data-endpoint] .status-revoked:has-text('disabled')");
        assertFalse(as(key).get("/v1/webhook-endpoints").then().extract().<Boolean>path("data[0].enabled"));
        page.click("tr[data-endpoint] button:has-text('Enable')");
        page.waitForSelector("tr[data-endpoint] .status-active:has-text('enabled')");
        String endpointUrl = base + "dashboard/webhooks/" + as(key).get("/v1/webhook-endpoints").then().extract()
                .<String>path("data[0].id");
        String cancelled = as(key).contentType(io.restassured.http.ContentType.JSON).body(Map.of("baseModel",
                "all-minilm-l6-v2", "dataset", datasetUrl.substring(datasetUrl.lastIndexOf('/') + 1),
                "method", "head")).post("/v1/fine-tuning/jobs").then().statusCode(201).extract().path("id");
        as(key).post("/v1/fine-tuning/jobs/" + cancelled + "/cancel").then().statusCode(200);
        long logDeadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        do {
            page.navigate(endpointUrl);
        } while (!page.textContent("main").contains("HTTP 200") && System.nanoTime() < logDeadline);
        assertTrue(page.textContent("main").contains("fine_tuning.job.cancelled"), page.textContent("main"));
        assertTrue(page.textContent("main").contains("HTTP 200"), page.textContent("main"));
        assertEquals("delivered", page.textContent("tr[data-delivery] .status"));
        shot(page, "13-webhook-deliveries");

        // Batches: a file of texts through the model, its progress refreshed in place, its output downloaded.
        page.navigate("dashboard/batches");
        page.setInputFiles("#batch-file", new com.microsoft.playwright.options.FilePayload("texts.csv", "text/csv",
                "ref,text\nr1,An evening the whole family enjoyed\nr2,A waste of a good afternoon\nr3,We left before the end\n"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        page.fill("#batch-id-column", "ref");
        page.click("#batch-form button[type=submit]");
        page.waitForSelector("tr[data-batch] .status-succeeded", new Page.WaitForSelectorOptions().setTimeout(60_000));
        String jsonl = page.request().get(page.getAttribute("tr[data-batch] a:has-text('JSONL')", "href")).text();
        String[] outputLines = jsonl.strip().split("\n");
        assertEquals(3, outputLines.length, jsonl);
        assertTrue(outputLines[0].startsWith("{\"id\":\"r1\""), outputLines[0]);
        shot(page, "13-batch-succeeded");

        // Every page on a laptop and on a phone: each is captured, and no card's content leaves its box.
        Map<String, String> pages = new java.util.LinkedHashMap<>();
        pages.put("datasets", base + "dashboard/datasets");
        pages.put("dataset", datasetUrl);
        pages.put("dataset-rejected", rejectedUrl);
        pages.put("fine-tuning", base + "dashboard/fine-tuning");
        pages.put("fine-tuning-job", jobUrl);
        pages.put("models", base + "dashboard/models");
        pages.put("model", modelUrl);
        pages.put("compression", base + "dashboard/compression");
        pages.put("compression-job", compressionUrl);
        pages.put("api-keys", base + "dashboard/api-keys");
        pages.put("batches", base + "dashboard/batches");
        pages.put("webhooks", base + "dashboard/webhooks");
        pages.put("webhook", endpointUrl);
        for (int width : new int[] {1280, 390}) {
            Page sized = context.newPage();
            sized.setViewportSize(width, width > 800 ? 900 : 844);
            for (Map.Entry<String, String> entry : pages.entrySet()) {
                sized.navigate(entry.getValue());
                sized.waitForLoadState(com.microsoft.playwright.options.LoadState.NETWORKIDLE);
                shot(sized, "layout-" + width + "-" + entry.getKey());
                assertEquals(List.of(), sized.evaluate(FITS, width > 800), entry.getKey() + " at " + width + " px");
            }
            sized.close();
        }

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
        assertEquals(404, intruder.navigate(endpointUrl).status());
        intruder.navigate("dashboard/batches");
        assertTrue(intruder.textContent("main").contains("No batches yet."));
        String batchId = as(key).get("/v1/batches").then().extract().path("data[0].id");
        assertEquals(404, intruder.navigate("dashboard/batches/" + batchId + "/output?format=csv").status());
        intruder.navigate("dashboard/webhooks");
        assertTrue(intruder.textContent("main").contains("No endpoints."));
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

    /**
     * What does not fit, on the page as shown: the page scrolling sideways, an element of a card
     * reaching outside the card, a table that scrolls sideways (on a laptop any, on a phone one
     * meant to stack), a select whose chosen text is cut. On a phone a wide table may scroll
     * inside its own box.
     */
    private static final String FITS = """
            wide => {
              const problems = [];
              const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string'
                  ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
              if (document.documentElement.scrollWidth > window.innerWidth) {
                problems.push('the page scrolls sideways by ' + (document.documentElement.scrollWidth - window.innerWidth) + ' px');
              }
              for (const card of document.querySelectorAll('.card, main > section')) {
                const box = card.getBoundingClientRect();
                for (const e of card.querySelectorAll('*')) {
                  const wrap = e.closest('.table-wrap');
                  if (e.closest('.visually-hidden, thead') || (!wide && wrap && wrap !== e && !wrap.querySelector('table.stack'))) {
                    continue;
                  }
                  const r = e.getBoundingClientRect();
                  if ((r.width > 0 || r.height > 0) && (r.right > box.right + 1 || r.left < box.left - 1)) {
                    problems.push(name(e) + ' leaves ' + name(card) + ' (' + Math.round(r.left) + '–' + Math.round(r.right)
                        + ' px, the card ' + Math.round(box.left) + '–' + Math.round(box.right) + ' px)');
                  }
                }
              }
              for (const wrap of document.querySelectorAll('.table-wrap')) {
                if ((wide || wrap.querySelector('table.stack')) && wrap.scrollWidth > wrap.clientWidth + 1) {
                  problems.push(name(wrap.querySelector('table')) + ' scrolls sideways by ' + (wrap.scrollWidth - wrap.clientWidth) + ' px');
                }
              }
              const measure = document.createElement('canvas').getContext('2d');
              for (const select of document.querySelectorAll('select')) {
                const style = getComputedStyle(select);
                measure.font = style.font;
                const text = select.options[select.selectedIndex] ? select.options[select.selectedIndex].text : '';
                const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
                if (measure.measureText(text).width > room) {
                  problems.push('select#' + select.id + ' cuts “' + text + '”');
                }
              }
              return problems.slice(0, 8);
            }
            """;

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
