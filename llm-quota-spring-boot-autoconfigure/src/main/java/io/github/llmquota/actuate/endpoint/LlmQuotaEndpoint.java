package io.github.llmquota.actuate.endpoint;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.actuate.alert.DimensionUtilisation;
import io.github.llmquota.actuate.alert.PoolCheck;
import io.github.llmquota.actuate.alert.PoolUtilisation;
import io.github.llmquota.actuate.alert.QuotaStatus;
import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.failover.Degradation;
import io.github.llmquota.failover.FailoverQuotaStore;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.dao.DataAccessException;
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
 * time. A pool that a provider rate limit stopped has status {@code COOLDOWN} until its
 * {@code cooldownUntil}, whatever its utilisation; a pool whose provider quota is used up has
 * status {@code EXHAUSTED} until its {@code exhaustedUntil}, with the provider's
 * {@code exhaustedReason}, and rejects every request fleet-wide until then.
 * <p>
 * While the shared state cannot be read the endpoint still answers, marking each pool and
 * the whole reading {@code degraded} with the fail mode, since when and why, and showing
 * per pool the {@code view} it can offer instead: with the {@code local} fail mode the local
 * limiter's view (its share of the limits, and this JVM's traffic only); with {@code open}
 * and {@code closed}, where nothing limits locally, no figures at all ({@code view} is
 * {@code none}), rather than the last shared state, which would be stale without saying
 * so.
 */
@Endpoint(id = "llmquota")
public class LlmQuotaEndpoint {

	private static final Log logger = LogFactory.getLog(LlmQuotaEndpoint.class);

	private static final String SHARED_VIEW = "shared";

	private static final String LOCAL_VIEW = "local";

	private static final String NO_VIEW = "none";

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
	 * @return the pools, by name, and whether the shared state could not be read
	 */
	@ReadOperation
	public PoolsDescriptor pools() {
		Map<String, PoolDescriptor> pools = new LinkedHashMap<>();
		this.settings.pools()
			.values()
			.stream()
			.sorted(Comparator.comparing(PoolSpec::name))
			.forEach((pool) -> pools.put(pool.name(), describe(pool)));
		DegradedDescriptor degraded = pools.values()
			.stream()
			.map(PoolDescriptor::degraded)
			.filter(Objects::nonNull)
			.findFirst()
			.orElse(null);
		return new PoolsDescriptor(pools, degraded);
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
		Instant now = this.clock.instant();
		try {
			return describe(pool, this.store.snapshot(pool), now, SHARED_VIEW, null);
		}
		catch (DataAccessException ex) {
			// The fail mode decides requests meanwhile; show what it decides with, not a 500.
			FailoverQuotaStore failover = (this.store instanceof FailoverQuotaStore failoverStore) ? failoverStore : null;
			Degradation degradation = (failover != null) ? failover.getDegradation() : null;
			DegradedDescriptor degraded = (degradation != null) ? DegradedDescriptor.of(degradation)
					: new DegradedDescriptor(null, null, ex.getMessage());
			FailoverQuotaStore.LocalView local = (failover != null) ? failover.getLocalView(pool) : null;
			if (local != null) {
				return describe(local.limits(), local.snapshot(), now, LOCAL_VIEW, degraded);
			}
			return withoutView(pool, now, degraded);
		}
	}

	private PoolDescriptor describe(PoolSpec pool, PoolSnapshot snapshot, Instant now, String view,
			@Nullable DegradedDescriptor degraded) {
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
		if (snapshot.exhaustedMillis() > 0) {
			poolStatus = QuotaStatus.EXHAUSTED;
		}
		else if (snapshot.cooldownMillis() > 0) {
			poolStatus = QuotaStatus.COOLDOWN;
		}
		Map<String, Long> queued = new LinkedHashMap<>();
		for (PriorityClass priorityClass : this.settings.classes()) {
			queued.put(priorityClass.name(), snapshot.queued()[priorityClass.rank()]);
		}
		Map<String, ModelDescriptor> models = new LinkedHashMap<>();
		for (int i = 0; i < pool.models().size(); i++) {
			String model = pool.models().get(i);
			models.put(model, model(model, until(now, snapshot.modelCooldownMillis()[i])));
		}
		return new PoolDescriptor(providerName(pool), poolStatus, dimensions, queued, snapshot.inFlight(),
				round(snapshot.multiplier(), 4), until(now, snapshot.cooldownMillis()),
				until(now, snapshot.exhaustedMillis()), (snapshot.exhaustedMillis() > 0) ? snapshot.exhaustedReason() : null,
				shedding(pool), models, thresholds(), now.toString(), view, degraded);
	}

	private PoolDescriptor withoutView(PoolSpec pool, Instant now, DegradedDescriptor degraded) {
		Map<String, ModelDescriptor> models = new LinkedHashMap<>();
		pool.models().forEach((model) -> models.put(model, model(model, null)));
		return new PoolDescriptor(providerName(pool), null, Map.of(), Map.of(), null, null, null, null, null,
				shedding(pool), models, thresholds(), now.toString(), NO_VIEW, degraded);
	}

	private ModelDescriptor model(String model, @Nullable String cooldownUntil) {
		Double correction = (this.estimator != null) ? this.estimator.getCorrectionRatio(model) : null;
		return new ModelDescriptor(cooldownUntil, correction, contributedState(model));
	}

	private boolean shedding(PoolSpec pool) {
		PoolCheck check = (this.monitor != null) ? this.monitor.getLastCheck(pool.name()) : null;
		return check != null && check.shedding();
	}

	private ThresholdsDescriptor thresholds() {
		return new ThresholdsDescriptor(this.thresholds.warn(), this.thresholds.critical());
	}

	private static String providerName(PoolSpec pool) {
		return pool.provider().name().toLowerCase(Locale.ROOT).replace('_', '-');
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
	 * @param degraded why and since when the shared state could not be read, or
	 * {@code null} when every pool's could
	 */
	public record PoolsDescriptor(Map<String, PoolDescriptor> pools,
			@Nullable DegradedDescriptor degraded) implements OperationResponseBody {
	}

	/**
	 * Why the shared state of the pools could not be read, and what decides requests
	 * meanwhile.
	 *
	 * @param failMode the fail mode that decides requests ({@code local}, {@code open} or
	 * {@code closed}), or {@code null} when the store has none
	 * @param since when a call to the shared store first failed, an ISO-8601 instant, or
	 * {@code null} when unknown
	 * @param cause what failed
	 */
	public record DegradedDescriptor(@Nullable String failMode, @Nullable String since, @Nullable String cause) {

		static DegradedDescriptor of(Degradation degradation) {
			return new DegradedDescriptor(degradation.failMode().name().toLowerCase(Locale.ROOT),
					degradation.since().toString(), degradation.cause());
		}

	}

	/**
	 * One pool.
	 *
	 * @param provider the provider, as configured ({@code anthropic}, {@code openai}, ...)
	 * @param status {@code EXHAUSTED} while the pool is marked exhausted, {@code COOLDOWN}
	 * while it cools down, otherwise the worst status of its dimensions; {@code null} when
	 * {@code view} is {@code none}
	 * @param dimensions the limited dimensions, by name ({@code requests-per-minute},
	 * {@code concurrency}, ...)
	 * @param queued the requests waiting across the fleet, by priority class, highest first
	 * @param inFlight the calls in flight across the fleet, or {@code null} when {@code view}
	 * is {@code none}
	 * @param multiplier the adaptive multiplier provider 429s cut, in (0, 1], or {@code null}
	 * when {@code view} is {@code none}
	 * @param cooldownUntil until when the pool cools down after a provider 429, an ISO-8601
	 * instant, or {@code null}
	 * @param exhaustedUntil until when the pool is marked exhausted fleet-wide after the
	 * provider said its quota is used up, an ISO-8601 instant, or {@code null}
	 * @param exhaustedReason while the pool is exhausted, the provider's explanation, or
	 * {@code null}
	 * @param shedding whether this JVM sheds the pool's lowest priority class because it is
	 * CRITICAL
	 * @param models the pool's models, by name
	 * @param thresholds the utilisation from which a dimension is at WARN and at CRITICAL
	 * @param readAt when the state was read, an ISO-8601 instant
	 * @param view whose state the figures are: {@code shared} (the fleet's, in Redis),
	 * {@code local} (the local limiter's while Redis cannot be read: this JVM's share of the
	 * limits and its traffic only), or {@code none} (no figures: nothing limits locally in
	 * the {@code open} and {@code closed} fail modes, so dimensions and queues are empty)
	 * @param degraded why and since when the shared state could not be read, or
	 * {@code null} when {@code view} is {@code shared}
	 */
	public record PoolDescriptor(String provider, @Nullable QuotaStatus status,
			Map<String, DimensionDescriptor> dimensions, Map<String, Long> queued, @Nullable Long inFlight,
			@Nullable Double multiplier, @Nullable String cooldownUntil, @Nullable String exhaustedUntil,
			@Nullable String exhaustedReason, boolean shedding,
			Map<String, ModelDescriptor> models, ThresholdsDescriptor thresholds, String readAt, String view,
			@Nullable DegradedDescriptor degraded) implements OperationResponseBody {
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
