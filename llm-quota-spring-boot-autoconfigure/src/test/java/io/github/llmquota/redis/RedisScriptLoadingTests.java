package io.github.llmquota.redis;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The script runs by its digest (EVALSHA) and is sent in full (EVAL) only when Redis does
 * not have it, as after a restart or a {@code SCRIPT FLUSH}, on every client.
 */
class RedisScriptLoadingTests {

	private final TestRedis redis = TestRedis.startNew();

	private RedisConnectionFactory connectionFactory;

	private RedisQuotaStore store;

	@AfterEach
	void stop() {
		if (this.store != null) {
			this.store.stop();
		}
		if (this.connectionFactory != null) {
			TestRedisClient.destroy(this.connectionFactory);
		}
		this.redis.stop();
	}

	@ParameterizedTest
	@EnumSource(TestRedisClient.class)
	void scriptMissingFromRedisIsSentOnceAndThenRunByItsDigest(TestRedisClient client) {
		this.connectionFactory = client.connectionFactory(this.redis);
		QuotaSettings settings = TestSettings.pool("loading").limit(Dimension.REQUESTS_PER_MINUTE, 100).build();
		PoolSpec pool = settings.pools().get("loading");
		this.store = new RedisQuotaStore(this.connectionFactory, settings, "s");
		this.store.start("w1", AdmissionListener.none());

		assertThat(acquire(pool, 1).status()).isEqualTo(Admission.Status.GRANTED);
		this.redis.command("SCRIPT", "FLUSH");
		for (int i = 2; i <= 5; i++) {
			assertThat(acquire(pool, i).status()).isEqualTo(Admission.Status.GRANTED);
		}

		// Sent in full on the first call to a fresh server and once after the flush;
		// every other call went by digest.
		assertThat(calls("eval")).isEqualTo(2);
		assertThat(calls("evalsha")).isGreaterThanOrEqualTo(5);
	}

	private Admission acquire(PoolSpec pool, int n) {
		return this.store.acquire(pool, new Ticket("w1." + n, "w1", 0, new long[] { 1 }, 0, "model", null));
	}

	private long calls(String command) {
		Matcher matcher = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)")
			.matcher(this.redis.command("INFO", "commandstats"));
		return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
	}

}
