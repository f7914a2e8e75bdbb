package io.github.llmquota.sample.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import io.github.llmquota.attempt.sdk.OpenAiAttemptInterceptor;
import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaGovernorAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaSdkAutoConfiguration;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.stream.StreamStep;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llm-quota's OpenAI SDK integration ({@link OpenAiAttemptInterceptor}) governing a
 * stream of the simulator's {@code /v1/chat/completions}, with
 * {@code stream_options.include_usage}, on a real Redis: the stream's output is charged
 * as its chunks are read, so that the pool's snapshot shows it before the stream ends and
 * never more than the simulator has emitted, and the lease settles to the usage of the
 * stream's last chunk, which is what the simulator counted. Charged at its end only
 * ({@link StreamStep#AT_END_ONLY}), the same stream shows nothing halfway: the check
 * catches a stream that is not metered as it flows.
 */
class GovernedOpenAiStreamingTests {

	private static final String MODEL = "gpt-4o-mini";

	private static final String PROMPT = "Write a long answer about token buckets, please.";

	private ProviderSimulator simulator;

	@BeforeEach
	void startSimulator() {
		SimulatorProperties properties = new SimulatorProperties();
		// Spread over two seconds, a chunk of about ten tokens every few tens of ms.
		properties.setLatency(Duration.ofSeconds(2));
		properties.setLatencyJitter(Duration.ZERO);
		properties.setModels(Map.of(MODEL, SimulatorProperties.Limits.of(600, 1_000_000, 1_000_000)));
		this.simulator = new ProviderSimulator(properties);
		this.simulator.start();
	}

	@AfterEach
	void stopSimulator() {
		this.simulator.close();
	}

	@Test
	void streamIsChargedAsItsChunksAreReadAndSettlesToTheUsageOfItsLastChunk() {
		application().run((context) -> {
			Reading reading = streamAndLookHalfway(context);

			// At most one charge step (20 tokens) behind what was read, and never ahead
			// of what the simulator emitted; reading ahead of the SDK may add to both.
			assertThat(reading.seen()).isGreaterThanOrEqualTo(70 - 20).isLessThanOrEqualTo(reading.emitted());
			CompletionUsage usage = reading.usage();
			assertThat(context.getBean(Usages.class).settled())
				.containsExactly(new TokenUsage(usage.promptTokens(), 0, 0, usage.completionTokens()));
			assertThat(usage.completionTokens()).isEqualTo(this.simulator.stats().model(MODEL).outputTokens());
			assertThat(snapshot(context).streamOutput()).isZero();
			assertThat(this.simulator.streamingOutput(MODEL)).isZero();
		});
	}

	// The guard above, shown to catch a stream charged only at its end.
	@Test
	void streamChargedAtItsEndOnlyShowsNothingHalfway() {
		application().withBean(StreamStep.class, () -> StreamStep.AT_END_ONLY).run((context) -> {
			Reading reading = streamAndLookHalfway(context);

			assertThat(reading.emitted()).isGreaterThanOrEqualTo(70);
			assertThat(reading.seen()).isZero();
			assertThat(context.getBean(Usages.class).settled()).hasSize(1);
		});
	}

	// Streams a completion of more than 150 tokens, and looks at the pool's snapshot and
	// the simulator after the role chunk and seven chunks of text, 70 tokens, are read.
	private Reading streamAndLookHalfway(ApplicationContext context) {
		long answerTokens = ChatCompletionsEndpoint.request(new ObjectMapper().valueToTree(Map.of("model", MODEL,
				"max_completion_tokens", 1000, "messages", List.of(Map.of("role", "user", "content", PROMPT)))))
			.answerTokens();
		assertThat(answerTokens).as("the simulator's answer to the prompt, in tokens").isGreaterThan(150);
		OpenAIClient client = OpenAIOkHttpClient.builder()
			.baseUrl(this.simulator.baseUrl() + "/v1")
			.apiKey("sk-anything")
			.addInterceptor(context.getBean(OpenAiAttemptInterceptor.class))
			.build();
		List<ChatCompletionChunk> chunks = new ArrayList<>();
		try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params())) {
			Iterator<ChatCompletionChunk> iterator = stream.stream().iterator();
			for (int i = 0; i < 8; i++) {
				chunks.add(iterator.next());
			}
			long seen = snapshot(context).streamOutput();
			long emitted = this.simulator.streamingOutput(MODEL);
			assertThat(context.getBean(Usages.class).settled()).as("settled before its end").isEmpty();
			iterator.forEachRemaining(chunks::add);
			CompletionUsage usage = chunks.get(chunks.size() - 1).usage().orElseThrow();
			assertThat(usage.completionTokens()).isEqualTo(answerTokens);
			return new Reading(seen, emitted, usage);
		}
		finally {
			client.close();
		}
	}

	private static ApplicationContextRunner application() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
					LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
					LlmQuotaGovernorAutoConfiguration.class, LlmQuotaSdkAutoConfiguration.class))
			.withBean(Usages.class)
			.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
					"spring.data.redis.port=" + TestRedis.shared().port(),
					"llm.quota.key-prefix=sim" + UUID.randomUUID().toString().substring(0, 8),
					"llm.quota.streaming.charge-every-tokens=20", "llm.quota.models." + MODEL + ".provider=openai",
					"llm.quota.models." + MODEL + ".requests-per-minute=600",
					"llm.quota.models." + MODEL + ".tokens-per-minute=2000000");
	}

	private static ChatCompletionCreateParams params() {
		return ChatCompletionCreateParams.builder()
			.model(MODEL)
			.maxCompletionTokens(1000)
			.addUserMessage(PROMPT)
			.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
			.build();
	}

	private static PoolSnapshot snapshot(ApplicationContext context) {
		QuotaSettings settings = context.getBean(QuotaSettings.class);
		return context.getBean(QuotaStore.class).snapshot(settings.model(MODEL).pool());
	}

	/**
	 * What was seen halfway through a stream, and its usage.
	 *
	 * @param seen the output in flight in the pool's snapshot
	 * @param emitted the output the simulator had emitted
	 * @param usage the usage of the stream's last chunk
	 */
	record Reading(long seen, long emitted, CompletionUsage usage) {
	}

	/**
	 * The usage each lease settled to.
	 */
	static final class Usages implements QuotaEngineListener {

		private final List<TokenUsage> settled = new ArrayList<>();

		@Override
		public void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
			synchronized (this.settled) {
				if (usage != null) {
					this.settled.add(usage);
				}
			}
		}

		List<TokenUsage> settled() {
			synchronized (this.settled) {
				return List.copyOf(this.settled);
			}
		}

	}

}
