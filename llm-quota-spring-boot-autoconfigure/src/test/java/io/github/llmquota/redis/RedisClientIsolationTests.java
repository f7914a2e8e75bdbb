package io.github.llmquota.redis;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;
import io.github.llmquota.testsupport.IsolatingClassLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis store needs only the client the application uses: with the other client's
 * library missing, it still loads and decides.
 */
class RedisClientIsolationTests {

	@ParameterizedTest
	@CsvSource({ "JEDIS, io.lettuce", "LETTUCE, redis.clients" })
	void storeWorksWithOnlyTheApplicationsClientOnTheClasspath(TestRedisClient client, String hidden) throws Exception {
		ClassLoader classLoader = new IsolatingClassLoader(getClass().getPackageName(), hidden);
		QuotaSettings settings = TestSettings.pool("isolated").limit(Dimension.REQUESTS_PER_MINUTE, 100).build();
		PoolSpec pool = settings.pools().get("isolated");
		RedisConnectionFactory connectionFactory = client.connectionFactory(TestRedis.shared());
		QuotaStore store = (QuotaStore) classLoader.loadClass(RedisQuotaStore.class.getName())
			.getConstructor(RedisConnectionFactory.class, QuotaSettings.class, String.class)
			.newInstance(connectionFactory, settings, "iso-" + client);
		try {
			store.start("w1", AdmissionListener.none());

			Admission admission = store.acquire(pool, new Ticket("w1.1", "w1", 0, new long[] { 1 }, 0, "model", null));

			assertThat(admission.status()).isEqualTo(Admission.Status.GRANTED);
		}
		finally {
			store.stop();
			TestRedisClient.destroy(connectionFactory);
		}
	}

}
