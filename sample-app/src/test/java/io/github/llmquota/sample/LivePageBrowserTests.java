package io.github.llmquota.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.llmquota.core.Backpressure;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.sample.chat.ChatAnswer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live page in a real headless Chromium, driven by Selenium. Skipped when Debian's
 * {@code chromium} and {@code chromium-driver} are not installed (or
 * {@code -Dsample.test.chromium} and {@code -Dsample.test.chromedriver} name no executables).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
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
		new WebDriverWait(this.browser, Duration.ofSeconds(30))
			.until((page) -> page.findElements(By.cssSelector("section.pool .dimension")).size() >= 6);

		List<WebElement> pools = this.browser.findElements(By.cssSelector("section.pool"));
		assertThat(pools).extracting((pool) -> pool.getAttribute("data-pool"))
			.containsExactlyInAnyOrder("anthropic-haiku", "anthropic-sonnet");
		WebElement sonnet = this.browser.findElement(By.cssSelector("section.pool[data-pool='anthropic-sonnet']"));
		assertThat(sonnet.findElements(By.cssSelector(".dimension"))).extracting((row) -> row.getAttribute("data-dimension"))
			.contains("requests-per-minute", "input-tokens-per-minute", "output-tokens-per-minute");
		assertThat(sonnet.findElements(By.cssSelector(".track .line.warn"))).isNotEmpty();
		assertThat(sonnet.findElements(By.cssSelector(".track .line.critical"))).isNotEmpty();
		assertThat(sonnet.findElements(By.cssSelector(".queue td[data-class]")))
			.extracting((cell) -> cell.getAttribute("data-class"))
			.contains("INTERACTIVE", "BACKGROUND");
		assertThat(this.browser.findElement(By.id("state")).getText()).startsWith("2 pools");
	}

	/**
	 * Until the library's {@code llmquota} endpoint is on this branch, a stand-in with the
	 * same documented shape, built from the engine's own figures.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class StandInEndpointConfiguration {

		@Bean
		@ConditionalOnMissingClass("io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint")
		StandInQuotaEndpoint standInQuotaEndpoint(QuotaSettings settings, QuotaEngine engine) {
			return new StandInQuotaEndpoint(settings, engine);
		}

	}

	@Endpoint(id = "llmquota")
	static class StandInQuotaEndpoint {

		private final QuotaSettings settings;

		private final QuotaEngine engine;

		StandInQuotaEndpoint(QuotaSettings settings, QuotaEngine engine) {
			this.settings = settings;
			this.engine = engine;
		}

		@ReadOperation
		Map<String, Object> pools() {
			Map<String, Object> pools = new LinkedHashMap<>();
			for (PoolSpec pool : this.settings.pools().values()) {
				Backpressure backpressure = this.engine.backpressure(pool.models().get(0));
				Map<String, Object> dimensions = new LinkedHashMap<>();
				for (RateLimit rate : pool.rates()) {
					double utilisation = backpressure.utilisation().getOrDefault(rate.dimension(), 0.0);
					dimensions.put(rate.dimension().name().toLowerCase(Locale.ROOT).replace('_', '-'),
							Map.of("limit", rate.limit(), "usedLastMinute", utilisation * rate.limit(), "utilisation",
									utilisation, "trend", List.of()));
				}
				pools.put(pool.name(), Map.of("provider", pool.provider().name().toLowerCase(Locale.ROOT), "dimensions",
						dimensions, "queued", backpressure.queueDepth(), "inFlight", backpressure.inFlight(), "models",
						pool.models()));
			}
			return Map.of("pools", pools);
		}

	}

}
