package io.github.llmquota.web;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.QuotaEngine;

/**
 * Pool states read through the engine and reused for a short while, so that a burst of
 * rejections costs one read of the shared state per pool, not one per response.
 * Thread-safe; two threads may read the same pool at once, which only costs a read.
 */
class RecentPoolStates {

	private static final Log logger = LogFactory.getLog(RecentPoolStates.class);

	private final QuotaEngine engine;

	private final long maxAgeNanos;

	private final Map<String, Reading> readings = new ConcurrentHashMap<>();

	RecentPoolStates(QuotaEngine engine, Duration maxAge) {
		this.engine = engine;
		this.maxAgeNanos = maxAge.toNanos();
	}

	/**
	 * Return a pool's state, read at most the max age ago.
	 * @param pool the pool
	 * @return the state, or empty when it cannot be read: a response goes out without it
	 */
	Optional<PoolState> get(String pool) {
		long now = System.nanoTime();
		Reading reading = this.readings.get(pool);
		if (reading != null && now - reading.readAt() < this.maxAgeNanos) {
			return Optional.of(reading.state());
		}
		try {
			PoolState state = this.engine.state(pool);
			this.readings.put(pool, new Reading(now, state));
			return Optional.of(state);
		}
		catch (RuntimeException ex) {
			// Unknown pool or unreachable store: the response loses only its RateLimit
			// fields, and an outage must not log once per rejected request.
			logger.debug("Cannot read the state of pool '" + pool + "' for the RateLimit fields", ex);
			return Optional.empty();
		}
	}

	private record Reading(long readAt, PoolState state) {
	}

}
