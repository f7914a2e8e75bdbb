package io.github.llmquota.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.script.DigestUtils;
import org.springframework.util.ClassUtils;

/**
 * Runs the quota script with EVALSHA, falling back to EVAL when Redis lacks it, so that
 * every call has a deadline of its own: a dead or stalled Redis costs a caller at most
 * the timeout, whatever the client's own command timeout is. A call that misses its
 * deadline fails with a {@link QueryTimeoutException}, whichever client runs it, so that
 * the fail modes apply alike.
 */
abstract class ScriptExecutor {

	static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);

	private static final boolean LETTUCE_PRESENT = ClassUtils.isPresent("io.lettuce.core.RedisClient",
			ScriptExecutor.class.getClassLoader());

	private static final boolean JEDIS_PRESENT = ClassUtils.isPresent("redis.clients.jedis.Jedis",
			ScriptExecutor.class.getClassLoader());

	final byte[] script;

	final String sha1;

	final long timeoutMillis;

	ScriptExecutor(String location, Duration timeout) {
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

	/**
	 * Create the executor for a connection factory's client.
	 * @param connectionFactory the connection factory
	 * @param location the script's class path location
	 * @param timeout the deadline of each call
	 * @return the executor
	 * @throws IllegalStateException if the client is unknown or configured so that a call
	 * could outlive its deadline without end
	 */
	static ScriptExecutor create(RedisConnectionFactory connectionFactory, String location, Duration timeout) {
		// Checked by name first: instanceof on a client's factory would load a client
		// that the application may not have.
		if (LETTUCE_PRESENT && connectionFactory instanceof LettuceConnectionFactory lettuce) {
			return new LettuceScriptExecutor(lettuce, location, timeout);
		}
		if (JEDIS_PRESENT && connectionFactory instanceof JedisConnectionFactory jedis) {
			return new JedisScriptExecutor(jedis, location, timeout);
		}
		throw new IllegalStateException("llm-quota cannot bound its Redis calls by llm.quota.redis.timeout on a "
				+ connectionFactory.getClass().getName()
				+ ": use Spring Data Redis's LettuceConnectionFactory or JedisConnectionFactory, or declare a QuotaStore "
				+ "bean of your own");
	}

	/**
	 * Run the script.
	 * @param keys the keys, all under one hash tag
	 * @param args the arguments
	 * @return the reply, with bulk strings decoded as UTF-8
	 * @throws QueryTimeoutException if Redis did not answer within the timeout
	 * @throws org.springframework.dao.DataAccessException if Redis failed otherwise
	 */
	abstract Object execute(List<String> keys, List<String> args);

	/**
	 * Release what this executor started, once the calls under way are done. A later call
	 * may start it again.
	 */
	void stop() {
	}

	/**
	 * Translate the failure of a call that ended before its deadline.
	 * @param cause what the call threw
	 * @return the exception to throw
	 */
	abstract RuntimeException failure(Throwable cause);

	// An interrupt must not cut a call short: a settle that never reaches Redis holds its
	// slot until the lease expires, and an interrupted caller is no sign that Redis is
	// down. The call is bounded by the timeout anyway, and the interrupt is restored
	// afterwards.
	final <T> T await(Future<T> future) {
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
			abandon(future);
			throw new QueryTimeoutException(
					"Redis did not answer the llm-quota script within " + this.timeoutMillis + " ms", ex);
		}
		catch (ExecutionException ex) {
			throw failure(ex.getCause());
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * Give up on a call whose caller has stopped waiting.
	 * @param future the call
	 */
	void abandon(Future<?> future) {
		future.cancel(false);
	}

	static Object decode(Object reply) {
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

	static byte[][] bytes(List<String> values) {
		byte[][] bytes = new byte[values.size()][];
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = values.get(i).getBytes(StandardCharsets.UTF_8);
		}
		return bytes;
	}

}
