package io.github.llmquota.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisScriptingCommands;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Runs the quota script over Jedis, whose calls block their thread until the reply or the
 * client's read timeout. To give each call the deadline of
 * {@code llm.quota.redis.timeout} anyway, the call runs on a thread of this executor and
 * the caller waits for it no longer than the deadline.
 * <p>
 * What a stall costs, and why it is safe:
 * <ul>
 * <li>A call that misses its deadline keeps its thread and its pooled connection until
 * its own reply arrives or the client's read timeout ({@code spring.data.redis.timeout})
 * breaks the connection. So a stalled Redis holds at most one thread and one connection
 * per thread of this executor (the pool's {@code max-active}) for at most the read
 * timeout and the connect timeout; the application's own Redis calls may wait on the pool
 * as long. Keep {@code spring.data.redis.timeout} short for that reason.</li>
 * <li>A reply is always read by the call that sent its command, on the connection it was
 * sent on: a connection returns to the pool only after its reply was read, or broken (and
 * then destroyed) by Jedis after a read timeout or I/O error. A late reply can therefore
 * never be taken for another call's.</li>
 * <li>Every connection is returned, on every path, by closing it in the call itself.</li>
 * <li>No thread waits for ever: a call that was still queued when its caller gave up is
 * removed and never runs, and a running call ends within the client's timeouts, which
 * must therefore be finite. A pool of one connection could never serve a call while the
 * grant subscription holds it, so at least two are required.</li>
 * </ul>
 * Threads are started on demand, are daemons, and end after a minute without calls, or as
 * soon as their calls are done once the store stops.
 */
final class JedisScriptExecutor extends ScriptExecutor {

	// Threads for a factory whose connections are not pooled, or pooled without a limit.
	private static final int UNBOUNDED_POOL_THREADS = 8;

	private static final Duration IDLE_THREAD_KEEP_ALIVE = Duration.ofMinutes(1);

	private final JedisConnectionFactory connectionFactory;

	private final int threads;

	private volatile ThreadPoolExecutor calls;

	JedisScriptExecutor(JedisConnectionFactory connectionFactory, String location, Duration timeout) {
		super(location, timeout);
		this.connectionFactory = connectionFactory;
		this.threads = threads(connectionFactory);
		this.calls = newCalls();
	}

	private ThreadPoolExecutor newCalls() {
		CustomizableThreadFactory threadFactory = new CustomizableThreadFactory("llm-quota-jedis-");
		threadFactory.setDaemon(true);
		ThreadPoolExecutor calls = new ThreadPoolExecutor(this.threads, this.threads, IDLE_THREAD_KEEP_ALIVE.toMillis(),
				TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), threadFactory);
		calls.allowCoreThreadTimeOut(true);
		return calls;
	}

	// A call after stop (a lease settled late) gets a pool of its own again.
	private ThreadPoolExecutor calls() {
		ThreadPoolExecutor calls = this.calls;
		if (!calls.isShutdown()) {
			return calls;
		}
		synchronized (this) {
			if (this.calls.isShutdown()) {
				this.calls = newCalls();
			}
			return this.calls;
		}
	}

	private static int threads(JedisConnectionFactory connectionFactory) {
		JedisClientConfiguration client = connectionFactory.getClientConfiguration();
		requireFinite(client.getReadTimeout(), "read timeout", "spring.data.redis.timeout");
		requireFinite(client.getConnectTimeout(), "connect timeout", "spring.data.redis.connect-timeout");
		if (!connectionFactory.getUsePool() && !connectionFactory.isRedisClusterAware()) {
			return UNBOUNDED_POOL_THREADS;
		}
		GenericObjectPoolConfig<?> pool = connectionFactory.getPoolConfig();
		int maxTotal = (pool != null) ? pool.getMaxTotal() : GenericObjectPoolConfig.DEFAULT_MAX_TOTAL;
		if (maxTotal < 0) {
			return UNBOUNDED_POOL_THREADS;
		}
		if (maxTotal < 2) {
			throw new IllegalStateException("llm-quota cannot run its Redis calls on a Jedis pool of " + maxTotal
					+ " connection(s): its grant subscription holds one connection for as long as it runs, so "
					+ "every script call would wait for ever; set spring.data.redis.jedis.pool.max-active "
					+ "(the pool's maxTotal) to 2 or more");
		}
		return maxTotal;
	}

	private static void requireFinite(Duration timeout, String name, String property) {
		if (timeout.isZero() || timeout.isNegative()) {
			throw new IllegalStateException("llm-quota cannot bound its Redis calls on Jedis without a " + name + " ("
					+ timeout + " means none): a call to a stalled Redis would hold its thread and pooled "
					+ "connection for ever; set " + property + " to a positive duration");
		}
	}

	@Override
	Object execute(List<String> keys, List<String> args) {
		List<String> keysAndArgs = new ArrayList<>(keys.size() + args.size());
		keysAndArgs.addAll(keys);
		keysAndArgs.addAll(args);
		byte[][] params = bytes(keysAndArgs);
		FutureTask<Object> call = new FutureTask<>(() -> call(keys.size(), params));
		try {
			calls().execute(call);
		}
		catch (RejectedExecutionException ex) {
			// The store stopped between picking the pool and handing it the call.
			calls().execute(call);
		}
		return decode(await(call));
	}

	// Closing the connection here, and only here, is what returns it to the pool after
	// its own reply (or destroys it, when Jedis marked it broken).
	private Object call(int keyCount, byte[][] params) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			RedisScriptingCommands scripting = connection.scriptingCommands();
			try {
				return scripting.evalSha(this.sha1, ReturnType.MULTI, keyCount, params);
			}
			catch (DataAccessException ex) {
				if (!isNoScript(ex)) {
					throw ex;
				}
				return scripting.eval(this.script, ReturnType.MULTI, keyCount, params);
			}
		}
	}

	private static boolean isNoScript(Throwable ex) {
		for (Throwable current = ex; current != null; current = current.getCause()) {
			if (current instanceof JedisNoScriptException) {
				return true;
			}
		}
		return false;
	}

	@Override
	void abandon(Future<?> future) {
		future.cancel(false);
		this.calls.remove((Runnable) future);
	}

	@Override
	void stop() {
		// Calls under way finish; idle threads end now rather than a minute after the
		// context has closed.
		this.calls.shutdown();
	}

	@Override
	RuntimeException failure(Throwable cause) {
		// Spring Data Redis has already translated what Jedis threw.
		if (cause instanceof RuntimeException translated) {
			return translated;
		}
		return new RedisSystemException(String.valueOf(cause.getMessage()), cause);
	}

}
