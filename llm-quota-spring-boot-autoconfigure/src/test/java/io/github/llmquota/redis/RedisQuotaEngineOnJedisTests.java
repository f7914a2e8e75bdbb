package io.github.llmquota.redis;

import io.github.llmquota.test.TestRedisClient;

/**
 * The engine over Redis, on Jedis instead of Lettuce: grants over Jedis pub/sub, calls
 * through its pool.
 */
class RedisQuotaEngineOnJedisTests extends RedisQuotaEngineTests {

	@Override
	TestRedisClient client() {
		return TestRedisClient.JEDIS;
	}

}
