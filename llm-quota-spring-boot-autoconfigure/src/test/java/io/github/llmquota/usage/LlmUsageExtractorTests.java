package io.github.llmquota.usage;

import io.github.llmquota.core.TokenUsage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmUsageExtractor}.
 */
class LlmUsageExtractorTests {

	private final LlmUsageExtractor extractor = new LlmUsageExtractor();

	@Test
	void recordWithTheUsageComponentsIsExtracted() {
		record Answer(String text, long inputTokens, long outputTokens) implements LlmUsage {
		}
		assertThat(this.extractor.extract(new Answer("42", 120, 8))).contains(TokenUsage.of(120, 8));
	}

	@Test
	void cacheCountsAreExtracted() {
		record CachedAnswer(long inputTokens, long cacheCreationInputTokens, long cacheReadInputTokens,
				long outputTokens) implements LlmUsage {
		}
		assertThat(this.extractor.extract(new CachedAnswer(10, 20, 30, 40))).contains(new TokenUsage(10, 20, 30, 40));
	}

	@Test
	void negativeCountGivesNothing() {
		record Broken(long inputTokens, long outputTokens) implements LlmUsage {
		}
		assertThat(this.extractor.extract(new Broken(10, -1))).isEmpty();
	}

	@Test
	void otherValuesGiveNothing() {
		assertThat(this.extractor.extract(null)).isEmpty();
		assertThat(this.extractor.extract(TokenUsage.of(1, 2))).isEmpty();
	}

}
