package io.github.llmquota.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

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
	 * would exceed the same limit of the nearest scope above the pool that has one (as
	 * the given pool's chain has it: pass the chain with the scopes' live limits)
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
			long above = limitOf(scope, dimension);
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
		Long concurrency = this.limits.get(Dimension.CONCURRENCY);
		return new PoolSpec(pool.name(), pool.provider(), applyTo(pool.rates()),
				(concurrency != null) ? concurrency.intValue() : pool.maxConcurrency(), pool.models(),
				pool.userLimits(), pool.tenants(), pool.tenantLimits(), pool.scopes());
	}

	/**
	 * Return a scope with these limits in place of the configured ones, scaled as a
	 * pool's are ({@link #applyTo(PoolSpec)}).
	 * @param scope the scope as configured
	 * @return the scope as decided on, the same instance when no limit changes
	 */
	public ScopeSpec applyTo(ScopeSpec scope) {
		if (this.limits.isEmpty()) {
			return scope;
		}
		Long concurrency = this.limits.get(Dimension.CONCURRENCY);
		return new ScopeSpec(scope.name(), applyTo(scope.rates()),
				(concurrency != null) ? concurrency.intValue() : scope.maxConcurrency());
	}

	/**
	 * Return a pool whose scope chain has each scope's live settings applied
	 * ({@link #applyTo(ScopeSpec)}); its own limits stay as given.
	 * @param pool the pool
	 * @param scopeLive the live settings of a scope, by name
	 * @return the pool, the same instance when no scope of its chain changes
	 */
	public static PoolSpec withLiveScopes(PoolSpec pool, Function<String, LiveSettings> scopeLive) {
		List<ScopeSpec> chain = pool.scopeChain()
			.stream()
			.map((scope) -> scopeLive.apply(scope.name()).applyTo(scope))
			.toList();
		if (chain.equals(pool.scopeChain())) {
			return pool;
		}
		return new PoolSpec(pool.name(), pool.provider(), pool.rates(), pool.maxConcurrency(), pool.models(),
				pool.userLimits(), pool.tenants(), pool.tenantLimits(), chain);
	}

	private List<RateLimit> applyTo(List<RateLimit> configured) {
		List<RateLimit> rates = new ArrayList<>(configured.size());
		for (RateLimit rate : configured) {
			Long limit = this.limits.get(rate.dimension());
			double scale = (limit != null) ? (double) limit / rate.limit() : 1;
			rates.add((limit != null)
					? new RateLimit(rate.dimension(), limit, rate.capacity() * scale, rate.ratePerMilli() * scale)
					: rate);
		}
		return rates;
	}

	/**
	 * Check these settings against a scope, before anything is stored. A scope has limits
	 * only: classes, the multiplier and shadow mode belong to its pools. A scope's limit
	 * may go below a child's (a pool's or a scope's, configured or live): the scope then
	 * binds them all, which is what an operator lowering an organisation in an incident
	 * wants; it may not go above the same limit of the nearest scope above it that has
	 * one, where it could never be used.
	 * @param chain the scope and the scopes above it, nearest first, with the limits in
	 * force now (live over configured)
	 * @throws IllegalArgumentException naming the field ({@code limits.<dimension>},
	 * {@code pausedClasses}, {@code multiplier}, {@code shadow}) when a value is out of
	 * range, names a dimension the scope does not limit, or exceeds its parent's
	 */
	public void validateScope(List<ScopeSpec> chain) {
		ScopeSpec scope = chain.get(0);
		if (!this.pausedClasses.isEmpty()) {
			throw new IllegalArgumentException(
					"pausedClasses: scope '" + scope.name() + "' has no classes of its own; pause them on its pools");
		}
		if (this.multiplier != null) {
			throw new IllegalArgumentException(
					"multiplier: scope '" + scope.name() + "' has no multiplier of its own; pin it on its pools");
		}
		if (this.shadow != null) {
			throw new IllegalArgumentException(
					"shadow: scope '" + scope.name() + "' has no shadow mode of its own; switch it on its pools");
		}
		this.limits.forEach((dimension, limit) -> {
			String field = "limits." + DimensionState.nameOf(dimension);
			if (limitOf(scope, dimension) == 0) {
				throw new IllegalArgumentException(
						field + ": scope '" + scope.name() + "' does not limit this dimension");
			}
			if (limit == null || limit < 1) {
				throw new IllegalArgumentException(field + ": must be at least 1, was " + limit);
			}
			for (ScopeSpec above : chain.subList(1, chain.size())) {
				long parent = limitOf(above, dimension);
				if (parent > 0) {
					if (limit > parent) {
						throw new IllegalArgumentException(field + ": " + limit + " exceeds the limit of scope '"
								+ above.name() + "' above scope '" + scope.name() + "' (" + parent + ")");
					}
					return;
				}
			}
		});
	}

	// A scope's limit of a dimension, 0 where it has none.
	private static long limitOf(ScopeSpec scope, Dimension dimension) {
		if (dimension == Dimension.CONCURRENCY) {
			return scope.maxConcurrency();
		}
		int index = scope.indexOf(dimension);
		return (index >= 0) ? scope.rates().get(index).limit() : 0;
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
