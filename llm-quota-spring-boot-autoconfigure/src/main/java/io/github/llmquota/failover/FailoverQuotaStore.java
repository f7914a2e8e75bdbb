package io.github.llmquota.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.lang.Nullable;

import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TenantDemand;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.BudgetCharge;
import io.github.llmquota.engine.BudgetLevel;
import io.github.llmquota.engine.FailModeStore;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.ScopeSpec;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.engine.UserCharge;
import io.github.llmquota.local.InMemoryQuotaStore;

/**
 * Puts a {@link FailMode} in front of the shared store. A failed call (connection
 * refused, timeout) opens a circuit for {@code retryInterval}: meanwhile no call pays the
 * timeout, and requests are decided by the fail mode. The first call after the interval
 * tries the shared store again, and success closes the circuit, so the fleet resumes
 * shared limiting by itself. A lease always ends in the store that granted it.
 * Thread-safe.
 */
public class FailoverQuotaStore implements QuotaStore, FailModeStore {

	private static final Log logger = LogFactory.getLog(FailoverQuotaStore.class);

	// Local limits plan against less than an even share: the worker count is stale, and
	// overshooting the provider while blind costs more than running a little slow.
	private static final double LOCAL_SHARE = 0.8;

	private static final long REFRESH_NANOS = Duration.ofSeconds(30).toNanos();

	private final QuotaStore shared;

	private final FailMode failMode;

	private final long retryIntervalNanos;

	private final LongSupplier nanoClock;

	private final InMemoryQuotaStore local;

	// Tickets and leases decided while degraded, so that they end where they began.
	private final Map<String, Long> localTickets = new ConcurrentHashMap<>();

	private final Map<String, PoolSnapshot> lastSeen = new ConcurrentHashMap<>();

	private final Map<String, PoolSpec> localPools = new ConcurrentHashMap<>();

	// The live settings this JVM last read or made, which the local limiter applies while
	// Redis, which keeps them, cannot be reached.
	private final Map<String, LiveSettings> lastLive = new ConcurrentHashMap<>();

	private final AtomicLong unlimitedAdmissions = new AtomicLong();

	private final long leaseNanos;

	private volatile long openUntil;

	private volatile Degradation degradation;

	private final Map<String, Long> lastRefresh = new ConcurrentHashMap<>();

	// Exists between start() and stop() only.
	private volatile ExecutorService refresher;

	/**
	 * Create a store.
	 * @param shared the shared store, normally Redis
	 * @param settings the validated settings
	 * @param failMode what to do while the shared store cannot be reached
	 * @param retryInterval how long to stop trying the shared store after a failure
	 */
	public FailoverQuotaStore(QuotaStore shared, QuotaSettings settings, FailMode failMode, Duration retryInterval) {
		this(shared, settings, failMode, retryInterval, System::nanoTime);
	}

	FailoverQuotaStore(QuotaStore shared, QuotaSettings settings, FailMode failMode, Duration retryInterval,
			LongSupplier nanoClock) {
		this.shared = shared;
		this.failMode = failMode;
		this.retryIntervalNanos = retryInterval.toNanos();
		this.nanoClock = nanoClock;
		this.local = new InMemoryQuotaStore(settings);
		this.leaseNanos = settings.leaseTimeout().toNanos();
		this.openUntil = nanoClock.getAsLong() - 1;
	}

	/**
	 * Whether the shared store is currently considered unreachable.
	 * @return whether requests are decided by the fail mode
	 */
	public boolean isDegraded() {
		return this.nanoClock.getAsLong() - this.openUntil < 0;
	}

	/**
	 * Return why and since when the shared store cannot be reached. Unlike
	 * {@link #isDegraded()}, which only spans the retry interval after each failure, this
	 * lasts from the first failed call until a call to the shared store succeeds again.
	 * @return the degradation, or {@code null} while the shared store answers
	 */
	@Nullable
	public Degradation getDegradation() {
		return this.degradation;
	}

	/**
	 * Return why and since when the shared store cannot be reached, as
	 * {@link #getDegradation()} tells.
	 * @return the outage, or {@code null} while the shared store answers
	 */
	@Override
	@Nullable
	public Outage outage() {
		Degradation degradation = this.degradation;
		return (degradation != null) ? new Outage(degradation.failMode().name().toLowerCase(Locale.ROOT),
				degradation.since(), degradation.cause()) : null;
	}

	/**
	 * Return what the local limiter of {@link FailMode#LOCAL} decides a pool's requests
	 * with while the shared store cannot be reached: its limits, this JVM's share of the
	 * pool's, and its state, which counts only this JVM's requests. Reading it costs no
	 * call to the shared store.
	 * @param pool the pool
	 * @return the local limiter's view, or {@code null} while the shared store answers,
	 * and always in {@link FailMode#OPEN} and {@link FailMode#CLOSED}, where no local
	 * limiter decides anything
	 */
	@Override
	@Nullable
	public LocalReading localReading(PoolSpec pool) {
		if (this.failMode != FailMode.LOCAL || this.degradation == null) {
			return null;
		}
		PoolSpec limits = localPool(pool);
		return new LocalReading(limits, this.local.snapshot(limits));
	}

	/**
	 * Return the store this one puts the fail mode in front of.
	 * @return the shared store
	 */
	public QuotaStore getShared() {
		return this.shared;
	}

	/**
	 * Return the fail mode.
	 * @return the fail mode
	 */
	public FailMode getFailMode() {
		return this.failMode;
	}

	/**
	 * Return how many requests were admitted without any limit in {@link FailMode#OPEN}.
	 * @return the count since startup
	 */
	public long getUnlimitedAdmissions() {
		return this.unlimitedAdmissions.get();
	}

	@Override
	public void start(String workerId, AdmissionListener listener) {
		this.refresher = Executors.newSingleThreadExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "llm-quota-failover");
			thread.setDaemon(true);
			return thread;
		});
		this.local.start(workerId, listener);
		try {
			this.shared.start(workerId, listener);
		}
		catch (RuntimeException ex) {
			trip("start", ex);
		}
	}

	@Override
	public void stop() {
		ExecutorService refresher = this.refresher;
		if (refresher != null) {
			refresher.shutdownNow();
			this.refresher = null;
		}
		this.local.stop();
		this.shared.stop();
	}

	@Override
	public Admission acquire(PoolSpec pool, Ticket ticket) {
		if (!isDegraded()) {
			try {
				Admission admission = this.shared.acquire(pool, ticket);
				reachable();
				refreshLater(pool);
				return admission;
			}
			catch (DataAccessException ex) {
				trip("acquire", ex);
			}
		}
		return switch (this.failMode) {
			case LOCAL -> {
				rememberLocal(ticket.id());
				yield this.local.acquire(localPool(pool), ticket);
			}
			case OPEN -> {
				this.unlimitedAdmissions.incrementAndGet();
				rememberLocal(ticket.id());
				yield Admission.granted();
			}
			case CLOSED ->
				Admission.rejected(RejectionReason.UNAVAILABLE, Duration.ofNanos(this.retryIntervalNanos).toMillis());
		};
	}

	@Override
	public void settle(PoolSpec pool, Settlement settlement) {
		if (this.localTickets.remove(settlement.leaseId()) != null) {
			if (this.failMode == FailMode.LOCAL) {
				this.local.settle(localPool(pool), settlement);
			}
			return;
		}
		// A lease granted by Redis that cannot be settled there frees its slot at its
		// expiry.
		onShared("settle", () -> this.shared.settle(pool, settlement));
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * A lease granted while degraded is charged where it was granted, and kept in this
	 * store's memory as long as its stream charges. While Redis cannot be reached, a
	 * lease it granted is reported as held: its stream goes on and Redis frees its slot
	 * at its expiry.
	 */
	@Override
	public boolean charge(PoolSpec pool, String leaseId, long[] delta, long outputTokens, UserCharge user,
			long[] userDelta, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta) {
		if (this.localTickets.computeIfPresent(leaseId,
				(id, expiry) -> this.nanoClock.getAsLong() + this.leaseNanos) != null) {
			return this.failMode != FailMode.LOCAL || this.local.charge(localPool(pool), leaseId, delta, outputTokens,
					user, userDelta, budgets, tenantLimit, tenantDelta);
		}
		if (isDegraded()) {
			return true;
		}
		try {
			return this.shared.charge(pool, leaseId, delta, outputTokens, user, userDelta, budgets, tenantLimit,
					tenantDelta);
		}
		catch (DataAccessException ex) {
			trip("charge", ex);
			return true;
		}
	}

	@Override
	public void cancel(PoolSpec pool, String ticketId) {
		if (this.localTickets.remove(ticketId) != null) {
			if (this.failMode == FailMode.LOCAL) {
				this.local.cancel(localPool(pool), ticketId);
			}
			return;
		}
		onShared("cancel", () -> this.shared.cancel(pool, ticketId));
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Read from the shared store, which keeps them for the fleet. The local limiter of
	 * {@link FailMode#LOCAL} applies the last ones this JVM read (here or in the
	 * background refresh, at most 30 seconds old while requests flow) or made.
	 * @throws DataAccessResourceFailureException while Redis is considered unreachable
	 */
	@Override
	public LiveSettings live(PoolSpec pool) {
		unreachableFor("read live settings, which Redis keeps for the whole fleet");
		try {
			return remember(pool, this.shared.live(pool));
		}
		catch (DataAccessException ex) {
			trip("live", ex);
			throw ex;
		}
	}

	@Override
	public PoolSpec liveLimits(PoolSpec pool) {
		return this.shared.liveLimits(pool);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Stored in the shared store, which keeps them for the fleet; while it cannot be
	 * reached the change fails and nothing changes, not even in this JVM: a change only
	 * some JVMs apply would split the fleet.
	 * @throws DataAccessResourceFailureException while Redis is considered unreachable
	 */
	@Override
	public void changeLive(PoolSpec pool, LiveSettings live) {
		unreachableFor("change live settings, which Redis keeps for the whole fleet");
		try {
			this.shared.changeLive(pool, live);
		}
		catch (DataAccessException ex) {
			trip("changeLive", ex);
			throw ex;
		}
		remember(pool, live);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Read from the shared store. The local limiter keeps the scopes' configured limits
	 * (scaled to this JVM's share) while Redis cannot be reached.
	 * @throws DataAccessResourceFailureException while Redis is considered unreachable
	 */
	@Override
	public LiveSettings scopeLive(PoolSpec pool, ScopeSpec scope) {
		unreachableFor("read live settings, which Redis keeps for the whole fleet");
		try {
			return this.shared.scopeLive(pool, scope);
		}
		catch (DataAccessException ex) {
			trip("scopeLive", ex);
			throw ex;
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Stored in the shared store; while it cannot be reached the change fails and nothing
	 * changes, as for a pool.
	 * @throws DataAccessResourceFailureException while Redis is considered unreachable
	 */
	@Override
	public void changeScopeLive(PoolSpec pool, ScopeSpec scope, LiveSettings live) {
		unreachableFor("change live settings, which Redis keeps for the whole fleet");
		try {
			this.shared.changeScopeLive(pool, scope, live);
		}
		catch (DataAccessException ex) {
			trip("changeScopeLive", ex);
			throw ex;
		}
	}

	private void unreachableFor(String what) {
		if (isDegraded()) {
			throw new DataAccessResourceFailureException("Redis is unreachable, so llm-quota cannot " + what
					+ "; it runs on fail mode " + this.failMode + " until Redis answers again");
		}
	}

	private LiveSettings remember(PoolSpec pool, LiveSettings live) {
		if (!live.equals(this.lastLive.put(pool.name(), live))) {
			this.localPools.remove(pool.name());
		}
		return live;
	}

	@Override
	public PollResult poll(PoolSpec pool, List<String> ticketIds) {
		List<String> localIds = ticketIds.stream().filter(this.localTickets::containsKey).toList();
		List<String> sharedIds = ticketIds.stream().filter((id) -> !this.localTickets.containsKey(id)).toList();
		PollResult localResult = localIds.isEmpty() ? null : this.local.poll(localPool(pool), localIds);
		PollResult sharedResult = null;
		if (!sharedIds.isEmpty() && !isDegraded()) {
			try {
				sharedResult = this.shared.poll(pool, sharedIds);
			}
			catch (DataAccessException ex) {
				trip("poll", ex);
			}
		}
		List<TicketState> states = new ArrayList<>(ticketIds.size());
		for (String id : ticketIds) {
			int local = localIds.indexOf(id);
			if (local >= 0) {
				states.add(localResult.states().get(local));
			}
			else {
				// While Redis is away its tickets are unknown, not gone: their deadlines
				// end them.
				states.add((sharedResult != null) ? sharedResult.states().get(sharedIds.indexOf(id))
						: TicketState.WAITING);
			}
		}
		PollResult head = (sharedResult != null) ? sharedResult : localResult;
		return (head != null) ? new PollResult(states, head.headDelayMillis(), head.headTicket())
				: new PollResult(states, Admission.NONE, null);
	}

	/**
	 * Read the pool's shared state. While the circuit is open this fails at once instead
	 * of paying the timeout: health checks and gauges learn that the state is unreachable
	 * without delay, and the next acquire after the retry interval probes Redis again.
	 * @throws DataAccessResourceFailureException while Redis is considered unreachable
	 */
	// For the endpoint only: while the shared state cannot be read it shows none, and a
	// failed read trips nothing, as no decision depends on it.
	@Override
	public List<TenantDemand> waitingTenants(PoolSpec pool, int limit) {
		if (isDegraded()) {
			return List.of();
		}
		try {
			return this.shared.waitingTenants(pool, limit);
		}
		catch (DataAccessException ex) {
			return List.of();
		}
	}

	@Override
	public PoolSnapshot snapshot(PoolSpec pool) {
		unreachableFor("read the shared state");
		PoolSnapshot snapshot;
		try {
			snapshot = this.shared.snapshot(pool);
		}
		catch (DataAccessException ex) {
			trip("snapshot", ex);
			throw ex;
		}
		this.lastSeen.put(pool.name(), snapshot);
		this.localPools.remove(pool.name());
		reachable();
		return snapshot;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Read from the shared store, which keeps them for the fleet.
	 * @throws DataAccessResourceFailureException while Redis is considered unreachable
	 */
	@Override
	public List<BudgetLevel> budgetLevels(PoolSpec pool, List<BudgetCharge> budgets) {
		unreachableFor("read the cost budgets");
		try {
			return this.shared.budgetLevels(pool, budgets);
		}
		catch (DataAccessException ex) {
			trip("budgets", ex);
			throw ex;
		}
	}

	@Override
	public long timeMillis() {
		return this.shared.timeMillis();
	}

	private void onShared(String what, Runnable call) {
		if (isDegraded()) {
			return;
		}
		try {
			call.run();
		}
		catch (DataAccessException ex) {
			trip(what, ex);
		}
	}

	private void rememberLocal(String ticketId) {
		long now = this.nanoClock.getAsLong();
		// Leases that never end are forgotten after their expiry, so the map stays
		// bounded.
		this.localTickets.values().removeIf((expiry) -> now - expiry > 0);
		this.localTickets.put(ticketId, now + this.leaseNanos);
	}

	private PoolSpec localPool(PoolSpec pool) {
		return this.localPools.computeIfAbsent(pool.name(), (name) -> {
			PoolSnapshot seen = this.lastSeen.get(name);
			LiveSettings live = this.lastLive.getOrDefault(name, LiveSettings.NONE);
			PoolSpec decided = live.applyTo(pool);
			double multiplier = (live.multiplier() != null) ? live.multiplier()
					: (seen != null) ? seen.multiplier() : 1;
			long workers = (seen != null) ? Math.max(1, seen.liveWorkers()) : 1;
			double share = multiplier / workers * LOCAL_SHARE;
			List<RateLimit> rates = decided.rates()
				.stream()
				.map((rate) -> new RateLimit(rate.dimension(), rate.limit(), rate.capacity() * share,
						rate.ratePerMilli() * share))
				.toList();
			int concurrency = (decided.maxConcurrency() > 0) ? Math.max(1, (int) (decided.maxConcurrency() * share))
					: 0;
			// A scope's limits are shared by its pools' JVMs as the pool's are: the same
			// share of each, a conservative bound.
			PoolSpec local = new PoolSpec(name, pool.provider(), rates, concurrency, pool.models(), pool.userLimits(),
					pool.tenants(), pool.tenantLimits(),
					pool.scopes().stream().map((scope) -> scope.scaled(share)).toList());
			// The share already holds a pinned multiplier: pinned at 1 locally, it is
			// neither applied twice nor adapted, as in Redis.
			this.local.changeLive(local, new LiveSettings(Map.of(), live.pausedClasses(),
					(live.multiplier() != null) ? 1.0 : null, live.shadow()));
			logger.info("llm-quota limits pool '" + name + "' locally to " + Math.round(share * 100)
					+ " % of its limits while Redis is unreachable (" + workers + " live JVMs last seen"
					+ (live.changesNothing() ? "" : ", live settings " + live) + ")");
			return local;
		});
	}

	private synchronized void trip(String what, RuntimeException ex) {
		this.openUntil = this.nanoClock.getAsLong() + this.retryIntervalNanos;
		if (this.degradation == null) {
			this.degradation = new Degradation(this.failMode, Instant.now(), what + ": " + ex.getMessage());
			logger.warn("llm-quota cannot reach Redis (" + what + ": " + ex.getMessage() + "); fail mode "
					+ this.failMode + " applies, next attempt in " + Duration.ofNanos(this.retryIntervalNanos));
		}
	}

	private void reachable() {
		// Read without the lock first: every successful acquire passes here.
		if (this.degradation != null) {
			synchronized (this) {
				if (this.degradation != null) {
					this.degradation = null;
					this.localPools.clear();
					logger.info("llm-quota reaches Redis again: shared limiting resumed");
				}
			}
		}
	}

	private void refreshLater(PoolSpec pool) {
		long now = this.nanoClock.getAsLong();
		Long last = this.lastRefresh.get(pool.name());
		// The worker count, multiplier and live settings that size the local limits must
		// be fresh when Redis goes away; refreshing them off the caller's thread keeps
		// acquire at one
		// call.
		ExecutorService refresher = this.refresher;
		if (refresher != null && (last == null || now - last > REFRESH_NANOS)) {
			this.lastRefresh.put(pool.name(), now);
			try {
				refresher.execute(() -> {
					try {
						snapshot(pool);
						live(pool);
					}
					catch (DataAccessException ex) {
						// The next failing call trips the circuit; nothing to add here.
					}
				});
			}
			catch (RejectedExecutionException ex) {
				// Stopped in the meantime: nobody will need the figures.
			}
		}
	}

}
