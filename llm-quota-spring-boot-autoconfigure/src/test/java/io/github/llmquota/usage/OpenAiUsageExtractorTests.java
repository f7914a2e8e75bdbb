package io.github.llmquota.usage;

import java.util.List;

import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseUsage;
import io.github.llmquota.core.TokenUsage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link OpenAiUsageExtractor}, against objects of the official OpenAI SDK.
 */
class OpenAiUsageExtractorTests {

	private final OpenAiUsageExtractor extractor = new OpenAiUsageExtractor();

	@Test
	void cachedPromptTokensAreSplitFromUncachedInput() {
		ChatCompletion completion = chatCompletion(CompletionUsage.builder()
			.promptTokens(2006)
			.completionTokens(300)
			.totalTokens(2306)
			.promptTokensDetails(CompletionUsage.PromptTokensDetails.builder().cachedTokens(1920).build())
			.build());
		TokenUsage usage = this.extractor.extract(completion).orElseThrow();
		assertThat(usage).isEqualTo(new TokenUsage(86, 0, 1920, 300));
		assertThat(usage.totalInputTokens()).isEqualTo(2006);
	}

	@Test
	void promptWithoutDetailsIsAllUncachedInput() {
		ChatCompletion completion = chatCompletion(
				CompletionUsage.builder().promptTokens(57).completionTokens(17).totalTokens(74).build());
		assertThat(this.extractor.extract(completion)).contains(TokenUsage.of(57, 17));
	}

	@Test
	void cacheWriteTokensAreCacheCreation() {
		CompletionUsage usage = CompletionUsage.builder()
			.promptTokens(5000)
			.completionTokens(10)
			.totalTokens(5010)
			.promptTokensDetails(
					CompletionUsage.PromptTokensDetails.builder().cachedTokens(1000).cacheWriteTokens(3000).build())
			.build();
		assertThat(this.extractor.extract(usage)).contains(new TokenUsage(1000, 3000, 1000, 10));
	}

	@Test
	void cachedCountsAreCappedAtThePrompt() {
		CompletionUsage usage = CompletionUsage.builder()
			.promptTokens(100)
			.completionTokens(1)
			.totalTokens(101)
			.promptTokensDetails(
					CompletionUsage.PromptTokensDetails.builder().cachedTokens(80).cacheWriteTokens(50).build())
			.build();
		TokenUsage extracted = this.extractor.extract(usage).orElseThrow();
		assertThat(extracted).isEqualTo(new TokenUsage(0, 20, 80, 1));
		assertThat(extracted.totalInputTokens()).isEqualTo(100);
	}

	@Test
	void chatCompletionWithoutUsageGivesNothing() {
		ChatCompletion completion = ChatCompletion.builder()
			.id("chatcmpl-1")
			.choices(List.of())
			.created(1_700_000_000L)
			.model("gpt-4o")
			.build();
		assertThat(this.extractor.extract(completion)).isEmpty();
	}

	@Test
	void responsesApiUsageIsSplitTheSameWay() {
		ResponseUsage usage = ResponseUsage.builder()
			.inputTokens(2000)
			.inputTokensDetails(
					ResponseUsage.InputTokensDetails.builder().cachedTokens(1536).cacheWriteTokens(0).build())
			.outputTokens(120)
			.outputTokensDetails(ResponseUsage.OutputTokensDetails.builder().reasoningTokens(64).build())
			.totalTokens(2120)
			.build();
		assertThat(this.extractor.extract(usage)).contains(new TokenUsage(464, 0, 1536, 120));
	}

	@Test
	void responseReadByTheSdkIsExtracted() throws Exception {
		Response response = ObjectMappers.jsonMapper().readValue("""
				{"id": "resp_1", "object": "response", "created_at": 1741476542, "status": "completed",
				 "model": "gpt-4.1", "output": [],
				 "usage": {"input_tokens": 328, "input_tokens_details": {"cached_tokens": 128, "cache_write_tokens": 0},
				           "output_tokens": 52, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 380}}
				""", Response.class);
		assertThat(this.extractor.extract(response)).contains(new TokenUsage(200, 0, 128, 52));
	}

	@Test
	void responseWithoutUsageGivesNothing() throws Exception {
		Response response = ObjectMappers.jsonMapper()
			.readValue("{\"id\": \"resp_1\", \"object\": \"response\", \"status\": \"in_progress\"}", Response.class);
		assertThat(this.extractor.extract(response)).isEmpty();
	}

	@Test
	void malformedCountsGiveNothing() throws Exception {
		ChatCompletion completion = ObjectMappers.jsonMapper()
			.readValue("{\"id\": \"chatcmpl-1\", \"usage\": {\"prompt_tokens\": null, \"completion_tokens\": 3}}",
					ChatCompletion.class);
		assertThat(this.extractor.extract(completion)).isEmpty();
		CompletionUsage negative = CompletionUsage.builder()
			.promptTokens(-5)
			.completionTokens(3)
			.totalTokens(-2)
			.build();
		assertThat(this.extractor.extract(negative)).isEmpty();
	}

	@Test
	void otherValuesGiveNothing() {
		assertThat(this.extractor.extract(null)).isEmpty();
		assertThat(this.extractor.extract(42)).isEmpty();
	}

	private static ChatCompletion chatCompletion(CompletionUsage usage) {
		return ChatCompletion.builder()
			.id("chatcmpl-1")
			.choices(List.of())
			.created(1_700_000_000L)
			.model("gpt-4o")
			.usage(usage)
			.build();
	}

}
