package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;

import io.github.llmquota.core.GateLimit;

/**
 * What a request costs its user's own buckets, where per-user limits are configured, or
 * its tenant's, where per-tenant limits are: a gate the request passes at arrival.
 *
 * @param keyHash a hash of the user or tenant id; raw user input never shapes a Redis key
 * @param limits the user's or tenant's rate limits
 * @param cost the charge per limit, in the order of {@code limits}
 */
public record UserCharge(String keyHash, List<RateLimit> limits, long[] cost) {

	/**
	 * Return one limit of the gate as it refused a request.
	 * @param index the index of the binding limit in {@link #limits()}
	 * @param remaining what a request could take of it now, rounded down
	 * @param fullInMillis how long until its bucket is full again
	 * @return the binding limit
	 */
	public GateLimit bindingLimit(int index, long remaining, long fullInMillis) {
		RateLimit rate = this.limits.get(index);
		return new GateLimit(rate.dimension(), rate.limit(), remaining, Duration.ofMillis(fullInMillis));
	}

}
