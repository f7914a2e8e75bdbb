package io.github.llmquota.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;

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
		// The chat call above is in the trailing minute, so Sonnet's request bar is not empty.
		WebElement requests = sonnet.findElement(By.cssSelector(".dimension[data-dimension='requests-per-minute']"));
		assertThat(requests.findElement(By.cssSelector(".figures")).getText()).doesNotStartWith("0 %").endsWith(
				"/ 50 (effective 45)");
		assertThat(sonnet.findElement(By.cssSelector(".models")).getText()).contains("claude-sonnet-4-5");
	}

}
