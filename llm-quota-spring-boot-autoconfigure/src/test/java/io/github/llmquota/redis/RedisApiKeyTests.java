package io.github.llmquota.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.FeedbackSettings;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model called with two API keys, each with its own pool, shared by two engines.
 */
class RedisApiKeyTests {

	private final String prefix = "k" + UUID.randomUUID().toString().substring(0, 8);

	private final List<LettuceConnectionFactory> factories = new ArrayList<>();

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	private StringRedisTemplate redis;

	@BeforeEach
	void fleet() {
		List<RateLimit> rates = List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 10, 0, 60_000));
		List<ModelSpec> keys = new ArrayList<>();
		for (String key : List.of("a", "b")) {
			keys.add(new ModelSpec("gpt", new PoolSpec("gpt." + key, Provider.OPENAI, rates, 0, List.of("gpt"), null),
					true, key));
		}
		QuotaSettings settings = new QuotaSettings(Map.of("gpt", keys.get(0)), Map.of("gpt", keys),
				List.of(new PriorityClass(Priority.NORMAL, 0, 0, 100, Duration.ofSeconds(5))), Priority.NORMAL,
				Duration.ofMinutes(1), 1000, Duration.ofSeconds(1), FeedbackSettings.DEFAULTS, Duration.ZERO);
		for (int i = 0; i < 2; i++) {
			LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
			this.factories.add(factory);
			// The key choice reads each key's pool; a read that misses its deadline
			// counts as no headroom, so a loaded machine must not decide the choice: a
			// generous deadline.
			this.engines.add(new DefaultQuotaEngine(settings,
					new RedisQuotaStore(factory, settings, this.prefix, Duration.ofSeconds(10))));
		}
		this.redis = new StringRedisTemplate(this.factories.get(0));
	}

	@AfterEach
	void stop() {
		this.engines.forEach(DefaultQuotaEngine::close);
		this.factories.forEach(LettuceConnectionFactory::destroy);
	}

	@Test
	void callsGoToTheKeyWithTheMostHeadroomAndTheLeaseNamesIt() {
		List<QuotaLease> leases = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			leases.add(this.engines.get(i % 2).acquire(QuotaRequest.builder("gpt").build()));
		}

		assertThat(leases).extracting(QuotaLease::model).containsOnly("gpt");
		assertThat(leases).extracting(QuotaLease::apiKey).containsExactly("a", "b", "a", "b");
		assertThat(leases).extracting(QuotaLease::pool).containsExactly("gpt.a", "gpt.b", "gpt.a", "gpt.b");
		assertThat(this.redis.opsForZSet().zCard(this.prefix + ":{gpt.a}:l")).isEqualTo(2);
		assertThat(this.redis.opsForZSet().zCard(this.prefix + ":{gpt.b}:l")).isEqualTo(2);
		leases.forEach((lease) -> lease.release(CallOutcome.NOT_SENT));
	}

	@Test
	void aKeyThatIsCoolingDownAfterA429IsAvoidedByTheWholeFleet() {
		QuotaLease first = this.engines.get(0).acquire(QuotaRequest.builder("gpt").build());
		assertThat(first.apiKey()).isEqualTo("a");
		first.release(CallOutcome.FAILED, new ProviderFeedbackParser().parse(first.pool(), Provider.OPENAI, 429,
				Map.of("retry-after", List.of("30")), null, Instant.now()));

		for (int i = 0; i < 3; i++) {
			QuotaLease lease = this.engines.get(1).acquire(QuotaRequest.builder("gpt").maxWait(Duration.ZERO).build());
			assertThat(lease.apiKey()).isEqualTo("b");
			lease.release(CallOutcome.NOT_SENT);
		}
	}

}
