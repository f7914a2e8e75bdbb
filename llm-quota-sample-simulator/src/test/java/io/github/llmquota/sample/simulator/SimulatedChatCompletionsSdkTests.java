package io.github.llmquota.sample.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.Sleeper;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.provider.ProviderFeedbackParser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official openai-java SDK against the simulator's {@code /v1/chat/completions} over
 * HTTP: a plain call, a stream with {@code stream_options.include_usage}, and a 429 when
 * a limit is reached, each parsed by the SDK as OpenAI's answers are and carrying
 * OpenAI's rate-limit headers, which llm-quota's own parser reads. The simulator's clock
 * stands still unless the SDK sleeps: its sleeper moves the clock on by the time the SDK
 * would have waited, so no test waits for real time.
 */
class SimulatedChatCompletionsSdkTests {

	private static final String MODEL = "gpt-4o-mini";

	private final AtomicLong nanos = new AtomicLong();

	private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

	private ProviderSimulator simulator;

	private OpenAIClient sdk;

	@BeforeEach
	void startSimulatorAndSdk() {
		SimulatorProperties properties = new SimulatorProperties();
		properties.setLatency(Duration.ZERO);
		properties.setLatencyJitter(Duration.ZERO);
		properties.setModels(Map.of(MODEL, SimulatorProperties.Limits.of(3, 30_000, 8_000)));
		this.simulator = new ProviderSimulator(properties, new SimulatorClock(Instant.now(), this.nanos::get));
		this.simulator.start();
		this.sdk = client(2);
	}

	@AfterEach
	void stopSimulatorAndSdk() {
		this.sdk.close();
		this.simulator.close();
	}

	@Test
	void theSdkReadsAChatCompletionWithOpenAisRateLimitHeaders() {
		HttpResponseFor<ChatCompletion> response = this.sdk.chat().completions().withRawResponse().create(params(64));
		ChatCompletion completion = response.parse();

		CompletionUsage usage = completion.usage().orElseThrow();
		String text = completion.choices().get(0).message().content().orElseThrow();
		assertThat(usage.completionTokens()).isPositive().isLessThanOrEqualTo(64).isEqualTo(text.length() / 4);
		assertThat(usage.promptTokens()).isPositive();
		assertThat(response.headers().values("x-ratelimit-limit-requests")).containsExactly("3");
		assertThat(response.headers().values("x-ratelimit-remaining-requests")).containsExactly("2");
		// One request of three taken on a frozen clock: full again in a third of a
		// minute.
		assertThat(response.headers().values("x-ratelimit-reset-requests")).containsExactly("20s");
		assertThat(response.headers().values("x-ratelimit-limit-tokens")).containsExactly("38000");
		assertThat(response.headers().values("x-ratelimit-remaining-tokens"))
			.containsExactly(Long.toString(38_000 - usage.promptTokens() - usage.completionTokens()));
		ProviderFeedback feedback = new ProviderFeedbackParser().parse("pool", Provider.OPENAI, 200,
				response.headers().asMap(), null, Instant.now());
		assertThat(feedback.getReading(Dimension.REQUESTS_PER_MINUTE).orElseThrow().getRemaining()).hasValue(2);
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE).orElseThrow().getLimit()).hasValue(38_000);
		assertThat(this.simulator.stats().model(MODEL).served()).isOne();
		assertThat(this.simulator.stats().requests()).isOne();
	}

	@Test
	void theSdkStreamsAChatCompletionEndingWithItsUsage() {
		StringBuilder text = new StringBuilder();
		List<ChatCompletionChunk> chunks = new ArrayList<>();
		try (StreamResponse<ChatCompletionChunk> stream = this.sdk.chat()
			.completions()
			.createStreaming(streamed(params(300), true))) {
			stream.stream().forEach((chunk) -> {
				chunks.add(chunk);
				chunk.choices().forEach((choice) -> choice.delta().content().ifPresent(text::append));
			});
		}

		ChatCompletionChunk last = chunks.get(chunks.size() - 1);
		assertThat(last.choices()).isEmpty();
		CompletionUsage usage = last.usage().orElseThrow();
		assertThat(usage.completionTokens()).isEqualTo(text.length() / 4).isPositive();
		assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy((chunk) -> {
			assertThat(chunk.usage()).isEmpty();
			assertThat(chunk.choices()).hasSize(1);
		});
		assertThat(chunks.get(chunks.size() - 2).choices().get(0).finishReason()).isPresent();
		assertThat(chunks).hasSizeGreaterThan(3);
		assertThat(this.simulator.stats().model(MODEL).outputTokens()).isEqualTo(usage.completionTokens());
		assertThat(this.simulator.streamingOutput(MODEL)).as("no stream open").isZero();
	}

	@Test
	void aStreamWithoutIncludeUsageHasNoUsageChunk() {
		List<ChatCompletionChunk> chunks = new ArrayList<>();
		try (StreamResponse<ChatCompletionChunk> stream = this.sdk.chat()
			.completions()
			.createStreaming(streamed(params(64), false))) {
			stream.stream().forEach(chunks::add);
		}

		assertThat(chunks).isNotEmpty().allSatisfy((chunk) -> {
			assertThat(chunk.usage()).isEmpty();
			assertThat(chunk.choices()).hasSize(1);
		});
		assertThat(this.simulator.stats().model(MODEL).outputTokens()).isPositive();
	}

	@Test
	void aCallOverTheRequestLimitIsRefusedWithOpenAis429AndTakesNothing() {
		OpenAIClient noRetries = client(0);
		try {
			for (int i = 0; i < 3; i++) {
				noRetries.chat().completions().create(params(16));
			}
			assertThatExceptionOfType(RateLimitException.class)
				.isThrownBy(() -> noRetries.chat().completions().create(params(16)))
				.satisfies((ex) -> {
					assertThat(ex.statusCode()).isEqualTo(429);
					assertThat(ex.code()).hasValue("rate_limit_exceeded");
					assertThat(ex.type()).hasValue("requests");
					assertThat(ex.getMessage()).contains("Rate limit reached for gpt-4o-mini")
						.contains("on requests per min (RPM): Limit 3, Used 3, Requested 1.")
						.contains("Please try again in 20s.");
					assertThat(ex.headers().values("x-ratelimit-remaining-requests")).containsExactly("0");
					assertThat(ex.headers().values("retry-after")).containsExactly("20");
				});
		}
		finally {
			noRetries.close();
		}
		assertThat(this.simulator.stats().model(MODEL).served()).isEqualTo(3);
		assertThat(this.simulator.stats().model(MODEL).rateLimitedByRequests()).isOne();
	}

	@Test
	void theSdkWaitsOutTheRetryAfterOfA429AndItsRetrySucceeds() {
		for (int i = 0; i < 3; i++) {
			this.sdk.chat().completions().create(params(16));
		}
		// 5 s short of the next request: openai-java caps the delays it honours at 8 s.
		this.nanos.addAndGet(Duration.ofSeconds(15).toNanos());

		ChatCompletion completion = this.sdk.chat().completions().create(params(16));

		assertThat(completion.usage()).isPresent();
		assertThat(this.sleeps).containsExactly(Duration.ofSeconds(5));
		assertThat(this.simulator.stats().model(MODEL).served()).isEqualTo(4);
	}

	private OpenAIClient client(int maxRetries) {
		return OpenAIOkHttpClient.builder()
			.baseUrl(this.simulator.baseUrl() + "/v1")
			.apiKey("sk-anything")
			.maxRetries(maxRetries)
			.sleeper(new ClockSleeper())
			.build();
	}

	private static ChatCompletionCreateParams params(long maxTokens) {
		return ChatCompletionCreateParams.builder()
			.model(MODEL)
			.maxCompletionTokens(maxTokens)
			.addUserMessage("Hello, simulator")
			.build();
	}

	private static ChatCompletionCreateParams streamed(ChatCompletionCreateParams params, boolean includeUsage) {
		return includeUsage ? params.toBuilder()
			.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
			.build() : params;
	}

	private final class ClockSleeper implements Sleeper {

		@Override
		public void sleep(Duration duration) {
			SimulatedChatCompletionsSdkTests.this.sleeps.add(duration);
			SimulatedChatCompletionsSdkTests.this.nanos.addAndGet(duration.toNanos());
		}

		@Override
		public CompletableFuture<Void> sleepAsync(Duration duration) {
			sleep(duration);
			return CompletableFuture.completedFuture(null);
		}

		@Override
		public void close() {
		}

	}

}
