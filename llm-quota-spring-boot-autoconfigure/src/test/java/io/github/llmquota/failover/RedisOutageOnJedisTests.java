package io.github.llmquota.failover;

import io.github.llmquota.test.TestRedisClient;

/**
 * Redis killed under a running engine, on Jedis: every fail mode applies as it does on
 * Lettuce.
 */
class RedisOutageOnJedisTests extends RedisOutageTests {

	@Override
	TestRedisClient client() {
		return TestRedisClient.JEDIS;
	}

}
