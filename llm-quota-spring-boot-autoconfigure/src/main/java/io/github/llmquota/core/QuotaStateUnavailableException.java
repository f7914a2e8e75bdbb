package io.github.llmquota.core;

import java.time.Instant;

/**
 * Thrown by {@link QuotaEngine#state(String)} when the shared state of a pool cannot be
 * read, for example while Redis is unreachable. Requests are meanwhile decided by the
 * fail mode, if one is configured; this exception tells which, and what it decides with.
 */
public class QuotaStateUnavailableException extends RuntimeException {

	private final String pool;

	private final String failMode;

	private final Instant since;

	private final String reason;

	private final PoolState localState;

	/**
	 * Create an exception.
	 * @param pool the pool whose state could not be read
	 * @param failMode the fail mode that decides requests meanwhile ({@code local},
	 * {@code open} or {@code closed}), or {@code null} when nothing is known of one
	 * @param since when reading the shared state first failed, or {@code null} when
	 * unknown
	 * @param reason what failed
	 * @param localState the local limiter's state of the pool, or {@code null} when no
	 * local limiter decides
	 * @param cause the store's exception; its message becomes this exception's
	 */
	public QuotaStateUnavailableException(String pool, String failMode, Instant since, String reason,
			PoolState localState, Throwable cause) {
		super(cause.getMessage(), cause);
		this.pool = pool;
		this.failMode = failMode;
		this.since = since;
		this.reason = reason;
		this.localState = localState;
	}

	/**
	 * Return the pool whose state could not be read.
	 * @return the pool
	 */
	public String getPool() {
		return this.pool;
	}

	/**
	 * Return the fail mode that decides requests while the shared state cannot be read.
	 * @return {@code local}, {@code open} or {@code closed}, or {@code null} when nothing
	 * is known of one
	 */
	public String getFailMode() {
		return this.failMode;
	}

	/**
	 * Return since when the shared state cannot be read: from the first failed call until
	 * one succeeds again.
	 * @return the instant, or {@code null} when unknown
	 */
	public Instant getSince() {
		return this.since;
	}

	/**
	 * Return what failed, as the fail mode recorded it when it took over.
	 * @return the reason
	 */
	public String getReason() {
		return this.reason;
	}

	/**
	 * Return what the local limiter of the {@code local} fail mode decides the pool's
	 * requests with: this JVM's share of the pool's limits, and a state that counts only
	 * this JVM's requests.
	 * @return the local state, or {@code null} when no local limiter decides (the
	 * {@code open} and {@code closed} fail modes, or none)
	 */
	public PoolState getLocalState() {
		return this.localState;
	}

}
