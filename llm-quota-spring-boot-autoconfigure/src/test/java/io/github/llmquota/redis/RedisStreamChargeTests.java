package io.github.llmquota.redis;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.stream.StreamChargeContractTests;
import io.github.llmquota.test.DrivenRedisStores;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams accounted as they flow, kept by the Lua script in a real Redis.
 */
class RedisStreamChargeTests extends StreamChargeContractTests {

	// A pool whose streams' output notes the tests read in Redis.
	private static final QuotaSettings NOTES = TestSettings.pool("notes")
		.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 100_000)
		.margin(0)
		.leaseTimeout(Duration.ofSeconds(10))
		.build();

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return this.redis.create(settings, () -> this.now);
	}

	@Test
	void anExpiredStreamsNoteIsDroppedWithTheExpiredLeases() {
		RedisQuotaStore store = this.redis.create(NOTES, () -> this.now);
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(NOTES, store)) {
			String notes = notesKey(store);
			StringRedisTemplate redis = new StringRedisTemplate(TestRedis.shared().connectionFactory());
			QuotaLease stream = acquire(engine);
			assertThat(stream.charge(100)).isTrue();
			assertThat(redis.opsForHash().hasKey(notes, stream.id())).isTrue();
			// Its worker died; the next write of a new 10-second slot clears it out.
			this.now += 20_000;
			acquire(engine).settle(TokenUsage.of(0, 10));
			assertThat(redis.opsForHash().hasKey(notes, stream.id())).isFalse();
		}
	}

	@Test
	void aSettledStreamsNoteIsClearedBySettleAndACallThatNeverStreamedClearsNothing() {
		RedisQuotaStore store = this.redis.create(NOTES, () -> this.now);
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(NOTES, store)) {
			String notes = notesKey(store);
			StringRedisTemplate redis = new StringRedisTemplate(TestRedis.shared().connectionFactory());
			QuotaLease stream = acquire(engine);
			QuotaLease plain = acquire(engine);
			assertThat(stream.charge(100)).isTrue();
			// A note under the plain call's id (never written by a live store) shows
			// whether its settle touches the notes: it leaves them alone, sparing the
			// command.
			redis.opsForHash().put(notes, plain.id(), "7");
			stream.settle(TokenUsage.of(0, 120));
			plain.settle(TokenUsage.of(0, 10));
			assertThat(redis.opsForHash().hasKey(notes, stream.id())).isFalse();
			assertThat(redis.opsForHash().hasKey(notes, plain.id())).isTrue();
		}
	}

	// The hash of the pool's streams' output notes ("c" beside its state hash "s").
	private static String notesKey(RedisQuotaStore store) {
		String state = store.keys("notes").get(0);
		return state.substring(0, state.length() - 1) + "c";
	}

	private static QuotaLease acquire(DefaultQuotaEngine engine) {
		return engine.acquire(QuotaRequest.builder("model")
			.priority(Priority.CRITICAL)
			.maxOutputTokens(100)
			.maxWait(Duration.ZERO)
			.build());
	}

}
