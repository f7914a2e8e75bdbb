package io.github.llmquota.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.ScopeState;

/**
 * Turns a store's {@link PoolSnapshot} into the {@link PoolState} the engine's read side
 * returns: the one place that knows the snapshot's layout and the meaning of its figures.
 * A pure computation: no store call.
 */
final class PoolStates {

	private PoolStates() {
	}

	/**
	 * Compute a pool's state from a snapshot of it.
	 * @param pool the pool whose limits apply (for the local limiter, its share of them)
	 * @param snapshot a snapshot of the pool's state
	 * @param classes the priority classes, highest first
	 * @return the state
	 */
	static PoolState of(PoolSpec pool, PoolSnapshot snapshot, List<PriorityClass> classes) {
		List<DimensionState> dimensions = new ArrayList<>();
		double multiplier = snapshot.multiplier();
		for (int i = 0; i < pool.rates().size(); i++) {
			RateLimit rate = pool.rates().get(i);
			// The bucket refills at the planned rate: the limit less the safety margin.
			double planned = rate.ratePerMilli() * rate.dimension().getWindow().toMillis();
			double used = snapshot.trailingMinute()[i];
			double available = Math.max(rate.capacity() * multiplier - snapshot.used()[i], 0);
			List<Double> trend = new ArrayList<>(snapshot.lastHour().size());
			for (double[] minute : snapshot.lastHour()) {
				trend.add(Utilisation.ofRate(rate, minute[i]));
			}
			dimensions.add(new DimensionState(rate.dimension(), rate.limit(), rate.capacity(), planned * multiplier,
					used, Utilisation.ofRate(rate, used), available, trend));
		}
		if (pool.maxConcurrency() > 0) {
			dimensions.add(concurrency(pool.maxConcurrency(), snapshot.inFlight()));
		}
		Map<String, Long> queued = new LinkedHashMap<>();
		for (PriorityClass priorityClass : classes) {
			queued.put(priorityClass.name(), snapshot.queued()[priorityClass.rank()]);
		}
		Map<String, Duration> modelCooldowns = new LinkedHashMap<>();
		long[] modelCooldownMillis = snapshot.modelCooldownMillis();
		for (int i = 0; i < pool.models().size(); i++) {
			// A store that predates a model added to the pool knows no cooldown of it.
			long millis = (modelCooldownMillis != null && i < modelCooldownMillis.length) ? modelCooldownMillis[i] : 0;
			modelCooldowns.put(pool.models().get(i), remaining(millis));
		}
		Duration exhausted = remaining(snapshot.exhaustedMillis());
		Duration headEta = (snapshot.headDelayMillis() >= 0) ? Duration.ofMillis(snapshot.headDelayMillis()) : null;
		return new PoolState(pool.name(), pool.provider(), dimensions, queued, snapshot.inFlight(),
				pool.maxConcurrency(), multiplier, remaining(snapshot.cooldownMillis()), modelCooldowns, exhausted,
				(snapshot.exhaustedMillis() > 0) ? snapshot.exhaustedReason() : null, headEta, snapshot.streamOutput(),
				scopes(pool, snapshot));
	}

	// Each scope of the chain with the level the same call read; a scope the store did
	// not report (a store without scopes) is left out rather than shown empty.
	private static List<ScopeState> scopes(PoolSpec pool, PoolSnapshot snapshot) {
		List<ScopeSpec> chain = pool.scopeChain();
		if (chain.isEmpty() || snapshot.scopes() == null) {
			return List.of();
		}
		Map<String, ScopeSnapshot> read = new HashMap<>();
		snapshot.scopes().forEach((scope) -> read.put(scope.scope(), scope));
		List<ScopeState> scopes = new ArrayList<>(chain.size());
		for (int i = 0; i < chain.size(); i++) {
			ScopeSpec scope = chain.get(i);
			ScopeSnapshot levels = read.get(scope.name());
			if (levels == null) {
				continue;
			}
			List<DimensionState> dimensions = new ArrayList<>();
			for (int k = 0; k < scope.rates().size(); k++) {
				RateLimit rate = scope.rates().get(k);
				double level = (k < levels.used().length) ? levels.used()[k] : 0;
				double planned = rate.ratePerMilli() * rate.dimension().getWindow().toMillis();
				dimensions.add(new DimensionState(rate.dimension(), rate.limit(), rate.capacity(), planned, level,
						Utilisation.ofLevel(rate, level), Math.max(rate.capacity() - level, 0), List.of()));
			}
			if (scope.maxConcurrency() > 0) {
				dimensions.add(concurrency(scope.maxConcurrency(), levels.inFlight()));
			}
			String parent = (i + 1 < chain.size()) ? chain.get(i + 1).name() : null;
			scopes.add(new ScopeState(scope.name(), parent, dimensions,
					(scope.maxConcurrency() > 0) ? levels.inFlight() : 0, scope.maxConcurrency()));
		}
		return scopes;
	}

	private static DimensionState concurrency(long limit, long inFlight) {
		return new DimensionState(Dimension.CONCURRENCY, limit, limit, limit, inFlight,
				Utilisation.ofConcurrency(inFlight, limit), Math.max(limit - inFlight, 0), List.of());
	}

	private static Duration remaining(long millis) {
		return (millis > 0) ? Duration.ofMillis(millis) : Duration.ZERO;
	}

}
