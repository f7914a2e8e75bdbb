package io.github.llmquota.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests that llm-quota's background threads (engine heartbeat and timers, failover
 * refresh, threshold monitor, Redis pub/sub) start with the application context and end
 * with it.
 */
class LlmQuotaLifecycleTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
				LlmQuotaAlertsAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(),
				"llm.quota.key-prefix=lc" + UUID.randomUUID().toString().substring(0, 6),
				"llm.quota.models.gpt-4o.provider=openai", "llm.quota.models.gpt-4o.tokens-per-minute=30000")
		.withUserConfiguration(ThreadsBeforeRefreshConfiguration.class);

	@ParameterizedTest
	@ValueSource(strings = { "lettuce", "jedis" })
	void noLlmQuotaThreadRunsBeforeRefreshAndNoneOutlivesTheContext(String client) {
		LlmQuotaThreads threads = LlmQuotaThreads.fromNow();
		ThreadsBeforeRefresh.watching = threads;
		this.runner.withPropertyValues("spring.data.redis.client-type=" + client).run((context) -> {
			assertThat(context.getBean(ThreadsBeforeRefresh.class).started).isEmpty();
			DefaultQuotaEngine engine = context.getBean(DefaultQuotaEngine.class);
			// Against Redis, the first admission also starts the failover refresh.
			engine.acquire(QuotaRequest.builder("gpt-4o").inputTokens(10).maxOutputTokens(10).build())
				.settle(TokenUsage.of(10, 10));
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(threads.started()).contains("llm-quota-" + engine.getWorkerId(),
						"llm-quota-monitor", "llm-quota-failover"));
		});
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(threads.started()).isEmpty());
	}

	@Test
	void aStoppedEngineRejectsRequestsUntilItIsStartedAgain() {
		this.runner.run((context) -> {
			DefaultQuotaEngine engine = context.getBean(DefaultQuotaEngine.class);
			engine.stop();
			assertThat(engine.isRunning()).isFalse();
			assertThat(engine.acquireAsync(QuotaRequest.builder("gpt-4o").build())).isCompletedExceptionally();
			engine.start();
			engine.acquire(QuotaRequest.builder("gpt-4o").build()).settle(TokenUsage.of(0, 0));
		});
	}

	// The probe the test above relies on must be able to see a violation.
	@Test
	void aThreadStartedInAConstructorIsSeenBeforeRefreshAndAfterClose() {
		LlmQuotaThreads threads = LlmQuotaThreads.fromNow();
		ThreadsBeforeRefresh.watching = threads;
		try {
			this.runner.withUserConfiguration(ConstructorThreadConfiguration.class)
				.run((context) -> assertThat(context.getBean(ThreadsBeforeRefresh.class).started)
					.containsExactly("llm-quota-constructor"));
			assertThat(threads.started()).containsExactly("llm-quota-constructor");
		}
		finally {
			ConstructorThread.release.countDown();
		}
	}

	/**
	 * The llm-quota threads started since a point in time.
	 */
	static final class LlmQuotaThreads {

		private final Set<Thread> before;

		private LlmQuotaThreads(Set<Thread> before) {
			this.before = before;
		}

		static LlmQuotaThreads fromNow() {
			return new LlmQuotaThreads(Thread.getAllStackTraces().keySet());
		}

		// Other tests in this JVM may have left llm-quota threads of their own behind;
		// only threads that did not exist before count.
		List<String> started() {
			return Thread.getAllStackTraces()
				.keySet()
				.stream()
				.filter((thread) -> !this.before.contains(thread) && thread.isAlive())
				.map(Thread::getName)
				.filter((name) -> name.startsWith("llm-quota"))
				.sorted()
				.toList();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThreadsBeforeRefreshConfiguration {

		@Bean
		ThreadsBeforeRefresh threadsBeforeRefresh() {
			return new ThreadsBeforeRefresh();
		}

	}

	/**
	 * Records the llm-quota threads alive once every singleton exists, just before the
	 * context starts its lifecycle beans.
	 */
	static class ThreadsBeforeRefresh implements SmartInitializingSingleton {

		static volatile LlmQuotaThreads watching = LlmQuotaThreads.fromNow();

		volatile List<String> started;

		@Override
		public void afterSingletonsInstantiated() {
			this.started = watching.started();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ConstructorThreadConfiguration {

		@Bean
		ConstructorThread constructorThread(QuotaEngine engine) {
			return new ConstructorThread();
		}

	}

	static class ConstructorThread {

		static final CountDownLatch release = new CountDownLatch(1);

		ConstructorThread() {
			Thread thread = new Thread(() -> {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, "llm-quota-constructor");
			thread.setDaemon(true);
			thread.start();
		}

	}

}
