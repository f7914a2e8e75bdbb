package io.github.llmquota.redis;

import io.github.llmquota.test.TestRedisClient;

/**
 * The store contract and the Lua script's own tests, on Jedis instead of Lettuce.
 */
class RedisQuotaStoreOnJedisTests extends RedisQuotaStoreTests {

	@Override
	TestRedisClient client() {
		return TestRedisClient.JEDIS;
	}

}
