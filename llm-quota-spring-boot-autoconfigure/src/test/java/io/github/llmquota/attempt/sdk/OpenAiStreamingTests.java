package io.github.llmquota.attempt.sdk;

import java.util.Map;
import java.util.function.Consumer;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import org.junit.jupiter.api.Test;

import org.springframework.context.ApplicationContext;

import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.ProviderStub.Answer;

import static io.github.llmquota.attempt.sdk.SdkAttempts.GPT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official OpenAI SDK's streaming, governed, with
 * {@code stream_options.include_usage}, against a local stub on the test Redis: the lease
 * settles to the usage of the stream's last chunk, and without that chunk to what was
 * received.
 */
class OpenAiStreamingTests {

	private static final int CHUNKS = 50;

	// 40 ASCII characters: 10 tokens at OpenAI's 4 characters per token.
	private static final String TEXT = "y".repeat(40);

	@Test
	void streamSettlesToTheUsageOfItsLastChunk() {
		settledUsage(true, (usage) -> assertThat(usage).isEqualTo(new TokenUsage(12, 0, 0, 480)));
	}

	@Test
	void streamWithoutAUsageChunkSettlesWhatItReceived() {
		settledUsage(false, (usage) -> assertThat(usage.outputTokens()).isEqualTo(CHUNKS * 10));
	}

	private void settledUsage(boolean withUsage, Consumer<TokenUsage> check) {
		SdkAttempts.application()
			.withBean(AnthropicStreamingTests.Usages.class)
			.withPropertyValues("llm.quota.streaming.charge-every-tokens=50")
			.run((context) -> {
				try (ProviderStub stub = ProviderStub.start(stream(withUsage))) {
					try (StreamResponse<ChatCompletionChunk> stream = client(context, stub).chat()
						.completions()
						.createStreaming(params())) {
						stream.stream().forEach((chunk) -> {
						});
					}
					AnthropicStreamingTests.Usages usages = context.getBean(AnthropicStreamingTests.Usages.class);
					assertThat(usages.settled()).hasSize(1);
					check.accept(usages.settled().get(0));
				}
			});
	}

	private static Answer stream(boolean withUsage) {
		StringBuilder body = new StringBuilder();
		for (int i = 0; i < CHUNKS; i++) {
			body.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"")
				.append(GPT)
				.append("\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
				.append(TEXT)
				.append("\"},\"finish_reason\":null}],\"usage\":null}\n\n");
		}
		if (withUsage) {
			body.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"")
				.append(GPT)
				.append("\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":480,")
				.append("\"total_tokens\":492}}\n\n");
		}
		body.append("data: [DONE]\n\n");
		return new Answer(200, Map.of("content-type", "text/event-stream"), body.toString());
	}

	private static OpenAIClient client(ApplicationContext context, ProviderStub stub) {
		return OpenAIOkHttpClient.builder()
			.baseUrl(stub.baseUrl())
			.apiKey("test")
			.addInterceptor(new OpenAiAttemptInterceptor(SdkAttempts.governor(context)))
			.build();
	}

	private static ChatCompletionCreateParams params() {
		return ChatCompletionCreateParams.builder()
			.model(GPT)
			.maxCompletionTokens(1_000)
			.addUserMessage("Hello")
			.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
			.build();
	}

}
