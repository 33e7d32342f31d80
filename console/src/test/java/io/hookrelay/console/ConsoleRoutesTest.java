package io.hookrelay.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Pattern;

import io.hookrelay.http.HttpApi;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConsoleRoutesTest {

    /** A script element without a src: inline code, which the policy forbids and the page must not need. */
    private static final Pattern INLINE_SCRIPT = Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE);
    /** Inline handlers and javascript: URLs, which the policy blocks too. */
    private static final Pattern INLINE_HANDLER = Pattern.compile("\\son[a-z]+\\s*=|javascript:", Pattern.CASE_INSENSITIVE);
    private static final Pattern EXTERNAL_REFERENCE = Pattern.compile("\\b(src|href|action)\\s*=\\s*\"(https?:)?//", Pattern.CASE_INSENSITIVE);

    private static Javalin http;
    private static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        http = HttpApi.start("console-test", 0, Map.of(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                routes -> new ConsoleRoutes().routes(routes));
    }

    @AfterAll
    static void stop() {
        http.stop();
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageAtConsoleWithAndWithoutTheTrailingSlash() throws Exception {
        for (String path : new String[]{"/console/", "/console"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
            assertThat(r.body()).contains("<title>Hookrelay console</title>")
                    .contains("<script src=\"/console/console.js\" defer></script>");
        }
    }

    @Test
    void everyConsoleResponseForbidsInlineScriptFramingAndOtherOrigins() throws Exception {
        for (String path : new String[]{"/console/", "/console/console.js", "/console/console.css", "/console/nothing.js"}) {
            HttpResponse<String> r = get(path);
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertThat(csp).as(path).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'",
                    "frame-ancestors 'none'", "base-uri 'none'");
            assertThat(csp).as(path).doesNotContain("unsafe-inline", "unsafe-eval", "*", "http:", "https:");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
            assertThat(r.headers().firstValue("X-Frame-Options")).as(path).hasValue("DENY");
            assertThat(r.headers().firstValue("Referrer-Policy")).as(path).hasValue("no-referrer");
        }
    }

    @Test
    void theAssetsNeedNoInlineScriptAndLoadNothingFromTheInternet() throws Exception {
        String page = get("/console/").body();
        assertThat(INLINE_SCRIPT.matcher(page).find()).as("inline <script> in index.html").isFalse();
        assertThat(INLINE_HANDLER.matcher(page).find()).as("inline handler in index.html").isFalse();
        assertThat(page).doesNotContain("style=\"");
        // The page may show example URLs as placeholders; what it loads or links to is its own origin's.
        assertThat(EXTERNAL_REFERENCE.matcher(page).find()).as("src/href/action to another origin in index.html").isFalse();
        assertThat(get("/console/console.css").body()).doesNotContain("http://", "https://", "//", "@import");
        String js = get("/console/console.js").body();
        // The SVG namespace is a name, never fetched; any other absolute URL in the script is refused.
        assertThat(js.replace("'http://www.w3.org/2000/svg'", "")).as("console.js").doesNotContain("http://", "https://", "//cdn");
        assertThat(js).as("markup from data: the console writes text only").doesNotContain("innerHTML", "outerHTML",
                "insertAdjacentHTML", "document.write", "eval(");
        assertThat(js).as("the key stays in the tab").contains("sessionStorage").doesNotContain("localStorage", "document.cookie");
    }

    @Test
    void servesEachAssetWithItsType() throws Exception {
        assertThat(get("/console/console.js").headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(get("/console/console.css").headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/css"));
        assertThat(get("/console/console.js").headers().firstValue("Cache-Control")).hasValue("no-cache");
    }

    @Test
    void answersNotFoundForAnythingButItsOwnFilesTraversalIncluded() throws Exception {
        for (String path : new String[]{"/console/nothing.js", "/console/..%2Fpom.xml", "/console/%2E%2E%2FConsoleRoutes.class",
                "/console/assets%2Findex.html", "/console/ConsoleRoutes.class"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).doesNotContain("<html", "package io.hookrelay");
        }
    }
}
