package io.github.llmquota.actuate.alert;

import java.util.ArrayList;
import java.util.List;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.Utilisation;

import org.springframework.lang.Nullable;

/**
 * The utilisation of every dimension of a pool, computed from one {@link PoolSnapshot}. A
 * pure computation: no store call.
 *
 * @param pool the pool
 * @param snapshot the snapshot the figures come from
 * @param dimensions one row per rate dimension, in the pool's order, then one for
 * concurrency when the pool limits it
 */
public record PoolUtilisation(PoolSpec pool, PoolSnapshot snapshot, List<DimensionUtilisation> dimensions) {

	/**
	 * Compute the utilisation of a pool from a snapshot of it.
	 * @param pool the pool
	 * @param snapshot a snapshot of the pool's shared state
	 * @return the utilisation
	 */
	public static PoolUtilisation of(PoolSpec pool, PoolSnapshot snapshot) {
		List<DimensionUtilisation> rows = new ArrayList<>();
		double multiplier = snapshot.multiplier();
		for (int i = 0; i < pool.rates().size(); i++) {
			RateLimit rate = pool.rates().get(i);
			long window = rate.dimension().getWindow().toMillis();
			// The bucket refills at the planned rate: the limit less the safety margin.
			double planned = rate.ratePerMilli() * window;
			double used = snapshot.trailingMinute()[i];
			double available = Math.max(rate.capacity() * multiplier - snapshot.used()[i], 0);
			List<Double> trend = new ArrayList<>(snapshot.lastHour().size());
			for (double[] minute : snapshot.lastHour()) {
				trend.add(Utilisation.ofRate(rate, minute[i]));
			}
			rows.add(new DimensionUtilisation(rate.dimension(), rate.limit(), planned * multiplier, used,
					Utilisation.ofRate(rate, used), available, List.copyOf(trend)));
		}
		if (pool.maxConcurrency() > 0) {
			long limit = pool.maxConcurrency();
			long inFlight = snapshot.inFlight();
			rows.add(new DimensionUtilisation(Dimension.CONCURRENCY, limit, limit, inFlight, Utilisation.ofConcurrency(inFlight, limit),
					Math.max(limit - inFlight, 0), List.of()));
		}
		return new PoolUtilisation(pool, snapshot, List.copyOf(rows));
	}

	/**
	 * Return the row of a dimension.
	 * @param dimension the dimension
	 * @return the row, or {@code null} when the pool does not limit that dimension
	 */
	@Nullable
	public DimensionUtilisation dimension(Dimension dimension) {
		for (DimensionUtilisation row : this.dimensions) {
			if (row.dimension() == dimension) {
				return row;
			}
		}
		return null;
	}

}
