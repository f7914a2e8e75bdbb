package io.github.llmquota.aop;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.HttpServerErrorException;

import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaFallbackAutoConfiguration;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.fallback.FallbackAttempt;
import io.github.llmquota.fallback.FallbackExhaustedException;
import io.github.llmquota.fallback.LlmFallbackChain;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.usage.LlmUsage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * {@code @LlmRateLimited(fallback = ...)} on methods of every return type: a
 * {@code CompletionStage}, {@code Mono} or {@code Flux} method falls back as a plain one
 * does, without a thread waiting for admission, over a real Redis.
 * <p>
 * Models {@code sonnet} and {@code haiku} have a pool each, with one call in flight at
 * most, so a test holds a model's only slot to make calls wait, and the pools' in-flight
 * counts show that nothing was left behind.
 */
class LlmRateLimitedAsyncFallbackTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
				LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
				LlmQuotaFallbackAutoConfiguration.class))
		.withBean(Chat.class)
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(),
				"llm.quota.key-prefix=af" + UUID.randomUUID().toString().substring(0, 6),
				"llm.quota.models.sonnet.provider=anthropic", "llm.quota.models.sonnet.requests-per-minute=1000",
				"llm.quota.models.sonnet.max-concurrency=1", "llm.quota.models.haiku.provider=anthropic",
				"llm.quota.models.haiku.requests-per-minute=1000", "llm.quota.models.haiku.max-concurrency=1",
				"llm.quota.fallback-chains.chat=sonnet,haiku",
				// Long enough that a call made to wait waits until the test frees the
				// slot.
				"llm.quota.fallback.attempt-wait=20s");

	@ParameterizedTest
	@EnumSource(Kind.class)
	void rateLimitedPrimaryFallsBackToTheNextModelAndTheFallbackIsCounted(Kind kind) {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			chat.answer("sonnet", Mode.RATE_LIMITED);

			assertThat(kind.start(chat).result()).succeedsWithin(TIMEOUT).extracting(Answer::model).isEqualTo("haiku");
			assertThat(chat.calls()).containsExactly("sonnet", "haiku");
			assertThat(fallbacks(context, "sonnet", "haiku")).isEqualTo(1);
			// A 429 is quota, not health: the breaker counts neither a failure nor a
			// success.
			assertThat(breaker(context, "sonnet").getMetrics().getNumberOfBufferedCalls()).isZero();
			assertThat(breaker(context, "haiku").getMetrics().getNumberOfSuccessfulCalls()).isOne();
			assertNothingHeld(context);
		});
	}

	@ParameterizedTest
	@EnumSource(Kind.class)
	void overloadedPrimaryIsABreakerFailureAndTheNextModelAnswers(Kind kind) {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			chat.answer("sonnet", Mode.OVERLOADED);

			assertThat(kind.start(chat).result()).succeedsWithin(TIMEOUT).extracting(Answer::model).isEqualTo("haiku");
			assertThat(breaker(context, "sonnet").getMetrics().getNumberOfFailedCalls()).isOne();
			assertThat(breaker(context, "haiku").getMetrics().getNumberOfSuccessfulCalls()).isOne();
			assertNothingHeld(context);
		});
	}

	@ParameterizedTest
	@EnumSource(Kind.class)
	void openCircuitOnThePrimarySendsTheCallStraightToTheNextModel(Kind kind) {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			breaker(context, "sonnet").transitionToOpenState();

			assertThat(kind.start(chat).result()).succeedsWithin(TIMEOUT).extracting(Answer::model).isEqualTo("haiku");
			assertThat(chat.calls()).containsExactly("haiku");
			assertThat(fallbacks(context, "sonnet", "haiku")).isEqualTo(1);
		});
	}

	@ParameterizedTest
	@EnumSource(Kind.class)
	void noModelAbleToServeEndsInFallbackExhaustedExceptionSayingWhyForEachModel(Kind kind) {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			chat.answer("sonnet", Mode.RATE_LIMITED);
			breaker(context, "haiku").transitionToOpenState();

			Throwable failure = failure(kind.start(chat).result());

			assertThat(failure).isInstanceOf(FallbackExhaustedException.class)
				.hasCauseInstanceOf(HttpClientErrorException.TooManyRequests.class);
			assertThat(((FallbackExhaustedException) failure).getAttempts())
				.extracting(FallbackAttempt::model, FallbackAttempt::outcome)
				.containsExactly(tuple("sonnet", FallbackAttempt.Outcome.CALL_FAILED),
						tuple("haiku", FallbackAttempt.Outcome.CIRCUIT_OPEN));
			assertThat(chat.calls()).containsExactly("sonnet");
			assertNothingHeld(context);
		});
	}

	@ParameterizedTest
	@EnumSource(names = { "FUTURE", "MONO", "FLUX" })
	void cancellingACallThatWaitsForAdmissionWithdrawsItsTicketAndHoldsNothing(Kind kind) {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			QuotaLease sonnet = hold(context, "sonnet");
			Running running = kind.start(chat);
			await().atMost(TIMEOUT).until(() -> engine(context).backpressure("sonnet").totalQueued() == 1);

			running.cancel().run();

			await().atMost(TIMEOUT).until(() -> engine(context).backpressure("sonnet").totalQueued() == 0);
			sonnet.release(CallOutcome.NOT_SENT);
			assertNothingHeld(context);
			assertThat(chat.calls()).isEmpty();
			assertThat(breaker(context, "sonnet").getMetrics().getNumberOfBufferedCalls()).isZero();
		});
	}

	@ParameterizedTest
	@EnumSource(names = { "FUTURE", "MONO", "FLUX" })
	void cancellingACallUnderWayReleasesItsLeaseWithoutABreakerFailure(Kind kind) {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			chat.answer("sonnet", Mode.HANG);
			Running running = kind.start(chat);
			await().atMost(TIMEOUT).until(() -> chat.calls().contains("sonnet"));
			assertThat(engine(context).backpressure("sonnet").inFlight()).isOne();

			running.cancel().run();

			// The release runs on the thread that ends the lease, which need not be this
			// one.
			await().atMost(TIMEOUT).until(() -> engine(context).backpressure("sonnet").inFlight() == 0);
			assertThat(chat.calls()).containsExactly("sonnet");
			assertThat(breaker(context, "sonnet").getMetrics().getNumberOfFailedCalls()).isZero();
			assertNothingHeld(context);
		});
	}

	@ParameterizedTest
	@EnumSource(names = { "FUTURE", "MONO", "FLUX" })
	void theCallersOnlyThreadStaysFreeWhileTheChainWaitsForAdmission(Kind kind) {
		this.runner.run((context) -> {
			assertCallerThreadStaysFree(context, kind);
			assertNothingHeld(context);
		});
	}

	@Test
	void freeThreadCheckReportsAHandlerThatWaitsForAdmissionOnTheCallersThread() {
		this.runner.withUserConfiguration(BlockingHandlerConfiguration.class).run((context) -> {
			assertThat(context.getBean(LlmFallbackHandler.class)).isInstanceOf(BlockingHandler.class);
			assertThatExceptionOfType(AssertionError.class)
				.isThrownBy(() -> assertCallerThreadStaysFree(context, Kind.FUTURE))
				.withMessageContaining("parked in QuotaEngine#acquire");
		});
	}

	@Test
	void fluxThatFailsAfterItsFirstElementPropagatesTheErrorAndNoOtherModelIsTried() {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			chat.answer("sonnet", Mode.FAIL_AFTER_FIRST);

			List<Signal<Answer>> signals = chat.flux("hello", null).materialize().collectList().block(TIMEOUT);

			assertThat(signals).hasSize(2);
			assertThat(signals.get(0).get()).extracting(Answer::model).isEqualTo("sonnet");
			assertThat(signals.get(1).getThrowable()).isInstanceOf(HttpServerErrorException.class);
			assertThat(chat.calls()).containsExactly("sonnet");
			assertThat(fallbacks(context, "sonnet", "haiku")).isZero();
			assertThat(breaker(context, "sonnet").getMetrics().getNumberOfFailedCalls()).isOne();
			assertNothingHeld(context);
		});
	}

	/**
	 * Start a call from a single-threaded executor while both models' only slots are
	 * held, so that admission waits; then check that no thread is parked in the engine's
	 * blocking acquire and that the caller's thread runs other work meanwhile; then free
	 * the slots and see the call answered.
	 */
	private void assertCallerThreadStaysFree(AssertableApplicationContext context, Kind kind) throws Exception {
		Chat chat = context.getBean(Chat.class);
		QuotaEngine engine = engine(context);
		ExecutorService caller = Executors.newSingleThreadExecutor();
		try {
			QuotaLease sonnet = hold(context, "sonnet");
			QuotaLease haiku = hold(context, "haiku");
			Future<Running> started;
			try {
				started = caller.submit(() -> kind.start(chat));
				await().atMost(TIMEOUT).until(() -> engine.backpressure("sonnet").totalQueued() == 1);
				assertThat(threadsParkedInAcquire()).as("threads parked in QuotaEngine#acquire").isEmpty();
				CountDownLatch ran = new CountDownLatch(1);
				caller.execute(ran::countDown);
				assertThat(ran.await(5, TimeUnit.SECONDS))
					.as("the caller's only thread ran other work while the call waited for admission")
					.isTrue();
			}
			finally {
				sonnet.release(CallOutcome.NOT_SENT);
				haiku.release(CallOutcome.NOT_SENT);
			}
			assertThat(started.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).result()).succeedsWithin(TIMEOUT)
				.extracting(Answer::model)
				.isEqualTo("sonnet");
		}
		finally {
			caller.shutdownNow();
		}
	}

	private static List<String> threadsParkedInAcquire() {
		return Thread.getAllStackTraces()
			.entrySet()
			.stream()
			.filter((entry) -> Arrays.stream(entry.getValue())
				.anyMatch((frame) -> frame.getMethodName().equals("acquire")
						&& frame.getClassName().equals("io.github.llmquota.engine.DefaultQuotaEngine")))
			.map((entry) -> entry.getKey().getName())
			.toList();
	}

	private static QuotaLease hold(AssertableApplicationContext context, String model) {
		return engine(context).acquire(QuotaRequest.builder(model).maxWait(Duration.ZERO).build());
	}

	private static void assertNothingHeld(AssertableApplicationContext context) {
		QuotaEngine engine = engine(context);
		await().atMost(TIMEOUT).untilAsserted(() -> {
			for (String model : List.of("sonnet", "haiku")) {
				assertThat(engine.backpressure(model).inFlight()).as("leases held on " + model).isZero();
				assertThat(engine.backpressure(model).totalQueued()).as("tickets waiting on " + model).isZero();
			}
		});
	}

	private static QuotaEngine engine(AssertableApplicationContext context) {
		return context.getBean(QuotaEngine.class);
	}

	private static CircuitBreaker breaker(AssertableApplicationContext context, String model) {
		return context.getBean(CircuitBreakerRegistry.class).circuitBreaker(model);
	}

	private static double fallbacks(AssertableApplicationContext context, String from, String to) {
		return context.getBean(MeterRegistry.class)
			.counter(LlmQuotaMetricNames.FALLBACKS, LlmQuotaMetricNames.TAG_CHAIN, "chat", LlmQuotaMetricNames.TAG_FROM,
					from, LlmQuotaMetricNames.TAG_TO, to)
			.count();
	}

	private static Throwable failure(CompletableFuture<Answer> result) {
		try {
			result.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			return ex.getCause();
		}
		catch (Exception ex) {
			throw new AssertionError("The call did not fail", ex);
		}
		throw new AssertionError("The call did not fail");
	}

	/**
	 * A call under way, however the method returns it.
	 *
	 * @param result completes with the answer (a Flux's last element) or the failure
	 * @param cancel cancels the future or disposes the subscription
	 */
	record Running(CompletableFuture<Answer> result, Runnable cancel) {
	}

	enum Kind {

		PLAIN {
			@Override
			Running start(Chat chat) {
				CompletableFuture<Answer> result;
				try {
					result = CompletableFuture.completedFuture(chat.plain("hello", null));
				}
				catch (RuntimeException ex) {
					result = CompletableFuture.failedFuture(ex);
				}
				return new Running(result, () -> {
				});
			}
		},

		FUTURE {
			@Override
			Running start(Chat chat) {
				CompletableFuture<Answer> result = chat.future("hello", null);
				return new Running(result, () -> result.cancel(true));
			}
		},

		MONO {
			@Override
			Running start(Chat chat) {
				return subscribe(chat.mono("hello", null));
			}
		},

		FLUX {
			@Override
			Running start(Chat chat) {
				return subscribe(chat.flux("hello", null).last());
			}
		};

		abstract Running start(Chat chat);

		private static Running subscribe(Mono<Answer> mono) {
			CompletableFuture<Answer> result = new CompletableFuture<>();
			Disposable subscription = mono.subscribe(result::complete, result::completeExceptionally);
			return new Running(result, subscription::dispose);
		}

	}

	enum Mode {

		ANSWER, RATE_LIMITED, OVERLOADED, HANG, FAIL_AFTER_FIRST

	}

	record Answer(String model, long inputTokens, long outputTokens) implements LlmUsage {
	}

	public static class Chat {

		private final List<String> calls = new CopyOnWriteArrayList<>();

		private final Map<String, Mode> modes = new ConcurrentHashMap<>();

		// Methods, not fields: callers hold the class-based proxy, whose own fields are
		// unset.
		public void answer(String model, Mode mode) {
			this.modes.put(model, mode);
		}

		public List<String> calls() {
			return this.calls;
		}

		@LlmRateLimited(model = "sonnet", priority = Priority.INTERACTIVE, inputTokens = "10", maxOutputTokens = "10",
				maxWait = "30s", fallback = "chat")
		public Answer plain(String prompt, @LlmModel String model) {
			return switch (mode(model)) {
				case ANSWER -> new Answer(model, 10, 5);
				case RATE_LIMITED -> throw rateLimited();
				default -> throw overloaded();
			};
		}

		@LlmRateLimited(model = "sonnet", priority = Priority.INTERACTIVE, inputTokens = "10", maxOutputTokens = "10",
				maxWait = "30s", fallback = "chat")
		public CompletableFuture<Answer> future(String prompt, @LlmModel String model) {
			return switch (mode(model)) {
				case ANSWER -> CompletableFuture.supplyAsync(() -> new Answer(model, 10, 5));
				case RATE_LIMITED -> CompletableFuture.failedFuture(rateLimited());
				case HANG -> new CompletableFuture<>();
				default -> CompletableFuture.failedFuture(overloaded());
			};
		}

		@LlmRateLimited(model = "sonnet", priority = Priority.INTERACTIVE, inputTokens = "10", maxOutputTokens = "10",
				maxWait = "30s", fallback = "chat")
		public Mono<Answer> mono(String prompt, @LlmModel String model) {
			return switch (mode(model)) {
				case ANSWER -> Mono.just(new Answer(model, 10, 5));
				case RATE_LIMITED -> Mono.error(rateLimited());
				case HANG -> Mono.never();
				default -> Mono.error(overloaded());
			};
		}

		@LlmRateLimited(model = "sonnet", priority = Priority.INTERACTIVE, inputTokens = "10", maxOutputTokens = "10",
				maxWait = "30s", fallback = "chat")
		public Flux<Answer> flux(String prompt, @LlmModel String model) {
			return switch (mode(model)) {
				case ANSWER -> Flux.just(new Answer(model, 10, 2), new Answer(model, 10, 5));
				case RATE_LIMITED -> Flux.error(rateLimited());
				case HANG -> Flux.never();
				case FAIL_AFTER_FIRST -> Flux.concat(Flux.just(new Answer(model, 10, 2)), Flux.error(overloaded()));
				default -> Flux.error(overloaded());
			};
		}

		private Mode mode(String model) {
			this.calls.add(model);
			return this.modes.getOrDefault(model, Mode.ANSWER);
		}

		private static HttpClientErrorException rateLimited() {
			HttpHeaders headers = new HttpHeaders();
			headers.add("retry-after", "30");
			return HttpClientErrorException.create(HttpStatus.TOO_MANY_REQUESTS, "Too Many Requests", headers,
					"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}"
						.getBytes(),
					null);
		}

		private static HttpServerErrorException overloaded() {
			return HttpServerErrorException.create(HttpStatus.valueOf(503), "Service Unavailable", null,
					"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"
						.getBytes(),
					null);
		}

	}

	/**
	 * What the handler did for plain methods, applied to every return type: the chain
	 * waits for admission on the caller's thread.
	 */
	static class BlockingHandler implements LlmFallbackHandler {

		private final LlmFallbackChain chain;

		BlockingHandler(LlmFallbackChain chain) {
			this.chain = chain;
		}

		@Override
		public Object invoke(String chain, String model, Attempt attempt) throws Throwable {
			return CompletableFuture
				.completedFuture(this.chain.<Object, Throwable>execute(chain, attempt.request(model),
						(chosen, lease) -> ((CompletableFuture<?>) attempt.call(chosen, lease)).join()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BlockingHandlerConfiguration {

		@Bean
		BlockingHandler blockingHandler(LlmFallbackChain chain) {
			return new BlockingHandler(chain);
		}

	}

}
