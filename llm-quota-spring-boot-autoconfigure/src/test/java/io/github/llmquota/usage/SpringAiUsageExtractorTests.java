package io.github.llmquota.usage;

import java.util.List;
import java.util.Map;

import com.openai.models.completions.CompletionUsage;
import io.github.llmquota.core.TokenUsage;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.metadata.EmptyUsage;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link SpringAiUsageExtractor}, against Spring AI's own types.
 */
class SpringAiUsageExtractorTests {

	private final SpringAiUsageExtractor extractor = new SpringAiUsageExtractor();

	@Test
	void promptAndCompletionTokensAreExtracted() {
		assertThat(this.extractor.extract(chatResponse(new DefaultUsage(1500, 250))))
			.contains(TokenUsage.of(1500, 250));
	}

	@Test
	void responseWithoutUsageGivesNothing() {
		ChatResponse response = new ChatResponse(List.of(new Generation(new AssistantMessage("Hello"))));
		assertThat(this.extractor.extract(response)).isEmpty();
		assertThat(this.extractor.extract(chatResponse(new EmptyUsage()))).isEmpty();
		assertThat(this.extractor.extract(chatResponse(new DefaultUsage(null, null)))).isEmpty();
	}

	@Test
	void missingCountIsZero() {
		assertThat(this.extractor.extract(chatResponse(new DefaultUsage(40, null)))).contains(TokenUsage.of(40, 0));
	}

	@Test
	void nativeUsageKeepsTheCacheSplit() {
		CompletionUsage openAiUsage = CompletionUsage.builder()
			.promptTokens(2006)
			.completionTokens(300)
			.totalTokens(2306)
			.promptTokensDetails(CompletionUsage.PromptTokensDetails.builder().cachedTokens(1920).build())
			.build();
		SpringAiUsageExtractor withNative = new SpringAiUsageExtractor(new OpenAiUsageExtractor());
		assertThat(withNative.extract(chatResponse(new DefaultUsage(2006, 300, 2306, openAiUsage))))
			.contains(new TokenUsage(86, 0, 1920, 300));
	}

	@Test
	void nativeUsageTheDelegateDoesNotKnowFallsBackToTheCounts() {
		SpringAiUsageExtractor withNative = new SpringAiUsageExtractor(new OpenAiUsageExtractor());
		Usage usage = new DefaultUsage(100, 20, 120, Map.of("input_tokens", 100));
		assertThat(withNative.extract(chatResponse(usage))).contains(TokenUsage.of(100, 20));
	}

	@Test
	void negativeCountsGiveNothing() {
		assertThat(this.extractor.extract(chatResponse(new DefaultUsage(-1, 20)))).isEmpty();
	}

	@Test
	void otherValuesGiveNothing() {
		assertThat(this.extractor.extract(null)).isEmpty();
		assertThat(this.extractor.extract(new DefaultUsage(1, 2))).isEmpty();
	}

	@Test
	void nullDelegateIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SpringAiUsageExtractor(null))
			.withMessageContaining("'nativeUsageExtractor'");
	}

	private static ChatResponse chatResponse(Usage usage) {
		return new ChatResponse(List.of(new Generation(new AssistantMessage("Hello"))),
				ChatResponseMetadata.builder().usage(usage).build());
	}

}
