package io.github.llmquota.redis;

import java.io.IOException;
import java.time.Duration;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisNoScriptException;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the Lettuce executor translates what a call threw: Lettuce's own exceptions reach
 * it untranslated, because it bypasses Spring Data Redis's connection to get a deadline.
 */
class LettuceScriptExecutorTests {

	private final LettuceScriptExecutor executor = new LettuceScriptExecutor(
			new LettuceConnectionFactory(new RedisStandaloneConfiguration()), RedisQuotaStore.SCRIPT_LOCATION,
			Duration.ofSeconds(1));

	@Test
	void missingScriptIsKeptAsItIsSoThatTheCallFallsBackToEval() {
		RedisNoScriptException noScript = new RedisNoScriptException("NOSCRIPT No matching script");
		assertThat(this.executor.failure(noScript)).isSameAs(noScript);
	}

	@Test
	void lostConnectionFailsAsAConnectionFailure() {
		RedisConnectionException lost = new RedisConnectionException("Connection closed");
		assertThat(this.executor.failure(lost)).isInstanceOf(RedisConnectionFailureException.class)
			.hasMessage("Connection closed")
			.hasCause(lost);
	}

	@Test
	void anyOtherFailureFailsAsARedisSystemException() {
		IOException other = new IOException("disk on fire");
		assertThat(this.executor.failure(other)).isExactlyInstanceOf(RedisSystemException.class)
			.hasMessage("disk on fire")
			.hasCause(other);
	}

}
