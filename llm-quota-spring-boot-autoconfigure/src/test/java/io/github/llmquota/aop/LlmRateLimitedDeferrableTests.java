package io.github.llmquota.aop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.llmquota.autoconfigure.InvalidQuotaConfigurationException;
import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaBatchAutoConfiguration;
import io.github.llmquota.batch.AnthropicBatchProvider;
import io.github.llmquota.batch.BatchItem;
import io.github.llmquota.batch.BatchItemResult;
import io.github.llmquota.batch.BatchProvider;
import io.github.llmquota.batch.BatchResultListener;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.batch.DeferredCallException;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.TestRedis;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Deferrable {@link LlmRateLimited} methods, marked by the annotation or by
 * {@code llm.quota.batch.deferrable-classes}: their request argument goes to the batch
 * API only while the pool is under pressure, grouped, and comes back as the SDK's
 * response, exactly once, through another instance when the first one stopped. On a real
 * Redis, with a batch API in memory.
 */
class LlmRateLimitedDeferrableTests {

	private static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
			+ "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"%s\"}],"
			+ "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":2}}";

	private final MemoryBatches batches = new MemoryBatches();

	private final List<BatchItemResult> orphans = Collections.synchronizedList(new ArrayList<>());

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
				LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
				LlmQuotaBatchAutoConfiguration.class))
		.withBean(Calls.class)
		.withBean(BatchProvider.class, () -> this.batches)
		.withBean(BatchResultListener.class, () -> this.orphans::add)
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(),
				"llm.quota.key-prefix=defer" + UUID.randomUUID().toString().substring(0, 8),
				"llm.quota.models.claude.provider=anthropic", "llm.quota.models.claude.requests-per-minute=3",
				"llm.quota.pools.claude.reserves.CRITICAL=0", "llm.quota.pools.claude.reserves.INTERACTIVE=0",
				"llm.quota.pressure.max-queue-drain=0s", "llm.quota.batch.enabled=true",
				"llm.quota.batch.max-batch-age=0s", "llm.quota.batch.first-poll=10ms", "llm.quota.batch.max-poll=10ms",
				"llm.quota.batch.interval=10ms");

	@Test
	void withoutPressureTheMethodIsCalledAndUnderPressureItsRequestGoesToTheBatchApi() {
		this.runner.run((context) -> {
			Calls calls = context.getBean(Calls.class);
			Calls.invocations.set(0);
			assertThat(calls.summarise(params("direct")).join().content().get(0).asText().text()).isEqualTo("called");
			assertThat(this.batches.created).isEmpty();
			putUnderPressure(context);

			CompletableFuture<Message> future = calls.summarise(params("one"));
			Mono<Message> mono = calls.summariseMono(params("two"));
			CompletableFuture<Message> reactive = mono.toFuture();

			await().atMost(Duration.ofSeconds(30)).until(() -> this.batches.submittedCalls() == 2);
			assertThat(Calls.invocations).as("deferred calls do not invoke the method").hasValue(1);
			assertThat(this.batches.created.stream().flatMap(List::stream).map(BatchItem::body))
				.allSatisfy((body) -> assertThat(body).contains("\"max_tokens\":300", "claude-sonnet-4-5"))
				.anySatisfy((body) -> assertThat(body).contains("Summarise one"))
				.anySatisfy((body) -> assertThat(body).contains("Summarise two"));
			this.batches.ended = true;
			assertThat(future.join().content().get(0).asText().text()).isEqualTo("batch: Summarise one");
			assertThat(reactive.join().content().get(0).asText().text()).isEqualTo("batch: Summarise two");
		});
	}

	@Test
	void expiredDeferredCallFailsItsFutureWithADeferredCallException() {
		this.runner.run((context) -> {
			putUnderPressure(context);
			this.batches.expire = true;
			this.batches.ended = true;

			CompletableFuture<Message> future = context.getBean(Calls.class).summarise(params("late"));

			await().atMost(Duration.ofSeconds(30)).until(future::isDone);
			assertThat(catchThrowableOfType(future::join, CompletionException.class).getCause())
				.isInstanceOf(DeferredCallException.class)
				.hasMessageContaining("expired");
		});
	}

	@Test
	void deferrableClassesMarkBatchableMethodsOfTheirClassAndLeaveTheOthersDirect() {
		this.runner.withPropertyValues("llm.quota.batch.deferrable-classes=BACKGROUND").run((context) -> {
			Calls calls = context.getBean(Calls.class);
			assertThat(calls.backgroundPlain("not batchable")).isEqualTo("called");
			putUnderPressure(context);

			CompletableFuture<Message> background = calls.background(params("backfill"));

			await().atMost(Duration.ofSeconds(30)).until(() -> this.batches.submittedCalls() == 1);
			this.batches.ended = true;
			assertThat(background.join().content().get(0).asText().text()).isEqualTo("batch: Summarise backfill");
		});
	}

	@Test
	void batchInFlightWhenItsInstanceStopsIsDeliveredByAnotherInstanceExactlyOnce() {
		String prefix = "llm.quota.key-prefix=restart" + UUID.randomUUID().toString().substring(0, 8);
		this.runner.withPropertyValues(prefix).run((context) -> {
			putUnderPressure(context);
			context.getBean(Calls.class).summarise(params("in flight"));
			await().atMost(Duration.ofSeconds(30)).until(() -> this.batches.submittedCalls() == 1);
		});
		this.batches.ended = true;

		this.runner.withPropertyValues(prefix).run((context) -> {
			await().atMost(Duration.ofSeconds(30)).until(() -> !this.orphans.isEmpty());
			// More steps of this instance find nothing more to deliver.
			BatchValve valve = context.getBean(BatchValve.class);
			for (int i = 0; i < 20; i++) {
				valve.work();
			}
		});

		assertThat(this.orphans).singleElement()
			.satisfies((result) -> assertThat(
					AnthropicBatchProvider.message(result.body()).content().get(0).asText().text())
				.isEqualTo("batch: Summarise in flight"));
	}

	@Test
	void deferrableMethodThatIsNotBatchableStopsStartupNamingIt() {
		this.runner.withBean(NotBatchable.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasMessageContaining("NotBatchable.blocking(MessageCreateParams)")
				.hasMessageContaining("'deferrable'")
				.hasMessageContaining("CompletableFuture, CompletionStage or Mono");
		});
		this.runner.withBean(WrongRequest.class)
			.run((context) -> assertThat(context.getStartupFailure())
				.hasMessageContaining("WrongRequest.summarise(String)")
				.hasMessageContaining("MessageCreateParams argument"));
		this.runner.withBean(OtherProvidersTypes.class)
			.run((context) -> assertThat(context.getStartupFailure())
				.hasMessageContaining("OtherProvidersTypes.summarise(ChatCompletionCreateParams)")
				.hasMessageContaining("MessageCreateParams argument"));
	}

	@Test
	void unknownDeferrableClassStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.batch.deferrable-classes=LATER")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.batch.deferrable-classes"));
	}

	// The bucket is empty and a call waits: with a bound of zero, that is pressure.
	private static void putUnderPressure(ConfigurableApplicationContext context) {
		QuotaEngine engine = context.getBean(QuotaEngine.class);
		try {
			for (;;) {
				engine
					.acquire(QuotaRequest.builder("claude").priority(Priority.CRITICAL).maxWait(Duration.ZERO).build())
					.settle(TokenUsage.of(0, 0));
			}
		}
		catch (QuotaRejectedException ex) {
			// The bucket is empty.
		}
		CompletableFuture<QuotaLease> waiting = engine.acquireAsync(
				QuotaRequest.builder("claude").priority(Priority.CRITICAL).maxWait(Duration.ofMinutes(1)).build());
		assertThat(waiting).isNotDone();
	}

	private static MessageCreateParams params(String text) {
		return MessageCreateParams.builder()
			.model("claude-sonnet-4-5")
			.maxTokens(300)
			.addUserMessage("Summarise " + text)
			.build();
	}

	private static Message message(String text) {
		return AnthropicBatchProvider.message(MESSAGE.formatted(text));
	}

	/**
	 * A batch API in memory: each call's answer is a message that quotes its prompt.
	 */
	static class MemoryBatches implements BatchProvider {

		final List<List<BatchItem>> created = Collections.synchronizedList(new ArrayList<>());

		volatile boolean ended;

		volatile boolean expire;

		@Override
		public Provider provider() {
			return Provider.ANTHROPIC;
		}

		@Override
		public String submit(List<BatchItem> items) {
			this.created.add(List.copyOf(items));
			return "msgbatch_" + (this.created.size() - 1);
		}

		@Override
		public Optional<List<BatchItemResult>> poll(String batchId) {
			if (!this.ended) {
				return Optional.empty();
			}
			return Optional.of(this.created.get(Integer.parseInt(batchId.substring("msgbatch_".length())))
				.stream()
				.map((item) -> this.expire
						? BatchItemResult.failed(item.id(), BatchItemResult.Outcome.EXPIRED, "expired")
						: BatchItemResult.succeeded(item.id(),
								MESSAGE.formatted("batch: " + item.body().replaceAll(".*(Summarise [a-z ]+).*", "$1")),
								"claude-sonnet-4-5", 5, 2))
				.toList());
		}

		int submittedCalls() {
			return this.created.stream().mapToInt(List::size).sum();
		}

	}

	@LlmRateLimited(model = "claude", maxOutputTokens = "300")
	static class Calls {

		// Static: the proxy, not the bean, is what the test holds.
		static final AtomicInteger invocations = new AtomicInteger();

		@LlmRateLimited(deferrable = true)
		public CompletableFuture<Message> summarise(MessageCreateParams params) {
			invocations.incrementAndGet();
			return CompletableFuture.completedFuture(message("called"));
		}

		@LlmRateLimited(deferrable = true)
		public Mono<Message> summariseMono(MessageCreateParams params) {
			return Mono.fromSupplier(() -> {
				invocations.incrementAndGet();
				return message("called");
			});
		}

		@LlmRateLimited(priority = "BACKGROUND")
		public CompletableFuture<Message> background(MessageCreateParams params) {
			return CompletableFuture.completedFuture(message("called"));
		}

		@LlmRateLimited(priority = "BACKGROUND")
		public String backgroundPlain(String prompt) {
			return "called";
		}

	}

	@LlmRateLimited(model = "claude", deferrable = true)
	static class NotBatchable {

		public Message blocking(MessageCreateParams params) {
			return message("called");
		}

	}

	static class WrongRequest {

		@LlmRateLimited(model = "claude", deferrable = true)
		public CompletableFuture<Message> summarise(String prompt) {
			return CompletableFuture.completedFuture(message("called"));
		}

	}

	static class OtherProvidersTypes {

		@LlmRateLimited(model = "claude", deferrable = true)
		public CompletableFuture<ChatCompletion> summarise(ChatCompletionCreateParams params) {
			return CompletableFuture.completedFuture(null);
		}

	}

}
