package io.github.llmquota.usage;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.TokenUsage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link JsonUsageExtractor}.
 */
class JsonUsageExtractorTests {

	private final JsonUsageExtractor extractor = new JsonUsageExtractor();

	@Test
	void anthropicUsageMapsOneToOne() {
		assertThat(extract("{\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":5,"
				+ "\"cache_read_input_tokens\":7,\"output_tokens\":3}}"))
			.contains(new TokenUsage(10, 5, 7, 3));
	}

	@Test
	void openAiChatPromptIncludesItsCachedTokens() {
		assertThat(extract("{\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,"
				+ "\"prompt_tokens_details\":{\"cached_tokens\":60}}}"))
			.contains(new TokenUsage(40, 0, 60, 20));
	}

	@Test
	void openAiResponsesInputIncludesItsCachedTokens() {
		assertThat(extract("{\"usage\":{\"input_tokens\":100,\"output_tokens\":20,"
				+ "\"input_tokens_details\":{\"cached_tokens\":30}}}"))
			.contains(new TokenUsage(70, 0, 30, 20));
	}

	@Test
	void missingOrGarbledCountsGiveNoUsage() {
		assertThat(extract("{\"usage\":{\"input_tokens\":10}}")).isEmpty();
		assertThat(extract("{\"usage\":{\"input_tokens\":\"ten\",\"output_tokens\":1}}")).isEmpty();
		assertThat(extract("{\"usage\":{\"input_tokens\":-1,\"output_tokens\":1}}")).isEmpty();
		assertThat(extract("{\"usage\":{\"input_tokens\":1,\"output_tokens\":1,\"cache_read_input_tokens\":1.5}}"))
			.isEmpty();
		assertThat(extract("[1,2]")).isEmpty();
		assertThat(this.extractor.extract("not json")).isEmpty();
	}

	private Optional<TokenUsage> extract(String json) {
		try {
			JsonNode node = JsonMapper.builder().build().readTree(json);
			return this.extractor.extract(node);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
