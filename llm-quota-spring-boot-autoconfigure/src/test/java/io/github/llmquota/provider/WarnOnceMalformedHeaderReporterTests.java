package io.github.llmquota.provider;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.llmquota.core.Provider;

import static io.github.llmquota.provider.HeaderMaps.headers;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the reporter returned by
 * {@link MalformedHeaderReporter#warnOncePerPoolAndHeader()}.
 */
@ExtendWith(OutputCaptureExtension.class)
class WarnOnceMalformedHeaderReporterTests {

	private static final String WARNING = "Ignoring malformed";

	private final MalformedHeaderReporter reporter = MalformedHeaderReporter.warnOncePerPoolAndHeader();

	@Test
	void providerThatKeepsSendingAMalformedHeaderIsWarnedAboutOncePerPoolAndHeader(CapturedOutput output) {
		ProviderFeedbackParser parser = new ProviderFeedbackParser(this.reporter);
		for (int i = 0; i < 3; i++) {
			parser.parse("claude", Provider.ANTHROPIC, 429, headers("retry-after", "soon"), null, Instant.EPOCH);
		}
		this.reporter.report("claude", "x-should-retry", "maybe");
		this.reporter.report("gpt", "retry-after", "soon");
		assertThat(occurrences(output.getOut(), WARNING)).isEqualTo(3);
		assertThat(output).contains("'retry-after' header from pool 'claude': 'soon'")
			.contains("'x-should-retry' header from pool 'claude': 'maybe'")
			.contains("'retry-after' header from pool 'gpt': 'soon'");
	}

	@Test
	void loggedValueCannotForgeLogLinesOrFloodTheLog(CapturedOutput output) {
		this.reporter.report("pool", "retry-after", "1\r\nERROR forged line" + "x".repeat(10_000));
		assertThat(output).contains("'1??ERROR forged line").doesNotContain("\nERROR forged line");
		assertThat(output.getOut().length()).isLessThan(1_000);
	}

	@Test
	void valueOfExactly64CharactersIsLoggedWhole(CapturedOutput output) {
		String value = "x".repeat(64);
		this.reporter.report("pool", "retry-after", value);
		assertThat(output).contains("'" + value + "'. Further");
	}

	@Test
	void concurrentReportsOfTheSameHeaderWarnOnce(CapturedOutput output) throws InterruptedException {
		ExecutorService executor = Executors.newFixedThreadPool(4);
		CountDownLatch start = new CountDownLatch(1);
		for (int i = 0; i < 4; i++) {
			executor.execute(() -> {
				awaitQuietly(start);
				for (int j = 0; j < 500; j++) {
					this.reporter.report("pool", "retry-after", "soon");
				}
			});
		}
		start.countDown();
		executor.shutdown();
		assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		assertThat(occurrences(output.getOut(), WARNING)).isEqualTo(1);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static int occurrences(String text, String word) {
		return text.split(word, -1).length - 1;
	}

}
