package io.github.llmquota.actuate.endpoint;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.actuate.alert.PoolCheck;
import io.github.llmquota.actuate.alert.QuotaStatus;
import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaStateUnavailableException;
import io.github.llmquota.core.ScopeState;
import io.github.llmquota.core.TenantDemand;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.ScopeSpec;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.live.LiveChanges;
import io.github.llmquota.live.ShadowDecisions;

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
 * model whatever {@link ModelStateContributor}s add (such as circuit breakers). Under
 * {@code scopes}, each scope the pools are under: its parent, its pools, its limits and
 * bucket level per dimension with their status, its calls in flight and its live limits.
 * <p>
 * Each read asks the {@link QuotaEngine} for the state of every pool shown
 * ({@link QuotaEngine#state(String)}, one read-only store call each), so the figures are
 * current. {@code status} here is the utilisation's level against the thresholds; the
 * health indicator and threshold events apply hysteresis on top, so near a threshold they
 * may still show the status that was last entered. Instants are this JVM's clock plus the
 * remaining cooldown the store reported, since the in-memory store does not keep epoch
 * time. A pool that a provider rate limit stopped has status {@code COOLDOWN} until its
 * {@code cooldownUntil}, whatever its utilisation; a pool whose provider quota is used up
 * has status {@code EXHAUSTED} until its {@code exhaustedUntil}, with the provider's
 * {@code exhaustedReason}, and rejects every request fleet-wide until then.
 * <p>
 * While the shared state cannot be read the endpoint still answers, marking each pool and
 * the whole reading {@code degraded} with the fail mode, since when and why, and showing
 * per pool the {@code view} it can offer instead: with the {@code local} fail mode the
 * local limiter's view (its share of the limits, and this JVM's traffic only); with
 * {@code open} and {@code closed}, where nothing limits locally, no figures at all
 * ({@code view} is {@code none}), rather than the last shared state, which would be stale
 * without saying so.
 */
@Endpoint(id = "llmquota")
public class LlmQuotaEndpoint {

	private static final Log logger = LogFactory.getLog(LlmQuotaEndpoint.class);

	private static final String SHARED_VIEW = "shared";

	private static final String LOCAL_VIEW = "local";

	private static final String NO_VIEW = "none";

	private final QuotaEngine engine;

	private final QuotaSettings settings;

	private final QuotaThresholds thresholds;

	private final List<ModelStateContributor> contributors;

	private final CalibratingTokenEstimator estimator;

	private final QuotaThresholdMonitor monitor;

	private final Clock clock;

	private final LiveChanges live;

	private final ShadowDecisions shadowDecisions;

	private volatile int waitingTenantsShown = 10;

	/**
	 * Create an endpoint.
	 * @param engine the engine whose pools to show
	 * @param settings the engine's settings, for what a pool is while its state cannot be
	 * read (its provider and models)
	 * @param thresholds the thresholds that set each dimension's status
	 * @param contributors what adds extra per-model state, in order
	 * @param estimator the estimator whose per-model correction ratios to show, or
	 * {@code null}
	 * @param monitor the monitor that knows which pools this JVM sheds, or {@code null}
	 */
	public LlmQuotaEndpoint(QuotaEngine engine, QuotaSettings settings, QuotaThresholds thresholds,
			List<ModelStateContributor> contributors, @Nullable CalibratingTokenEstimator estimator,
			@Nullable QuotaThresholdMonitor monitor) {
		this(engine, settings, thresholds, contributors, estimator, monitor, null, null, Clock.systemUTC());
	}

	/**
	 * Create an endpoint that also shows each pool's live settings and what shadow mode
	 * would have decided.
	 * @param engine the engine whose pools to show
	 * @param settings the engine's settings, for what a pool is while its state cannot be
	 * read (its provider and models)
	 * @param thresholds the thresholds that set each dimension's status
	 * @param contributors what adds extra per-model state, in order
	 * @param estimator the estimator whose per-model correction ratios to show, or
	 * {@code null}
	 * @param monitor the monitor that knows which pools this JVM sheds, or {@code null}
	 * @param live where to read the pools' live settings, or {@code null}
	 * @param shadowDecisions what shadow mode would have decided, or {@code null}
	 */
	public LlmQuotaEndpoint(QuotaEngine engine, QuotaSettings settings, QuotaThresholds thresholds,
			List<ModelStateContributor> contributors, @Nullable CalibratingTokenEstimator estimator,
			@Nullable QuotaThresholdMonitor monitor, @Nullable LiveChanges live,
			@Nullable ShadowDecisions shadowDecisions) {
		this(engine, settings, thresholds, contributors, estimator, monitor, live, shadowDecisions, Clock.systemUTC());
	}

	LlmQuotaEndpoint(QuotaEngine engine, QuotaSettings settings, QuotaThresholds thresholds,
			List<ModelStateContributor> contributors, @Nullable CalibratingTokenEstimator estimator,
			@Nullable QuotaThresholdMonitor monitor, Clock clock) {
		this(engine, settings, thresholds, contributors, estimator, monitor, null, null, clock);
	}

	LlmQuotaEndpoint(QuotaEngine engine, QuotaSettings settings, QuotaThresholds thresholds,
			List<ModelStateContributor> contributors, @Nullable CalibratingTokenEstimator estimator,
			@Nullable QuotaThresholdMonitor monitor, @Nullable LiveChanges live,
			@Nullable ShadowDecisions shadowDecisions, Clock clock) {
		this.live = live;
		this.shadowDecisions = shadowDecisions;
		this.engine = engine;
		this.settings = settings;
		this.thresholds = thresholds;
		this.contributors = List.copyOf(contributors);
		this.estimator = estimator;
		this.monitor = monitor;
		this.clock = clock;
	}

	/**
	 * Set how many tenants to list per pool where the pool shares its classes between
	 * tenants: those with the most tokens waiting, then the most admitted.
	 * @param shown the most tenants to list, positive (10 unless set)
	 * @throws IllegalArgumentException if {@code shown} is not positive
	 */
	public void setWaitingTenantsShown(int shown) {
		if (shown <= 0) {
			throw new IllegalArgumentException("shown must be positive, was " + shown);
		}
		this.waitingTenantsShown = shown;
	}

	/**
	 * Describe every pool.
	 * @return the pools, by name, and whether the shared state could not be read
	 */
	@ReadOperation
	public PoolsDescriptor pools() {
		Map<String, PoolDescriptor> pools = new LinkedHashMap<>();
		Map<String, ScopeState> scopesRead = new LinkedHashMap<>();
		this.engine.pools().forEach((pool) -> pools.put(pool, describe(pool, scopesRead)));
		Map<String, ScopeDescriptor> scopes = new LinkedHashMap<>();
		this.settings.scopes()
			.keySet()
			.stream()
			.sorted()
			.forEach((scope) -> scopes.put(scope, describeScope(scope, scopesRead.get(scope))));
		DegradedDescriptor degraded = pools.values()
			.stream()
			.map(PoolDescriptor::degraded)
			.filter(Objects::nonNull)
			.findFirst()
			.orElse(null);
		return new PoolsDescriptor(pools, degraded, scopes.isEmpty() ? null : scopes);
	}

	/**
	 * Describe one pool.
	 * @param pool the pool name
	 * @return the pool, or {@code null} (404 over HTTP) when no pool has that name
	 */
	@ReadOperation
	@Nullable
	public PoolDescriptor pool(@Selector String pool) {
		return this.engine.pools().contains(pool) ? describe(pool, new LinkedHashMap<>()) : null;
	}

	// scopesRead collects the scopes the pool's state carries: a scope's level is one
	// value for all its pools, so the first pool that read it serves.
	private PoolDescriptor describe(String pool, Map<String, ScopeState> scopesRead) {
		Instant now = this.clock.instant();
		try {
			PoolState state = this.engine.state(pool);
			state.scopes().forEach((scope) -> scopesRead.putIfAbsent(scope.scope(), scope));
			return describe(state, now, SHARED_VIEW, null);
		}
		catch (QuotaStateUnavailableException ex) {
			// The fail mode decides requests meanwhile; show what it decides with, not a
			// 500.
			DegradedDescriptor degraded = DegradedDescriptor.of(ex);
			if (ex.getLocalState() != null) {
				return describe(ex.getLocalState(), now, LOCAL_VIEW, degraded);
			}
			return withoutView(this.settings.pools().get(pool), now, degraded);
		}
	}

	private PoolDescriptor describe(PoolState state, Instant now, String view, @Nullable DegradedDescriptor degraded) {
		QuotaStatus poolStatus = QuotaStatus.OK;
		Map<String, DimensionDescriptor> dimensions = new LinkedHashMap<>();
		for (DimensionState dimension : state.dimensions()) {
			QuotaStatus status = this.thresholds.statusOf(dimension.utilisation());
			poolStatus = poolStatus.worse(status);
			dimensions.put(dimension.name(),
					new DimensionDescriptor(dimension.limit(), round(dimension.effectiveLimit(), 2),
							round(dimension.used(), 2), round(dimension.utilisation(), 4), status,
							round(dimension.available(), 2),
							dimension.trend().stream().map((value) -> round(value, 4)).toList()));
		}
		if (state.isExhausted()) {
			poolStatus = QuotaStatus.EXHAUSTED;
		}
		else if (state.isCoolingDown()) {
			poolStatus = QuotaStatus.COOLDOWN;
		}
		Map<String, ModelDescriptor> models = new LinkedHashMap<>();
		state.modelCooldowns().forEach((model, cooldown) -> models.put(model, model(model, until(now, cooldown))));
		return new PoolDescriptor(providerName(state.provider()), poolStatus, dimensions, state.queued(),
				state.inFlight(), round(state.multiplier(), 4), until(now, state.cooldown()),
				until(now, state.exhausted()), state.exhaustedReason(), shedding(state.pool()), models, thresholds(),
				now.toString(), view, degraded, live(state.pool(), degraded == null), state.streamOutput(),
				waitingTenants(state.pool(), degraded == null));
	}

	private ScopeDescriptor describeScope(String scope, @Nullable ScopeState state) {
		List<ScopeSpec> chain = this.settings.scopeChain(scope);
		String parent = (chain.size() > 1) ? chain.get(1).name() : null;
		List<String> pools = this.settings.poolsUnder(scope);
		if (state == null) {
			// None of its pools could be read: no figures rather than stale ones.
			return new ScopeDescriptor(parent, pools, null, Map.of(), null, null, live(scope, false, false));
		}
		QuotaStatus scopeStatus = QuotaStatus.OK;
		Map<String, ScopeDimensionDescriptor> dimensions = new LinkedHashMap<>();
		for (DimensionState dimension : state.dimensions()) {
			QuotaStatus status = this.thresholds.statusOf(dimension.utilisation());
			scopeStatus = scopeStatus.worse(status);
			dimensions.put(dimension.name(),
					new ScopeDimensionDescriptor(dimension.limit(), round(dimension.capacity(), 2),
							round(dimension.used(), 2), round(dimension.utilisation(), 4), status,
							round(dimension.available(), 2)));
		}
		return new ScopeDescriptor(parent, pools, scopeStatus, dimensions,
				(state.maxConcurrency() > 0) ? state.inFlight() : null,
				(state.maxConcurrency() > 0) ? state.maxConcurrency() : null, live(scope, true, false));
	}

	// The tenants with the most tokens waiting, then admitted, where the pool shares its
	// classes between them; null elsewhere, and while the shared state cannot be read.
	@Nullable
	private List<TenantDemand> waitingTenants(String pool, boolean read) {
		PoolSpec spec = this.settings.pools().get(pool);
		if (!read || spec == null || spec.tenants() == null) {
			return null;
		}
		try {
			return this.engine.waitingTenants(pool, this.waitingTenantsShown);
		}
		catch (RuntimeException ex) {
			// The pool's figures were just read; the tenants are a detail of them.
			logger.debug("llm-quota could not read the waiting tenants of pool '" + pool + "'", ex);
			return null;
		}
	}

	// A pool's live settings and what shadow mode would have decided in it; null when
	// it runs as configured and nothing ran in shadow mode.
	@Nullable
	private LiveDescriptor live(String pool, boolean read) {
		return live(pool, read, true);
	}

	// A scope's live settings are its limits only, and no shadow mode runs in a scope.
	@Nullable
	private LiveDescriptor live(String pool, boolean read, boolean shadowed) {
		LiveSettings settings = LiveSettings.NONE;
		if (this.live != null && read) {
			try {
				settings = this.live.current(pool);
			}
			catch (RuntimeException ex) {
				// The pool's figures were just read; a failure now is news for the log,
				// not a reason to fail the whole reading.
				logger.debug("llm-quota could not read the live settings of pool '" + pool + "'", ex);
			}
		}
		ShadowDecisions.Summary shadow = (this.shadowDecisions != null && shadowed) ? this.shadowDecisions.summary(pool)
				: null;
		if (settings.changesNothing() && shadow == null) {
			return null;
		}
		return LiveDescriptor.of(settings, shadow);
	}

	private PoolDescriptor withoutView(PoolSpec pool, Instant now, DegradedDescriptor degraded) {
		Map<String, ModelDescriptor> models = new LinkedHashMap<>();
		pool.models().forEach((model) -> models.put(model, model(model, null)));
		return new PoolDescriptor(providerName(pool.provider()), null, Map.of(), Map.of(), null, null, null, null, null,
				shedding(pool.name()), models, thresholds(), now.toString(), NO_VIEW, degraded,
				live(pool.name(), false), null, null);
	}

	private ModelDescriptor model(String model, @Nullable String cooldownUntil) {
		Double correction = (this.estimator != null) ? this.estimator.getCorrectionRatio(model) : null;
		return new ModelDescriptor(cooldownUntil, correction, contributedState(model));
	}

	private boolean shedding(String pool) {
		PoolCheck check = (this.monitor != null) ? this.monitor.getLastCheck(pool) : null;
		return check != null && check.shedding();
	}

	private ThresholdsDescriptor thresholds() {
		return new ThresholdsDescriptor(this.thresholds.warn(), this.thresholds.critical());
	}

	private static String providerName(Provider provider) {
		return provider.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	private Map<String, Object> contributedState(String model) {
		Map<String, Object> state = new LinkedHashMap<>();
		for (ModelStateContributor contributor : this.contributors) {
			try {
				contributor.contribute(model).forEach(state::putIfAbsent);
			}
			catch (RuntimeException ex) {
				// One broken contributor must not hide the quota state the endpoint
				// exists for.
				logger.debug("llm-quota model state contributor " + contributor + " failed for '" + model + "'", ex);
			}
		}
		return state;
	}

	@Nullable
	private static String until(Instant now, Duration remaining) {
		return (remaining.compareTo(Duration.ZERO) > 0) ? now.plus(remaining).toString() : null;
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
	 * @param scopes the scopes (organisations, projects, workspaces) the pools are under,
	 * by name, or {@code null} when no pool names a scope
	 */
	public record PoolsDescriptor(Map<String, PoolDescriptor> pools, @Nullable DegradedDescriptor degraded,
			@Nullable Map<String, ScopeDescriptor> scopes) implements OperationResponseBody {

		/**
		 * Describe pools outside any scope.
		 * @param pools the pools by name
		 * @param degraded why and since when the shared state could not be read, or
		 * {@code null}
		 */
		public PoolsDescriptor(Map<String, PoolDescriptor> pools, @Nullable DegradedDescriptor degraded) {
			this(pools, degraded, null);
		}

	}

	/**
	 * One scope: an organisation, project or workspace whose limits its pools share, as
	 * the first of its pools read it in this reading (a scope's level is one value for
	 * all its pools).
	 *
	 * @param parent the scope above it, or {@code null} for the root of its tree
	 * @param pools the pools under it, directly or through its children
	 * @param status the worst status of its dimensions against the thresholds, or
	 * {@code null} when none of its pools' state could be read
	 * @param dimensions the limited dimensions, by name; empty when the state could not
	 * be read
	 * @param inFlight the calls of all its pools in flight, where it limits concurrency,
	 * else {@code null}
	 * @param maxConcurrency the most calls of all its pools in flight at once, where it
	 * limits concurrency, else {@code null}
	 * @param live the limits operators changed at runtime, or {@code null} when it runs
	 * as configured
	 */
	public record ScopeDescriptor(@Nullable String parent, List<String> pools, @Nullable QuotaStatus status,
			Map<String, ScopeDimensionDescriptor> dimensions, @Nullable Long inFlight, @Nullable Integer maxConcurrency,
			@Nullable LiveDescriptor live) {
	}

	/**
	 * One dimension of a scope. A scope keeps no usage history, so it shows its bucket:
	 * see {@link io.github.llmquota.core.ScopeState}.
	 *
	 * @param limit the provider limit per window of the dimension (concurrency: the most
	 * calls in flight)
	 * @param capacity the bucket the engine plans against, after the safety margin and
	 * burst horizon
	 * @param level the bucket's level: units its pools took that have not yet refilled
	 * (concurrency: calls in flight)
	 * @param utilisation {@code level} as a share of {@code capacity}, 1.0 being a full
	 * bucket
	 * @param status the utilisation's status against the thresholds
	 * @param available the units a request could take now
	 */
	public record ScopeDimensionDescriptor(long limit, double capacity, double level, double utilisation,
			QuotaStatus status, double available) {
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

		static DegradedDescriptor of(QuotaStateUnavailableException unavailable) {
			String since = (unavailable.getSince() != null) ? unavailable.getSince().toString() : null;
			return new DegradedDescriptor(unavailable.getFailMode(), since, unavailable.getReason());
		}

	}

	/**
	 * One pool.
	 *
	 * @param provider the provider, as configured ({@code anthropic}, {@code openai},
	 * ...)
	 * @param status {@code EXHAUSTED} while the pool is marked exhausted,
	 * {@code COOLDOWN} while it cools down, otherwise the worst status of its dimensions;
	 * {@code null} when {@code view} is {@code none}
	 * @param dimensions the limited dimensions, by name ({@code requests-per-minute},
	 * {@code concurrency}, ...)
	 * @param queued the requests waiting across the fleet, by priority class, highest
	 * first
	 * @param inFlight the calls in flight across the fleet, or {@code null} when
	 * {@code view} is {@code none}
	 * @param multiplier the adaptive multiplier provider 429s cut, in (0, 1], or
	 * {@code null} when {@code view} is {@code none}
	 * @param cooldownUntil until when the pool cools down after a provider 429, an
	 * ISO-8601 instant, or {@code null}
	 * @param exhaustedUntil until when the pool is marked exhausted fleet-wide after the
	 * provider said its quota is used up, an ISO-8601 instant, or {@code null}
	 * @param exhaustedReason while the pool is exhausted, the provider's explanation, or
	 * {@code null}
	 * @param shedding whether this JVM sheds the pool's lowest priority class because it
	 * is CRITICAL
	 * @param models the pool's models, by name
	 * @param thresholds the utilisation from which a dimension is at WARN and at CRITICAL
	 * @param readAt when the state was read, an ISO-8601 instant
	 * @param view whose state the figures are: {@code shared} (the fleet's, in Redis),
	 * {@code local} (the local limiter's while Redis cannot be read: this JVM's share of
	 * the limits and its traffic only), or {@code none} (no figures: nothing limits
	 * locally in the {@code open} and {@code closed} fail modes, so dimensions and queues
	 * are empty)
	 * @param degraded why and since when the shared state could not be read, or
	 * {@code null} when {@code view} is {@code shared}
	 * @param live what operators changed in the pool at runtime and what shadow mode
	 * would have decided, or {@code null} when the pool runs as configured and nothing
	 * ran in shadow mode
	 * @param streamOutputTokens the output tokens the streams in flight across the fleet
	 * produced so far, as their last charge reported it (it counts toward the
	 * output-token dimensions' use once beyond the streams' reservations), or
	 * {@code null} when {@code view} is {@code none}
	 * @param waitingTenants where the pool shares its classes between tenants, those with
	 * the most tokens waiting across the fleet, then those with the most tokens admitted
	 * in the last one to two minutes, each with its share of what the pool admitted
	 * (llm.quota.tenants.endpoint-limit of them), named by id where this JVM has seen
	 * them and else by the hash the shared state keeps; {@code null} elsewhere or when
	 * {@code view} is not {@code shared}
	 */
	public record PoolDescriptor(String provider, @Nullable QuotaStatus status,
			Map<String, DimensionDescriptor> dimensions, Map<String, Long> queued, @Nullable Long inFlight,
			@Nullable Double multiplier, @Nullable String cooldownUntil, @Nullable String exhaustedUntil,
			@Nullable String exhaustedReason, boolean shedding, Map<String, ModelDescriptor> models,
			ThresholdsDescriptor thresholds, String readAt, String view, @Nullable DegradedDescriptor degraded,
			@Nullable LiveDescriptor live, @Nullable Long streamOutputTokens,
			@Nullable List<TenantDemand> waitingTenants) implements OperationResponseBody {
	}

	/**
	 * A pool's live settings, as operators changed them at runtime, and what shadow mode
	 * would have decided in this JVM.
	 *
	 * @param limits provider limits that replace the configured ones, by dimension name
	 * @param pausedClasses the priority classes whose arrivals are rejected
	 * @param pinnedMultiplier the adaptive multiplier's pinned value, or {@code null}
	 * @param shadow {@code true} when every class runs in shadow mode, {@code false} when
	 * every class is enforced, {@code null} as configured
	 * @param shadowDecisions what enforcement would have decided for this JVM's requests
	 * admitted in shadow mode, or {@code null} when none was
	 */
	public record LiveDescriptor(Map<String, Long> limits, List<String> pausedClasses,
			@Nullable Double pinnedMultiplier, @Nullable Boolean shadow,
			@Nullable ShadowDecisions.Summary shadowDecisions) implements OperationResponseBody {

		static LiveDescriptor of(LiveSettings settings, @Nullable ShadowDecisions.Summary shadow) {
			Map<String, Long> limits = new LinkedHashMap<>();
			settings.limits().forEach((dimension, limit) -> limits.put(DimensionState.nameOf(dimension), limit));
			return new LiveDescriptor(limits, List.copyOf(settings.pausedClasses()), settings.multiplier(),
					settings.shadow(), shadow);
		}

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
	 * One dimension of a pool. See {@link DimensionState} for the exact meaning of each
	 * figure.
	 *
	 * @param limit the provider limit per window of the dimension
	 * @param effectiveLimit the limit less the safety margin, times the multiplier
	 * @param usedLastMinute the units the fleet consumed in the trailing minute
	 * (concurrency: calls in flight)
	 * @param utilisation {@code usedLastMinute} as a share of the provider's per-minute
	 * limit
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
	 * @param cooldownUntil until when the model cools down after overload errors, an
	 * ISO-8601 instant, or {@code null}
	 * @param inputTokenCorrection the ratio the calibrating token estimator applies to
	 * the model's input token estimates, or {@code null} when no such estimator is
	 * configured
	 * @param state what {@link ModelStateContributor}s report, such as a circuit breaker
	 * state
	 */
	public record ModelDescriptor(@Nullable String cooldownUntil, @Nullable Double inputTokenCorrection,
			Map<String, Object> state) {
	}

}
