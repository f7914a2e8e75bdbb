package io.github.llmquota.actuate.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.llmquota.actuate.alert.PoolCheck;
import io.github.llmquota.actuate.alert.ScopeCheck;
import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.ScopeSpec;

/**
 * Binds gauges of every pool's fleet-wide state: utilisation and available units per
 * dimension, queue depth per priority class, calls in flight, the output of the streams
 * in flight and the adaptive multiplier; and per scope its utilisation and available
 * units per dimension (tagged {@code scope}, read from the monitor's last scope check). A
 * scrape reads the pool states of the {@link QuotaThresholdMonitor monitor's} last check
 * and never reads the state itself, so the figures are at most one check interval old. A
 * gauge reads {@code NaN} until the first check and while its pool's state cannot be
 * read.
 */
public class LlmQuotaMeterBinder implements MeterBinder {

	private final QuotaSettings settings;

	private final QuotaThresholdMonitor monitor;

	/**
	 * Create a binder.
	 * @param settings the pools to bind gauges for
	 * @param monitor the monitor whose last check the gauges read
	 */
	public LlmQuotaMeterBinder(QuotaSettings settings, QuotaThresholdMonitor monitor) {
		this.settings = settings;
		this.monitor = monitor;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (PoolSpec pool : this.settings.pools().values()) {
			for (Dimension dimension : dimensions(pool.rates(), pool.maxConcurrency())) {
				String name = DimensionState.nameOf(dimension);
				dimensionGauge(registry, LlmQuotaMetricNames.UTILISATION, pool, dimension, name,
						DimensionState::utilisation,
						"Fleet usage over the trailing minute as a share of the " + "provider's per-minute limit");
				dimensionGauge(registry, LlmQuotaMetricNames.AVAILABLE, pool, dimension, name,
						DimensionState::available, "Units a request could take now");
			}
			for (PriorityClass priorityClass : this.settings.classes()) {
				Gauge
					.builder(LlmQuotaMetricNames.QUEUE_DEPTH, this.monitor,
							(monitor) -> stateValue(monitor, pool, (state) -> state.queued().get(priorityClass.name())))
					.description("Requests waiting across the fleet")
					.tags(LlmQuotaMetricNames.TAG_POOL, pool.name(), LlmQuotaMetricNames.TAG_PRIORITY,
							priorityClass.name())
					.strongReference(true)
					.register(registry);
			}
			Gauge
				.builder(LlmQuotaMetricNames.IN_FLIGHT, this.monitor,
						(monitor) -> stateValue(monitor, pool, PoolState::inFlight))
				.description("Calls in flight across the fleet")
				.tags(LlmQuotaMetricNames.TAG_POOL, pool.name())
				.strongReference(true)
				.register(registry);
			Gauge
				.builder(LlmQuotaMetricNames.STREAM_OUTPUT, this.monitor,
						(monitor) -> stateValue(monitor, pool, PoolState::streamOutput))
				.description("Output tokens of the streams in flight so far, across the fleet")
				.tags(LlmQuotaMetricNames.TAG_POOL, pool.name())
				.strongReference(true)
				.baseUnit("tokens")
				.register(registry);
			Gauge
				.builder(LlmQuotaMetricNames.MULTIPLIER, this.monitor,
						(monitor) -> stateValue(monitor, pool, PoolState::multiplier))
				.description("Adaptive multiplier that provider rate-limit errors cut")
				.tags(LlmQuotaMetricNames.TAG_POOL, pool.name())
				.strongReference(true)
				.register(registry);
		}
		bindScopes(registry);
	}

	private void bindScopes(MeterRegistry registry) {
		for (ScopeSpec scope : this.settings.scopes().values()) {
			for (Dimension dimension : dimensions(scope.rates(), scope.maxConcurrency())) {
				scopeGauge(registry, LlmQuotaMetricNames.SCOPE_UTILISATION, scope.name(), dimension,
						DimensionState::utilisation, "Scope's bucket level as a share of the bucket");
				scopeGauge(registry, LlmQuotaMetricNames.SCOPE_AVAILABLE, scope.name(), dimension,
						DimensionState::available, "Units a request could take now in the scope");
			}
		}
	}

	private void scopeGauge(MeterRegistry registry, String name, String scope, Dimension dimension,
			ToDoubleFunction<DimensionState> value, String description) {
		Gauge.builder(name, this.monitor, (monitor) -> {
			ScopeCheck check = monitor.getLastScopeCheck().get(scope);
			DimensionState row = (check != null && check.state() != null) ? check.state().dimension(dimension) : null;
			return (row != null) ? value.applyAsDouble(row) : Double.NaN;
		})
			.description(description)
			.tags(LlmQuotaMetricNames.TAG_SCOPE, scope, LlmQuotaMetricNames.TAG_DIMENSION,
					DimensionState.nameOf(dimension))
			.strongReference(true)
			.register(registry);
	}

	private void dimensionGauge(MeterRegistry registry, String name, PoolSpec pool, Dimension dimension,
			String dimensionName, ToDoubleFunction<DimensionState> value, String description) {
		Gauge.builder(name, this.monitor, (monitor) -> {
			PoolState state = state(monitor, pool);
			DimensionState row = (state != null) ? state.dimension(dimension) : null;
			return (row != null) ? value.applyAsDouble(row) : Double.NaN;
		})
			.description(description)
			.tags(LlmQuotaMetricNames.TAG_POOL, pool.name(), LlmQuotaMetricNames.TAG_DIMENSION, dimensionName)
			.strongReference(true)
			.register(registry);
	}

	private static double stateValue(QuotaThresholdMonitor monitor, PoolSpec pool, ToDoubleFunction<PoolState> value) {
		PoolState state = state(monitor, pool);
		return (state != null) ? value.applyAsDouble(state) : Double.NaN;
	}

	private static PoolState state(QuotaThresholdMonitor monitor, PoolSpec pool) {
		PoolCheck check = monitor.getLastCheck(pool.name());
		return (check != null) ? check.state() : null;
	}

	private static List<Dimension> dimensions(List<RateLimit> rates, int maxConcurrency) {
		List<Dimension> dimensions = new ArrayList<>();
		rates.forEach((rate) -> dimensions.add(rate.dimension()));
		if (maxConcurrency > 0) {
			dimensions.add(Dimension.CONCURRENCY);
		}
		return dimensions;
	}

}
