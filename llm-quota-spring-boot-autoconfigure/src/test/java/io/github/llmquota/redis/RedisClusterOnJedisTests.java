package io.github.llmquota.redis;

import io.github.llmquota.test.TestRedisClient;

/**
 * The Redis Cluster tests on Jedis, whose cluster client routes each call by its key's
 * slot.
 */
class RedisClusterOnJedisTests extends RedisClusterTests {

	@Override
	TestRedisClient client() {
		return TestRedisClient.JEDIS;
	}

}
