package io.github.llmquota.fallback;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.actuate.metrics.FallbackCounter;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.FeedbackSettings;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.provider.ProviderFeedbackResolver;
import io.github.llmquota.provider.ProviderResponse;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Tests for {@link LlmFallbackChain}: two engines, each with its own connections, share
 * one real Redis, so what one JVM learns from a provider steers the other's chain.
 * <p>
 * Models: {@code claude-a} and {@code claude-b} share the Anthropic pool (20 requests per
 * minute), {@code gpt} has an OpenAI pool and {@code mistral} a Mistral pool with one
 * call in flight at most.
 */
class LlmFallbackChainTests {

	private static final String CHAT = "chat";

	// Anthropic's pool admits one request every 3 s: three waiting take over 6 s to
	// drain.
	private static final Duration MAX_QUEUE_DRAIN = Duration.ofSeconds(2);

	private final String prefix = "f" + UUID.randomUUID().toString().substring(0, 8);

	private final ProviderFeedbackParser parser = new ProviderFeedbackParser();

	private final List<LettuceConnectionFactory> factories = new ArrayList<>();

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	private final List<RedisQuotaStore> stores = new ArrayList<>();

	private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

	/** The models whose pool the second engine asked and was refused by. */
	private final List<String> refused = Collections.synchronizedList(new ArrayList<>());

	private QuotaSettings settings;

	private StringRedisTemplate redis;

	/**
	 * The chain of the second JVM; the first one's engine plays the rest of the fleet.
	 */
	private LlmFallbackChain chain;

	@BeforeEach
	void fleet() {
		this.settings = settings();
		for (int i = 0; i < 2; i++) {
			LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
			RedisQuotaStore store = new RedisQuotaStore(factory, this.settings, this.prefix);
			this.factories.add(factory);
			this.stores.add(store);
			List<QuotaEngineListener> listeners = (i == 1) ? List.of(new QuotaEngineListener() {
				@Override
				public void rejected(ModelSpec model, QuotaRequest request, RejectionReason reason, Duration waited) {
					LlmFallbackChainTests.this.refused.add(model.name());
				}
			}) : List.of();
			this.engines.add(new DefaultQuotaEngine(this.settings, store, listeners));
		}
		this.redis = new StringRedisTemplate(this.factories.get(0));
		FallbackChainSettings config = new FallbackChainSettings(
				Map.of(CHAT, List.of("claude-a", "claude-b", "gpt"), "anthropic-only", List.of("claude-a", "claude-b"),
						"busy", List.of("mistral", "gpt")),
				MAX_QUEUE_DRAIN, Set.of(Priority.NORMAL, Priority.BACKGROUND), Duration.ofMillis(300));
		ProviderFeedbackResolver resolver = new ProviderFeedbackResolver(List.of(this::httpStatus), this.parser,
				java.time.Clock.systemUTC());
		this.chain = new LlmFallbackChain(this.engines.get(1), this.settings, this.breakers, config, resolver,
				new FallbackCounter(this.meters));
	}

	@AfterEach
	void stop() {
		this.engines.forEach(DefaultQuotaEngine::close);
		this.factories.forEach(LettuceConnectionFactory::destroy);
	}

	@Test
	void openBreakerSendsTheCallToTheNextModel() {
		this.breakers.circuitBreaker("claude-a").transitionToOpenState();

		String answer = this.chain.execute(CHAT, request("claude-a"), this::answer);

		assertThat(answer).isEqualTo("answer from claude-b");
		assertThat(this.calls).containsExactly("claude-b");
		assertThat(this.chain.breakerStates()).containsEntry("claude-a", "OPEN").containsEntry("claude-b", "CLOSED");
	}

	@Test
	void modelCoolingDownAfterAnOverloadIsSkippedWhileItsPoolSiblingServes() {
		this.engines.get(0).acquire(request("claude-a")).release(CallOutcome.FAILED, overloaded());

		this.chain.execute(CHAT, request("claude-a"), this::answer);

		assertThat(this.calls).containsExactly("claude-b");
		assertThat(this.refused).as("skipped without asking its pool").isEmpty();
	}

	@Test
	void rateLimitSeenByOneEngineMakesTheOtherEnginesChainSkipThatPool() {
		this.engines.get(0).acquire(request("claude-a")).release(CallOutcome.FAILED, rateLimited(30));

		this.chain.execute(CHAT, request("claude-a"), this::answer);

		assertThat(this.calls).containsExactly("gpt");
		assertThat(this.refused).as("skipped without asking their pool").isEmpty();
	}

	@Test
	void whenEveryModelIsThrottledTheCallWaitsForTheEarliestWithinItsBudget() {
		this.engines.get(0).acquire(request("claude-a")).release(CallOutcome.FAILED, rateLimited(30));
		this.engines.get(0).acquire(request("gpt")).release(CallOutcome.FAILED, rateLimited(1));

		String answer = this.chain.execute(CHAT, request("claude-a", Duration.ofSeconds(10)), this::answer);

		assertThat(answer).isEqualTo("answer from gpt");
		assertThat(this.calls).containsExactly("gpt");
	}

	@Test
	void whenTheBudgetIsTooShortTheCallFailsWithTheExactSmallestRetryAfterAndHoldsNothing() {
		this.engines.get(0).acquire(request("claude-a")).release(CallOutcome.FAILED, rateLimited(30));
		this.engines.get(0).acquire(request("gpt")).release(CallOutcome.FAILED, rateLimited(20));

		FallbackExhaustedException exhausted = catchThrowableOfType(
				() -> this.chain.execute(CHAT, request("claude-a", Duration.ofSeconds(1)), this::answer),
				FallbackExhaustedException.class);

		assertThat(this.calls).isEmpty();
		assertThat(exhausted.getReason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(exhausted.isRetryable()).isTrue();
		// The 429 put claude-a's pool under pressure: this NORMAL call tried gpt first.
		assertThat(exhausted.getAttempts()).extracting(FallbackAttempt::model)
			.containsExactly("gpt", "claude-a", "claude-b");
		assertThat(exhausted.getAttempts()).extracting(FallbackAttempt::outcome)
			.containsOnly(FallbackAttempt.Outcome.COOLING_DOWN);
		FallbackAttempt gpt = exhausted.getAttempts().get(0);
		assertThat(exhausted.getRetryAfter()).isEqualTo(gpt.retryAfter())
			.isBetween(Duration.ofSeconds(15), Duration.ofSeconds(20));
		assertThat(exhausted.getAttempts().get(1).retryAfter()).isGreaterThan(Duration.ofSeconds(25));
		assertThat(exhausted.getMessage()).contains("'chat'", "claude-a: cooling down", "gpt: cooling down",
				"could take it in " + gpt.retryAfter());
		for (String pool : List.of("anthropic", "openai")) {
			assertThat(this.redis.opsForZSet().zCard(key(pool, "q"))).isZero();
			assertThat(this.redis.opsForZSet().zCard(key(pool, "l"))).isZero();
		}
	}

	@Test
	void lowPriorityRequestGivesWayWhenMoreWaitForTheAskedForPoolThanItCanRunAtOnce() {
		// Mistral's one call slot is taken and two more calls wait for it: the time
		// the queue takes depends on calls ending, and it is longer than one call.
		QuotaLease holder = this.engines.get(0).acquire(request("mistral"));
		List<CompletableFuture<QuotaLease>> waiting = List.of(waitFor("mistral"), waitFor("mistral"));

		this.chain.execute("busy", request("mistral", Priority.NORMAL), (model, lease) -> {
			this.calls.add(model);
			lease.settle(TokenUsage.of(10, 10));
			return "ok";
		});

		assertThat(this.calls).containsExactly("gpt");
		assertThat(this.refused).isEmpty();
		waiting.forEach((future) -> future.cancel(false));
		holder.release(CallOutcome.NOT_SENT);
	}

	@Test
	void lowPriorityRequestTriesTheAskedForPoolFirstWhenOnlyItsConcurrencyIsFull() {
		// A full pool with nobody waiting is at its ceiling, not under pressure.
		QuotaLease holder = this.engines.get(0).acquire(request("mistral"));

		this.chain.execute("busy", request("mistral", Priority.NORMAL), (model, lease) -> {
			this.calls.add(model);
			lease.settle(TokenUsage.of(10, 10));
			return "ok";
		});

		assertThat(this.refused).containsExactly("mistral");
		assertThat(this.calls).containsExactly("gpt");
		holder.release(CallOutcome.NOT_SENT);
	}

	@Test
	void theChosenModelsLeaseIsSettledAndTheLosersHoldNothing() {
		QuotaLease holder = this.engines.get(0).acquire(request("mistral"));

		// A class that does not give way: mistral's full concurrency makes its pool
		// critical, and a NORMAL request would skip it for gpt without trying it.
		this.chain.execute("busy", request("mistral", Priority.INTERACTIVE), (model, lease) -> {
			this.calls.add(model);
			// The withdrawn wait on the full pool left no ticket behind, and only the
			// holder's lease.
			assertThat(this.redis.opsForZSet().zCard(key("mistral", "q"))).isZero();
			assertThat(this.redis.opsForHash().size(key("mistral", "t"))).isZero();
			assertThat(this.redis.opsForZSet().range(key("mistral", "l"), 0, -1)).containsExactly(holder.id());
			assertThat(this.redis.opsForZSet().range(key("openai", "l"), 0, -1)).containsExactly(lease.id());
			lease.settle(TokenUsage.of(10, 10));
			return "ok";
		});

		assertThat(this.calls).containsExactly("gpt");
		assertThat(this.refused).containsExactly("mistral");
		assertThat(this.redis.opsForZSet().zCard(key("openai", "l"))).isZero();
		assertThat(this.redis.opsForZSet().range(key("mistral", "l"), 0, -1)).containsExactly(holder.id());
		holder.release(CallOutcome.NOT_SENT);
	}

	@Test
	void aLeaseTheCallLeavesOpenIsSettledWhenTheCallReturns() {
		this.chain.execute(CHAT, request("claude-a"), (model, lease) -> "ok");

		assertThat(this.redis.opsForZSet().zCard(key("anthropic", "l"))).isZero();
		assertThat(this.breakers.circuitBreaker("claude-a").getMetrics().getNumberOfSuccessfulCalls()).isOne();
	}

	@Test
	void overloadedCallIsABreakerFailureCoolsTheModelAndTheNextModelServes() {
		String answer = this.chain.execute(CHAT, request("claude-a"), (model, lease) -> {
			this.calls.add(model);
			if (model.equals("claude-a")) {
				// What a client library throws; the resolver finds the provider's answer
				// in it.
				throw new HttpStatusException(529);
			}
			return "answer from " + model;
		});

		assertThat(answer).isEqualTo("answer from claude-b");
		assertThat(this.calls).containsExactly("claude-a", "claude-b");
		assertThat(this.breakers.circuitBreaker("claude-a").getMetrics().getNumberOfFailedCalls()).isOne();
		assertThat(this.breakers.circuitBreaker("claude-b").getMetrics().getNumberOfSuccessfulCalls()).isOne();
		long[] modelCooldowns = this.stores.get(0)
			.snapshot(this.settings.pools().get("anthropic"))
			.modelCooldownMillis();
		assertThat(modelCooldowns[0]).as("claude-a cools down fleet-wide").isPositive();
		assertThat(modelCooldowns[1]).as("claude-b does not").isZero();
	}

	@Test
	void rateLimitedCallCoolsThePoolButIsNoBreakerFailure() {
		this.chain.execute(CHAT, request("claude-a"), (model, lease) -> {
			this.calls.add(model);
			if (model.equals("claude-a")) {
				throw new ProviderCallException("429", rateLimited(30), null);
			}
			return "ok";
		});

		assertThat(this.calls).as("claude-b shares the cooling pool").containsExactly("claude-a", "gpt");
		CircuitBreaker.Metrics metrics = this.breakers.circuitBreaker("claude-a").getMetrics();
		assertThat(metrics.getNumberOfFailedCalls()).isZero();
		assertThat(metrics.getNumberOfSuccessfulCalls()).isZero();
		assertThat(this.stores.get(0).snapshot(this.settings.pools().get("anthropic")).cooldownMillis())
			.isGreaterThan(25_000);
	}

	@Test
	void exhaustedQuotaSkipsTheSameProvidersModelsAndFallsBackToAnotherProviderOnce() {
		String answer = this.chain.execute(CHAT, request("claude-a"), (model, lease) -> {
			this.calls.add(model);
			if (!model.equals("gpt")) {
				throw new ProviderCallException("billing", anthropicError(400, "billing_error",
						"Your credit balance is too low to access the Anthropic API."), null);
			}
			return "answer from gpt";
		});

		assertThat(answer).isEqualTo("answer from gpt");
		assertThat(this.calls).containsExactly("claude-a", "gpt");
		assertThat(this.breakers.circuitBreaker("claude-a").getMetrics().getNumberOfFailedCalls()).isZero();
	}

	@Test
	void poolAnotherInstanceFoundExhaustedIsSkippedForAnotherProviderWithoutACall() {
		QuotaLease elsewhere = this.engines.get(0).acquire(request("claude-a"));
		elsewhere.release(CallOutcome.FAILED,
				anthropicError(400, "billing_error", "Your credit balance is too low to access the Anthropic API."));

		String answer = this.chain.execute(CHAT, request("claude-a"), this::answer);

		assertThat(answer).isEqualTo("answer from gpt");
		assertThat(this.calls).containsExactly("gpt");
	}

	@Test
	void exhaustedQuotaWithNoOtherProviderFailsAtOnceWithoutRetrying() {
		NonRetryableQuotaException exception = catchThrowableOfType(
				() -> this.chain.execute("anthropic-only", request("claude-a"), (model, lease) -> {
					this.calls.add(model);
					throw new ProviderCallException("billing", anthropicError(400, "billing_error",
							"Your credit balance is too low to access the Anthropic API."), null);
				}), NonRetryableQuotaException.class);

		assertThat(this.calls).containsExactly("claude-a");
		assertThat(exception.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(exception.getModel()).isEqualTo("claude-a");
		assertThat(exception.getProviderMessage()).contains("credit balance is too low");
	}

	@Test
	void requestTooLargeIsNeverRetriedOnAnyModel() {
		NonRetryableQuotaException exception = catchThrowableOfType(
				() -> this.chain.execute(CHAT, request("claude-a"), (model, lease) -> {
					this.calls.add(model);
					throw new ProviderCallException("413",
							anthropicError(413, "request_too_large", "Request exceeds the maximum allowed size"), null);
				}), NonRetryableQuotaException.class);

		assertThat(this.calls).containsExactly("claude-a");
		assertThat(exception.getErrorClass()).isEqualTo(ErrorClass.REQUEST_TOO_LARGE);
		assertThat(this.redis.opsForZSet().zCard(key("anthropic", "l"))).isZero();
	}

	@Test
	void aBugInTheCallingCodeIsThrownAsItIsWithoutTryingAnotherModel() {
		IllegalStateException bug = new IllegalStateException("bug");

		IllegalStateException thrown = catchThrowableOfType(
				() -> this.chain.execute(CHAT, request("claude-a"), (model, lease) -> {
					this.calls.add(model);
					throw bug;
				}), IllegalStateException.class);

		assertThat(thrown).isSameAs(bug);
		assertThat(this.calls).containsExactly("claude-a");
		assertThat(this.redis.opsForZSet().zCard(key("anthropic", "l"))).isZero();
	}

	@Test
	void atItsCeilingWithNobodyWaitingThePoolStillServesLowPriorityWork() {
		// 95 % of the limit is CRITICAL to the alerts, but no queue has formed.
		useUp("claude-a", 19);

		this.chain.execute(CHAT, request("claude-a", Priority.BACKGROUND), this::answer);

		assertThat(this.calls).containsExactly("claude-a");
	}

	@Test
	void underPressureLowPriorityWorkGoesToAnotherPoolFirstAndInteractiveWorkTriesThePrimaryFirst() {
		useUp("claude-a", 20);
		List<CompletableFuture<QuotaLease>> waiting = List.of(waitFor("claude-a"), waitFor("claude-a"),
				waitFor("claude-a"));

		this.chain.execute(CHAT, request("claude-a", Priority.BACKGROUND), this::answer);
		assertThat(this.refused).as("the BACKGROUND call did not try the pool under pressure").isEmpty();
		this.chain.execute(CHAT, request("claude-a", Priority.INTERACTIVE), this::answer);

		assertThat(this.calls).containsExactly("gpt", "gpt");
		assertThat(this.refused).containsExactly("claude-a", "claude-b");
		waiting.forEach((future) -> future.cancel(false));
	}

	private void useUp(String model, int requests) {
		for (int i = 0; i < requests; i++) {
			this.engines.get(0)
				.acquire(QuotaRequest.builder(model).priority(Priority.CRITICAL).build())
				.settle(TokenUsage.of(0, 0));
		}
	}

	/** A request of the rest of the fleet that waits for the model's pool. */
	private CompletableFuture<QuotaLease> waitFor(String model) {
		CompletableFuture<QuotaLease> future = this.engines.get(0)
			.acquireAsync(
					QuotaRequest.builder(model).priority(Priority.CRITICAL).maxWait(Duration.ofMinutes(1)).build());
		assertThat(future).as("waits").isNotDone();
		return future;
	}

	@Test
	void fallbacksAreCountedByChainFromAndTo() {
		this.chain.execute(CHAT, request("claude-a"), this::answer);
		this.breakers.circuitBreaker("claude-a").transitionToOpenState();
		this.chain.execute(CHAT, request("claude-a"), this::answer);
		this.chain.execute(CHAT, request("claude-a"), this::answer);

		assertThat(this.meters.get(LlmQuotaMetricNames.FALLBACKS)
			.tags("chain", CHAT, "from", "claude-a", "to", "claude-b")
			.counter()
			.count()).isEqualTo(2);
		assertThat(this.meters.find(LlmQuotaMetricNames.FALLBACKS).counters()).hasSize(1);
	}

	@Test
	void admitChoosesAndAdmitsWithoutCallingAndTheLeaseRecordsTheOutcome() {
		this.breakers.circuitBreaker("claude-a").transitionToOpenState();

		FallbackAdmission admission = this.chain.admit(CHAT, request("claude-a"));

		assertThat(admission.model()).isEqualTo("claude-b");
		assertThat(admission.requestedModel()).isEqualTo("claude-a");
		assertThat(admission.isFallback()).isTrue();
		assertThat(this.redis.opsForZSet().range(key("anthropic", "l"), 0, -1)).containsExactly(admission.lease().id());
		admission.lease().settle(TokenUsage.of(5, 5));
		assertThat(this.redis.opsForZSet().zCard(key("anthropic", "l"))).isZero();
		assertThat(this.breakers.circuitBreaker("claude-b").getMetrics().getNumberOfSuccessfulCalls()).isOne();
	}

	@Test
	void admitReportsAFailureThroughTheAdmission() {
		FallbackAdmission admission = this.chain.admit(CHAT, request("claude-a"));

		admission.failed(new HttpStatusException(503));

		assertThat(admission.lease().isEnded()).isTrue();
		assertThat(this.breakers.circuitBreaker("claude-a").getMetrics().getNumberOfFailedCalls()).isOne();
		assertThat(this.redis.opsForZSet().zCard(key("anthropic", "l"))).isZero();
	}

	@Test
	void asyncCallWhoseStageFailsWithAnOverloadMovesToTheNextModelAndTheBreakerCountsIt() {
		CompletableFuture<String> answer = this.chain.executeAsync(CHAT, request("claude-a"), (model, lease) -> {
			if (model.equals("claude-a")) {
				this.calls.add(model);
				return CompletableFuture.failedFuture(new ProviderCallException("Overloaded", overloaded(), null));
			}
			return CompletableFuture.completedFuture(answer(model, lease));
		});

		assertThat(answer).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("answer from claude-b");
		assertThat(this.calls).containsExactly("claude-a", "claude-b");
		assertThat(this.breakers.circuitBreaker("claude-a").getMetrics().getNumberOfFailedCalls()).isOne();
		assertThat(this.meters
			.counter(LlmQuotaMetricNames.FALLBACKS, LlmQuotaMetricNames.TAG_CHAIN, CHAT, LlmQuotaMetricNames.TAG_FROM,
					"claude-a", LlmQuotaMetricNames.TAG_TO, "claude-b")
			.count()).isOne();
	}

	@Test
	void asyncCallWhenEveryModelIsThrottledWaitsForTheEarliestWithinItsBudget() {
		this.engines.get(0).acquire(request("claude-a")).release(CallOutcome.FAILED, rateLimited(30));
		this.engines.get(0).acquire(request("gpt")).release(CallOutcome.FAILED, rateLimited(1));

		CompletableFuture<String> answer = this.chain.executeAsync(CHAT, request("claude-a", Duration.ofSeconds(10)),
				(model, lease) -> CompletableFuture.completedFuture(answer(model, lease)));

		assertThat(answer).succeedsWithin(Duration.ofSeconds(15)).isEqualTo("answer from gpt");
		assertThat(this.calls).containsExactly("gpt");
	}

	@Test
	void asyncCallRefusedAsTooLargeEndsWithoutTryingAnotherModel() {
		CompletableFuture<String> answer = this.chain.executeAsync(CHAT, request("claude-a"), (model, lease) -> {
			this.calls.add(model);
			throw new ProviderCallException("Too large",
					anthropicError(413, "request_too_large", "Request exceeds the maximum size"), null);
		});

		assertThat(answer).failsWithin(Duration.ofSeconds(10))
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(NonRetryableQuotaException.class);
		assertThat(this.calls).containsExactly("claude-a");
	}

	private String answer(String model, QuotaLease lease) {
		this.calls.add(model);
		lease.settle(TokenUsage.of(10, 10));
		return "answer from " + model;
	}

	private static QuotaRequest request(String model) {
		return builder(model).build();
	}

	private static QuotaRequest request(String model, Duration maxWait) {
		return builder(model).maxWait(maxWait).build();
	}

	private static QuotaRequest request(String model, String priority) {
		return builder(model).priority(priority).build();
	}

	private static QuotaRequest.Builder builder(String model) {
		return QuotaRequest.builder(model).inputTokens(10).maxOutputTokens(10).maxWait(Duration.ofSeconds(5));
	}

	private String key(String pool, String suffix) {
		return this.prefix + ":{" + pool + "}:" + suffix;
	}

	private ProviderFeedback rateLimited(int retryAfterSeconds) {
		return this.parser.parse("p", Provider.ANTHROPIC, 429,
				Map.of("retry-after", List.of(Integer.toString(retryAfterSeconds))), null, Instant.now());
	}

	private ProviderFeedback overloaded() {
		return anthropicError(529, "overloaded_error", "Overloaded");
	}

	private ProviderFeedback anthropicError(int status, String type, String message) {
		return this.parser.parse("p", Provider.ANTHROPIC, status, Map.of(),
				"{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}",
				Instant.now());
	}

	private Optional<ProviderResponse> httpStatus(Object resultOrFailure) {
		return (resultOrFailure instanceof HttpStatusException ex)
				? Optional.of(new ProviderResponse(ex.status, Map.of(), null)) : Optional.empty();
	}

	private static QuotaSettings settings() {
		List<RateLimit> roomy = List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 600, 0, 60_000));
		PoolSpec anthropic = new PoolSpec("anthropic", Provider.ANTHROPIC,
				List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 20, 0, 60_000)), 0, List.of("claude-a", "claude-b"),
				null);
		PoolSpec openai = new PoolSpec("openai", Provider.OPENAI, roomy, 0, List.of("gpt"), null);
		PoolSpec mistral = new PoolSpec("mistral", Provider.MISTRAL, roomy, 1, List.of("mistral"), null);
		Map<String, ModelSpec> models = Map.of("claude-a", new ModelSpec("claude-a", anthropic, false), "claude-b",
				new ModelSpec("claude-b", anthropic, false), "gpt", new ModelSpec("gpt", openai, true), "mistral",
				new ModelSpec("mistral", mistral, true));
		// No reserves, so that only the routing decides where low-priority work goes.
		List<PriorityClass> classes = List.of(new PriorityClass(Priority.CRITICAL, 0, 0, 100, Duration.ofSeconds(5)),
				new PriorityClass(Priority.INTERACTIVE, 1, 0, 100, Duration.ofSeconds(5)),
				new PriorityClass(Priority.NORMAL, 2, 0, 100, Duration.ofSeconds(5)),
				new PriorityClass(Priority.BACKGROUND, 3, 0, 100, Duration.ofSeconds(5)));
		// Overload cooldowns long enough to outlast a slow test.
		FeedbackSettings feedback = new FeedbackSettings(0.7, 0.1, 0.01, Duration.ofSeconds(30),
				Duration.ofSeconds(30));
		return new QuotaSettings(models, classes, Priority.NORMAL, Duration.ofMinutes(1), 1000, Duration.ofSeconds(1),
				feedback, Duration.ZERO);
	}

	/**
	 * Stands in for a client library's HTTP error.
	 */
	static class HttpStatusException extends RuntimeException {

		final int status;

		HttpStatusException(int status) {
			super("HTTP " + status);
			this.status = status;
		}

	}

}
