package io.github.llmquota.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestRedisCluster;
import io.github.llmquota.test.TestSettings;
import io.github.llmquota.test.TestTree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The engine, its waiting room with pub/sub wake-ups, per-user limits, provider feedback,
 * snapshots and scope trees on a Redis Cluster of three masters: every script call stays
 * on its pool's slot (a tree's: its root scope's), so nothing fails with CROSSSLOT.
 */
class RedisClusterTests {

	private static TestRedisCluster cluster;

	private final List<RedisConnectionFactory> factories = new ArrayList<>();

	@BeforeAll
	static void startCluster() {
		cluster = TestRedisCluster.start();
	}

	@AfterAll
	static void stopCluster() {
		cluster.close();
	}

	@Test
	void poolsOnEveryNodeAdmitWaitAndWakeAcrossTwoEngines() throws Exception {
		// Pool names chosen so that their hash tags land on each of the three masters.
		for (String pool : List.of("alpha", "bravo", "echo")) {
			QuotaSettings settings = TestSettings.pool(pool)
				.limit(Dimension.REQUESTS_PER_MINUTE, 100)
				.maxConcurrency(1)
				.userLimit(Dimension.REQUESTS_PER_MINUTE, 50)
				.build();
			try (DefaultQuotaEngine first = engine(settings, "c-" + pool);
					DefaultQuotaEngine second = engine(settings, "c-" + pool)) {
				QuotaLease held = first.acquire(request("user-{1}\n", Duration.ZERO));
				CompletableFuture<QuotaLease> waiting = second.acquireAsync(request("user-2", Duration.ofSeconds(20)));
				assertThat(second.backpressure("model").totalQueued()).isEqualTo(1);

				held.settle(TokenUsage.of(10, 10));

				QuotaLease woken = waiting.get(15, TimeUnit.SECONDS);
				woken.settle(TokenUsage.of(10, 10));
				assertThat(first.backpressure("model").inFlight()).isZero();
			}
		}
	}

	@Test
	void rateLimitSeenByOneEngineCoolsThePoolForTheOtherOnACluster() {
		QuotaSettings settings = TestSettings.pool("charlie").limit(Dimension.REQUESTS_PER_MINUTE, 100).build();
		try (DefaultQuotaEngine first = engine(settings, "c-feedback");
				DefaultQuotaEngine second = engine(settings, "c-feedback")) {
			QuotaLease lease = first.acquire(request(null, Duration.ZERO));
			lease.release(CallOutcome.FAILED, new ProviderFeedbackParser().parse("charlie", Provider.ANTHROPIC, 429,
					Map.of("retry-after", List.of("20")), null, Instant.now()));

			assertThatExceptionOfType(QuotaRejectedException.class)
				.isThrownBy(() -> second.acquire(request(null, Duration.ZERO)))
				.satisfies((ex) -> {
					assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE);
					assertThat(ex.getRetryAfter()).isGreaterThan(Duration.ofSeconds(15));
				});
		}
	}

	@Test
	void aTreeOfTwoProjectsDecidesOnOneSlotOfTheCluster() {
		// The organisation lets one call be in flight for both projects' pools.
		QuotaSettings settings = TestTree.organisation()
			.orgLimit(Dimension.REQUESTS_PER_MINUTE, 100)
			.orgConcurrency(1)
			.poolLimit(Dimension.REQUESTS_PER_MINUTE, 100)
			.build();
		try (DefaultQuotaEngine first = engine(settings, "c-tree");
				DefaultQuotaEngine second = engine(settings, "c-tree")) {
			QuotaLease held = first.acquire(QuotaRequest.builder("model-a").maxWait(Duration.ZERO).build());

			assertThatExceptionOfType(QuotaRejectedException.class)
				.isThrownBy(() -> second.acquire(QuotaRequest.builder("model-b").maxWait(Duration.ZERO).build()))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE));
			held.settle(TokenUsage.of(10, 10));
			second.acquire(QuotaRequest.builder("model-b").maxWait(Duration.ZERO).build())
				.settle(TokenUsage.of(10, 10));
		}
	}

	private DefaultQuotaEngine engine(QuotaSettings settings, String prefix) {
		RedisConnectionFactory factory = client().connectionFactory(cluster);
		this.factories.add(factory);
		return new DefaultQuotaEngine(settings, new RedisQuotaStore(factory, settings, prefix));
	}

	@org.junit.jupiter.api.AfterEach
	void closeFactories() {
		this.factories.forEach(TestRedisClient::destroy);
		this.factories.clear();
	}

	/**
	 * Return the client these tests run on; a subclass runs them all on another.
	 * @return the client
	 */
	TestRedisClient client() {
		return TestRedisClient.LETTUCE;
	}

	private static QuotaRequest request(String user, Duration maxWait) {
		return QuotaRequest.builder("model").priority(Priority.INTERACTIVE).user(user).maxWait(maxWait).build();
	}

}
