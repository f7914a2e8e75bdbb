package io.github.llmquota.aop;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.retry.annotation.Retry;
import io.github.resilience4j.springboot3.retry.autoconfigure.RetryAutoConfiguration;
import org.aspectj.lang.JoinPoint;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.annotation.Before;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Where the advisor runs among the advice applications commonly put on the same method.
 */
class LlmRateLimitedOrderTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
				LlmQuotaAspectAutoConfiguration.class))
		.withPropertyValues("llm.quota.safety-margin=0", "llm.quota.default-priority=CRITICAL",
				"llm.quota.models.gpt-4o.provider=openai", "llm.quota.models.gpt-4o.requests-per-minute=3",
				"llm.quota.models.one.provider=openai", "llm.quota.models.one.requests-per-minute=1000",
				"llm.quota.models.one.max-concurrency=1");

	@Test
	void resilience4jRetryAroundTheCallAsksForQuotaOnEveryAttempt() {
		this.runner.withConfiguration(AutoConfigurations.of(RetryAutoConfiguration.class))
			.withPropertyValues("resilience4j.retry.instances.llm.max-attempts=3",
					"resilience4j.retry.instances.llm.wait-duration=1ms")
			.withBean(Flaky.class)
			.run((context) -> {
				Flaky flaky = context.getBean(Flaky.class);
				assertThat(flaky.ask()).isEqualTo("answer on attempt 3");
				// Three attempts took the three requests this minute allows.
				assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(flaky::probe);
			});
	}

	@Test
	void quotaIsAcquiredBeforeATransactionOpens() {
		this.runner.withUserConfiguration(TransactionConfiguration.class).withBean(Ledger.class).run((context) -> {
			assertThat(context.getBean(Ledger.class).ask()).isEqualTo("answer");
			RecordingTransactionManager transactions = context.getBean(RecordingTransactionManager.class);
			assertThat(transactions.begun).isOne();
			assertThat(transactions.slotFreeAtBegin).as("the call's lease held the only slot").isFalse();
		});
	}

	@Test
	void aspectJAdviceInsideTheCallStillRunsWhenTheMethodIsInvokedLater() {
		this.runner.withUserConfiguration(CountingAspect.class).withBean(Deferred.class).run((context) -> {
			Deferred deferred = context.getBean(Deferred.class);
			CompletableFuture<String> holder = new CompletableFuture<>();
			CompletableFuture<String> held = deferred.future(holder);
			// Admitted once the first call ends, so invoked on another thread.
			CompletableFuture<String> waited = deferred.future(CompletableFuture.completedFuture("waited"));
			holder.complete("held");
			assertThat(held).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("held");
			assertThat(waited).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("waited");
			// Subscribed after the proxy call returned.
			assertThat(deferred.mono().block(Duration.ofSeconds(10))).isEqualTo("mono");
			assertThat(deferred.flux().collectList().block(Duration.ofSeconds(10))).containsExactly("flux");
			assertThat(context.getBean(CountingAspect.class).count()).isEqualTo(4);
		});
	}

	static class Flaky {

		private final AtomicInteger attempts = new AtomicInteger();

		@Retry(name = "llm")
		@LlmRateLimited(model = "gpt-4o", maxWait = "0s")
		public String ask() {
			int attempt = this.attempts.incrementAndGet();
			if (attempt < 3) {
				throw new IllegalStateException("overloaded");
			}
			return "answer on attempt " + attempt;
		}

		@LlmRateLimited(model = "gpt-4o", maxWait = "0s")
		public String probe() {
			return "admitted";
		}

	}

	static class Deferred {

		@Counted
		@LlmRateLimited(model = "one", maxWait = "10s")
		public CompletableFuture<String> future(CompletableFuture<String> answer) {
			return answer;
		}

		@Counted
		@LlmRateLimited(model = "one", maxWait = "10s")
		public Mono<String> mono() {
			return Mono.just("mono");
		}

		@Counted
		@LlmRateLimited(model = "one", maxWait = "10s")
		public Flux<String> flux() {
			return Flux.just("flux");
		}

	}

	@Retention(RetentionPolicy.RUNTIME)
	@interface Counted {

	}

	// An ordinary @Aspect, ordered like most (last), so inside llm-quota.
	@Aspect
	static class CountingAspect {

		private final AtomicInteger count = new AtomicInteger();

		// Before advice finds its join point through the invocation exposed to the
		// thread.
		@Before("@annotation(io.github.llmquota.aop.LlmRateLimitedOrderTests.Counted)")
		public void count(JoinPoint joinPoint) {
			this.count.incrementAndGet();
		}

		int count() {
			return this.count.get();
		}

	}

	static class Ledger {

		@Transactional
		@LlmRateLimited(model = "one", maxWait = "0s")
		public String ask() {
			return "answer";
		}

	}

	// Checks at the start of each transaction whether the only slot of pool "one" is
	// free.
	static class RecordingTransactionManager extends AbstractPlatformTransactionManager {

		private final QuotaEngine engine;

		volatile int begun;

		volatile boolean slotFreeAtBegin;

		RecordingTransactionManager(QuotaEngine engine) {
			this.engine = engine;
		}

		@Override
		protected Object doGetTransaction() {
			return new Object();
		}

		@Override
		protected void doBegin(Object transaction, TransactionDefinition definition) {
			this.begun++;
			try {
				this.engine.acquire(QuotaRequest.builder("one").maxWait(Duration.ZERO).build())
					.release(CallOutcome.NOT_SENT);
				this.slotFreeAtBegin = true;
			}
			catch (QuotaRejectedException ex) {
				this.slotFreeAtBegin = false;
			}
		}

		@Override
		protected void doCommit(DefaultTransactionStatus status) {
		}

		@Override
		protected void doRollback(DefaultTransactionStatus status) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement
	static class TransactionConfiguration {

		@Bean
		RecordingTransactionManager transactionManager(QuotaEngine engine) {
			return new RecordingTransactionManager(engine);
		}

	}

}
