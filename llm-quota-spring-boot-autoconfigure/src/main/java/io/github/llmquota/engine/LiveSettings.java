package io.github.llmquota.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionState;

import org.springframework.lang.Nullable;

/**
 * What operators changed about a pool at runtime, over its configuration: provider
 * limits, paused priority classes, a pinned adaptive multiplier and shadow mode. The
 * store keeps them for the whole fleet
 * ({@link QuotaStore#changeLive(PoolSpec, LiveSettings)}) and applies them from the next
 * decision; {@link #NONE} is the configuration itself. Immutable.
 *
 * @param limits provider limits per window that replace the configured ones, by dimension
 * ({@link Dimension#CONCURRENCY} replaces {@code max-concurrency})
 * @param pausedClasses the priority classes whose arrivals are rejected with
 * {@code PAUSED}; requests already waiting are still served
 * @param multiplier the adaptive multiplier pinned to this value, in (0, 1], which
 * provider 429s then neither cut nor recover; {@code null} when adaptive
 * @param shadow {@code true} to run every class of the pool in shadow mode, {@code false}
 * to enforce every class, {@code null} for the configured shadow mode
 */
public record LiveSettings(Map<Dimension, Long> limits, Set<String> pausedClasses, @Nullable Double multiplier,
		@Nullable Boolean shadow) {

	/** No change: the pool as configured. */
	public static final LiveSettings NONE = new LiveSettings(Map.of(), Set.of(), null, null);

	/**
	 * Create live settings; {@code null} collections read as empty.
	 * @param limits provider limits that replace the configured ones
	 * @param pausedClasses the paused classes
	 * @param multiplier the pinned multiplier, or {@code null}
	 * @param shadow the shadow mode, or {@code null} for the configured one
	 */
	public LiveSettings {
		// Sorted, so that equal settings write equal JSON and give equal config digests.
		Map<Dimension, Long> sortedLimits = new EnumMap<>(Dimension.class);
		if (limits != null) {
			sortedLimits.putAll(limits);
		}
		limits = Collections.unmodifiableMap(sortedLimits);
		pausedClasses = Collections.unmodifiableSet(new TreeSet<>((pausedClasses != null) ? pausedClasses : Set.of()));
	}

	/**
	 * Whether nothing is changed.
	 * @return whether these are the configured settings
	 */
	public boolean changesNothing() {
		return this.limits.isEmpty() && this.pausedClasses.isEmpty() && this.multiplier == null && this.shadow == null;
	}

	/**
	 * Check these settings against a pool and the priority classes, before anything is
	 * stored.
	 * @param pool the pool as configured
	 * @param classes the priority classes
	 * @throws IllegalArgumentException naming the field ({@code limits.<dimension>},
	 * {@code pausedClasses}, {@code multiplier}) when a value is out of range or names a
	 * dimension the pool does not limit or a class that does not exist, or when a limit
	 * would exceed the same limit of the nearest scope above the pool that has one
	 */
	public void validate(PoolSpec pool, List<PriorityClass> classes) {
		this.limits.forEach((dimension, limit) -> {
			String field = "limits." + DimensionState.nameOf(dimension);
			boolean configured = (dimension == Dimension.CONCURRENCY) ? pool.maxConcurrency() > 0
					: pool.indexOf(dimension) >= 0;
			if (!configured) {
				throw new IllegalArgumentException(
						field + ": pool '" + pool.name() + "' does not limit this dimension");
			}
			if (limit == null || limit < 1) {
				throw new IllegalArgumentException(field + ": must be at least 1, was " + limit);
			}
			requireWithinScopes(pool, dimension, limit, field);
		});
		List<String> names = classes.stream().map(PriorityClass::name).toList();
		for (String name : this.pausedClasses) {
			if (!names.contains(name)) {
				throw new IllegalArgumentException(
						"pausedClasses: unknown class '" + name + "' (classes: " + names + ")");
			}
		}
		if (this.multiplier != null && !(this.multiplier > 0 && this.multiplier <= 1)) {
			throw new IllegalArgumentException("multiplier: must be in (0, 1], was " + this.multiplier);
		}
	}

	// A pool's limit above its nearest scope's limit of the same dimension could never be
	// used: refused, as at startup.
	private static void requireWithinScopes(PoolSpec pool, Dimension dimension, long limit, String field) {
		for (ScopeSpec scope : pool.scopeChain()) {
			long above;
			if (dimension == Dimension.CONCURRENCY) {
				above = scope.maxConcurrency();
			}
			else {
				int index = scope.indexOf(dimension);
				above = (index >= 0) ? scope.rates().get(index).limit() : 0;
			}
			if (above > 0) {
				if (limit > above) {
					throw new IllegalArgumentException(field + ": " + limit + " exceeds the limit of scope '"
							+ scope.name() + "' above pool '" + pool.name() + "' (" + above + ")");
				}
				return;
			}
		}
	}

	/**
	 * Return the pool with these limits in place of the configured ones. A changed rate
	 * limit keeps the configured safety margin and burst horizon: its bucket and refill
	 * scale with the limit.
	 * @param pool the pool as configured
	 * @return the pool as decided on, the same instance when no limit changes
	 */
	public PoolSpec applyTo(PoolSpec pool) {
		if (this.limits.isEmpty()) {
			return pool;
		}
		List<RateLimit> rates = new ArrayList<>(pool.rates().size());
		for (RateLimit rate : pool.rates()) {
			Long limit = this.limits.get(rate.dimension());
			double scale = (limit != null) ? (double) limit / rate.limit() : 1;
			rates.add((limit != null)
					? new RateLimit(rate.dimension(), limit, rate.capacity() * scale, rate.ratePerMilli() * scale)
					: rate);
		}
		Long concurrency = this.limits.get(Dimension.CONCURRENCY);
		return new PoolSpec(pool.name(), pool.provider(), rates,
				(concurrency != null) ? concurrency.intValue() : pool.maxConcurrency(), pool.models(),
				pool.userLimits(), pool.tenants(), pool.tenantLimits(), pool.scopes());
	}

	/**
	 * Return, per class rank, whether the class is paused.
	 * @param classes the priority classes
	 * @return the paused flags, or {@code null} when no class is paused
	 */
	@Nullable
	public boolean[] paused(List<PriorityClass> classes) {
		if (this.pausedClasses.isEmpty()) {
			return null;
		}
		boolean[] paused = new boolean[classes.size()];
		for (PriorityClass priorityClass : classes) {
			paused[priorityClass.rank()] = this.pausedClasses.contains(priorityClass.name());
		}
		return paused;
	}

	/**
	 * Return, per class rank, whether the pool's requests of that class run in shadow
	 * mode: as these settings switch the pool, else as configured.
	 * @param pool the pool
	 * @param settings the settings, with the configured shadow mode
	 * @return the shadow flags, or {@code null} when every class is enforced
	 */
	@Nullable
	public boolean[] shadowed(PoolSpec pool, QuotaSettings settings) {
		if (Boolean.FALSE.equals(this.shadow)) {
			return null;
		}
		List<PriorityClass> classes = settings.classes();
		boolean[] shadowed = new boolean[classes.size()];
		boolean any = false;
		for (PriorityClass priorityClass : classes) {
			shadowed[priorityClass.rank()] = Boolean.TRUE.equals(this.shadow)
					|| settings.shadowMode().covers(pool.name(), priorityClass.name());
			any |= shadowed[priorityClass.rank()];
		}
		return any ? shadowed : null;
	}

}
