package io.github.llmquota.bench;

import java.util.List;
import java.util.Properties;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Reads how many script calls Redis served, from {@code INFO commandstats}.
 */
final class RedisStats {

	private RedisStats() {
	}

	static void reset(RedisConnectionFactory factory) {
		try (RedisConnection connection = factory.getConnection()) {
			connection.serverCommands().resetConfigStats();
		}
	}

	static long scriptCalls(RedisConnectionFactory factory) {
		try (RedisConnection connection = factory.getConnection()) {
			Properties stats = connection.serverCommands().info("commandstats");
			return List.of("cmdstat_evalsha", "cmdstat_eval")
				.stream()
				.map(stats::getProperty)
				.filter((value) -> value != null)
				.mapToLong((value) -> Long.parseLong(value.replaceAll("^calls=(\\d+),.*$", "$1")))
				.sum();
		}
	}

}
