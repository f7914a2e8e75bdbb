package io.github.llmquota.actuate.alert;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.schedule.PeriodicLifecycle;
import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.PoolPressure;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaMitigation;
import io.github.llmquota.core.ScopeState;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Reads every pool's fleet-wide state from the {@link QuotaEngine} at a fixed interval
 * ({@link QuotaEngine#state(String)}, one read-only store call per pool), and acts on its
 * utilisation:
 * <ul>
 * <li>moves each pool dimension's {@link QuotaStatus} with hysteresis, and on each
 * crossing publishes a {@link LlmQuotaThresholdEvent} and logs one line (WARN into WARN
 * or CRITICAL, INFO on the way back);</li>
 * <li>while a pool is under {@link PoolPressure pressure} (a queue that takes longer than
 * a bound to drain, recent provider 429s, an exhausted quota), and when mitigation is on,
 * has this JVM's engine shed the pool's lowest priority class
 * ({@link QuotaMitigation#shedLowestClass(String, boolean)}), and stops when the pressure
 * ends. Utilisation alone, CRITICAL included, does not shed: a fleet that uses what its
 * safety margin allows is healthy;</li>
 * <li>moves each scope dimension's status the same way, from the scope's level that the
 * pools' states carry (one reading per scope and check, no store call of its own), and
 * publishes a {@link LlmQuotaScopeThresholdEvent} on each crossing;</li>
 * <li>keeps what it read as the {@link #getLastCheck() last check} (and
 * {@link #getLastScopeCheck() per scope}), which gauges and the health indicator read
 * instead of reading the state themselves.</li>
 * </ul>
 * One monitor runs per JVM, on a daemon thread of its own. A pool whose state cannot be
 * read keeps its statuses and mitigation until it can be read again. Thread-safe.
 */
public class QuotaThresholdMonitor extends PeriodicLifecycle {

	/**
	 * The lifecycle phase: the monitor starts after the engine
	 * ({@code DefaultQuotaEngine.PHASE}, 1024) and stops before it.
	 */
	public static final int PHASE = 1025;

	private static final Log logger = LogFactory.getLog(QuotaThresholdMonitor.class);

	private final QuotaEngine engine;

	private final ApplicationEventPublisher publisher;

	private final QuotaMitigation mitigation;

	private final ThresholdTracker tracker;

	private final MitigationRule rule;

	private final Clock clock;

	private final Set<String> shedding = new HashSet<>();

	private final Set<String> unreachable = new HashSet<>();

	private volatile Map<String, PoolCheck> lastCheck = Map.of();

	// Scopes move apart from pools: a scope and a pool never share a name, but a tracker
	// of their own keeps the two kinds from ever mixing.
	private final ThresholdTracker scopeTracker;

	private volatile Map<String, ScopeCheck> lastScopeCheck = Map.of();

	/**
	 * Create a monitor that sheds while a pool's queue takes longer than
	 * {@link PoolPressure#DEFAULT_MAX_QUEUE_DRAIN} to drain.
	 * @param engine the engine whose pools to check
	 * @param thresholds the thresholds
	 * @param interval how often to check
	 * @param publisher where to publish {@link LlmQuotaThresholdEvent}s
	 * @param mitigation the engine that sheds the lowest class of a pool under pressure,
	 * or {@code null} for no mitigation
	 */
	public QuotaThresholdMonitor(QuotaEngine engine, QuotaThresholds thresholds, Duration interval,
			ApplicationEventPublisher publisher, @Nullable QuotaMitigation mitigation) {
		this(engine, thresholds, PoolPressure.DEFAULT_MAX_QUEUE_DRAIN, interval, publisher, mitigation);
	}

	/**
	 * Create a monitor.
	 * @param engine the engine whose pools to check
	 * @param thresholds the thresholds
	 * @param maxQueueDrain how long a pool's queue may take to drain before the pool is
	 * under pressure ({@link PoolPressure#of(PoolState, Duration)})
	 * @param interval how often to check
	 * @param publisher where to publish {@link LlmQuotaThresholdEvent}s
	 * @param mitigation the engine that sheds the lowest class of a pool under pressure,
	 * or {@code null} for no mitigation
	 */
	public QuotaThresholdMonitor(QuotaEngine engine, QuotaThresholds thresholds, Duration maxQueueDrain,
			Duration interval, ApplicationEventPublisher publisher, @Nullable QuotaMitigation mitigation) {
		this(engine, thresholds, interval, publisher, mitigation, Clock.systemUTC(),
				(state, status) -> PoolPressure.of(state, maxQueueDrain).isUnderPressure());
	}

	QuotaThresholdMonitor(QuotaEngine engine, QuotaThresholds thresholds, Duration interval,
			ApplicationEventPublisher publisher, @Nullable QuotaMitigation mitigation, Clock clock,
			MitigationRule rule) {
		super("llm-quota-monitor", Duration.ZERO, positive(interval), logger, "llm-quota threshold check failed",
				PHASE);
		this.engine = engine;
		this.publisher = publisher;
		this.mitigation = mitigation;
		this.tracker = new ThresholdTracker(thresholds);
		this.scopeTracker = new ThresholdTracker(thresholds);
		this.clock = clock;
		this.rule = rule;
	}

	private static Duration positive(Duration interval) {
		Assert.isTrue(interval != null && interval.toMillis() > 0, "'interval' must be positive");
		return interval;
	}

	/**
	 * Check every pool now. The monitor's own thread calls this every interval; call it
	 * directly for a reading that is not older than this call, for example in a test.
	 * Blocks while another check runs.
	 */
	public synchronized void check() {
		Map<String, PoolCheck> checks = new LinkedHashMap<>();
		this.engine.pools().forEach((pool) -> checks.put(pool, check(pool)));
		this.lastCheck = Collections.unmodifiableMap(checks);
		this.lastScopeCheck = Collections.unmodifiableMap(checkScopes(checks.values()));
	}

	// A scope's level is one value for all its pools: taken once per check, from the
	// first pool that read it, and a scope none of its pools could read keeps its
	// statuses.
	private Map<String, ScopeCheck> checkScopes(Iterable<PoolCheck> pools) {
		Instant now = this.clock.instant();
		Map<String, ScopeCheck> checks = new LinkedHashMap<>();
		for (PoolCheck pool : pools) {
			if (pool.state() == null) {
				continue;
			}
			for (ScopeState scope : pool.state().scopes()) {
				if (checks.containsKey(scope.scope())) {
					continue;
				}
				for (DimensionState dimension : scope.dimensions()) {
					ThresholdTracker.Crossing crossing = this.scopeTracker.update(scope.scope(), dimension.dimension(),
							dimension.utilisation());
					if (crossing != null) {
						crossedInScope(crossing);
					}
				}
				checks.put(scope.scope(),
						new ScopeCheck(scope.scope(), now, scope, this.scopeTracker.statuses(scope.scope())));
			}
		}
		this.lastScopeCheck.forEach((scope, previous) -> checks.computeIfAbsent(scope,
				(name) -> new ScopeCheck(name, now, null, this.scopeTracker.statuses(name))));
		return checks;
	}

	private void crossedInScope(ThresholdTracker.Crossing crossing) {
		announce(crossing, "scope", "of its bucket", new LlmQuotaScopeThresholdEvent(this, crossing.pool(),
				crossing.dimension(), crossing.previous(), crossing.status(), crossing.utilisation()));
	}

	private void publish(Object event) {
		try {
			this.publisher.publishEvent(event);
		}
		catch (RuntimeException ex) {
			// A failing listener must not stop the checks, nor the mitigation that
			// follows.
			logger.warn("llm-quota threshold event listener failed: " + ex);
		}
	}

	private PoolCheck check(String name) {
		Instant now = this.clock.instant();
		PoolState state;
		try {
			state = this.engine.state(name);
		}
		catch (RuntimeException ex) {
			if (this.unreachable.add(name)) {
				logger.warn("llm-quota cannot read the state of pool '" + name + "'; its status stays "
						+ this.tracker.poolStatus(name) + " until it can: " + ex.getMessage());
			}
			return new PoolCheck(name, now, null, this.tracker.statuses(name), String.valueOf(ex.getMessage()),
					this.shedding.contains(name));
		}
		if (this.unreachable.remove(name)) {
			logger.info("llm-quota can read the state of pool '" + name + "' again");
		}
		for (DimensionState dimension : state.dimensions()) {
			ThresholdTracker.Crossing crossing = this.tracker.update(name, dimension.dimension(),
					dimension.utilisation());
			if (crossing != null) {
				crossed(crossing);
			}
		}
		mitigate(state, this.rule.mitigates(state, this.tracker.poolStatus(name)));
		return new PoolCheck(name, now, state, this.tracker.statuses(name), null, this.shedding.contains(name));
	}

	private void crossed(ThresholdTracker.Crossing crossing) {
		announce(crossing, "pool", "of the provider limit", new LlmQuotaThresholdEvent(this, crossing.pool(),
				crossing.dimension(), crossing.previous(), crossing.status(), crossing.utilisation()));
	}

	// Logs a crossing, a warning when it escalates, and publishes its event.
	private void announce(ThresholdTracker.Crossing crossing, String kind, String limit,
			DimensionThresholdEvent event) {
		String message = String.format("llm-quota %s '%s' %s is %s (was %s) at %.1f%% %s", kind, crossing.pool(),
				DimensionState.nameOf(crossing.dimension()), crossing.status(), crossing.previous(),
				crossing.utilisation() * 100, limit);
		if (crossing.isEscalation()) {
			logger.warn(message);
		}
		else {
			logger.info(message);
		}
		publish(event);
	}

	private void mitigate(PoolState state, boolean underPressure) {
		String pool = state.pool();
		if (this.mitigation == null || underPressure == this.shedding.contains(pool)) {
			return;
		}
		try {
			this.mitigation.shedLowestClass(pool, underPressure);
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota could not " + (underPressure ? "start" : "stop") + " shedding pool '" + pool + "': "
					+ ex);
			return;
		}
		String lowest = state.queued().keySet().stream().reduce((higher, lower) -> lower).orElseThrow();
		if (underPressure) {
			this.shedding.add(pool);
			logger.warn("llm-quota pool '" + pool + "' is under pressure (" + describe(state) + "): this JVM sheds its "
					+ lowest + " requests");
		}
		else {
			this.shedding.remove(pool);
			logger.info("llm-quota pool '" + pool + "' is no longer under pressure: this JVM admits " + lowest
					+ " requests again");
		}
	}

	private static String describe(PoolState state) {
		return state.totalQueued() + " queued, head ETA " + state.headEta() + ", multiplier " + state.multiplier()
				+ ", cooldown " + state.cooldown();
	}

	/**
	 * Return what the last check found, by pool name.
	 * @return the last check of every pool; empty before the first check
	 */
	public Map<String, PoolCheck> getLastCheck() {
		return this.lastCheck;
	}

	/**
	 * Return what the last check found for one pool.
	 * @param pool the pool name
	 * @return the last check, or {@code null} before the first check or for an unknown
	 * pool
	 */
	@Nullable
	public PoolCheck getLastCheck(String pool) {
		return this.lastCheck.get(pool);
	}

	/**
	 * Return what the last check found for each scope, by scope name: each scope's level
	 * as the first of its pools that could be read reported it.
	 * @return the last check of every scope seen so far; empty before the first check and
	 * where no pool names a scope
	 */
	public Map<String, ScopeCheck> getLastScopeCheck() {
		return this.lastScopeCheck;
	}

	@Override
	protected void runPeriodically() {
		check();
	}

	/**
	 * Decides from one check of a pool whether this JVM sheds its lowest class. Only the
	 * pressure rule ships; tests hand in the rule it replaced (CRITICAL utilisation) to
	 * show that their assertions tell the two apart.
	 */
	@FunctionalInterface
	interface MitigationRule {

		boolean mitigates(PoolState state, QuotaStatus poolStatus);

	}

}
