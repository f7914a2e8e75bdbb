package io.github.llmquota.provider;

import java.time.Instant;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.llmquota.core.Provider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for what {@link ProviderFeedbackParser} logs when it fails on a response: a
 * parser bug must not fail the model call, but it must not go unnoticed either.
 */
@ExtendWith(OutputCaptureExtension.class)
class ProviderFeedbackParserFailureLogTests {

	private static final Map<String, List<String>> UNREADABLE_HEADERS = new AbstractMap<>() {

		@Override
		public Set<Entry<String, List<String>>> entrySet() {
			throw new IllegalStateException("headers already consumed");
		}

	};

	@Test
	void firstFailureIsWarnedAboutNamingThePoolAndLaterOnesAreNot(CapturedOutput output) {
		ProviderFeedbackParser parser = new ProviderFeedbackParser();
		parser.parse("first", Provider.OPENAI, 429, UNREADABLE_HEADERS, null, Instant.EPOCH);
		parser.parse("second", Provider.OPENAI, 429, UNREADABLE_HEADERS, null, Instant.EPOCH);
		assertThat(output.getOut()).contains("WARN")
			.contains("Failed to read provider feedback for pool 'first', using the HTTP status alone.")
			.contains("headers already consumed")
			.doesNotContain("pool 'second'");
	}

}
