package io.github.llmquota.web;

import java.util.Comparator;
import java.util.Optional;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.GateLimit;
import io.github.llmquota.core.PoolState;

/**
 * The values of the {@code RateLimit-Policy} and {@code RateLimit} response fields for
 * the binding dimension of a pool, in the structured-field syntax of
 * <a href="https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/10/">
 * draft-ietf-httpapi-ratelimit-headers-10</a> (the same as in -09): <pre class="code">
 * RateLimit-Policy: "anthropic-sonnet/input-tokens-per-minute";q=27000;qu="tokens";w=60
 * RateLimit: "anthropic-sonnet/input-tokens-per-minute";r=0;t=12
 * </pre>
 * <ul>
 * <li>the policy is named {@code <pool>/<dimension>};</li>
 * <li>{@code q} is what the engine plans to use of the dimension per window: the
 * provider's limit less the safety margin, times the adaptive multiplier; {@code w} is
 * the window in seconds (60 or 86400);</li>
 * <li>{@code qu} is left out for requests (the draft's default unit), {@code "tokens"}
 * for token dimensions (a unit the draft does not register; it registers
 * {@code requests}, {@code content-bytes} and {@code concurrent-requests}) and
 * {@code "concurrent-requests"} for concurrency, which has no window;</li>
 * <li>{@code r} is what a request could take now, rounded down; {@code t} is how long the
 * bucket takes to refill completely, in whole seconds rounded up (left out for
 * concurrency, which frees when calls end). While the pool cools down after a provider
 * rate limit, {@code r} is 0 and {@code t} the rest of the cooldown.</li>
 * </ul>
 * The binding dimension is the one with the least headroom
 * ({@link DimensionState#headroom()}), the first of them on a tie. Immutable.
 *
 * @param policy the value of the {@code RateLimit-Policy} field
 * @param rateLimit the value of the {@code RateLimit} field
 */
public record RateLimitFields(String policy, String rateLimit) {

	/** Name of the field that describes the quota policy. */
	public static final String RATE_LIMIT_POLICY = "RateLimit-Policy";

	/** Name of the field that tells what remains of the quota. */
	public static final String RATE_LIMIT = "RateLimit";

	// An sf-integer has at most 15 digits.
	private static final long MAX_INTEGER = 999_999_999_999_999L;

	/**
	 * Return the fields for the dimension of a pool that binds.
	 * @param state the pool's state
	 * @return the fields, empty for a pool that limits nothing
	 */
	public static Optional<RateLimitFields> forBindingDimension(PoolState state) {
		return binding(state).map((dimension) -> of(state, dimension));
	}

	/**
	 * Return the dimension of a pool that binds: the one with the least headroom.
	 * @param state the pool's state
	 * @return the dimension, empty for a pool that limits nothing
	 */
	public static Optional<DimensionState> binding(PoolState state) {
		return state.dimensions().stream().min(Comparator.comparingDouble(DimensionState::headroom));
	}

	/**
	 * Return the fields for one dimension of a pool.
	 * @param state the pool's state
	 * @param dimension one of its dimensions
	 * @return the fields
	 */
	public static RateLimitFields of(PoolState state, DimensionState dimension) {
		String name = string(state.pool() + "/" + dimension.name());
		long remaining = integer(dimension.available());
		if (!dimension.dimension().isRate()) {
			return new RateLimitFields(name + ";q=" + integer(dimension.limit()) + ";qu=\"concurrent-requests\"",
					name + ";r=" + remaining);
		}
		long window = dimension.dimension().getWindow().toSeconds();
		String unit = isRequests(dimension.dimension()) ? "" : ";qu=\"tokens\"";
		String policy = name + ";q=" + integer(dimension.effectiveLimit()) + unit + ";w=" + window;
		if (state.isCoolingDown()) {
			// Nothing is admitted until a provider's rate limit has passed, whatever the
			// bucket holds.
			long cooldown = integer(Math.ceil(state.cooldown().toMillis() / 1000.0));
			return new RateLimitFields(policy, name + ";r=0;t=" + cooldown);
		}
		String rateLimit = name + ";r=" + remaining;
		if (dimension.effectiveLimit() > 0) {
			// The bucket refills at the planned rate: effectiveLimit per window.
			double missing = Math.max(dimension.capacity() * state.multiplier() - dimension.available(), 0);
			rateLimit += ";t=" + integer(Math.ceil(missing * window / dimension.effectiveLimit()));
		}
		return new RateLimitFields(policy, rateLimit);
	}

	/**
	 * Return the fields for the binding limit of a request's own gate, named
	 * {@code <pool>/<gate>/<dimension>}: <pre class="code">
	 * RateLimit-Policy: "openai-gpt/tenant/tokens-per-minute";q=20000;qu="tokens";w=60
	 * RateLimit: "openai-gpt/tenant/tokens-per-minute";r=150;t=55
	 * </pre> {@code q} is the gate's limit (no safety margin applies to it), {@code r}
	 * what a request could take now and {@code t} when its bucket is full again.
	 * @param pool the pool whose gate refused the request
	 * @param gate the gate, {@code user} or {@code tenant}
	 * @param limit its binding limit
	 * @return the fields
	 */
	public static RateLimitFields ofGate(String pool, String gate, GateLimit limit) {
		String name = string(pool + "/" + gate + "/" + DimensionState.nameOf(limit.dimension()));
		String unit = isRequests(limit.dimension()) ? "" : ";qu=\"tokens\"";
		long window = limit.dimension().getWindow().toSeconds();
		long full = integer(Math.ceil(limit.fullIn().toMillis() / 1000.0));
		return new RateLimitFields(name + ";q=" + integer(limit.limit()) + unit + ";w=" + window,
				name + ";r=" + integer(limit.remaining()) + ";t=" + full);
	}

	private static boolean isRequests(Dimension dimension) {
		return dimension == Dimension.REQUESTS_PER_MINUTE || dimension == Dimension.REQUESTS_PER_DAY;
	}

	private static long integer(double value) {
		return (long) Math.min(Math.max(Math.floor(value), 0), MAX_INTEGER);
	}

	// An sf-string holds printable ASCII only, with the quote and backslash escaped.
	private static String string(String value) {
		StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
		for (char c : value.toCharArray()) {
			if (c == '"' || c == '\\') {
				quoted.append('\\').append(c);
			}
			else {
				quoted.append((c >= 0x20 && c <= 0x7E) ? c : '?');
			}
		}
		return quoted.append('"').toString();
	}

}
