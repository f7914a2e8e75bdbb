package io.github.llmquota.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.sample.chat.ChatAnswer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live page in a real headless Chromium, driven by Selenium. Skipped when Debian's
 * {@code chromium} and {@code chromium-driver} are not installed (or
 * {@code -Dsample.test.chromium} and {@code -Dsample.test.chromedriver} name no
 * executables).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "llm.quota.rollout.live-changes-enabled=true", "llm.quota.tenants.enabled=true" })
@EnabledIf(value = "chromiumInstalled", disabledReason = "Skipping the browser test: Chromium or ChromeDriver is not "
		+ "installed (apt-get install -y chromium chromium-driver)")
class LivePageBrowserTests {

	private static final Path CHROMIUM = Path.of(System.getProperty("sample.test.chromium", "/usr/bin/chromium"));

	private static final Path CHROMEDRIVER = Path
		.of(System.getProperty("sample.test.chromedriver", "/usr/bin/chromedriver"));

	@LocalServerPort
	private int port;

	@Autowired
	private TestRestTemplate http;

	@Autowired
	private QuotaEngine engine;

	private WebDriver browser;

	static boolean chromiumInstalled() {
		return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
	}

	@BeforeEach
	void openBrowser() {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage");
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		this.browser = new ChromeDriver(service, options);
	}

	@AfterEach
	void closeBrowser() {
		if (this.browser != null) {
			this.browser.quit();
		}
	}

	@Test
	void showsEveryPoolWithItsDimensionsThresholdLinesAndQueues() {
		assertThat(this.http.postForEntity("/chat", Map.of("userId", "alice", "message", "Hello"), ChatAnswer.class)
			.getStatusCode()
			.is2xxSuccessful()).isTrue();

		this.browser.get("http://localhost:" + this.port + "/");
		// The page redraws itself every second, so an element found in one render may be
		// gone in the next: every value asserted below comes from one read of one render.
		Page page = new WebDriverWait(this.browser, Duration.ofSeconds(30)).until((browser) -> {
			Page rendered = Page.read((JavascriptExecutor) browser);
			return (rendered.dimensionCount() >= 6) ? rendered : null;
		});

		assertThat(page.pools()).extracting(Pool::name)
			.containsExactlyInAnyOrder("anthropic-haiku", "anthropic-sonnet");
		Pool sonnet = page.pool("anthropic-sonnet");
		assertThat(sonnet.dimensions()).extracting(Dimension::name)
			.contains("requests-per-minute", "input-tokens-per-minute", "output-tokens-per-minute");
		assertThat(sonnet.warnLines()).isPositive();
		assertThat(sonnet.criticalLines()).isPositive();
		assertThat(sonnet.queueClasses()).contains("INTERACTIVE", "BACKGROUND");
		assertThat(page.state()).startsWith("2 pools");
		// The chat call above is in the trailing minute, so Sonnet's request bar is not
		// empty.
		assertThat(sonnet.dimension("requests-per-minute").figures()).doesNotStartWith("0 %")
			.endsWith("/ 50 (effective 45)");
		assertThat(sonnet.models()).contains("claude-sonnet-4-5");
	}

	@Test
	void controlsChangeAPoolAndThePageShowsTheChangesAndWhatShadowModeWouldHaveDone() {
		this.browser.get("http://localhost:" + this.port + "/");
		String sonnet = "#controls fieldset[data-pool='anthropic-sonnet'] ";
		new WebDriverWait(this.browser, Duration.ofSeconds(30))
			.until((browser) -> browser.findElement(By.cssSelector(sonnet + "[data-control=limit]")).isDisplayed());

		new Select(control(sonnet, "dimension")).selectByValue("requests-per-minute");
		control(sonnet, "limit").sendKeys("20");
		control(sonnet, "set-limit").click();
		awaitText(sonnet + "[data-control=result]", "applied");
		awaitText(
				"section.pool[data-pool='anthropic-sonnet'] .dimension[data-dimension='requests-per-minute'] .figures",
				"/ 20 (effective 18)");

		new Select(control(sonnet, "class")).selectByValue("BACKGROUND");
		control(sonnet, "pause").click();
		awaitText(SONNET_LIVE, "paused: BACKGROUND");

		control(sonnet, "multiplier").sendKeys("0.5");
		control(sonnet, "pin").click();
		awaitText(SONNET_LIVE, "multiplier pinned at 0.5");

		control(sonnet, "limit").clear();
		control(sonnet, "limit").sendKeys("-3");
		control(sonnet, "set-limit").click();
		awaitText(sonnet + "[data-control=result]", "refused (HTTP 400): limits.requests-per-minute");

		control(sonnet, "shadow-on").click();
		awaitText(SONNET_LIVE, "shadow mode");
		assertThat(this.http.postForEntity("/chat", Map.of("userId", "bob", "message", "Hi"), ChatAnswer.class)
			.getStatusCode()
			.is2xxSuccessful()).isTrue();
		awaitText("section.pool[data-pool='anthropic-sonnet'] .shadow", "enforcement would have: GRANTED");

		control(sonnet, "revert").click();
		awaitText(
				"section.pool[data-pool='anthropic-sonnet'] .dimension[data-dimension='requests-per-minute'] .figures",
				"/ 50 (effective 45)");
		assertThat(text(SONNET_LIVE)).isNull();
	}

	@Test
	void scopeControlsChangeAScopesLimitAndThePageShowsTheChange() {
		this.browser.get("http://localhost:" + this.port + "/");
		String chat = "#controls fieldset[data-scope='project-chat'] ";
		new WebDriverWait(this.browser, Duration.ofSeconds(30))
			.until((browser) -> browser.findElement(By.cssSelector(chat + "[data-control=limit]")).isDisplayed());
		// A scope takes limits only: the pools' other controls are not offered for it.
		assertThat(this.browser.findElements(By.cssSelector(chat + "[data-control=pause]"))).isEmpty();

		new Select(control(chat, "dimension")).selectByValue("input-tokens-per-minute");
		control(chat, "limit").sendKeys("30000");
		control(chat, "set-limit").click();
		awaitText(chat + "[data-control=result]", "applied");
		// Digits only: the page formats the figure in the browser's locale.
		awaitText(CHAT_LIVE, "changed at runtime: input-tokens-per-minute limit 30");
		assertThat(liveLimitsOf("project-chat")).containsEntry("input-tokens-per-minute", 30000);

		// Above sample-org's 60,000: the endpoint's 400 names the field and the parent.
		control(chat, "limit").clear();
		control(chat, "limit").sendKeys("70000");
		control(chat, "set-limit").click();
		awaitText(chat + "[data-control=result]",
				"refused (HTTP 400): limits.input-tokens-per-minute: 70000 exceeds the limit of scope 'sample-org'");
		assertThat(liveLimitsOf("project-chat")).containsEntry("input-tokens-per-minute", 30000);

		control(chat, "revert").click();
		awaitText(chat + "[data-control=result]", "applied");
		new WebDriverWait(this.browser, Duration.ofSeconds(30)).until((browser) -> text(CHAT_LIVE) == null);
		assertThat(liveLimitsOf("project-chat")).isEmpty();
	}

	// The scope's live limits as the endpoint answers them, empty when it runs as
	// configured.
	@SuppressWarnings("unchecked")
	private Map<String, Object> liveLimitsOf(String scope) {
		Map<String, Object> body = this.http.getForObject("/actuator/llmquota", Map.class);
		Map<String, Object> scopes = (Map<String, Object>) body.get("scopes");
		Map<String, Object> live = (Map<String, Object>) ((Map<String, Object>) scopes.get(scope)).get("live");
		if (live == null || live.get("limits") == null) {
			return Map.of();
		}
		return (Map<String, Object>) live.get("limits");
	}

	private static final String CHAT_LIVE = "section.scope[data-scope='project-chat'] .live";

	@Test
	void eachTenantsShareOfTheTokensTheFleetAdmittedIsShown() {
		// On Haiku, which the other tests' chat calls (without a tenant) leave alone.
		admit("acme", 2_000);
		admit("globex", 1_000);
		admit("acme", 1_000);
		this.browser.get("http://localhost:" + this.port + "/");
		String tenants = "section.pool[data-pool='anthropic-haiku'] table.tenants ";
		awaitText(tenants + "tr[data-tenant='acme'] .admitted", "3000");
		awaitText(tenants + "tr[data-tenant='acme'] .admitted-share", "75 %");
		awaitText(tenants + "tr[data-tenant='globex'] .admitted-share", "25 %");
	}

	private void admit(String tenant, long inputTokens) {
		this.engine.acquire(QuotaRequest.builder("claude-haiku-4-5").tenant(tenant).inputTokens(inputTokens).build())
			.settle(TokenUsage.of(inputTokens, 0));
	}

	@Test
	void showsEachScopeWithItsParentItsPoolsAndItsBucketPerDimension() {
		assertThat(this.http.postForEntity("/chat", Map.of("userId", "alice", "message", "Hello"), ChatAnswer.class)
			.getStatusCode()
			.is2xxSuccessful()).isTrue();

		this.browser.get("http://localhost:" + this.port + "/");
		// One read of one render, as above.
		@SuppressWarnings("unchecked")
		Map<String, Map<String, Object>> scopes = new WebDriverWait(this.browser, Duration.ofSeconds(30))
			.until((browser) -> {
				Map<String, Map<String, Object>> read = (Map<String, Map<String, Object>>) ((JavascriptExecutor) browser)
					.executeScript(SCOPES);
				return (read.size() == 3 && ((List<?>) read.get("sample-org").get("dimensions")).size() == 3) ? read
						: null;
			});

		assertThat(scopes).containsOnlyKeys("sample-org", "project-chat", "project-assist");
		assertThat((String) scopes.get("sample-org").get("meta")).startsWith("root")
			.contains("pools: anthropic-haiku, anthropic-sonnet");
		assertThat((String) scopes.get("project-chat").get("meta")).startsWith("under sample-org")
			.contains("pools: anthropic-sonnet");
		assertThat((String) scopes.get("project-assist").get("meta")).contains("pools: anthropic-haiku");
		assertThat((List<String>) scopes.get("sample-org").get("dimensions")).containsExactly("requests-per-minute",
				"input-tokens-per-minute", "output-tokens-per-minute");
		assertThat((String) scopes.get("sample-org").get("rpm")).contains("%").endsWith("/ 80");
		assertThat((List<String>) scopes.get("project-chat").get("dimensions"))
			.containsExactly("input-tokens-per-minute");
		assertThat((Long) scopes.get("sample-org").get("lines")).isEqualTo(6);
	}

	private static final String SCOPES = """
			var scopes = {};
			document.querySelectorAll('#scopes-section:not([hidden]) section.scope').forEach(function (scope) {
				var rows = Array.prototype.slice.call(scope.querySelectorAll('.dimension'));
				var rpm = scope.querySelector(".dimension[data-dimension='requests-per-minute'] .figures");
				scopes[scope.getAttribute('data-scope')] = {
					meta: scope.querySelector('.meta').innerText.trim(),
					dimensions: rows.map(function (row) { return row.getAttribute('data-dimension'); }),
					rpm: rpm ? rpm.innerText.trim() : null,
					lines: scope.querySelectorAll('.track .line').length
				};
			});
			return scopes;
			""";

	private static final String SONNET_LIVE = "section.pool[data-pool='anthropic-sonnet'] .live";

	private WebElement control(String fieldset, String control) {
		return this.browser.findElement(By.cssSelector(fieldset + "[data-control='" + control + "']"));
	}

	// The page redraws every second: read the text in one script, and wait for it.
	private void awaitText(String selector, String expected) {
		new WebDriverWait(this.browser, Duration.ofSeconds(30)).until((browser) -> {
			String text = text(selector);
			return text != null && text.contains(expected);
		});
	}

	private String text(String selector) {
		return (String) ((JavascriptExecutor) this.browser)
			.executeScript("var e = document.querySelector(arguments[0]); return e ? e.innerText : null;", selector);
	}

	/**
	 * What one render of the live page shows, read in a single script so that no redraw
	 * can come between two values.
	 */
	record Page(String state, List<Pool> pools) {

		private static final String READ = """
				function text(element) {
					return element ? element.innerText.trim() : null;
				}
				function all(root, selector) {
					return Array.prototype.slice.call(root.querySelectorAll(selector));
				}
				return {
					state: text(document.getElementById('state')),
					pools: all(document, 'section.pool').map(function (pool) {
						return {
							name: pool.getAttribute('data-pool'),
							dimensions: all(pool, '.dimension').map(function (row) {
								return { name: row.getAttribute('data-dimension'), figures: text(row.querySelector('.figures')) };
							}),
							warnLines: all(pool, '.track .line.warn').length,
							criticalLines: all(pool, '.track .line.critical').length,
							queueClasses: all(pool, '.queue td[data-class]').map(function (cell) {
								return cell.getAttribute('data-class');
							}),
							models: text(pool.querySelector('.models'))
						};
					})
				};
				""";

		@SuppressWarnings("unchecked")
		static Page read(JavascriptExecutor browser) {
			Map<String, Object> page = (Map<String, Object>) browser.executeScript(READ);
			List<Pool> pools = ((List<Map<String, Object>>) page.get("pools")).stream().map(Pool::of).toList();
			return new Page((String) page.get("state"), pools);
		}

		int dimensionCount() {
			return this.pools.stream().mapToInt((pool) -> pool.dimensions().size()).sum();
		}

		Pool pool(String name) {
			return this.pools.stream().filter((pool) -> pool.name().equals(name)).findFirst().orElseThrow();
		}

	}

	record Pool(String name, List<Dimension> dimensions, long warnLines, long criticalLines, List<String> queueClasses,
			String models) {

		@SuppressWarnings("unchecked")
		static Pool of(Map<String, Object> pool) {
			List<Dimension> dimensions = ((List<Map<String, Object>>) pool.get("dimensions")).stream()
				.map((row) -> new Dimension((String) row.get("name"), (String) row.get("figures")))
				.toList();
			return new Pool((String) pool.get("name"), dimensions, ((Number) pool.get("warnLines")).longValue(),
					((Number) pool.get("criticalLines")).longValue(), (List<String>) pool.get("queueClasses"),
					(String) pool.get("models"));
		}

		Dimension dimension(String name) {
			return this.dimensions.stream().filter((row) -> name.equals(row.name())).findFirst().orElseThrow();
		}

	}

	record Dimension(String name, String figures) {
	}

}
