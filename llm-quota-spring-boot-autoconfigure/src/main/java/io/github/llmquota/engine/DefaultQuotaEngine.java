package io.github.llmquota.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;

import io.github.llmquota.core.Backpressure;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaMitigation;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.QuotaStateUnavailableException;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TenantDemand;
import io.github.llmquota.core.TokenUsage;

/**
 * The {@link QuotaEngine} over any {@link QuotaStore}. The store decides; this class
 * waits. A waiting request costs no store calls of its own: grants are pushed by the
 * store, only the JVM that owns the blocked head of a pool arms a timer for it, and one
 * heartbeat per pool with waiters repairs lost pushes. Every wait has a deadline, and a
 * timed-out, interrupted or cancelled wait withdraws its ticket.
 * <p>
 * The read side, {@link #state(String)}, reads the store's snapshot afresh on each call;
 * a store that implements {@link FailModeStore} tells what its fail mode decides with
 * while the shared state cannot be read.
 * <p>
 * Construction starts nothing. The heartbeat, the timers and the store's push channel
 * start with {@link #start()}, which an application context calls when it is refreshed,
 * and end with {@link #stop()} when it is closed. An engine used on its own starts on its
 * first acquire; once stopped, it rejects every request until it is started again.
 */
public class DefaultQuotaEngine
		implements QuotaEngine, QuotaMitigation, AdmissionListener, SmartLifecycle, AutoCloseable {

	/**
	 * The lifecycle phase: the engine stops after a web server has stopped taking
	 * requests and before the Redis connection factory (phase 0) goes away under it.
	 */
	public static final int PHASE = 1024;

	private static final Log logger = LogFactory.getLog(DefaultQuotaEngine.class);

	private static final int MAX_TENANT_IDS = 10_000;

	private final AtomicBoolean running = new AtomicBoolean();

	// Set by stop(), so that a late acquire during shutdown is rejected rather than
	// starting the engine again.
	private volatile boolean stopped;

	private final Object lifecycleMonitor = new Object();

	private final QuotaSettings settings;

	private final QuotaStore store;

	private final String workerId;

	private final AtomicLong ticketSequence = new AtomicLong();

	private final Map<String, Waiter> waiters = new ConcurrentHashMap<>();

	private final Map<String, HeadTimer> headTimers = new ConcurrentHashMap<>();

	// Replaced on each start; never reset to null, so that a caller racing a stop meets a
	// shut-down executor, not a missing one.
	private volatile ScheduledExecutorService scheduler;

	private ScheduledFuture<?> heartbeat;

	private final List<QuotaEngineListener> listeners;

	private final Set<String> shedding = ConcurrentHashMap.newKeySet();

	// The ids of the tenants this JVM has seen, by the hash the shared state keeps, so
	// that the endpoint can name them; bounded, the least recently seen forgotten.
	private final Map<String, String> tenantIds = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
			return size() > MAX_TENANT_IDS;
		}

	});

	/**
	 * Create an engine. It starts nothing until {@link #start()} or its first acquire.
	 * @param settings the validated settings
	 * @param store the store that holds the shared state
	 */
	public DefaultQuotaEngine(QuotaSettings settings, QuotaStore store) {
		this(settings, store, List.of());
	}

	/**
	 * Create an engine that reports its decisions to listeners. It starts nothing until
	 * {@link #start()} or its first acquire.
	 * @param settings the validated settings
	 * @param store the store that holds the shared state
	 * @param listeners the listeners, called in order
	 */
	public DefaultQuotaEngine(QuotaSettings settings, QuotaStore store, List<QuotaEngineListener> listeners) {
		this.settings = settings;
		this.store = store;
		this.listeners = List.copyOf(listeners);
		this.workerId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
	}

	/**
	 * Return the id this JVM is known by in the store.
	 * @return the worker id
	 */
	public String getWorkerId() {
		return this.workerId;
	}

	/**
	 * Return the settings this engine enforces.
	 * @return the settings
	 */
	public QuotaSettings getSettings() {
		return this.settings;
	}

	@Override
	public QuotaLease acquire(QuotaRequest request) {
		CompletableFuture<QuotaLease> future = acquireAsync(request);
		try {
			// The deadline task completes the future; the margin only guards against a
			// store call that never returns.
			return future.get(this.settings.maxWait(request).toMillis() + 30_000, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			future.cancel(false);
			Thread.currentThread().interrupt();
			throw new QuotaRejectedException(poolOf(request), RejectionReason.CANCELLED, Duration.ZERO,
					"Interrupted while waiting for quota in pool '" + poolOf(request) + "'");
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException(ex.getCause());
		}
		catch (TimeoutException ex) {
			future.cancel(false);
			throw new QuotaRejectedException(poolOf(request), RejectionReason.DEADLINE, null,
					"Quota store did not answer in time for pool '" + poolOf(request) + "'");
		}
	}

	@Override
	public CompletableFuture<QuotaLease> acquireAsync(QuotaRequest request) {
		if (!startedForUse()) {
			return CompletableFuture.failedFuture(new QuotaRejectedException(poolOf(request), RejectionReason.CANCELLED,
					null, "The quota engine is stopped"));
		}
		ModelSpec model = withMostHeadroom(this.settings.apiKeys(request.model()));
		PriorityClass priorityClass = this.settings.priorityClass(request.priority());
		PoolSpec pool = model.pool();
		long[] cost = model.reserve(request, pool.costRates());
		QuotaRejectedException tooLarge = cannotFitLive(pool, cost, request);
		if (tooLarge == null) {
			tooLarge = cannotFitScopes(pool, cost, request);
		}
		UserCharge user = userCharge(pool.userLimits(), request.user(), model, request);
		if (tooLarge == null && user != null) {
			tooLarge = cannotFit(pool, user.limits(), user.cost(), request,
					"the per-user limit of pool '" + pool.name() + "'");
		}
		UserCharge tenantLimit = userCharge(pool.tenantLimits(), request.tenant(), model, request);
		if (tooLarge == null && tenantLimit != null) {
			tooLarge = cannotFit(pool, tenantLimit.limits(), tenantLimit.cost(), request,
					"the per-tenant limit of pool '" + pool.name() + "'");
		}
		if (tooLarge != null) {
			notifyRejected(model, request, RejectionReason.CANNOT_FIT, 0);
			return CompletableFuture.failedFuture(tooLarge);
		}
		if (this.shedding.contains(pool.name()) && priorityClass.rank() == this.settings.classes().size() - 1) {
			QuotaRejectedException shed = new QuotaRejectedException(pool.name(), RejectionReason.SHED,
					this.settings.heartbeatInterval(), "Pool '" + pool.name() + "' is under pressure: "
							+ priorityClass.name() + " work is shed until it recovers");
			notifyRejected(model, request, RejectionReason.SHED, 0);
			return CompletableFuture.failedFuture(shed);
		}
		long maxWait = this.settings.maxWait(request).toMillis();
		Ticket ticket = new Ticket(this.workerId + "." + this.ticketSequence.incrementAndGet(), this.workerId,
				priorityClass.rank(), cost, maxWait, model.name(), user, request.arrival(), tenantShare(pool, request),
				this.settings.budgets().reserve(model, request, this.store.timeMillis()), tenantLimit);
		CompletableFuture<QuotaLease> future = new CompletableFuture<>();
		long started = System.nanoTime();
		if (!this.listeners.isEmpty()) {
			future.whenComplete((lease, failure) -> {
				long waited = System.nanoTime() - started;
				if (lease != null) {
					notify((listener) -> listener.admitted(model, request, Duration.ofNanos(waited)));
				}
				else {
					RejectionReason reason = (failure instanceof QuotaRejectedException rejected) ? rejected.getReason()
							: (failure instanceof NonRetryableQuotaException) ? RejectionReason.QUOTA_EXHAUSTED
									: RejectionReason.CANCELLED;
					notifyRejected(model, request, reason, waited);
				}
			});
		}
		Waiter waiter = new Waiter(pool, model, ticket, future, (arrival) -> new DefaultQuotaLease(this.store, model,
				request, ticket, arrival, this::ended, this.settings.feedback(), this.settings.budgets()));
		// Registered before the store call, so that a grant pushed before it returns is
		// not lost.
		this.waiters.put(ticket.id(), waiter);
		Admission admission;
		try {
			admission = this.store.acquire(pool, ticket);
		}
		catch (RuntimeException ex) {
			this.waiters.remove(ticket.id());
			throw ex;
		}
		switch (admission.status()) {
			case GRANTED -> {
				this.waiters.remove(ticket.id());
				if (admission.shadow() != null) {
					notify((listener) -> listener.shadowed(model, request, admission.shadow()));
				}
				waiter.arrival = admission.arrival();
				handOver(waiter);
			}
			case REJECTED -> {
				this.waiters.remove(ticket.id());
				future.completeExceptionally((admission.reason() == RejectionReason.QUOTA_EXHAUSTED)
						? exhausted(pool, model, admission.delayMillis()) : rejection(pool, admission, maxWait));
			}
			case WAITING -> {
				waiter.arrival = admission.arrival();
				waiter.queued = true;
				waiter.deadline = this.scheduler.schedule(() -> expire(ticket.id()), maxWait, TimeUnit.MILLISECONDS);
				future.whenComplete((lease, failure) -> {
					if (failure instanceof CancellationException) {
						withdraw(ticket.id());
					}
				});
				armHeadTimer(pool.name(), admission.delayMillis(), admission.headTicket());
			}
		}
		return future;
	}

	@Override
	public void granted(String pool, String ticketId, long arrival) {
		Waiter waiter = this.waiters.remove(ticketId);
		if (waiter == null) {
			return;
		}
		if (arrival > 0) {
			waiter.arrival = arrival;
		}
		waiter.cancelDeadline();
		// The head this JVM armed a timer for is served: the timer would only poll in
		// vain.
		HeadTimer timer = this.headTimers.get(pool);
		if (timer != null && ticketId.equals(timer.ticketId()) && this.headTimers.remove(pool, timer)) {
			timer.future().cancel(false);
		}
		handOver(waiter);
	}

	private void handOver(Waiter waiter) {
		QuotaLease lease = waiter.lease();
		if (!waiter.future.complete(lease)) {
			// The caller gave up in the same instant: the call is never made.
			lease.release(CallOutcome.NOT_SENT);
		}
	}

	@Override
	public void dropped(String pool, String ticketId, boolean shed) {
		Waiter waiter = this.waiters.remove(ticketId);
		if (waiter == null) {
			return;
		}
		waiter.cancelDeadline();
		RejectionReason reason = shed ? RejectionReason.SHED : RejectionReason.DEADLINE;
		waiter.future.completeExceptionally(new QuotaRejectedException(pool, reason, null,
				shed ? "Request was shed from pool '" + pool + "' by higher-priority work"
						: "Request expired in the waiting room of pool '" + pool + "'"));
	}

	@Override
	public void exhausted(String pool, String ticketId) {
		Waiter waiter = this.waiters.remove(ticketId);
		if (waiter == null) {
			return;
		}
		waiter.cancelDeadline();
		waiter.future.completeExceptionally(exhausted(waiter.pool, waiter.model, Admission.UNKNOWN));
	}

	@Override
	public void head(String pool, long delayMillis, String ticketId) {
		armHeadTimer(pool, delayMillis, ticketId);
	}

	private void armHeadTimer(String pool, long delayMillis, String ticketId) {
		if (delayMillis < 0) {
			return;
		}
		ScheduledFuture<?> future = this.scheduler.schedule(() -> poll(pool), delayMillis, TimeUnit.MILLISECONDS);
		HeadTimer previous = this.headTimers.put(pool, new HeadTimer(ticketId, future));
		if (previous != null) {
			previous.future().cancel(false);
		}
	}

	private void expire(String ticketId) {
		Waiter waiter = this.waiters.remove(ticketId);
		if (waiter == null) {
			return;
		}
		safely(() -> this.store.cancel(waiter.pool, ticketId), "withdraw an expired ticket");
		waiter.future.completeExceptionally(new QuotaRejectedException(waiter.pool.name(), RejectionReason.DEADLINE,
				Duration.ofMillis(this.settings.heartbeatInterval().toMillis()),
				"No quota in pool '" + waiter.pool.name() + "' within the wait budget of "
						+ Duration.ofMillis(waiter.ticket.maxWaitMillis())));
	}

	private void withdraw(String ticketId) {
		Waiter waiter = this.waiters.remove(ticketId);
		if (waiter != null) {
			waiter.cancelDeadline();
			safely(() -> this.store.cancel(waiter.pool, ticketId), "withdraw a cancelled ticket");
		}
	}

	private void heartbeat() {
		this.waiters.values()
			.stream()
			.filter((w) -> w.queued)
			.map((w) -> w.pool.name())
			.distinct()
			.toList()
			.forEach(this::poll);
	}

	private void poll(String poolName) {
		PoolSpec pool = this.settings.pools().get(poolName);
		// Only tickets whose acquire has returned: the store knows nothing yet of the
		// others.
		List<String> ids = this.waiters.values()
			.stream()
			.filter((w) -> w.queued && w.pool.name().equals(poolName))
			.map((w) -> w.ticket.id())
			.toList();
		safely(() -> {
			QuotaStore.PollResult result = this.store.poll(pool, ids);
			for (int i = 0; i < ids.size(); i++) {
				switch (result.states().get(i)) {
					case GRANTED -> granted(poolName, ids.get(i), 0);
					case DROPPED -> dropped(poolName, ids.get(i), false);
					case EXHAUSTED -> exhausted(poolName, ids.get(i));
					case WAITING -> {
					}
				}
			}
			armHeadTimer(poolName, result.headDelayMillis(), result.headTicket());
		}, "poll pool '" + poolName + "'");
	}

	@Override
	public void shedLowestClass(String pool, boolean shed) {
		if (!shed) {
			this.shedding.remove(pool);
			return;
		}
		this.shedding.add(pool);
		int lowest = this.settings.classes().size() - 1;
		this.waiters.values()
			.stream()
			.filter((w) -> w.queued && w.pool.name().equals(pool) && w.ticket.rank() == lowest)
			.map((w) -> w.ticket.id())
			.toList()
			.forEach((id) -> {
				Waiter waiter = this.waiters.remove(id);
				if (waiter != null) {
					waiter.cancelDeadline();
					safely(() -> this.store.cancel(waiter.pool, id), "withdraw a shed ticket");
					waiter.future.completeExceptionally(
							new QuotaRejectedException(pool, RejectionReason.SHED, this.settings.heartbeatInterval(),
									"Request was shed: pool '" + pool + "' is under pressure"));
				}
			});
	}

	private void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
		notify((listener) -> listener.ended(model, request, usage, feedback));
	}

	private void notifyRejected(ModelSpec model, QuotaRequest request, RejectionReason reason, long waitedNanos) {
		notify((listener) -> listener.rejected(model, request, reason, Duration.ofNanos(waitedNanos)));
	}

	private void notify(Consumer<QuotaEngineListener> event) {
		for (QuotaEngineListener listener : this.listeners) {
			try {
				event.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn("llm-quota listener " + listener + " failed: " + ex);
			}
		}
	}

	private void safely(Runnable action, String what) {
		try {
			action.run();
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota could not " + what + ": " + ex.getMessage());
		}
	}

	/**
	 * Return the live settings the fleet applies to a pool or a scope over its
	 * configuration.
	 * @param name the pool or scope name (no scope is named like a pool)
	 * @return the live settings
	 * @throws IllegalArgumentException if no pool and no scope some pool is under has
	 * that name
	 * @throws QuotaStateUnavailableException if the store cannot be reached
	 */
	public LiveSettings live(String name) {
		if (!this.settings.pools().containsKey(name) && !this.settings.scopeChain(name).isEmpty()) {
			PoolSpec pool = poolUnder(name);
			try {
				return this.store.scopeLive(pool, this.settings.scopeChain(name).get(0));
			}
			catch (DataAccessException ex) {
				throw unavailable(pool, ex);
			}
		}
		PoolSpec spec = poolSpec(name);
		try {
			return this.store.live(spec);
		}
		catch (DataAccessException ex) {
			throw unavailable(spec, ex);
		}
	}

	/**
	 * Replace the live settings of a pool or a scope for the whole fleet, from each JVM's
	 * next decision on; {@link LiveSettings#NONE} reverts it to its configuration. A
	 * scope takes limits only ({@link LiveSettings#validateScope}); every limit is
	 * checked against the limits in force above it, live ones included.
	 * @param name the pool or scope name
	 * @param live the new live settings
	 * @throws IllegalArgumentException if no pool or scope has that name, or a setting is
	 * invalid (naming it); nothing is stored then
	 * @throws QuotaStateUnavailableException if the store cannot be reached
	 * @throws UnsupportedOperationException if the store cannot change pools at runtime
	 */
	public void changeLive(String name, LiveSettings live) {
		if (!this.settings.pools().containsKey(name) && !this.settings.scopeChain(name).isEmpty()) {
			PoolSpec pool = poolUnder(name);
			try {
				List<ScopeSpec> chain = this.settings.scopeChain(name)
					.stream()
					.map((scope) -> this.store.scopeLive(pool, scope).applyTo(scope))
					.toList();
				live.validateScope(chain);
				this.store.changeScopeLive(pool, this.settings.scopeChain(name).get(0), live);
			}
			catch (DataAccessException ex) {
				throw unavailable(pool, ex);
			}
			return;
		}
		PoolSpec spec = poolSpec(name);
		try {
			PoolSpec withLiveScopes = LiveSettings.withLiveScopes(spec,
					(scope) -> this.store.scopeLive(spec, this.settings.scopeChain(scope).get(0)));
			live.validate(withLiveScopes, this.settings.classes());
			this.store.changeLive(spec, live);
		}
		catch (DataAccessException ex) {
			throw unavailable(spec, ex);
		}
	}

	// A pool under a scope: the scope's keys are under that pool's tree.
	private PoolSpec poolUnder(String scope) {
		return this.settings.pools().get(this.settings.poolsUnder(scope).get(0));
	}

	@Override
	public Backpressure backpressure(String model) {
		return Backpressure.of(state(this.settings.model(model).pool()));
	}

	@Override
	public List<String> pools() {
		return this.settings.pools().keySet().stream().sorted().toList();
	}

	@Override
	public PoolState state(String pool) {
		return state(poolSpec(pool));
	}

	@Override
	public List<TenantDemand> waitingTenants(String pool, int limit) {
		PoolSpec spec = poolSpec(pool);
		if (spec.tenants() == null) {
			return List.of();
		}
		return this.store.waitingTenants(spec, limit)
			.stream()
			.map((demand) -> demand.named(this.tenantIds.getOrDefault(demand.tenant(), demand.tenant())))
			.toList();
	}

	private PoolSpec poolSpec(String pool) {
		PoolSpec spec = this.settings.pools().get(pool);
		if (spec == null) {
			throw new IllegalArgumentException("'pool' " + pool + " is not configured (configured: " + pools()
					+ ((this.settings.scopes().isEmpty()) ? "" : ", scopes: " + this.settings.scopes().keySet()) + ")");
		}
		return spec;
	}

	private PoolState state(PoolSpec pool) {
		PoolSnapshot snapshot;
		try {
			snapshot = this.store.snapshot(pool);
		}
		catch (DataAccessException ex) {
			throw unavailable(pool, ex);
		}
		// Utilisation and limits against the limits the fleet applies now.
		return PoolStates.of(this.store.liveLimits(pool), snapshot, this.settings.classes());
	}

	private QuotaStateUnavailableException unavailable(PoolSpec pool, DataAccessException ex) {
		FailModeStore failMode = (this.store instanceof FailModeStore store) ? store : null;
		FailModeStore.Outage outage = (failMode != null) ? failMode.outage() : null;
		FailModeStore.LocalReading local = (failMode != null) ? failMode.localReading(pool) : null;
		PoolState localState = (local != null)
				? PoolStates.of(local.limits(), local.snapshot(), this.settings.classes()) : null;
		return (outage != null)
				? new QuotaStateUnavailableException(pool.name(), outage.failMode(), outage.since(), outage.cause(),
						localState, ex)
				: new QuotaStateUnavailableException(pool.name(), null, null, ex.getMessage(), localState, ex);
	}

	/**
	 * Choose the API key of a model whose pool has the most room: one read-only store
	 * call per key, made only for models with several keys. Keys that cool down come
	 * last, then keys with a queue; among the rest, the one whose tightest dimension is
	 * least used. The choice is advice, not a reservation: admission on the chosen pool
	 * stays atomic.
	 */
	private ModelSpec withMostHeadroom(List<ModelSpec> keys) {
		if (keys.size() == 1) {
			return keys.get(0);
		}
		ModelSpec best = keys.get(0);
		double bestHeadroom = Double.NEGATIVE_INFINITY;
		for (ModelSpec key : keys) {
			double headroom;
			try {
				headroom = headroom(key, state(key.pool()));
			}
			catch (RuntimeException ex) {
				headroom = Double.NEGATIVE_INFINITY;
			}
			if (headroom > bestHeadroom) {
				best = key;
				bestHeadroom = headroom;
			}
		}
		return best;
	}

	// The pool's headroom in [0, 1]; minus 1 with a queue, minus 2 cooling.
	private static double headroom(ModelSpec key, PoolState state) {
		if (state.cooldownOf(key.name()).compareTo(Duration.ZERO) > 0) {
			return -2;
		}
		return (state.totalQueued() > 0) ? state.headroom() - 1 : state.headroom();
	}

	// The charge to a user's or tenant's own limits, or null where none limits it.
	private UserCharge userCharge(UserLimits gate, String id, ModelSpec model, QuotaRequest request) {
		if (gate == null || id == null) {
			return null;
		}
		List<RateLimit> limits = gate.forUser(id);
		if (limits.isEmpty()) {
			return null;
		}
		return new UserCharge(hash(id), limits, model.reserve(request, limits));
	}

	private TenantShare tenantShare(PoolSpec pool, QuotaRequest request) {
		if (pool.tenants() == null) {
			return null;
		}
		// Requests without a tenant share one of their own, which no hash can name.
		String keyHash = (request.tenant() != null) ? hash(request.tenant()) : "-";
		if (request.tenant() != null) {
			this.tenantIds.put(keyHash, request.tenant());
		}
		long tokens = request.inputTokens() + request.maxOutputTokens();
		return new TenantShare(keyHash, pool.tenants().weightOf(request.tenant()),
				(tokens < 0) ? Long.MAX_VALUE : tokens);
	}

	// Raw user input never shapes a Redis key: braces would even change the hash slot.
	private static String hash(String user) {
		return Sha256.hex(user, 16);
	}

	// Against the limits the fleet applies now, which operators may have raised or
	// lowered. This JVM's view of them is as fresh as its last decision in the pool, so
	// a refusal is checked once more against the stored settings: a raised limit seen
	// late would otherwise refuse every large request without ever asking the store.
	private QuotaRejectedException cannotFitLive(PoolSpec pool, long[] cost, QuotaRequest request) {
		String scope = "pool '" + pool.name() + "'";
		QuotaRejectedException tooLarge = cannotFit(pool, this.store.liveLimits(pool).rates(), cost, request, scope);
		if (tooLarge == null) {
			return null;
		}
		try {
			return cannotFit(pool, this.store.live(pool).applyTo(pool).rates(), cost, request, scope);
		}
		catch (DataAccessException ex) {
			return tooLarge;
		}
	}

	// A scope's dimension is found in the cost vector by its place in the pool's charged
	// dimensions.
	private QuotaRejectedException cannotFitScopes(PoolSpec pool, long[] cost, QuotaRequest request) {
		for (ScopeSpec scope : pool.scopeChain()) {
			long[] scopeCost = new long[scope.rates().size()];
			for (int i = 0; i < scopeCost.length; i++) {
				scopeCost[i] = cost[pool.costIndexOf(scope.rates().get(i).dimension())];
			}
			QuotaRejectedException tooLarge = cannotFit(pool, scope.rates(), scopeCost, request,
					"scope '" + scope.name() + "'");
			if (tooLarge != null) {
				return tooLarge;
			}
		}
		return null;
	}

	private QuotaRejectedException cannotFit(PoolSpec pool, List<RateLimit> rates, long[] cost, QuotaRequest request,
			String scope) {
		// The cost vector may go on with dimensions only the pool's scopes limit.
		for (int i = 0; i < rates.size(); i++) {
			RateLimit rate = rates.get(i);
			if (cost[i] > rate.limit()) {
				return new QuotaRejectedException(pool.name(), RejectionReason.CANNOT_FIT, null,
						"Request for model '" + request.model() + "' needs " + cost[i] + " units of " + rate.dimension()
								+ " (inputTokens=" + request.inputTokens() + ", maxOutputTokens="
								+ request.maxOutputTokens() + ") but " + scope + " allows only " + rate.limit()
								+ ": it can never be admitted");
			}
		}
		return null;
	}

	private QuotaRejectedException rejection(PoolSpec pool, Admission admission, long maxWait) {
		RejectionReason reason = admission.reason();
		Duration retryAfter = Duration.ofMillis(Math.max(admission.delayMillis(), 0));
		String message = switch (reason) {
			case QUEUE_FULL -> "Waiting room of pool '" + pool.name() + "' is full";
			case USER_LIMIT ->
				"The user's quota in pool '" + pool.name() + "' is used up (fits again in about " + retryAfter + ")";
			case TENANT_LIMIT ->
				"The tenant's quota in pool '" + pool.name() + "' is used up (fits again in about " + retryAfter + ")";
			case DEADLINE -> "No quota in pool '" + pool.name() + "' within the wait budget of "
					+ Duration.ofMillis(maxWait) + " (fits in about " + retryAfter + ")";
			case PAUSED -> "Pool '" + pool.name() + "' admits no more requests of this priority class: an operator"
					+ " paused it (see /actuator/llmquota)";
			case BUDGET_EXHAUSTED -> "The request's worst-case cost would take a cost budget of pool '" + pool.name()
					+ "' past its hard cap (the budget's window ends in " + retryAfter + ")";
			default -> "Request rejected by pool '" + pool.name() + "': " + reason;
		};
		// Nobody can say when an operator resumes a class.
		return new QuotaRejectedException(pool.name(), reason, (reason != RejectionReason.PAUSED) ? retryAfter : null,
				message, admission.gateLimit());
	}

	// Not a QuotaRejectedException, which means "wait and retry": the provider said
	// waiting does not help, and the fallback chain skips the provider account, as it
	// does when the provider itself answers so.
	private static NonRetryableQuotaException exhausted(PoolSpec pool, ModelSpec model, long remainingMillis) {
		String until = (remainingMillis >= 0) ? " for another " + Duration.ofMillis(remainingMillis) : "";
		return new NonRetryableQuotaException(pool.name(), model.name(), ErrorClass.QUOTA_EXHAUSTED,
				"a call in the pool was refused for that reason, so the pool is marked exhausted fleet-wide" + until
						+ " (see /actuator/llmquota)");
	}

	private String poolOf(QuotaRequest request) {
		return this.settings.model(request.model()).pool().name();
	}

	private boolean startedForUse() {
		if (this.running.get()) {
			return true;
		}
		synchronized (this.lifecycleMonitor) {
			if (this.stopped) {
				return false;
			}
			start();
			return true;
		}
	}

	/**
	 * Start listening to the store, and the heartbeat and timer thread. Does nothing if
	 * the engine is running.
	 */
	@Override
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.running.get()) {
				return;
			}
			this.scheduler = Executors.newScheduledThreadPool(1, (runnable) -> {
				Thread thread = new Thread(runnable, "llm-quota-" + this.workerId);
				thread.setDaemon(true);
				return thread;
			});
			this.store.start(this.workerId, this);
			long beat = this.settings.heartbeatInterval().toMillis();
			this.heartbeat = this.scheduler.scheduleWithFixedDelay(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
			this.stopped = false;
			this.running.set(true);
		}
	}

	/**
	 * Stop the heartbeat and timers, and withdraw and fail every pending wait as
	 * {@link RejectionReason#CANCELLED}. Tickets still queued in a shared store are
	 * dropped by other JVMs once this one stops heart-beating. Requests made afterwards
	 * are rejected the same way until the engine is started again.
	 */
	@Override
	public void stop() {
		synchronized (this.lifecycleMonitor) {
			this.stopped = true;
			if (!this.running.compareAndSet(true, false)) {
				return;
			}
			this.heartbeat.cancel(false);
			// The deadlines of these waits die with the scheduler: without this, their
			// callers would block until the acquire() safety margin runs out.
			for (Waiter waiter : new ArrayList<>(this.waiters.values())) {
				withdraw(waiter.ticket.id());
				waiter.future.completeExceptionally(new QuotaRejectedException(waiter.pool.name(),
						RejectionReason.CANCELLED, null, "The quota engine stopped while the request waited"));
			}
			this.scheduler.shutdownNow();
			this.store.stop();
		}
	}

	/**
	 * Same as {@link #stop()}.
	 */
	@Override
	public void close() {
		stop();
	}

	@Override
	public boolean isRunning() {
		return this.running.get();
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	private record HeadTimer(String ticketId, ScheduledFuture<?> future) {
	}

	private static final class Waiter {

		private final PoolSpec pool;

		private final ModelSpec model;

		private final Ticket ticket;

		private final CompletableFuture<QuotaLease> future;

		private final LongFunction<QuotaLease> leaseFactory;

		private volatile ScheduledFuture<?> deadline;

		private volatile boolean queued;

		// From the acquire's answer, or from a grant pushed before that answer came back.
		private volatile long arrival;

		Waiter(PoolSpec pool, ModelSpec model, Ticket ticket, CompletableFuture<QuotaLease> future,
				LongFunction<QuotaLease> leaseFactory) {
			this.pool = pool;
			this.model = model;
			this.ticket = ticket;
			this.future = future;
			this.leaseFactory = leaseFactory;
		}

		QuotaLease lease() {
			return this.leaseFactory.apply(this.arrival);
		}

		void cancelDeadline() {
			ScheduledFuture<?> deadline = this.deadline;
			if (deadline != null) {
				deadline.cancel(false);
			}
		}

	}

}
