package io.github.llmquota.actuate.endpoint;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.actuate.DimensionUtilisation;
import io.github.llmquota.actuate.PoolCheck;
import io.github.llmquota.actuate.PoolUtilisation;
import io.github.llmquota.actuate.QuotaStatus;
import io.github.llmquota.actuate.QuotaThresholdMonitor;
import io.github.llmquota.actuate.QuotaThresholds;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.estimate.CalibratingTokenEstimator;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.lang.Nullable;

/**
 * {@link Endpoint @Endpoint} that shows the fleet-wide state of every quota pool: per
 * dimension the provider limit, the effective limit, what the fleet used in the trailing
 * minute, the utilisation and its status, and the last hour's trend; the waiting requests
 * per priority class, the calls in flight, cooldowns, the adaptive multiplier, and per
 * model whatever {@link ModelStateContributor}s add (such as circuit breakers).
 * <p>
 * Each read makes one read-only store call per pool shown, so the figures are current.
 * {@code status} here is the utilisation's level against the thresholds; the health
 * indicator and threshold events apply hysteresis on top, so near a threshold they may
 * still show the status that was last entered. Instants are this JVM's clock plus the
 * remaining cooldown the store reported, since the in-memory store does not keep epoch
 * time.
 */
@Endpoint(id = "llmquota")
public class LlmQuotaEndpoint {

	private static final Log logger = LogFactory.getLog(LlmQuotaEndpoint.class);

	private final QuotaSettings settings;

	private final QuotaStore store;

	private final QuotaThresholds thresholds;

	private final List<ModelStateContributor> contributors;

	private final CalibratingTokenEstimator estimator;

	private final QuotaThresholdMonitor monitor;

	private final Clock clock;

	/**
	 * Create an endpoint.
	 * @param settings the pools to show
	 * @param store the store that holds their shared state
	 * @param thresholds the thresholds that set each dimension's status
	 * @param contributors what adds extra per-model state, in order
	 * @param estimator the estimator whose per-model correction ratios to show, or
	 * {@code null}
	 * @param monitor the monitor that knows which pools this JVM sheds, or {@code null}
	 */
	public LlmQuotaEndpoint(QuotaSettings settings, QuotaStore store, QuotaThresholds thresholds,
			List<ModelStateContributor> contributors, @Nullable CalibratingTokenEstimator estimator,
			@Nullable QuotaThresholdMonitor monitor) {
		this(settings, store, thresholds, contributors, estimator, monitor, Clock.systemUTC());
	}

	LlmQuotaEndpoint(QuotaSettings settings, QuotaStore store, QuotaThresholds thresholds,
			List<ModelStateContributor> contributors, @Nullable CalibratingTokenEstimator estimator,
			@Nullable QuotaThresholdMonitor monitor, Clock clock) {
		this.settings = settings;
		this.store = store;
		this.thresholds = thresholds;
		this.contributors = List.copyOf(contributors);
		this.estimator = estimator;
		this.monitor = monitor;
		this.clock = clock;
	}

	/**
	 * Describe every pool.
	 * @return the pools, by name
	 */
	@ReadOperation
	public PoolsDescriptor pools() {
		Map<String, PoolDescriptor> pools = new LinkedHashMap<>();
		this.settings.pools()
			.values()
			.stream()
			.sorted(Comparator.comparing(PoolSpec::name))
			.forEach((pool) -> pools.put(pool.name(), describe(pool)));
		return new PoolsDescriptor(pools);
	}

	/**
	 * Describe one pool.
	 * @param pool the pool name
	 * @return the pool, or {@code null} (404 over HTTP) when no pool has that name
	 */
	@ReadOperation
	@Nullable
	public PoolDescriptor pool(@Selector String pool) {
		PoolSpec spec = this.settings.pools().get(pool);
		return (spec != null) ? describe(spec) : null;
	}

	private PoolDescriptor describe(PoolSpec pool) {
		PoolSnapshot snapshot = this.store.snapshot(pool);
		Instant now = this.clock.instant();
		PoolUtilisation utilisation = PoolUtilisation.of(pool, snapshot);
		QuotaStatus poolStatus = QuotaStatus.OK;
		Map<String, DimensionDescriptor> dimensions = new LinkedHashMap<>();
		for (DimensionUtilisation row : utilisation.dimensions()) {
			QuotaStatus status = this.thresholds.statusOf(row.utilisation());
			poolStatus = poolStatus.worse(status);
			dimensions.put(row.name(),
					new DimensionDescriptor(row.limit(), round(row.effectiveLimit(), 2), round(row.usedLastMinute(), 2),
							round(row.utilisation(), 4), status, round(row.available(), 2),
							row.trend().stream().map((value) -> round(value, 4)).toList()));
		}
		Map<String, Long> queued = new LinkedHashMap<>();
		for (PriorityClass priorityClass : this.settings.classes()) {
			queued.put(priorityClass.name(), snapshot.queued()[priorityClass.rank()]);
		}
		Map<String, ModelDescriptor> models = new LinkedHashMap<>();
		for (int i = 0; i < pool.models().size(); i++) {
			String model = pool.models().get(i);
			Double correction = (this.estimator != null) ? this.estimator.getCorrectionRatio(model) : null;
			models.put(model, new ModelDescriptor(until(now, snapshot.modelCooldownMillis()[i]), correction,
					contributedState(model)));
		}
		PoolCheck check = (this.monitor != null) ? this.monitor.getLastCheck(pool.name()) : null;
		String provider = pool.provider().name().toLowerCase(Locale.ROOT).replace('_', '-');
		return new PoolDescriptor(provider, poolStatus, dimensions, queued, snapshot.inFlight(),
				round(snapshot.multiplier(), 4), until(now, snapshot.cooldownMillis()),
				check != null && check.shedding(), models, new ThresholdsDescriptor(this.thresholds.warn(),
						this.thresholds.critical()),
				now.toString());
	}

	private Map<String, Object> contributedState(String model) {
		Map<String, Object> state = new LinkedHashMap<>();
		for (ModelStateContributor contributor : this.contributors) {
			try {
				contributor.contribute(model).forEach(state::putIfAbsent);
			}
			catch (RuntimeException ex) {
				// One broken contributor must not hide the quota state the endpoint exists for.
				logger.debug("llm-quota model state contributor " + contributor + " failed for '" + model + "'", ex);
			}
		}
		return state;
	}

	@Nullable
	private static String until(Instant now, long remainingMillis) {
		return (remainingMillis > 0) ? now.plusMillis(remainingMillis).toString() : null;
	}

	private static double round(double value, int decimals) {
		double scale = Math.pow(10, decimals);
		return Math.round(value * scale) / scale;
	}

	/**
	 * Every pool.
	 *
	 * @param pools the pools by name
	 */
	public record PoolsDescriptor(Map<String, PoolDescriptor> pools) implements OperationResponseBody {
	}

	/**
	 * One pool.
	 *
	 * @param provider the provider, as configured ({@code anthropic}, {@code openai}, ...)
	 * @param status the worst status of the pool's dimensions
	 * @param dimensions the limited dimensions, by name ({@code requests-per-minute},
	 * {@code concurrency}, ...)
	 * @param queued the requests waiting across the fleet, by priority class, highest first
	 * @param inFlight the calls in flight across the fleet
	 * @param multiplier the adaptive multiplier provider 429s cut, in (0, 1]
	 * @param cooldownUntil until when the pool cools down after a provider 429, an ISO-8601
	 * instant, or {@code null}
	 * @param shedding whether this JVM sheds the pool's lowest priority class because it is
	 * CRITICAL
	 * @param models the pool's models, by name
	 * @param thresholds the utilisation from which a dimension is at WARN and at CRITICAL
	 * @param readAt when the state was read, an ISO-8601 instant
	 */
	public record PoolDescriptor(String provider, QuotaStatus status, Map<String, DimensionDescriptor> dimensions,
			Map<String, Long> queued, long inFlight, double multiplier, @Nullable String cooldownUntil,
			boolean shedding, Map<String, ModelDescriptor> models, ThresholdsDescriptor thresholds,
			String readAt) implements OperationResponseBody {
	}

	/**
	 * The configured alert thresholds, as shares of the provider limit.
	 *
	 * @param warn from which utilisation a dimension is at WARN
	 * @param critical from which utilisation a dimension is at CRITICAL
	 */
	public record ThresholdsDescriptor(double warn, double critical) {
	}

	/**
	 * One dimension of a pool. See {@link DimensionUtilisation} for the exact meaning of
	 * each figure.
	 *
	 * @param limit the provider limit per window of the dimension
	 * @param effectiveLimit the limit less the safety margin, times the multiplier
	 * @param usedLastMinute the units the fleet consumed in the trailing minute (concurrency:
	 * calls in flight)
	 * @param utilisation {@code usedLastMinute} as a share of the provider's per-minute limit
	 * @param status the utilisation's status against the thresholds
	 * @param available the units a request could take now
	 * @param trend the utilisation of each minute of the last hour, oldest first
	 */
	public record DimensionDescriptor(long limit, double effectiveLimit, double usedLastMinute, double utilisation,
			QuotaStatus status, double available, List<Double> trend) {
	}

	/**
	 * One model of a pool.
	 *
	 * @param cooldownUntil until when the model cools down after overload errors, an ISO-8601
	 * instant, or {@code null}
	 * @param inputTokenCorrection the ratio the calibrating token estimator applies to the
	 * model's input token estimates, or {@code null} when no such estimator is configured
	 * @param state what {@link ModelStateContributor}s report, such as a circuit breaker
	 * state
	 */
	public record ModelDescriptor(@Nullable String cooldownUntil, @Nullable Double inputTokenCorrection,
			Map<String, Object> state) {
	}

}
