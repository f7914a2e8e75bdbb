package io.github.llmquota.aop;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import reactor.core.publisher.Mono;

import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.usage.LlmUsage;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Calls of {@link LlmRateLimited} methods of each return type, governed by the quota
 * engine over a real Redis. Pool "out" allows 1000 output tokens per minute and nothing
 * else, so whether a call reserving 800 fits shows what earlier calls were charged; pool
 * "one" allows one call at a time, so whether a call that may not wait is admitted shows
 * that no lease was left behind.
 */
class LlmRateLimitedRedisTests {

	private String prefix;

	private StringRedisTemplate redis;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
				LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class))
		.withBean(Calls.class)
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(), "llm.quota.safety-margin=0",
				"llm.quota.default-priority=CRITICAL", "llm.quota.models.out.provider=anthropic",
				"llm.quota.models.out.output-tokens-per-minute=1000", "llm.quota.models.one.provider=anthropic",
				"llm.quota.models.one.requests-per-minute=100000", "llm.quota.models.one.max-concurrency=1");

	@Test
	void plainCallSettlesToTheUsageItsResultReports() {
		run((calls) -> {
			assertThat(calls.reply(100)).isEqualTo(new Reply(10, 100));
			// 100 used of the 800 reserved: only with the refund do 800 more fit in 1000.
			assertThat(calls.reply(100)).isEqualTo(new Reply(10, 100));
		});
	}

	@Test
	void plainCallWithoutUsageKeepsItsReservationAndIsCounted() {
		this.runner.withPropertyValues(keyPrefix()).run((context) -> {
			Calls calls = context.getBean(Calls.class);
			assertThat(calls.replyWithoutUsage()).isEqualTo("no usage");
			assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> calls.reply(100));
			assertThat(context.getBean(MeterRegistry.class)
				.counter(LlmQuotaMetricNames.USAGE_MISSING, "model", "out")
				.count()).isEqualTo(1);
		});
	}

	@Test
	void usageExpressionFindsTheUsageInsideAResultTheExtractorsDoNotKnow() {
		run((calls) -> {
			calls.wrapped(100);
			assertThat(calls.reply(100)).isEqualTo(new Reply(10, 100));
		});
	}

	@Test
	void plainCallThatFailsPropagatesItsExceptionAndFreesItsSlot() {
		run((calls) -> {
			IllegalStateException failure = new IllegalStateException("provider said no");
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> calls.fail(failure))
				.isSameAs(failure);
			assertThat(calls.once()).isEqualTo("admitted");
		});
	}

	@Test
	void rejectionPropagatesTheEnginesExceptionWithoutInvokingTheMethod() {
		run((calls) -> {
			Disposable holder = calls.holdMono().subscribe();
			assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(calls::once)
				.satisfies((ex) -> assertThat(ex.getPool()).isEqualTo("one"));
			assertThat(calls.onceInvocations()).isZero();
			holder.dispose();
		});
	}

	@Test
	void futureCallSettlesWhenTheFutureCompletes() {
		run((calls) -> {
			assertThat(calls.replyFuture(100)).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(new Reply(10, 100));
			assertThat(calls.reply(100)).isEqualTo(new Reply(10, 100));
		});
	}

	@Test
	void futureThatFailsCompletesWithItsExceptionAndFreesItsSlot() {
		run((calls) -> {
			IllegalStateException failure = new IllegalStateException("provider said no");
			assertThat(calls.failFuture(failure)).failsWithin(Duration.ofSeconds(10))
				.withThrowableOfType(ExecutionException.class)
				.withCause(failure);
			assertThat(calls.once()).isEqualTo("admitted");
		});
	}

	@Test
	void futureOfARejectedCallCompletesWithTheEnginesException() {
		run((calls) -> {
			CompletableFuture<String> holder = new CompletableFuture<>();
			calls.holdFuture(holder);
			assertThat(calls.onceFuture()).failsWithin(Duration.ofSeconds(10))
				.withThrowableOfType(ExecutionException.class)
				.withCauseInstanceOf(QuotaRejectedException.class);
			holder.complete("done");
		});
	}

	@Test
	void cancellingARunningFutureFreesItsSlot() {
		run((calls) -> {
			CompletableFuture<String> running = calls.holdFuture(new CompletableFuture<>());
			assertThat(leases("one")).isOne();
			running.cancel(false);
			assertThat(leases("one")).isZero();
			assertThat(calls.once()).isEqualTo("admitted");
		});
	}

	@Test
	void cancellingAWaitingFutureWithdrawsItsTicket() {
		run((calls) -> {
			CompletableFuture<String> holder = new CompletableFuture<>();
			calls.holdFuture(holder);
			CompletableFuture<String> waiting = calls.holdFuture(new CompletableFuture<>());
			await().atMost(Duration.ofSeconds(5)).until(() -> waitingTickets("one") == 1);
			waiting.cancel(false);
			await().atMost(Duration.ofSeconds(5)).until(() -> waitingTickets("one") == 0);
			holder.complete("done");
			assertThat(leases("one")).isZero();
			assertThat(calls.once()).isEqualTo("admitted");
		});
	}

	@Test
	void futureWhoseAdmissionHadToWaitIsInvokedOffTheEnginesThreads() {
		run((calls) -> {
			CompletableFuture<String> holder = new CompletableFuture<>();
			calls.holdFuture(holder);
			CompletableFuture<String> thread = calls.threadFuture();
			await().atMost(Duration.ofSeconds(5)).until(() -> waitingTickets("one") == 1);
			holder.complete("done");
			assertThat(thread).succeedsWithin(Duration.ofSeconds(10))
				.satisfies((name) -> assertThat(name).doesNotStartWith("llm-quota-")
					.doesNotContainIgnoringCase("redis")
					.isNotEqualTo(Thread.currentThread().getName()));
		});
	}

	@Test
	void monoSettlesWhenItEmits() {
		run((calls) -> {
			assertThat(calls.replyMono(100).block(Duration.ofSeconds(10))).isEqualTo(new Reply(10, 100));
			assertThat(calls.reply(100)).isEqualTo(new Reply(10, 100));
		});
	}

	@Test
	void monoIsAdmittedAgainOnEverySubscription() {
		run((calls) -> {
			Mono<Reply> reply = calls.replyMono(100);
			reply.block(Duration.ofSeconds(10));
			reply.block(Duration.ofSeconds(10));
			// Each subscription was a call that settled at 100: after three, 800 more do
			// not fit.
			assertThat(calls.replyMono(100).block(Duration.ofSeconds(10))).isEqualTo(new Reply(10, 100));
			assertThatExceptionOfType(QuotaRejectedException.class)
				.isThrownBy(() -> reply.block(Duration.ofSeconds(10)));
		});
	}

	@Test
	void monoThatFailsSignalsItsExceptionAndFreesItsSlot() {
		run((calls) -> {
			IllegalStateException failure = new IllegalStateException("provider said no");
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> calls.failMono(failure).block(Duration.ofSeconds(10)))
				.isSameAs(failure);
			assertThat(calls.once()).isEqualTo("admitted");
		});
	}

	@Test
	void cancellingARunningMonoFreesItsSlot() {
		run((calls) -> {
			Disposable running = calls.holdMono().subscribe();
			assertThat(leases("one")).isOne();
			running.dispose();
			// The release runs on the thread that ends the lease, which need not be this
			// one.
			await().atMost(Duration.ofSeconds(5)).until(() -> leases("one") == 0);
			assertThat(calls.once()).isEqualTo("admitted");
		});
	}

	@Test
	void cancellingAWaitingMonoWithdrawsItsTicketWithoutBlockingTheSubscriber() {
		run((calls) -> {
			Disposable holder = calls.holdMono().subscribe();
			Disposable waiting = calls.holdMono().subscribe();
			await().atMost(Duration.ofSeconds(5)).until(() -> waitingTickets("one") == 1);
			waiting.dispose();
			await().atMost(Duration.ofSeconds(5)).until(() -> waitingTickets("one") == 0);
			holder.dispose();
			await().atMost(Duration.ofSeconds(5)).until(() -> leases("one") == 0);
			assertThat(calls.holdMonoInvocations()).isOne();
		});
	}

	@Test
	void monoWhoseAdmissionHadToWaitIsInvokedOnBoundedElastic() {
		run((calls) -> {
			Disposable holder = calls.holdMono().subscribe();
			Mono<String> thread = calls.threadMono();
			CompletableFuture<String> name = thread.toFuture();
			await().atMost(Duration.ofSeconds(5)).until(() -> waitingTickets("one") == 1);
			holder.dispose();
			assertThat(name).succeedsWithin(Duration.ofSeconds(10))
				.satisfies((value) -> assertThat(value).startsWith("boundedElastic-"));
		});
	}

	@Test
	void fluxSettlesToTheLastUsageItsElementsReport() {
		run((calls) -> {
			assertThat(calls.stream(1, 500).collectList().block(Duration.ofSeconds(10))).hasSize(3);
			// Charged 500, the last report: 600 more do not fit, 450 do.
			assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> calls.reserve(600));
			assertThat(calls.reserve(450)).isEqualTo("reserved");
		});
	}

	@Test
	void fluxIsChargedAsItsElementsArriveAndACancelledOneSettlesWhatItReceived() {
		this.runner.withPropertyValues(keyPrefix(), "llm.quota.streaming.charge-every-tokens=100").run((context) -> {
			this.redis = context.getBean(StringRedisTemplate.class);
			Calls calls = context.getBean(Calls.class);
			Disposable running = calls.textStream(4).subscribe();
			// Four chunks of 350 ASCII characters, 100 tokens each at 3.5 characters per
			// token: seen by the fleet while the stream is still open.
			await().atMost(Duration.ofSeconds(5)).until(() -> streamOutput("out") == 400);
			running.dispose();
			await().atMost(Duration.ofSeconds(5)).until(() -> leases("out") == 0);
			// Settled 400 of the 800 reserved: 700 more do not fit, 550 do.
			assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> calls.reserve(700));
			assertThat(calls.reserve(550)).isEqualTo("reserved");
		});
	}

	@Test
	void fluxOfSpringAiChatResponsesIsChargedAsTheirTextArrives() {
		this.runner.withPropertyValues(keyPrefix(), "llm.quota.streaming.charge-every-tokens=100").run((context) -> {
			this.redis = context.getBean(StringRedisTemplate.class);
			Calls calls = context.getBean(Calls.class);
			Disposable running = calls.chatStream(4).subscribe();
			// As the text stream above, in ChatResponses, as ChatModel#stream gives them.
			await().atMost(Duration.ofSeconds(5)).until(() -> streamOutput("out") == 400);
			running.dispose();
			await().atMost(Duration.ofSeconds(5)).until(() -> leases("out") == 0);
		});
	}

	@Test
	void fluxThatFailsSignalsItsExceptionAndFreesItsSlot() {
		run((calls) -> {
			IllegalStateException failure = new IllegalStateException("stream broke");
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> calls.failFlux(failure).blockLast(Duration.ofSeconds(10)))
				.isSameAs(failure);
			assertThat(calls.once()).isEqualTo("admitted");
		});
	}

	@Test
	void cancellingARunningFluxFreesItsSlot() {
		run((calls) -> {
			Disposable running = calls.holdFlux().subscribe();
			assertThat(leases("one")).isOne();
			running.dispose();
			// The release runs on the thread that ends the lease, which need not be this
			// one.
			await().atMost(Duration.ofSeconds(5)).until(() -> leases("one") == 0);
			assertThat(calls.once()).isEqualTo("admitted");
		});
	}

	@Test
	void cancellingAWaitingFluxWithdrawsItsTicket() {
		run((calls) -> {
			Disposable holder = calls.holdFlux().subscribe();
			Disposable waiting = calls.holdFlux().subscribe();
			await().atMost(Duration.ofSeconds(5)).until(() -> waitingTickets("one") == 1);
			waiting.dispose();
			await().atMost(Duration.ofSeconds(5)).until(() -> waitingTickets("one") == 0);
			holder.dispose();
			await().atMost(Duration.ofSeconds(5)).until(() -> leases("one") == 0);
		});
	}

	@Test
	void blockingCallsOnVirtualThreadsWaitTheirTurn() {
		int java = Runtime.version().feature();
		// The build's virtual-thread run sets this: there, a JDK too old is a broken
		// setup, not a reason to skip.
		if (Boolean.getBoolean("llmquota.test.virtual-threads-required")) {
			assertThat(java).as("Java version of LLMQUOTA_TEST_JDK (must be 21 or later)").isGreaterThanOrEqualTo(21);
		}
		assumeTrue(java >= 21, "virtual threads need Java 21 or later");
		run((calls) -> {
			ExecutorService executor = virtualThreadPerTaskExecutor();
			try {
				List<Future<String>> results = executor.invokeAll(Collections.nCopies(20, calls::slow), 30,
						TimeUnit.SECONDS);
				for (Future<String> result : results) {
					assertThat(result.get()).isEqualTo("slow");
				}
			}
			catch (InterruptedException | ExecutionException ex) {
				throw new IllegalStateException(ex);
			}
			finally {
				executor.shutdown();
			}
			assertThat(calls.slowMaxConcurrency()).isOne();
		});
	}

	// Compiled for Java 17, run on 21 or later.
	private static ExecutorService virtualThreadPerTaskExecutor() {
		try {
			return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void run(Consumer<Calls> test) {
		this.runner.withPropertyValues(keyPrefix()).run((context) -> {
			assertThat(context).hasNotFailed();
			this.redis = context.getBean(StringRedisTemplate.class);
			test.accept(context.getBean(Calls.class));
		});
	}

	private String keyPrefix() {
		this.prefix = "a" + UUID.randomUUID().toString().substring(0, 8);
		return "llm.quota.key-prefix=" + this.prefix;
	}

	private long leases(String pool) {
		return this.redis.opsForZSet().zCard(this.prefix + ":{" + pool + "}:l");
	}

	private long streamOutput(String pool) {
		return this.redis.<String, String>opsForHash()
			.values(this.prefix + ":{" + pool + "}:c")
			.stream()
			.mapToLong(Long::parseLong)
			.sum();
	}

	private long waitingTickets(String pool) {
		return this.redis.opsForZSet().zCard(this.prefix + ":{" + pool + "}:q");
	}

	record Reply(long inputTokens, long outputTokens) implements LlmUsage {
	}

	record Envelope(String id, Reply reply) {
	}

	record Text(String text) {
	}

	// Proxied by subclassing: tests read its state through methods, never fields.
	static class Calls {

		private final AtomicInteger onceInvocations = new AtomicInteger();

		private final AtomicInteger holdMonoInvocations = new AtomicInteger();

		private final AtomicInteger slowRunning = new AtomicInteger();

		private final AtomicInteger slowMaxConcurrency = new AtomicInteger();

		public int onceInvocations() {
			return this.onceInvocations.get();
		}

		public int holdMonoInvocations() {
			return this.holdMonoInvocations.get();
		}

		public int slowMaxConcurrency() {
			return this.slowMaxConcurrency.get();
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "800", maxWait = "0s")
		public Reply reply(long outputTokens) {
			return new Reply(10, outputTokens);
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "800", maxWait = "0s")
		public String replyWithoutUsage() {
			return "no usage";
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "#reserve", maxWait = "0s")
		public String reserve(long reserve) {
			return "reserved";
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "800", maxWait = "0s",
				usage = "#result.reply")
		public Envelope wrapped(long outputTokens) {
			return new Envelope("msg_1", new Reply(10, outputTokens));
		}

		@LlmRateLimited(model = "one", maxWait = "0s")
		public String once() {
			this.onceInvocations.incrementAndGet();
			return "admitted";
		}

		@LlmRateLimited(model = "one", maxWait = "0s")
		public String fail(RuntimeException failure) {
			throw failure;
		}

		@LlmRateLimited(model = "one", maxWait = "10s")
		public String slow() throws InterruptedException {
			int running = this.slowRunning.incrementAndGet();
			this.slowMaxConcurrency.accumulateAndGet(running, Math::max);
			// Holds the slot as a provider call would, so that a second admitted call
			// would overlap it. Not a timing assertion: a slower machine only overlaps
			// more.
			Thread.sleep(20);
			this.slowRunning.decrementAndGet();
			return "slow";
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "800", maxWait = "0s")
		public CompletableFuture<Reply> replyFuture(long outputTokens) {
			return CompletableFuture.supplyAsync(() -> new Reply(10, outputTokens));
		}

		@LlmRateLimited(model = "one", maxWait = "0s")
		public CompletableFuture<String> failFuture(RuntimeException failure) {
			return CompletableFuture.failedFuture(failure);
		}

		@LlmRateLimited(model = "one", maxWait = "0s")
		public CompletableFuture<String> onceFuture() {
			return CompletableFuture.completedFuture("admitted");
		}

		@LlmRateLimited(model = "one", maxWait = "10s")
		public CompletableFuture<String> holdFuture(CompletableFuture<String> answer) {
			return answer;
		}

		@LlmRateLimited(model = "one", maxWait = "10s")
		public CompletableFuture<String> threadFuture() {
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "800", maxWait = "0s")
		public Mono<Reply> replyMono(long outputTokens) {
			return Mono.fromSupplier(() -> new Reply(10, outputTokens));
		}

		@LlmRateLimited(model = "one", maxWait = "0s")
		public Mono<String> failMono(RuntimeException failure) {
			return Mono.error(failure);
		}

		@LlmRateLimited(model = "one", maxWait = "10s")
		public Mono<String> holdMono() {
			this.holdMonoInvocations.incrementAndGet();
			return Mono.never();
		}

		@LlmRateLimited(model = "one", maxWait = "10s")
		public Mono<String> threadMono() {
			return Mono.just(Thread.currentThread().getName());
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "800", maxWait = "0s")
		public Flux<Object> stream(long firstOutputTokens, long lastOutputTokens) {
			return Flux.just(new Reply(10, firstOutputTokens), new Text("Hello"), new Reply(10, lastOutputTokens));
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "800", maxWait = "0s")
		public Flux<String> textStream(int chunks) {
			return Flux.range(0, chunks).map((i) -> "x".repeat(350)).concatWith(Flux.never());
		}

		@LlmRateLimited(model = "out", inputTokens = "10", maxOutputTokens = "800", maxWait = "0s")
		public Flux<ChatResponse> chatStream(int chunks) {
			return Flux.range(0, chunks)
				.map((i) -> new ChatResponse(List.of(new Generation(new AssistantMessage("x".repeat(350))))))
				.concatWith(Flux.never());
		}

		@LlmRateLimited(model = "one", maxWait = "0s")
		public Flux<String> failFlux(RuntimeException failure) {
			return Flux.concat(Flux.just("partial"), Flux.error(failure));
		}

		@LlmRateLimited(model = "one", maxWait = "10s")
		public Flux<String> holdFlux() {
			return Flux.never();
		}

	}

}
