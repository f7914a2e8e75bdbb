package io.github.llmquota.core;

import java.time.Duration;

/**
 * What a caller asks the quota engine for before it calls a model: the model, its
 * priority class and the tokens the call may consume. Build one with
 * {@link #builder(String)}.
 *
 * @param model the configured model name (a key of {@code llm.quota.models})
 * @param priority the priority class name, or {@code null} for the default class
 * @param inputTokens the estimated prompt size in tokens, including cached tokens
 * @param maxOutputTokens the call's {@code max_tokens}, the most output it can produce
 * @param user the end user the call is made for, or {@code null}; only used for per-user
 * quotas, and never stored or tagged in raw form
 * @param maxWait how long the caller is prepared to wait for admission, or {@code null}
 * for the priority class's default
 * @param arrival the arrival of an earlier attempt of the same call, as its lease's
 * {@link QuotaLease#arrival()} reported it, so that the request waits in that original
 * arrival order within its class; {@code 0} for a new arrival
 * @param deferrable whether the call may be sent to the provider's batch API instead of
 * waiting while its pool is under pressure (see {@code io.github.llmquota.batch}); the
 * engine itself admits deferrable and other requests alike
 * @param tenant the tenant (customer, team) the call is made for, or {@code null}; where
 * the pool shares its priority classes between tenants ({@code llm.quota.tenants}), the
 * waiting capacity of a class goes to its tenants in proportion to their weights. Never
 * stored or tagged in raw form
 * @param cacheWriteTokens the part of {@code inputTokens} the call may write to the
 * provider's prompt cache (Anthropic's {@code cache_control} breakpoints), which costs
 * more than plain input: a cost budget reserves them at the cache-write price. {@code 0}
 * when the call writes no cache
 */
public record QuotaRequest(String model, String priority, long inputTokens, long maxOutputTokens, String user,
		Duration maxWait, long arrival, boolean deferrable, String tenant, long cacheWriteTokens) {

	/**
	 * Create a request, rejecting input that can never be right.
	 * @throws IllegalArgumentException if the model is blank, a token count is negative,
	 * the cache write tokens exceed the input tokens, the wait is negative or the arrival
	 * is negative
	 */
	public QuotaRequest {
		if (model == null || model.isBlank()) {
			throw new IllegalArgumentException("model must not be blank");
		}
		if (inputTokens < 0) {
			throw new IllegalArgumentException("inputTokens must not be negative, was " + inputTokens);
		}
		if (maxOutputTokens < 0) {
			throw new IllegalArgumentException("maxOutputTokens must not be negative, was " + maxOutputTokens);
		}
		if (cacheWriteTokens < 0 || cacheWriteTokens > inputTokens) {
			throw new IllegalArgumentException("cacheWriteTokens must be between 0 and inputTokens (" + inputTokens
					+ "), was " + cacheWriteTokens);
		}
		if (maxWait != null && maxWait.isNegative()) {
			throw new IllegalArgumentException("maxWait must not be negative, was " + maxWait);
		}
		if (arrival < 0) {
			throw new IllegalArgumentException("arrival must not be negative, was " + arrival);
		}
	}

	/**
	 * Create a request that writes no prompt cache.
	 * @param model the configured model name
	 * @param priority the priority class name, or {@code null} for the default class
	 * @param inputTokens the estimated prompt size in tokens, including cached tokens
	 * @param maxOutputTokens the call's {@code max_tokens}
	 * @param user the end user the call is made for, or {@code null}
	 * @param maxWait the wait budget, or {@code null} for the priority class's default
	 * @param arrival the arrival of an earlier attempt, or {@code 0}
	 * @param deferrable whether the call may be sent to the provider's batch API
	 * @param tenant the tenant the call is made for, or {@code null}
	 * @throws IllegalArgumentException if the model is blank, a token count is negative,
	 * the wait is negative or the arrival is negative
	 */
	public QuotaRequest(String model, String priority, long inputTokens, long maxOutputTokens, String user,
			Duration maxWait, long arrival, boolean deferrable, String tenant) {
		this(model, priority, inputTokens, maxOutputTokens, user, maxWait, arrival, deferrable, tenant, 0);
	}

	/**
	 * Create a request without a tenant.
	 * @param model the configured model name
	 * @param priority the priority class name, or {@code null} for the default class
	 * @param inputTokens the estimated prompt size in tokens, including cached tokens
	 * @param maxOutputTokens the call's {@code max_tokens}
	 * @param user the end user the call is made for, or {@code null}
	 * @param maxWait the wait budget, or {@code null} for the priority class's default
	 * @param arrival the arrival of an earlier attempt, or {@code 0}
	 * @param deferrable whether the call may be sent to the provider's batch API
	 * @throws IllegalArgumentException if the model is blank, a token count is negative,
	 * the wait is negative or the arrival is negative
	 */
	public QuotaRequest(String model, String priority, long inputTokens, long maxOutputTokens, String user,
			Duration maxWait, long arrival, boolean deferrable) {
		this(model, priority, inputTokens, maxOutputTokens, user, maxWait, arrival, deferrable, null);
	}

	/**
	 * Create a request that may not be deferred.
	 * @param model the configured model name
	 * @param priority the priority class name, or {@code null} for the default class
	 * @param inputTokens the estimated prompt size in tokens, including cached tokens
	 * @param maxOutputTokens the call's {@code max_tokens}
	 * @param user the end user the call is made for, or {@code null}
	 * @param maxWait the wait budget, or {@code null} for the priority class's default
	 * @param arrival the arrival of an earlier attempt, or {@code 0}
	 * @throws IllegalArgumentException if the model is blank, a token count is negative,
	 * the wait is negative or the arrival is negative
	 */
	public QuotaRequest(String model, String priority, long inputTokens, long maxOutputTokens, String user,
			Duration maxWait, long arrival) {
		this(model, priority, inputTokens, maxOutputTokens, user, maxWait, arrival, false);
	}

	/**
	 * Create a request for a new arrival.
	 * @param model the configured model name
	 * @param priority the priority class name, or {@code null} for the default class
	 * @param inputTokens the estimated prompt size in tokens, including cached tokens
	 * @param maxOutputTokens the call's {@code max_tokens}
	 * @param user the end user the call is made for, or {@code null}
	 * @param maxWait the wait budget, or {@code null} for the priority class's default
	 * @throws IllegalArgumentException if the model is blank, a token count is negative
	 * or the wait is negative
	 */
	public QuotaRequest(String model, String priority, long inputTokens, long maxOutputTokens, String user,
			Duration maxWait) {
		this(model, priority, inputTokens, maxOutputTokens, user, maxWait, 0);
	}

	/**
	 * Start building a request for the given model.
	 * @param model the configured model name
	 * @return a builder
	 */
	public static Builder builder(String model) {
		return new Builder(model);
	}

	/**
	 * Builder for {@link QuotaRequest}. Not thread-safe.
	 */
	public static final class Builder {

		private final String model;

		private String priority;

		private long inputTokens;

		private long maxOutputTokens;

		private String user;

		private Duration maxWait;

		private long arrival;

		private boolean deferrable;

		private String tenant;

		private long cacheWriteTokens;

		private Builder(String model) {
			this.model = model;
		}

		/**
		 * Set the priority class.
		 * @param priority the class name, for example {@link Priority#INTERACTIVE}
		 * @return this builder
		 */
		public Builder priority(String priority) {
			this.priority = priority;
			return this;
		}

		/**
		 * Set the estimated prompt size.
		 * @param inputTokens prompt tokens, including cached ones
		 * @return this builder
		 */
		public Builder inputTokens(long inputTokens) {
			this.inputTokens = inputTokens;
			return this;
		}

		/**
		 * Set how many of the prompt's tokens the call may write to the provider's prompt
		 * cache: a cost budget reserves them at the model's cache-write price (higher
		 * than input at Anthropic), so that a call that writes the cache never settles
		 * above its reservation. Part of {@link #inputTokens(long)}, not on top of it.
		 * @param cacheWriteTokens the tokens, at most the input tokens (default 0)
		 * @return this builder
		 */
		public Builder cacheWriteTokens(long cacheWriteTokens) {
			this.cacheWriteTokens = cacheWriteTokens;
			return this;
		}

		/**
		 * Set the most output the call can produce.
		 * @param maxOutputTokens the call's {@code max_tokens}
		 * @return this builder
		 */
		public Builder maxOutputTokens(long maxOutputTokens) {
			this.maxOutputTokens = maxOutputTokens;
			return this;
		}

		/**
		 * Set the end user, for per-user quotas.
		 * @param user the user id
		 * @return this builder
		 */
		public Builder user(String user) {
			this.user = user;
			return this;
		}

		/**
		 * Set the tenant, for fair shares between tenants inside a priority class.
		 * @param tenant the tenant id, or {@code null} for none
		 * @return this builder
		 */
		public Builder tenant(String tenant) {
			this.tenant = tenant;
			return this;
		}

		/**
		 * Set how long the caller is prepared to wait for admission.
		 * @param maxWait the wait budget; zero means admit now or reject
		 * @return this builder
		 */
		public Builder maxWait(Duration maxWait) {
			this.maxWait = maxWait;
			return this;
		}

		/**
		 * Make the request re-enter the waiting room in the arrival order of an earlier
		 * attempt of the same call, typically one the provider answered with a 429: it
		 * then waits before every request of its class that arrived after that attempt,
		 * and, as always, after every request of a higher class. The number is opaque and
		 * only means something in the pool that issued it: pass back exactly what
		 * {@link QuotaLease#arrival()} returned for a lease of the same model. A number
		 * the pool does not know (another pool's, or one issued before the pool's shared
		 * state was lost) counts as a new arrival, never as an earlier one.
		 * @param arrival the earlier lease's {@link QuotaLease#arrival()}, or {@code 0}
		 * for a new arrival (the default)
		 * @return this builder
		 */
		public Builder arrival(long arrival) {
			this.arrival = arrival;
			return this;
		}

		/**
		 * Mark the call as deferrable: while its pool is under pressure, a
		 * {@code BatchValve} sends it to the provider's batch API (half price, results
		 * within 24 hours) instead of letting it wait.
		 * @param deferrable whether the call may be deferred (default {@code false})
		 * @return this builder
		 */
		public Builder deferrable(boolean deferrable) {
			this.deferrable = deferrable;
			return this;
		}

		/**
		 * Build the request.
		 * @return the request
		 * @throws IllegalArgumentException on invalid values
		 */
		public QuotaRequest build() {
			return new QuotaRequest(this.model, this.priority, this.inputTokens, this.maxOutputTokens, this.user,
					this.maxWait, this.arrival, this.deferrable, this.tenant, this.cacheWriteTokens);
		}

	}

}
