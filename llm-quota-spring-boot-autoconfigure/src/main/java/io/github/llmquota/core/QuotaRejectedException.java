package io.github.llmquota.core;

import java.time.Duration;

/**
 * Thrown when the quota engine does not admit a request. Nothing is held when it is
 * thrown: no capacity was consumed and no ticket is left waiting.
 */
public class QuotaRejectedException extends RuntimeException {

	private final String pool;

	private final RejectionReason reason;

	private final Duration retryAfter;

	private final GateLimit gateLimit;

	/**
	 * Create a rejection.
	 * @param pool the pool that rejected the request
	 * @param reason why it was rejected
	 * @param retryAfter the earliest time a retry could succeed, or {@code null} when no
	 * retry can succeed (for example {@link RejectionReason#CANNOT_FIT})
	 * @param message a message for the caller
	 */
	public QuotaRejectedException(String pool, RejectionReason reason, Duration retryAfter, String message) {
		this(pool, reason, retryAfter, message, null);
	}

	/**
	 * Create a rejection by a request's own gate.
	 * @param pool the pool that rejected the request
	 * @param reason why it was rejected
	 * @param retryAfter the earliest time a retry could succeed, or {@code null} when no
	 * retry can succeed
	 * @param message a message for the caller
	 * @param gateLimit the limit of the gate that refused it
	 * ({@link RejectionReason#USER_LIMIT}, {@link RejectionReason#TENANT_LIMIT}), or
	 * {@code null}
	 */
	public QuotaRejectedException(String pool, RejectionReason reason, Duration retryAfter, String message,
			GateLimit gateLimit) {
		super(message);
		this.pool = pool;
		this.reason = reason;
		this.retryAfter = retryAfter;
		this.gateLimit = gateLimit;
	}

	/**
	 * Return the pool that rejected the request.
	 * @return the pool name
	 */
	public String getPool() {
		return this.pool;
	}

	/**
	 * Return why the request was rejected.
	 * @return the reason
	 */
	public RejectionReason getReason() {
		return this.reason;
	}

	/**
	 * Return how long to wait before a retry could be admitted. It is a lower bound
	 * derived from the pool's state at the time of the rejection.
	 * @return the delay, or {@code null} when a retry can never succeed
	 */
	public Duration getRetryAfter() {
		return this.retryAfter;
	}

	/**
	 * Return the limit of the request's own gate that refused it, for a
	 * {@link RejectionReason#USER_LIMIT} or {@link RejectionReason#TENANT_LIMIT}.
	 * @return the binding limit, or {@code null} when no gate refused the request or its
	 * store does not say
	 */
	public GateLimit getGateLimit() {
		return this.gateLimit;
	}

	/**
	 * Whether retrying later can succeed.
	 * @return {@code false} for requests that can never be admitted
	 */
	public boolean isRetryable() {
		return this.retryAfter != null;
	}

}
