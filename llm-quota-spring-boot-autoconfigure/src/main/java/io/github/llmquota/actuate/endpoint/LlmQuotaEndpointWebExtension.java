package io.github.llmquota.actuate.endpoint;

import java.security.Principal;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;
import org.springframework.lang.Nullable;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.QuotaStateUnavailableException;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.live.LiveChanges;

/**
 * Write operations on the {@link LlmQuotaEndpoint llmquota endpoint} that change a pool
 * or a scope at runtime for the whole fleet: {@code POST /actuator/llmquota/{pool}}
 * changes limits, pauses or resumes a priority class, pins or unpins the adaptive
 * multiplier and switches shadow mode; {@code DELETE /actuator/llmquota/{pool}} reverts
 * the pool to its configuration. The same operations take a scope's name in place of a
 * pool's (no scope is named like a pool): a scope takes limits only, which apply to every
 * pool under it; a scope limit above its parent's is refused, one below a child's is
 * allowed (the scope then binds the child). Present only where
 * {@code llm.quota.rollout.live-changes-enabled} is set; Actuator's exposure, access and
 * security rules apply as to any write operation. A bad value is refused with a 400 that
 * names the field in its {@code error}, and nothing is stored. A web extension, as Boot's
 * {@code HealthEndpointWebExtension}: the answers are HTTP responses, so over JMX the
 * endpoint stays read-only.
 */
@EndpointWebExtension(endpoint = LlmQuotaEndpoint.class)
public class LlmQuotaEndpointWebExtension {

	private final LiveChanges changes;

	/**
	 * Create the extension.
	 * @param changes what changes the pools
	 */
	public LlmQuotaEndpointWebExtension(LiveChanges changes) {
		this.changes = changes;
	}

	/**
	 * Change a pool for the whole fleet, from each JVM's next decision on. Every argument
	 * is optional; what is left out stays as it is. Actuator passes a write operation's
	 * JSON body as flat values, so one call changes one limit.
	 * @param pool the pool or scope name
	 * @param dimension the dimension whose limit to change ({@code requests-per-minute},
	 * ..., {@code concurrency}); one the pool or scope limits
	 * @param limit the provider limit per window to apply instead of the configured one,
	 * a whole number of at least 1
	 * @param pause a priority class whose arrivals to reject with {@code PAUSED}
	 * @param resume a paused priority class to admit again
	 * @param pinMultiplier a value in (0, 1] to pin the adaptive multiplier to
	 * @param unpinMultiplier {@code true} to let the multiplier adapt again
	 * @param shadow {@code true} to run every class of the pool in shadow mode,
	 * {@code false} to enforce every class
	 * @param principal who asks, where Spring Security authenticated them
	 * @return the pool's live settings now, a 400 whose {@code error} names the field of
	 * a bad value, or a 503 whose {@code error} names the cause while Redis cannot be
	 * reached (nothing is changed then)
	 */
	@WriteOperation
	public WebEndpointResponse<Object> change(@Selector String pool, @Nullable String dimension, @Nullable String limit,
			@Nullable String pause, @Nullable String resume, @Nullable String pinMultiplier,
			@Nullable Boolean unpinMultiplier, @Nullable Boolean shadow, @Nullable Principal principal) {
		Map<Dimension, Long> newLimit;
		Double pin;
		try {
			newLimit = limit(dimension, limit);
			pin = (pinMultiplier != null) ? number("multiplier", pinMultiplier) : null;
		}
		catch (IllegalArgumentException ex) {
			return badRequest(ex);
		}
		return apply(pool, principal, (current) -> {
			Map<Dimension, Long> limits = new EnumMap<>(Dimension.class);
			limits.putAll(current.limits());
			limits.putAll(newLimit);
			Set<String> paused = new TreeSet<>(current.pausedClasses());
			if (pause != null) {
				paused.add(pause);
			}
			if (resume != null) {
				paused.remove(resume);
			}
			Double multiplier = Boolean.TRUE.equals(unpinMultiplier) ? null
					: (pin != null) ? pin : current.multiplier();
			return new LiveSettings(limits, paused, multiplier, (shadow != null) ? shadow : current.shadow());
		});
	}

	/**
	 * Revert a pool or a scope to its configuration for the whole fleet.
	 * @param pool the pool or scope name
	 * @param principal who asks, where Spring Security authenticated them
	 * @return the live settings now (none), a 400 when no pool or scope has that name, or
	 * a 503 while Redis cannot be reached
	 */
	@DeleteOperation
	public WebEndpointResponse<Object> revert(@Selector String pool, @Nullable Principal principal) {
		return apply(pool, principal, (current) -> LiveSettings.NONE);
	}

	private WebEndpointResponse<Object> apply(String pool, @Nullable Principal principal,
			UnaryOperator<LiveSettings> change) {
		try {
			LiveSettings live = this.changes.change(pool, change, (principal != null) ? principal.getName() : null);
			return new WebEndpointResponse<>(LlmQuotaEndpoint.LiveDescriptor.of(live, null));
		}
		catch (IllegalArgumentException ex) {
			return badRequest(ex);
		}
		catch (QuotaStateUnavailableException ex) {
			// Nothing changed anywhere: the fleet keeps the settings it had.
			return new WebEndpointResponse<>(Map.of("error", (this.changes.isScope(pool) ? "scope '" : "pool '") + pool
					+ "' was not changed: " + ex.getMessage()), WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
		}
	}

	// The reason travels in the body: Boot's error page leaves messages out by default.
	private static WebEndpointResponse<Object> badRequest(IllegalArgumentException ex) {
		return new WebEndpointResponse<>(Map.of("error", ex.getMessage()), WebEndpointResponse.STATUS_BAD_REQUEST);
	}

	private static Map<Dimension, Long> limit(@Nullable String name, @Nullable String limit) {
		if (name == null && limit == null) {
			return Map.of();
		}
		if (name == null || limit == null) {
			throw new IllegalArgumentException(((name == null) ? "dimension" : "limit") + ": required with "
					+ ((name == null) ? "limit" : "dimension"));
		}
		String field = "limits." + name;
		Dimension dimension = Arrays.stream(Dimension.values())
			.filter((candidate) -> DimensionState.nameOf(candidate).equals(name.toLowerCase(Locale.ROOT)))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException(field + ": unknown dimension (dimensions: "
					+ Arrays.stream(Dimension.values()).map(DimensionState::nameOf).toList() + ")"));
		double value = number(field, limit);
		if (value != Math.rint(value)) {
			throw new IllegalArgumentException(field + ": must be a whole number, was " + limit);
		}
		return Map.of(dimension, (long) value);
	}

	private static double number(String field, String value) {
		try {
			return Double.parseDouble(value);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(field + ": must be a number, was '" + value + "'");
		}
	}

}
