package io.github.llmquota.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.script.DigestUtils;

/**
 * Runs the quota script with EVALSHA (falling back to EVAL once per connection that lacks it)
 * over Lettuce's asynchronous API, so that every call has a deadline of its own: a dead or
 * stalled Redis costs a caller at most the timeout, whatever the application's
 * {@code spring.data.redis.timeout} is.
 */
final class ScriptExecutor {

	static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);

	private final RedisConnectionFactory connectionFactory;

	private final byte[] script;

	private final String sha1;

	private final long timeoutMillis;

	ScriptExecutor(RedisConnectionFactory connectionFactory, String location, Duration timeout) {
		this.connectionFactory = connectionFactory;
		try {
			String text = new ClassPathResource(location).getContentAsString(StandardCharsets.UTF_8);
			this.script = text.getBytes(StandardCharsets.UTF_8);
			this.sha1 = DigestUtils.sha1DigestAsHex(text);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read " + location, ex);
		}
		this.timeoutMillis = timeout.toMillis();
	}

	Object execute(List<String> keys, List<String> args) {
		byte[][] keyBytes = bytes(keys);
		byte[][] argBytes = bytes(args);
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			@SuppressWarnings("unchecked")
			RedisClusterAsyncCommands<byte[], byte[]> commands = (RedisClusterAsyncCommands<byte[], byte[]>) connection
				.getNativeConnection();
			try {
				return decode(await(commands.evalsha(this.sha1, ScriptOutputType.MULTI, keyBytes, argBytes)));
			}
			catch (RedisNoScriptException ex) {
				return decode(await(commands.eval(this.script, ScriptOutputType.MULTI, keyBytes, argBytes)));
			}
		}
	}

	// An interrupt must not cut a call short: a settle that never reaches Redis holds its
	// slot until the lease expires, and an interrupted caller is no sign that Redis is down.
	// The call is bounded by the timeout anyway, and the interrupt is restored afterwards.
	private Object await(RedisFuture<Object> future) {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(this.timeoutMillis);
		boolean interrupted = false;
		try {
			for (;;) {
				try {
					return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
		}
		catch (TimeoutException ex) {
			future.cancel(false);
			throw new QueryTimeoutException("Redis did not answer the llm-quota script within " + this.timeoutMillis
					+ " ms", ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof RedisNoScriptException noScript) {
				throw noScript;
			}
			if (cause instanceof io.lettuce.core.RedisConnectionException) {
				throw new RedisConnectionFailureException(cause.getMessage(), cause);
			}
			throw new RedisSystemException(String.valueOf(cause.getMessage()), cause);
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private static Object decode(Object reply) {
		if (reply instanceof byte[] bytes) {
			return new String(bytes, StandardCharsets.UTF_8);
		}
		if (reply instanceof List<?> list) {
			List<Object> decoded = new ArrayList<>(list.size());
			list.forEach((item) -> decoded.add(decode(item)));
			return decoded;
		}
		return reply;
	}

	private static byte[][] bytes(List<String> values) {
		byte[][] bytes = new byte[values.size()][];
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = values.get(i).getBytes(StandardCharsets.UTF_8);
		}
		return bytes;
	}

}
