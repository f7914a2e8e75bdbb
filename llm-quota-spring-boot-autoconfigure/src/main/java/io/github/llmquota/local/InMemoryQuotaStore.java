package io.github.llmquota.local;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TenantDemand;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.BudgetCharge;
import io.github.llmquota.engine.BudgetLevel;
import io.github.llmquota.engine.FeedbackSettings;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.ScopeSnapshot;
import io.github.llmquota.engine.ScopeSpec;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.TenantShare;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.engine.UsageRings;
import io.github.llmquota.engine.UserCharge;

/**
 * A {@link QuotaStore} for one JVM, with the same decisions as the Redis script:
 * continuous buckets with class reserves, bounded debt, a waiting room in strict class
 * order and FIFO within a class (re-entries in their original arrival order), leases with
 * a hard expiry, per-user gates, cooldowns, exhausted marks and the adaptive multiplier.
 * It only sees this JVM's traffic, so use it when one instance talks to a provider
 * organisation. Thread-safe: each pool's decisions are serialised.
 * <p>
 * It is the script's twin, down to its floating-point steps, its head note and its bound
 * of 32 admissions per call, and a differential test holds the two to the same decisions.
 * One difference is by design: this store serves one JVM, so every waiting ticket is this
 * JVM's. It therefore reports one live worker (what the script reports for a fleet of
 * one), never drops tickets for a missed heartbeat, and tells its listener about the
 * blocked head only after a settle or cancel, as the script tells a worker about a head
 * it did not ask for.
 */
public class InMemoryQuotaStore implements QuotaStore {

	private final QuotaSettings settings;

	private final LongSupplier clock;

	private final Map<String, PoolState> pools = new ConcurrentHashMap<>();

	private final Map<String, LiveSettings> lives = new ConcurrentHashMap<>();

	// Replaced whole on each change, so that a pool's state sees by identity that its
	// scopes' limits moved, as the script sees a scope's version move.
	private volatile Map<String, LiveSettings> scopeLives = Map.of();

	// [scopes] The scopes' shared state, by name, and one lock per tree (by its root),
	// which every pool of the tree decides under: a decision reads and charges its scopes
	// as the script's one call does.
	private final Map<String, ScopeState> scopes = new ConcurrentHashMap<>();

	private final Map<String, Object> treeLocks = new ConcurrentHashMap<>();

	// [budgets] The script's budget keys of each tree, by key below the tree's prefix (a
	// pool's and a scope's alike, as Redis keeps them under one hash tag), read and
	// written under the tree's lock.
	private final Map<String, Map<String, KeptBudget>> treeBudgets = new ConcurrentHashMap<>();

	private volatile AdmissionListener listener;

	private volatile boolean admissionLog;

	private volatile boolean arrivalOrder;

	private volatile boolean tenantFifo;

	private volatile boolean budgetCheckOff;

	// The time cost budget windows are computed from: epoch milliseconds.
	private final LongSupplier wallClock;

	/**
	 * Create a store on the system's monotonic clock.
	 * @param settings the validated settings
	 */
	public InMemoryQuotaStore(QuotaSettings settings) {
		this(settings, () -> System.nanoTime() / 1_000_000, System::currentTimeMillis);
	}

	/**
	 * Create a store on the given clock.
	 * @param settings the validated settings
	 * @param clock the time in milliseconds, monotonic
	 */
	public InMemoryQuotaStore(QuotaSettings settings, LongSupplier clock) {
		this(settings, clock, clock);
	}

	private InMemoryQuotaStore(QuotaSettings settings, LongSupplier clock, LongSupplier wallClock) {
		this.settings = settings;
		this.clock = clock;
		this.wallClock = wallClock;
	}

	@Override
	public void start(String workerId, AdmissionListener listener) {
		this.listener = listener;
	}

	@Override
	public void stop() {
		this.listener = null;
	}

	@Override
	public Admission acquire(PoolSpec pool, Ticket ticket) {
		return state(pool).acquire(ticket);
	}

	@Override
	public void settle(PoolSpec pool, Settlement settlement) {
		state(pool).settle(settlement);
	}

	@Override
	public boolean charge(PoolSpec pool, String leaseId, long[] delta, long outputTokens, UserCharge user,
			long[] userDelta, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta) {
		return state(pool).charge(leaseId, delta, outputTokens, Gate.of(user, tenantLimit, userDelta, tenantDelta),
				budgets);
	}

	@Override
	public List<BudgetLevel> budgetLevels(PoolSpec pool, List<BudgetCharge> budgets) {
		return state(pool).budgetLevels(budgets);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The system's wall clock, or the clock this store was given.
	 */
	@Override
	public long timeMillis() {
		return this.wallClock.getAsLong();
	}

	/**
	 * Test-only: admit whatever the cost budgets say, as the Redis store's switch does.
	 * @param enabled whether to skip the budget check
	 */
	public void setBudgetCheckOffForTesting(boolean enabled) {
		this.budgetCheckOff = enabled;
	}

	/**
	 * Forget the cost budget windows of a pool's tree (the pool's own and its scopes'),
	 * as a Redis flush or an eviction forgets the script's budget keys. For tests that
	 * hold this store to the script.
	 * @param pool the pool name
	 */
	void loseBudgets(String pool) {
		PoolState state = this.pools.get(pool);
		if (state != null) {
			synchronized (state.lock) {
				state.budgets.clear();
			}
		}
	}

	/**
	 * Forget the cost budget windows of a pool's tree whose keys' lifetime has ended at
	 * the given time, as Redis expires the script's budget keys on its own clock. For
	 * tests that drive this store's clock and must expire the script's keys by the same
	 * clock.
	 * @param pool the pool name
	 * @param now the driven time, epoch milliseconds
	 * @return the budget keys (below the tree's key prefix, {@code <prefix>:{<tree>}:})
	 * that ended
	 */
	List<String> expireBudgets(String pool, long now) {
		PoolState state = this.pools.get(pool);
		List<String> ended = new ArrayList<>();
		if (state != null) {
			synchronized (state.lock) {
				state.budgets.entrySet().removeIf((entry) -> {
					boolean over = entry.getValue().expiry <= now;
					if (over) {
						ended.add(entry.getKey());
					}
					return over;
				});
			}
		}
		return ended;
	}

	@Override
	public void cancel(PoolSpec pool, String ticketId) {
		state(pool).cancel(ticketId);
	}

	@Override
	public PollResult poll(PoolSpec pool, List<String> ticketIds) {
		return state(pool).poll(ticketIds);
	}

	@Override
	public PoolSnapshot snapshot(PoolSpec pool) {
		return state(pool).snapshot();
	}

	@Override
	public List<TenantDemand> waitingTenants(PoolSpec pool, int limit) {
		return state(pool).waitingTenants(limit);
	}

	@Override
	public LiveSettings live(PoolSpec pool) {
		return this.lives.getOrDefault(pool.name(), LiveSettings.NONE);
	}

	@Override
	public PoolSpec liveLimits(PoolSpec pool) {
		Map<String, LiveSettings> scopeLives = this.scopeLives;
		return LiveSettings.withLiveScopes(live(pool).applyTo(pool),
				(scope) -> scopeLives.getOrDefault(scope, LiveSettings.NONE));
	}

	@Override
	public void changeLive(PoolSpec pool, LiveSettings live) {
		this.lives.put(pool.name(), live);
	}

	@Override
	public LiveSettings scopeLive(PoolSpec pool, ScopeSpec scope) {
		return this.scopeLives.getOrDefault(scope.name(), LiveSettings.NONE);
	}

	@Override
	public synchronized void changeScopeLive(PoolSpec pool, ScopeSpec scope, LiveSettings live) {
		Map<String, LiveSettings> changed = new HashMap<>(this.scopeLives);
		changed.put(scope.name(), live);
		this.scopeLives = Map.copyOf(changed);
	}

	/**
	 * Read the admission log of a pool, oldest first, when it is enabled. The entries
	 * read as in {@code RedisQuotaStore#admissionLog}:
	 * {@code "<admitted class rank> <overtaken> <queue sequence or 0> <ticket>"}, where
	 * {@code overtaken} counts the other waiting tickets of a strictly higher class
	 * (lower rank) that fitted at that moment by the rule the queue's head must pass. An
	 * entry with {@code overtaken > 0} is a priority inversion. For tests and benchmarks
	 * only.
	 * @param pool the pool name
	 * @return a copy of the entries
	 */
	public List<String> admissionLog(String pool) {
		PoolState state = this.pools.get(pool);
		if (state == null) {
			return List.of();
		}
		synchronized (state.lock) {
			return List.copyOf(state.log);
		}
	}

	/**
	 * Record every admission, as the Redis store's admission log does. For tests and
	 * benchmarks only: the log grows without bound while enabled, and each admission
	 * scans the whole waiting room.
	 * @param enabled whether to record admissions
	 */
	public void setAdmissionLog(boolean enabled) {
		this.admissionLog = enabled;
	}

	/**
	 * Admit waiting tickets in arrival order whatever their class: a deliberately broken
	 * order, so that tests can show the {@link #admissionLog(String) admission log}
	 * reports the inversions it causes. Queue caps, shedding and snapshots still see each
	 * ticket's class. For tests only.
	 * @param enabled whether to ignore the class when admitting from the queue
	 */
	public void setArrivalOrderForTesting(boolean enabled) {
		this.arrivalOrder = enabled;
	}

	/**
	 * Make every class wait in arrival order again, whatever the pool's
	 * {@link PoolSpec#tenants() tenant weights}, as
	 * {@code RedisQuotaStore.setTenantFifoForTesting} does: for tests only, to show that
	 * the fairness checks fail without fair sharing.
	 * @param enabled whether to ignore the tenants when queuing
	 */
	public void setTenantFifoForTesting(boolean enabled) {
		this.tenantFifo = enabled;
	}

	/**
	 * Forget the shared state of a pool, as a Redis restart without persistence, a flush
	 * or an eviction forgets the script's state hash: bucket levels, multiplier,
	 * cooldowns, the arrival sequence, the exhausted mark and the head note. Waiting
	 * tickets, leases, per-user buckets and usage counters are kept, as they live in keys
	 * of their own. The next decision restarts the pool with full buckets, as the script
	 * does for callers that knew the state. For tests that hold this store to the script:
	 * in one JVM the state is never lost.
	 * @param pool the pool name
	 */
	void loseState(String pool) {
		PoolState state = this.pools.get(pool);
		if (state != null) {
			synchronized (state.lock) {
				state.lose();
			}
		}
	}

	int waitingTickets(PoolSpec pool) {
		PoolState state = state(pool);
		synchronized (state.lock) {
			return state.queue.size();
		}
	}

	private PoolState state(PoolSpec pool) {
		LiveSettings live = live(pool);
		Map<String, LiveSettings> scopeLives = this.scopeLives;
		PoolState state = this.pools.computeIfAbsent(pool.name(), (name) -> new PoolState(pool));
		if (state.configured != pool || state.live != live || state.scopeLives != scopeLives) {
			state.limitTo(pool, live, scopeLives);
		}
		return state;
	}

	/**
	 * A bucket level that drains continuously, like one field pair of the Redis state
	 * hash: the level as last written and when. Reading it writes nothing, as in the
	 * script, so that both compute every level with the same floating-point steps.
	 */
	private static final class Level {

		private double used;

		private long at;

		double drained(long now, double ratePerMilli) {
			return (now > this.at) ? Math.max(0, this.used - (now - this.at) * ratePerMilli) : this.used;
		}

		void write(double used, long now) {
			this.used = used;
			this.at = now;
		}

	}

	/**
	 * A scope's shared state, as its keys in Redis hold it: the level of each dimension
	 * as last written, by dimension, and the leases of all its pools where it limits
	 * concurrency. Read and written under its tree's lock only.
	 */
	private static final class ScopeState {

		private final Map<Dimension, Level> levels = new EnumMap<>(Dimension.class);

		private final Map<String, Long> leases = new HashMap<>();

		// The head of a pool of the tree that fits its pool but not this scope, or null.
		private Claim claim;

		// Another ticket's claim of a strictly higher class, still alive: the scope is
		// left to it.
		boolean claimedAbove(Ticket ticket, long now) {
			return this.claim != null && this.claim.until() > now && !this.claim.ticket().equals(ticket.id())
					&& this.claim.rank() < ticket.rank();
		}

		// Leases expire at their score, as the script's count drops them.
		int leasesAt(long now) {
			this.leases.values().removeIf((expiry) -> expiry <= now);
			return this.leases.size();
		}

	}

	/**
	 * A scope as one pool's decision sees it: the pool's view of its limits, where each
	 * dimension sits in the pool's cost vectors, and its levels drained to the decision's
	 * time, as the script reads a scope once per call.
	 */
	private static final class ScopeView {

		private final ScopeSpec spec;

		private final ScopeState state;

		private final int[] costIndex;

		private final double[] used;

		private boolean dirty;

		ScopeView(ScopeSpec spec, ScopeState state, PoolSpec pool) {
			this.spec = spec;
			this.state = state;
			this.costIndex = new int[spec.rates().size()];
			for (int k = 0; k < this.costIndex.length; k++) {
				this.costIndex[k] = pool.costIndexOf(spec.rates().get(k).dimension());
			}
			this.used = new double[spec.rates().size()];
		}

		// A scope never written is empty, or full when the pool's state was lost with it.
		void load(long now, boolean lost) {
			this.dirty = false;
			for (int k = 0; k < this.used.length; k++) {
				RateLimit rate = this.spec.rates().get(k);
				Level level = this.state.levels.get(rate.dimension());
				if (level != null) {
					this.used[k] = level.drained(now, rate.ratePerMilli());
				}
				else if (lost) {
					this.used[k] = rate.capacity();
					this.dirty = true;
				}
				else {
					this.used[k] = 0;
				}
			}
		}

		void consume(int k, double amount) {
			this.used[k] += amount;
			this.dirty = true;
		}

		// Headers only tighten; normal refill loosens the bucket again.
		void tighten(PoolFeedback.ScopeReading reading) {
			for (int k = 0; k < this.used.length && k < reading.remaining().length; k++) {
				long remaining = reading.remaining()[k];
				double capacity = this.spec.rates().get(k).capacity();
				if (remaining >= 0 && remaining + reading.tolerance()[k] < capacity - this.used[k]) {
					this.used[k] = capacity - remaining;
					this.dirty = true;
				}
			}
		}

		void save(long now) {
			if (!this.dirty) {
				return;
			}
			for (int k = 0; k < this.used.length; k++) {
				this.state.levels.computeIfAbsent(this.spec.rates().get(k).dimension(), (d) -> new Level())
					.write(this.used[k], now);
			}
			this.dirty = false;
		}

		double cost(long[] cost, int k) {
			return (this.costIndex[k] < cost.length) ? cost[this.costIndex[k]] : 0;
		}

	}

	private final class PoolState {

		// The tree's lock: every decision of the pool, and of its tree's other pools.
		private final Object lock;

		// [scopes] The pool's scopes, nearest first.
		private List<ScopeView> scopes = List.of();

		// [scopes] The scopes the last ticket blocked() looked at fits its pool but not.
		private List<ScopeView> blockedAt = List.of();

		private static final long CLASS = 1L << 40;

		// The script bounds the work of one call: at most this many tickets leave the
		// queue.
		private static final int MAX_PUMP = 32;

		// [tenants] As the script's: sums stop at 2^53, and the admission counts of one
		// minute hold at most this many tenants.
		private static final long MAX_TOKENS = 1L << 53;

		private static final int MAX_ADMITTED_TENANTS = 1000;

		// Replaced when a call brings other limits, as the script takes them on every
		// call: the failover store's local share changes with the JVMs seen before each
		// outage.
		private volatile PoolSpec pool;

		// The pool as given and the live settings applied to it, as the script gets them
		// with its config: the limits in the pool, the rest below.
		private volatile PoolSpec configured;

		private volatile LiveSettings live = LiveSettings.NONE;

		private volatile Map<String, LiveSettings> scopeLives = Map.of();

		private boolean[] paused;

		private boolean[] shadowed;

		private Double pinnedMultiplier;

		// The levels of the current decision, drained to its time from the last written
		// ones.
		private final double[] used;

		private final double[] written;

		private boolean dirty;

		private final UsageRings rings;

		private final double[] consumed;

		// The gates' buckets, by the script's key suffix: u:<hash> or tl:<hash>.
		private final Map<String, Level[]> users = new HashMap<>();

		private final Map<String, Long> modelCooldowns = new HashMap<>();

		private final Map<String, Integer> modelFailures = new HashMap<>();

		private long at;

		private long sequence;

		// The exhausted mark (epoch ms) and the provider's reason, as the script's 'ex'
		// field.
		private long exhaustedUntil;

		private String exhaustedReason;

		private double multiplier = 1;

		private long cooldownUntil;

		private long lastCut;

		private boolean lost;

		// The blocked head and when it fits (epoch ms, -1 unknown), as last computed.
		private String headNote;

		private long headAt;

		private final TreeMap<Place, Ticket> queue = new TreeMap<>();

		private final Map<String, Place> queued = new HashMap<>();

		private final Map<String, Ticket> granted = new HashMap<>();

		private final Map<String, long[]> leases = new HashMap<>();

		private final Map<String, Long> deadlines = new HashMap<>();

		// A streaming lease's output so far, as its last charge reported it.
		private final Map<String, Long> streamOutput = new HashMap<>();

		private final List<String> log = new ArrayList<>();

		// The script's tenant tags ("n"): v<rank>, a class's virtual time, and
		// <rank>:<tenant hash>, a tenant's finish tag. Kept when the state is lost, as
		// that key is.
		private final Map<String, Double> tenantTags = new HashMap<>();

		// The script's admission counts ("a:<minute>"): per minute, per tenant hash, the
		// tokens admitted, at most MAX_ADMITTED_TENANTS tenants and the rest under "*".
		// Only the current and the previous minute are kept, the ones read. Kept when the
		// state is lost, as those keys are.
		private final TreeMap<Long, Map<String, Double>> admitted = new TreeMap<>();

		// [budgets] The script's budget keys of the pool's tree, by key below the tree's
		// prefix (budgetKey). Kept when the state is lost, as those keys are.
		private final Map<String, KeptBudget> budgets;

		// Whether this call found the state lost, as the script's st.lost.
		private boolean lostThisCall;

		PoolState(PoolSpec pool) {
			this.lock = InMemoryQuotaStore.this.treeLocks.computeIfAbsent(pool.tree(), (tree) -> new Object());
			this.pool = pool;
			this.budgets = InMemoryQuotaStore.this.treeBudgets.computeIfAbsent(pool.tree(), (tree) -> new HashMap<>());
			this.used = new double[pool.rates().size()];
			this.written = new double[pool.rates().size()];
			this.consumed = new double[pool.rates().size()];
			this.rings = new UsageRings(pool.rates().size());
			this.at = InMemoryQuotaStore.this.clock.getAsLong();
			limitTo(pool, LiveSettings.NONE, Map.of());
		}

		void limitTo(PoolSpec pool, LiveSettings live, Map<String, LiveSettings> scopeLives) {
			synchronized (this.lock) {
				if (pool.rates().size() != this.used.length) {
					throw new IllegalArgumentException("Pool '" + pool.name() + "' must keep its " + this.used.length
							+ " rate dimensions, was given " + pool.rates().size());
				}
				this.pool = live.applyTo(pool);
				this.configured = pool;
				this.live = live;
				List<PriorityClass> classes = InMemoryQuotaStore.this.settings.classes();
				this.paused = live.paused(classes);
				this.shadowed = live.shadowed(pool, InMemoryQuotaStore.this.settings);
				this.pinnedMultiplier = live.multiplier();
				this.scopeLives = scopeLives;
				this.scopes = LiveSettings
					.withLiveScopes(pool, (scope) -> scopeLives.getOrDefault(scope, LiveSettings.NONE))
					.scopeChain()
					.stream()
					.map((scope) -> new ScopeView(scope,
							InMemoryQuotaStore.this.scopes.computeIfAbsent(scope.name(), (name) -> new ScopeState()),
							pool))
					.toList();
			}
		}

		Admission acquire(Ticket ticket) {
			List<Runnable> news = new ArrayList<>();
			Admission admission;
			synchronized (this.lock) {
				long now = advanceAndRestart();
				admission = (this.shadowed != null && this.shadowed[ticket.rank()]) ? decideInShadow(ticket, now)
						: decide(ticket, now, news);
				if (admission.status() != Admission.Status.REJECTED) {
					chargeGates(Gate.of(ticket), 1, now);
				}
				if (admission.status() != Admission.Status.REJECTED) {
					budgetReserve(ticket, 1, now);
				}
				record(now);
			}
			news.forEach(Runnable::run);
			return admission;
		}

		private Admission decide(Ticket ticket, long now, List<Runnable> news) {
			if (this.paused != null && this.paused[ticket.rank()]) {
				return Admission.rejected(RejectionReason.PAUSED, Admission.UNKNOWN);
			}
			if (this.exhaustedUntil > now) {
				return Admission.rejected(RejectionReason.QUOTA_EXHAUSTED, this.exhaustedUntil - now);
			}
			// Per-user and per-tenant caps are gates at arrival: a user or tenant over
			// its quota never blocks the queue.
			Admission gated = gateRejection(ticket, now);
			if (gated != null) {
				return gated;
			}
			long budgetEta = budgetEta(ticket.budgets(), now);
			if (budgetEta > 0) {
				return Admission.rejected(RejectionReason.BUDGET_EXHAUSTED, budgetEta);
			}
			if (this.queue.isEmpty()) {
				double eta = blocked(ticket, now);
				if (eta == 0) {
					TenantTag tag = tagTenant(ticket);
					long arrival = arrival(ticket);
					admit(ticket, now, (tag != null) ? tag.start : null);
					keepFinishTag(ticket, tag);
					return Admission.granted(arrival);
				}
				if (ticket.maxWaitMillis() <= 0 || eta > ticket.maxWaitMillis()) {
					return Admission.rejected(RejectionReason.DEADLINE, delay(eta));
				}
			}
			long inClass = this.queue
				.subMap(Place.first(ticket.rank() * CLASS), Place.first((ticket.rank() + 1) * CLASS))
				.size();
			PriorityClass priorityClass = InMemoryQuotaStore.this.settings.classes().get(ticket.rank());
			if (inClass >= priorityClass.queueCapacity()) {
				return Admission.rejected(RejectionReason.QUEUE_FULL, delay(Math.max(blocked(ticket, now), 0)));
			}
			if (this.queue.size() >= InMemoryQuotaStore.this.settings.queueCapacity()) {
				Map.Entry<Place, Ticket> last = this.queue.lastEntry();
				if ((long) (last.getKey().score() / CLASS) > ticket.rank()) {
					// Shed the lowest-ranked ticket only when it is strictly lower in
					// class.
					drop(last.getValue(), now);
					news.add(() -> listener().dropped(this.pool.name(), last.getValue().id(), true));
				}
				else {
					return Admission.rejected(RejectionReason.QUEUE_FULL, delay(Math.max(blocked(ticket, now), 0)));
				}
			}
			TenantTag tag = tagTenant(ticket);
			long arrival = arrival(ticket);
			this.dirty = true;
			Place place = (tag != null) ? new Place(ticket.rank() * CLASS + tag.start, ticket.id(), arrival, tag.start)
					: new Place(ticket.rank() * CLASS + arrival, ticket.id(), arrival, null);
			this.queue.put(place, ticket);
			this.queued.put(ticket.id(), place);
			this.deadlines.put(ticket.id(), now + ticket.maxWaitMillis());
			Head head = pump(now, ticket.id(), false, news);
			if (!this.queued.containsKey(ticket.id()) && this.leases.containsKey(ticket.id())) {
				this.granted.remove(ticket.id());
				keepFinishTag(ticket, tag);
				return Admission.granted(arrival);
			}
			boolean ownHead = head != null && head.ticket.id().equals(ticket.id());
			if (ticket.maxWaitMillis() <= 0 || (ownHead && head.eta > ticket.maxWaitMillis())) {
				unqueue(ticket.id());
				releaseClaims(ticket.id());
				// Behind a blocked head, a retry can fit no sooner than the head does.
				double eta = (head != null) ? head.eta : blocked(ticket, now);
				return Admission.rejected(RejectionReason.DEADLINE, delay(Math.max(eta, 0)));
			}
			keepFinishTag(ticket, tag);
			// One JVM owns every ticket here, so the caller always owns the head.
			return (head != null) ? Admission.waiting(delay(head.eta), head.ticket.id(), arrival)
					: Admission.waiting(Admission.NONE, null, arrival);
		}

		// Shadow mode, as the script's shadowAcquire: decide as decide would, without
		// queuing, shedding or rejecting, then admit whatever the decision.
		private Admission decideInShadow(Ticket ticket, long now) {
			Admission.Status status = Admission.Status.GRANTED;
			RejectionReason reason = null;
			long wait = 0;
			Admission gated = gateRejection(ticket, now);
			if (this.paused != null && this.paused[ticket.rank()]) {
				status = Admission.Status.REJECTED;
				reason = RejectionReason.PAUSED;
				wait = Admission.UNKNOWN;
			}
			else if (this.exhaustedUntil > now) {
				status = Admission.Status.REJECTED;
				reason = RejectionReason.QUOTA_EXHAUSTED;
				wait = this.exhaustedUntil - now;
			}
			else if (gated != null) {
				status = Admission.Status.REJECTED;
				reason = gated.reason();
				wait = gated.delayMillis();
			}
			else {
				double eta = blocked(ticket, now);
				boolean queued = !this.queue.isEmpty();
				if (eta != 0 || queued) {
					wait = delay(eta);
					long inClass = this.queue
						.subMap(Place.first(ticket.rank() * CLASS), Place.first((ticket.rank() + 1) * CLASS))
						.size();
					int classCapacity = InMemoryQuotaStore.this.settings.classes().get(ticket.rank()).queueCapacity();
					status = Admission.Status.REJECTED;
					if (queued && inClass >= classCapacity) {
						reason = RejectionReason.QUEUE_FULL;
					}
					else if (ticket.maxWaitMillis() <= 0 || eta > ticket.maxWaitMillis()) {
						reason = RejectionReason.DEADLINE;
					}
					else {
						status = Admission.Status.WAITING;
					}
				}
			}
			long arrival = arrival(ticket);
			admit(ticket, now, null);
			return Admission.shadowed(arrival, new Admission.Shadow(status, reason, wait));
		}

		void settle(Settlement settlement) {
			List<Runnable> news = new ArrayList<>();
			synchronized (this.lock) {
				long now = advanceAndRestart();
				long[] lease = this.leases.remove(settlement.leaseId());
				this.scopes.forEach((scope) -> scope.state.leases.remove(settlement.leaseId()));
				this.granted.remove(settlement.leaseId());
				this.streamOutput.remove(settlement.leaseId());
				addDeltas(settlement.delta());
				chargeGates(Gate.of(settlement), 1, now);
				budgetSpend(settlement.budgets(), now);
				feedback(settlement.feedback(), (lease != null) ? lease[1] : null, settlement.model(), now);
				pump(now, null, true, news);
				record(now);
			}
			news.forEach(Runnable::run);
		}

		boolean charge(String leaseId, long[] delta, long outputTokens, List<Gate> gates, List<BudgetCharge> budgets) {
			synchronized (this.lock) {
				long now = advanceAndRestart();
				long[] lease = this.leases.get(leaseId);
				if (lease != null) {
					// The script keeps only the expiry, from which a later 429 reads when
					// the call was admitted: a stream counts as admitted at its last
					// charge.
					long leaseTimeout = InMemoryQuotaStore.this.settings.leaseTimeout().toMillis();
					lease[0] = Math.max(lease[0], now + leaseTimeout);
					lease[1] = lease[0] - leaseTimeout;
					// [scopes] The lease lives as long in every scope that counts it.
					long expiry = lease[0];
					this.scopes.forEach((scope) -> scope.state.leases.computeIfPresent(leaseId,
							(id, held) -> Math.max(held, expiry)));
					addDeltas(delta);
					// The user's and the tenant's buckets, as the script's chargeGates.
					chargeGates(gates, 1, now);
					budgetSpend(budgets, now);
					this.streamOutput.put(leaseId, outputTokens);
				}
				record(now);
				return lease != null;
			}
		}

		// Usage above the reservation is debt, bounded to one extra bucket.
		private void addDeltas(long[] delta) {
			for (int i = 0; i < this.used.length; i++) {
				double bound = capacity(i) * 2;
				consume(i, Math.min(Math.max(this.used[i] + delta[i], 0), bound) - this.used[i]);
			}
			// [scopes] The same on every scope, bounded by the scope's own bucket.
			for (ScopeView scope : this.scopes) {
				for (int k = 0; k < scope.used.length; k++) {
					double bound = scope.spec.rates().get(k).capacity() * 2;
					scope.consume(k,
							Math.min(Math.max(scope.used[k] + scope.cost(delta, k), 0), bound) - scope.used[k]);
				}
			}
		}

		void cancel(String ticketId) {
			List<Runnable> news = new ArrayList<>();
			synchronized (this.lock) {
				long now = advanceAndRestart();
				Place place = this.queued.get(ticketId);
				if (place != null) {
					drop(this.queue.get(place), now);
				}
				else {
					Ticket grant = this.granted.remove(ticketId);
					if (grant != null) {
						// Granted while the owner gave up: hand everything back.
						for (int i = 0; i < this.used.length; i++) {
							consume(i, -Math.min(grant.cost()[i], this.used[i]));
						}
						for (ScopeView scope : this.scopes) {
							for (int k = 0; k < scope.used.length; k++) {
								scope.consume(k, -Math.min(scope.cost(grant.cost(), k), scope.used[k]));
							}
							scope.state.leases.remove(ticketId);
						}
						chargeGates(Gate.of(grant), -1, now);
						budgetReserve(grant, -1, now);
						this.leases.remove(ticketId);
					}
				}
				pump(now, null, true, news);
				record(now);
			}
			news.forEach(Runnable::run);
		}

		PollResult poll(List<String> ticketIds) {
			List<Runnable> news = new ArrayList<>();
			PollResult result;
			synchronized (this.lock) {
				long now = advanceAndRestart();
				Head head = pump(now, null, false, news);
				List<TicketState> states = new ArrayList<>(ticketIds.size());
				for (String id : ticketIds) {
					states.add(this.queued.containsKey(id) ? TicketState.WAITING
							: this.granted.containsKey(id) ? TicketState.GRANTED
									: (this.exhaustedUntil > now) ? TicketState.EXHAUSTED : TicketState.DROPPED);
				}
				result = (head != null) ? new PollResult(states, delay(head.eta), head.ticket.id())
						: new PollResult(states, Admission.NONE, null);
				record(now);
			}
			news.forEach(Runnable::run);
			return result;
		}

		// As the script's countAdmitted.
		private void countAdmitted(TenantShare tenant, long now) {
			long minute = Math.floorDiv(now, 60_000L);
			this.admitted.headMap(minute - 1).clear();
			Map<String, Double> counts = this.admitted.computeIfAbsent(minute, (m) -> new HashMap<>());
			String field = (!counts.containsKey(tenant.keyHash()) && counts.size() >= MAX_ADMITTED_TENANTS) ? "*"
					: tenant.keyHash();
			counts.merge(field, (double) Math.min(tenant.tokens(), MAX_TOKENS), Double::sum);
		}

		// The tenants with the most tokens waiting, then the most admitted in the current
		// and the previous minute, as the script's waitingTenants: its sums stop at 2^53,
		// beyond which a double is no longer exact.
		List<TenantDemand> waitingTenants(int limit) {
			synchronized (this.lock) {
				long minute = Math.floorDiv(InMemoryQuotaStore.this.clock.getAsLong(), 60_000L);
				// waiting tokens, waiting requests, admitted tokens
				Map<String, long[]> demand = new HashMap<>();
				for (Ticket ticket : this.queue.values()) {
					TenantShare tenant = ticket.tenant();
					if (tenant != null) {
						long[] waiting = demand.computeIfAbsent(tenant.keyHash(), (hash) -> new long[3]);
						waiting[0] = Math.min(waiting[0] + Math.min(tenant.tokens(), MAX_TOKENS), MAX_TOKENS);
						waiting[1]++;
					}
				}
				long total = 0;
				for (Map<String, Double> counts : this.admitted.subMap(minute - 1, true, minute, true).values()) {
					for (Map.Entry<String, Double> count : counts.entrySet()) {
						long tokens = count.getValue().longValue();
						total = Math.min(total + tokens, MAX_TOKENS);
						if (!count.getKey().equals("*")) {
							long[] figures = demand.computeIfAbsent(count.getKey(), (hash) -> new long[3]);
							figures[2] = Math.min(figures[2] + tokens, MAX_TOKENS);
						}
					}
				}
				long admittedTotal = total;
				return demand.entrySet()
					.stream()
					.map((entry) -> new TenantDemand(entry.getKey(), entry.getValue()[0], (int) entry.getValue()[1],
							entry.getValue()[2], TenantDemand.share(entry.getValue()[2], admittedTotal)))
					.sorted(Comparator.comparingLong(TenantDemand::waitingTokens)
						.thenComparingLong(TenantDemand::admittedTokens)
						.reversed()
						.thenComparing(TenantDemand::tenant))
					.limit(limit)
					.toList();
			}
		}

		PoolSnapshot snapshot() {
			synchronized (this.lock) {
				return snapshotNow();
			}
		}

		private PoolSnapshot snapshotNow() {
			long now = advance();
			this.scopes.forEach((scope) -> scope.load(now, false));
			List<ScopeSnapshot> scopeSnapshots = this.scopes.stream()
				.map((scope) -> new ScopeSnapshot(scope.spec.name(), scope.used.clone(),
						(scope.spec.maxConcurrency() > 0)
								? scope.state.leases.values().stream().filter((expiry) -> expiry > now).count() : 0))
				.toList();
			long[] queuedPerClass = new long[InMemoryQuotaStore.this.settings.classes().size()];
			this.queue.keySet().forEach((place) -> queuedPerClass[(int) (place.score() / CLASS)]++);
			long headDelay = Admission.NONE;
			if (!this.queue.isEmpty()) {
				// What the last decision that found the head blocked said, as the script
				// keeps it.
				headDelay = (this.headAt < 0) ? Admission.UNKNOWN : Math.max(this.headAt - now, 0);
			}
			long[] modelCooldown = this.pool.models()
				.stream()
				.mapToLong((model) -> Math.max(this.modelCooldowns.getOrDefault(model, 0L) - now, 0))
				.toArray();
			return new PoolSnapshot(this.pool.name(), now, this.used.clone(), this.rings.trailingMinute(now),
					this.rings.lastHour(now), queuedPerClass, this.leases.size(), multiplier(),
					Math.max(this.cooldownUntil - now, 0), headDelay, modelCooldown, 1,
					Math.max(this.exhaustedUntil - now, 0), (this.exhaustedUntil > now) ? this.exhaustedReason : null,
					this.streamOutput.values().stream().mapToLong(Long::longValue).sum(), scopeSnapshots);
		}

		// Admit from the head while the head fits; nobody overtakes it. The caller's news
		// about the blocked head travels in its reply, so only settle and cancel announce
		// a head, and only when it or its time changed, as the script does for other
		// workers.
		private Head pump(long now, String own, boolean announce, List<Runnable> news) {
			if (this.exhaustedUntil > now) {
				// An exhausted pool admits nobody: every waiting ticket fails now, not at
				// its deadline.
				for (Ticket waiting : List.copyOf(this.queue.values())) {
					drop(waiting, now);
					news.add(() -> listener().exhausted(this.pool.name(), waiting.id()));
				}
				return null;
			}
			for (int handled = 0; handled < MAX_PUMP && !this.queue.isEmpty(); handled++) {
				Ticket head = nextInLine();
				if (this.deadlines.get(head.id()) < now) {
					drop(head, now);
					news.add(() -> listener().dropped(this.pool.name(), head.id(), false));
					continue;
				}
				double eta = blocked(head, now);
				if (eta != 0) {
					claimScopes(head, this.blockedAt, now);
					long at = (eta < 0) ? -1 : (long) Math.ceil(now + eta);
					if (announce && (!head.id().equals(this.headNote) || Math.abs(this.headAt - at) > 50)) {
						long delay = delay(eta);
						news.add(() -> listener().head(this.pool.name(), delay, head.id()));
					}
					if (!head.id().equals(this.headNote) || this.headAt != at) {
						this.headNote = head.id();
						this.headAt = at;
						this.dirty = true;
					}
					return new Head(head, eta);
				}
				Place place = this.queued.get(head.id());
				long arrival = place.arrival();
				admit(head, now, place.start());
				unqueue(head.id());
				this.granted.put(head.id(), head);
				if (!head.id().equals(own)) {
					news.add(() -> listener().granted(this.pool.name(), head.id(), arrival));
				}
			}
			return null;
		}

		// The best class, then the oldest; the arrival-order switch (tests only) takes
		// the oldest of any class instead, as the Redis script does.
		private Ticket nextInLine() {
			if (!InMemoryQuotaStore.this.arrivalOrder) {
				return this.queue.firstEntry().getValue();
			}
			return this.queue.entrySet()
				.stream()
				.min(Comparator.comparingDouble((entry) -> entry.getKey().score() % CLASS))
				.orElseThrow()
				.getValue();
		}

		// How long until the ticket fits: 0 = now, -1 = unknown (waits for a lease to
		// end).
		private double blocked(Ticket ticket, long now) {
			double eta = Math.max(0, this.cooldownUntil - now);
			eta = Math.max(eta, this.modelCooldowns.getOrDefault(ticket.model(), 0L) - now);
			double allowedShare = 1 - InMemoryQuotaStore.this.settings.classes().get(ticket.rank()).reserve();
			long lookahead = InMemoryQuotaStore.this.settings.admissionLookahead().toMillis();
			for (int i = 0; i < this.used.length; i++) {
				double allowed = capacity(i) * allowedShare;
				double need = Math.min(ticket.cost()[i], allowed);
				double over = this.used[i] + need - allowed;
				// Within the lookahead the ticket counts as fitting, as in the Redis
				// script.
				if (over > 1e-9 && over / rate(i) > lookahead) {
					eta = Math.max(eta, over / rate(i));
				}
			}
			// A slot comes back when a call ends, which nobody can predict; settle pumps
			// the queue.
			boolean poolFull = this.pool.maxConcurrency() > 0 && this.leases.size() >= this.pool.maxConcurrency();
			// [scopes] Every scope of the chain by the same rule, the class's reserve
			// included; the scopes it has no room in are noted for the pump's claims,
			// where the ticket fits its pool itself.
			boolean poolFits = eta == 0 && !poolFull;
			boolean unknown = false;
			List<ScopeView> shortOf = new ArrayList<>();
			for (ScopeView scope : this.scopes) {
				if (scope.state.claimedAbove(ticket, now)) {
					unknown = true;
					poolFits = false;
				}
				boolean room = true;
				for (int k = 0; k < scope.used.length; k++) {
					RateLimit rate = scope.spec.rates().get(k);
					double allowed = rate.capacity() * allowedShare;
					double need = Math.min(scope.cost(ticket.cost(), k), allowed);
					double over = scope.used[k] + need - allowed;
					if (over > 1e-9 && over / rate.ratePerMilli() > lookahead) {
						room = false;
						eta = Math.max(eta, over / rate.ratePerMilli());
					}
				}
				if (scope.spec.maxConcurrency() > 0 && scope.state.leasesAt(now) >= scope.spec.maxConcurrency()) {
					room = false;
					unknown = true;
				}
				if (!room) {
					shortOf.add(scope);
				}
			}
			this.blockedAt = poolFits ? shortOf : List.of();
			return (poolFull || unknown) ? -1 : eta;
		}

		// [scopes] Claim the scopes the blocked head fits its pool but not, for a
		// worker's lifetime; a claim of a higher class is never taken.
		private void claimScopes(Ticket head, List<ScopeView> shortOf, long now) {
			long until = now + InMemoryQuotaStore.this.settings.heartbeatInterval().toMillis() * 3;
			for (ScopeView scope : shortOf) {
				if (!scope.state.claimedAbove(head, now)) {
					scope.state.claim = new Claim(head.rank(), until, head.id());
				}
			}
		}

		// [scopes] A ticket admitted or gone gives back the claims it holds.
		private void releaseClaims(String id) {
			for (ScopeView scope : this.scopes) {
				if (scope.state.claim != null && scope.state.claim.ticket().equals(id)) {
					scope.state.claim = null;
				}
			}
		}

		// start: the ticket's start tag where its pool shares classes between tenants,
		// which the class's virtual time takes.
		private void admit(Ticket ticket, long now, Double start) {
			if (InMemoryQuotaStore.this.admissionLog) {
				// Before the charge, as in the Redis script.
				Place place = this.queued.get(ticket.id());
				this.log.add(ticket.rank() + " " + overtaken(ticket, now) + " "
						+ ((place != null) ? place.arrival() : 0) + " " + ticket.id());
			}
			if (start != null) {
				this.tenantTags.put("v" + ticket.rank(), start);
			}
			if (ticket.tenant() != null) {
				countAdmitted(ticket.tenant(), now);
			}
			for (int i = 0; i < this.used.length; i++) {
				consume(i, ticket.cost()[i]);
			}
			long leaseTimeout = InMemoryQuotaStore.this.settings.leaseTimeout().toMillis();
			this.leases.put(ticket.id(), new long[] { now + leaseTimeout, now });
			releaseClaims(ticket.id());
			for (ScopeView scope : this.scopes) {
				for (int k = 0; k < scope.used.length; k++) {
					scope.consume(k, scope.cost(ticket.cost(), k));
				}
				if (scope.spec.maxConcurrency() > 0) {
					scope.state.leases.put(ticket.id(), now + leaseTimeout);
				}
			}
		}

		// Waiting tickets other than the admitted one, of a strictly higher class, that
		// fit now by the rule the pump applies to its head. Read from the tickets, never
		// from the queue's order, so that a broken order shows.
		private int overtaken(Ticket admitted, long now) {
			int count = 0;
			for (Ticket other : this.queue.values()) {
				if (!other.id().equals(admitted.id()) && other.rank() < admitted.rank()
						&& this.deadlines.get(other.id()) >= now && blocked(other, now) == 0) {
					count++;
				}
			}
			return count;
		}

		private void feedback(PoolFeedback feedback, Long admittedAt, String model, long now) {
			if (feedback == null) {
				return;
			}
			FeedbackSettings tuning = InMemoryQuotaStore.this.settings.feedback();
			if (feedback.remaining() != null) {
				for (int i = 0; i < this.used.length; i++) {
					long remaining = feedback.remaining()[i];
					// Headers only tighten; normal refill loosens the bucket again.
					if (remaining >= 0 && remaining + feedback.tolerance()[i] < capacity(i) - this.used[i]) {
						this.used[i] = capacity(i) - remaining;
						this.dirty = true;
					}
				}
			}
			// [scopes] A provider level's readings tighten the scope that mirrors it, by
			// the same rule against the scope's own bucket.
			if (feedback.scopes() != null) {
				for (int k = 0; k < this.scopes.size() && k < feedback.scopes().size(); k++) {
					PoolFeedback.ScopeReading reading = feedback.scopes().get(k);
					if (reading != null) {
						this.scopes.get(k).tighten(reading);
					}
				}
			}
			switch (feedback.kind()) {
				case RATE_LIMITED -> {
					if (feedback.retryAfterMillis() > 0) {
						this.cooldownUntil = Math.max(this.cooldownUntil, now + feedback.retryAfterMillis());
					}
					// One cut per round trip: only calls admitted after the last cut may
					// cut again.
					if (admittedAt == null || admittedAt > this.lastCut) {
						// A pinned multiplier is neither cut nor recovered.
						if (this.pinnedMultiplier == null) {
							this.multiplier = Math.max(this.multiplier * tuning.multiplierCut(),
									tuning.multiplierFloor());
						}
						this.lastCut = now;
					}
					this.dirty = true;
				}
				case OVERLOADED -> {
					int failures = this.modelFailures.merge(model, 1, Integer::sum);
					long backoff = Math.min(tuning.overloadCooldown().toMillis() << Math.min(failures - 1, 30),
							tuning.maxOverloadCooldown().toMillis());
					this.modelCooldowns.put(model, now + backoff);
					this.dirty = true;
				}
				case SUCCESS -> {
					if (this.multiplier < 1 && this.pinnedMultiplier == null) {
						this.multiplier = Math.min(1, this.multiplier + tuning.multiplierRecovery());
						this.dirty = true;
					}
					boolean cooling = this.modelFailures.remove(model) != null;
					if (this.modelCooldowns.remove(model) != null || cooling) {
						this.dirty = true;
					}
				}
				case EXHAUSTED -> {
					// The provider quota is used up: mark the pool; pump fails the
					// waiting.
					long until = now + feedback.retryAfterMillis();
					if (until >= this.exhaustedUntil) {
						this.exhaustedUntil = until;
						// The script keeps no reason as an empty one, which reads back as
						// none.
						this.exhaustedReason = (feedback.reason() != null && !feedback.reason().isEmpty())
								? feedback.reason() : null;
					}
					this.dirty = true;
				}
				// A scope's 429 did what it does through the readings above.
				case NONE, SCOPE_RATE_LIMITED -> {
				}
			}
		}

		// The rejection by the gate that waits longest (the first on a tie), as the
		// script's gateRejection; null when every gate fits the ticket.
		private Admission gateRejection(Ticket ticket, long now) {
			Admission worst = null;
			double worstEta = 0;
			for (Gate gate : Gate.of(ticket)) {
				UserCharge user = gate.charge();
				Level[] levels = userLevels(gate);
				for (int i = 0; i < levels.length; i++) {
					RateLimit rate = user.limits().get(i);
					double level = levels[i].drained(now, rate.ratePerMilli());
					double need = Math.min(user.cost()[i], rate.capacity());
					double over = level + need - rate.capacity();
					if (over > 1e-9 && over / rate.ratePerMilli() > worstEta) {
						worstEta = over / rate.ratePerMilli();
						worst = Admission.rejectedAtGate(gate.reason(), delay(worstEta),
								user.bindingLimit(i, (long) Math.max(Math.floor(rate.capacity() - level), 0),
										(long) Math.ceil(level / rate.ratePerMilli())));
					}
				}
			}
			return worst;
		}

		private void chargeGates(List<Gate> gates, int sign, long now) {
			for (Gate gate : gates) {
				Level[] levels = userLevels(gate);
				for (int i = 0; i < levels.length; i++) {
					RateLimit rate = gate.charge().limits().get(i);
					double level = levels[i].drained(now, rate.ratePerMilli()) + sign * gate.amounts()[i];
					levels[i].write(Math.min(Math.max(level, 0), rate.capacity() * 2), now);
				}
			}
		}

		private Level[] userLevels(Gate gate) {
			UserCharge user = gate.charge();
			return this.users.computeIfAbsent(gate.prefix() + user.keyHash(), (key) -> {
				Level[] levels = new Level[user.limits().size()];
				for (int i = 0; i < levels.length; i++) {
					levels[i] = new Level();
					levels[i].at = InMemoryQuotaStore.this.clock.getAsLong();
				}
				return levels;
			});
		}

		private void drop(Ticket ticket, long now) {
			unqueue(ticket.id());
			releaseClaims(ticket.id());
			chargeGates(Gate.of(ticket), -1, now);
			budgetReserve(ticket, -1, now);
		}

		List<BudgetLevel> budgetLevels(List<BudgetCharge> budgets) {
			synchronized (this.lock) {
				// A read, as the script's snapshot: it never finds the state lost.
				this.lostThisCall = false;
				long now = InMemoryQuotaStore.this.clock.getAsLong();
				List<BudgetLevel> levels = new ArrayList<>(budgets.size());
				for (BudgetCharge budget : budgets) {
					KeptBudget level = budgetLevel(budget, now);
					levels.add(new BudgetLevel(level.spent(), level.reserved));
				}
				return levels;
			}
		}

		// [budgets] As the script's budgetLevel: a missing window reads as the caller's
		// floor, or as fully spent when this call found the state lost and no floor is
		// known (in the current slot of a rolling window); a copy, with the slots of a
		// rolling window that aged out left out.
		private KeptBudget budgetLevel(BudgetCharge budget, long now) {
			KeptBudget kept = this.budgets.get(budgetKey(budget));
			KeptBudget level = new KeptBudget(budget.slotMillis(), now);
			// A window past its key's lifetime is gone, as Redis has expired the key.
			if (kept != null && kept.expiry > now) {
				level.reserved = kept.reserved;
				level.spent = kept.spent;
				kept.slots.forEach((index, spent) -> {
					if (index > level.current - BudgetCharge.ROLLING_SLOTS) {
						level.slots.put(index, spent);
					}
				});
				return level;
			}
			long spent = (budget.floorMicros() != null) ? budget.floorMicros()
					: (this.lostThisCall && budget.limitMicros() != null) ? budget.limitMicros() : 0;
			level.spend(spent);
			return level;
		}

		// [budgets] As the script's budgetEta: until the end of the latest calendar
		// window whose cap the ticket's worst case would pass, or until enough of a
		// rolling window's oldest slots age out; 0 when it fits.
		private long budgetEta(List<BudgetCharge> budgets, long now) {
			if (budgets == null || InMemoryQuotaStore.this.budgetCheckOff) {
				return 0;
			}
			long eta = 0;
			for (BudgetCharge budget : budgets) {
				if (budget.limitMicros() != null) {
					KeptBudget level = budgetLevel(budget, now);
					long over = level.spent() + level.reserved + budget.amountMicros() - budget.limitMicros();
					if (over > 0) {
						long wait = (budget.slotMillis() != null) ? level.ageOut(over, budget.slotMillis(), now)
								: budget.windowEndMillis() - now;
						eta = Math.max(eta, Math.max(wait, 1));
					}
				}
			}
			return eta;
		}

		private void budgetAdd(BudgetCharge budget, long spent, long reserved, long now) {
			KeptBudget level = budgetLevel(budget, now);
			if (!this.budgets.containsKey(budgetKey(budget))) {
				// Windows expire an hour past their end, as the script's keys do.
				this.budgets.values().removeIf((kept) -> kept.expiry <= now);
			}
			level.spend(spent);
			level.reserved = Math.max(level.reserved + reserved, 0);
			level.expiry = Math.max(budget.windowEndMillis(), now) + BUDGET_TTL_MARGIN;
			this.budgets.put(budgetKey(budget), level);
		}

		// [budgets] A budget window's key below its tree's prefix, as the script names
		// it: under the chain scope the budget applies to, else under the pool's base (a
		// pool without scopes has the tree's prefix as its base).
		private String budgetKey(BudgetCharge budget) {
			if (this.pool.scopeChain().isEmpty()) {
				return budget.key();
			}
			boolean ofScope = budget.scope() != null
					&& this.pool.scopeChain().stream().anyMatch((scope) -> scope.name().equals(budget.scope()));
			return (ofScope ? "scope=" + budget.scope() : this.pool.name()) + ":" + budget.key();
		}

		private void budgetReserve(Ticket ticket, int sign, long now) {
			if (ticket.budgets() != null) {
				for (BudgetCharge budget : ticket.budgets()) {
					budgetAdd(budget, 0, sign * budget.amountMicros(), now);
				}
			}
		}

		private void budgetSpend(List<BudgetCharge> budgets, long now) {
			if (budgets != null) {
				for (BudgetCharge budget : budgets) {
					budgetAdd(budget, budget.amountMicros(),
							-((budget.releaseMicros() != null) ? budget.releaseMicros() : 0), now);
				}
			}
		}

		private void unqueue(String id) {
			Place place = this.queued.remove(id);
			if (place != null) {
				this.queue.remove(place);
			}
			this.deadlines.remove(id);
		}

		private void consume(int dimension, double amount) {
			this.used[dimension] += amount;
			this.consumed[dimension] += amount;
			this.dirty = true;
		}

		// Like the script's save: only a decision that changed the state writes its
		// levels, so that both drain every bucket in the same floating-point steps.
		private void record(long now) {
			this.scopes.forEach((scope) -> scope.save(now));
			if (this.dirty) {
				System.arraycopy(this.used, 0, this.written, 0, this.used.length);
				this.at = now;
				this.dirty = false;
			}
			this.rings.add(now, this.consumed);
			java.util.Arrays.fill(this.consumed, 0);
		}

		private double capacity(int dimension) {
			return this.pool.rates().get(dimension).capacity() * multiplier();
		}

		private double rate(int dimension) {
			return this.pool.rates().get(dimension).ratePerMilli() * multiplier();
		}

		private double multiplier() {
			return (this.pinnedMultiplier != null) ? this.pinnedMultiplier : this.multiplier;
		}

		// A lost state restarts with full buckets, so that the fleet does not flood a
		// provider whose own buckets are still drained; a snapshot only reads.
		private long advanceAndRestart() {
			long now = advance();
			boolean lost = this.lost;
			this.lostThisCall = lost;
			if (lost) {
				// Full buckets as configured, whatever the multiplier, as the script.
				for (int i = 0; i < this.used.length; i++) {
					this.used[i] = this.pool.rates().get(i).capacity();
				}
				this.lost = false;
				this.dirty = true;
			}
			this.scopes.forEach((scope) -> scope.load(now, lost));
			return now;
		}

		// An arrival this pool never issued (another pool's, or one from before the state
		// was lost) is a new arrival: it must never jump ahead, nor reach into another
		// class.
		private long arrival(Ticket ticket) {
			return reentering(ticket) ? ticket.arrival() : nextSequence();
		}

		private boolean reentering(Ticket ticket) {
			return ticket.arrival() > 0 && ticket.arrival() <= this.sequence;
		}

		// The ticket's start tag and the finish tag it gives its tenant once admitted or
		// waiting (null when it moves none), as the script's tagTenant; null outside fair
		// sharing.
		private TenantTag tagTenant(Ticket ticket) {
			TenantShare tenant = ticket.tenant();
			if (this.pool.tenants() == null || InMemoryQuotaStore.this.tenantFifo || tenant == null) {
				return null;
			}
			double virtual = this.tenantTags.getOrDefault("v" + ticket.rank(), 0.0);
			if (reentering(ticket)) {
				return new TenantTag(virtual, null);
			}
			double start = Math.max(virtual, this.tenantTags.getOrDefault(finishField(ticket), 0.0));
			return new TenantTag(start, start + Math.max(tenant.tokens(), 1) / tenant.weight());
		}

		private void keepFinishTag(Ticket ticket, TenantTag tag) {
			if (tag != null && tag.finish != null) {
				this.tenantTags.put(finishField(ticket), tag.finish);
			}
		}

		private static String finishField(Ticket ticket) {
			return ticket.rank() + ":" + ticket.tenant().keyHash();
		}

		// The sequence lives in the script's state hash: when that is lost it restarts
		// behind the tickets still waiting, or new arrivals would overtake them within
		// their class.
		private long nextSequence() {
			if (this.sequence == 0) {
				this.sequence = this.queue.keySet()
					.stream()
					.mapToLong((place) -> (long) Math.floor(place.score() % CLASS))
					.max()
					.orElse(0);
			}
			this.dirty = true;
			return ++this.sequence;
		}

		void lose() {
			this.sequence = 0;
			java.util.Arrays.fill(this.used, 0);
			java.util.Arrays.fill(this.written, 0);
			this.multiplier = 1;
			this.cooldownUntil = 0;
			this.exhaustedUntil = 0;
			this.exhaustedReason = null;
			this.lastCut = 0;
			this.headNote = null;
			this.headAt = 0;
			this.modelCooldowns.clear();
			this.modelFailures.clear();
			this.lost = true;
		}

		private long advance() {
			long now = InMemoryQuotaStore.this.clock.getAsLong();
			for (int i = 0; i < this.used.length; i++) {
				this.used[i] = (now > this.at) ? Math.max(0, this.written[i] - (now - this.at) * rate(i))
						: this.written[i];
			}
			this.leases.values().removeIf((lease) -> lease[0] <= now);
			this.granted.keySet().retainAll(this.leases.keySet());
			this.streamOutput.keySet().retainAll(this.leases.keySet());
			return now;
		}

		private static long delay(double eta) {
			return (eta < 0) ? Admission.UNKNOWN : (long) Math.ceil(eta);
		}

		private AdmissionListener listener() {
			AdmissionListener listener = InMemoryQuotaStore.this.listener;
			return (listener != null) ? listener : NO_LISTENER;
		}

	}

	private record Head(Ticket ticket, double eta) {
	}

	// A scope's claim, as the script's "w" field: the claiming ticket's class rank, until
	// when it holds, and the ticket.
	private record Claim(int rank, long until, String ticket) {
	}

	/**
	 * A place in the waiting room, ordered as a Redis sorted set orders its members: by
	 * score, then by id. Two tickets may share a score when a caller re-enters twice with
	 * the same arrival, or two tenants' tickets the same start tag. The arrival and the
	 * start tag (null outside fair sharing between tenants) ride along, as in the
	 * script's ticket.
	 */
	private record Place(double score, String id, long arrival, Double start) implements Comparable<Place> {

		// Before every id: the bound of a range of scores.
		static Place first(long score) {
			return new Place(score, "", 0, null);
		}

		@Override
		public int compareTo(Place other) {
			int byScore = Double.compare(this.score, other.score);
			return (byScore != 0) ? byScore : this.id.compareTo(other.id);
		}

	}

	private record TenantTag(double start, Double finish) {
	}

	private static final long BUDGET_TTL_MARGIN = 3_600_000;

	/**
	 * A budget window as the script keeps it: spent (per slot, for a rolling window) and
	 * reserved, in micro-units, and when the key expires.
	 */
	private static final class KeptBudget {

		// A calendar window keeps its spend in slot 0, which never ages out.
		private final TreeMap<Long, Long> slots = new TreeMap<>();

		private final long current;

		private long spent;

		private long reserved;

		private long expiry;

		KeptBudget(Long slotMillis, long now) {
			this.current = (slotMillis != null) ? Math.floorDiv(now, slotMillis) : Long.MAX_VALUE / 2;
		}

		long spent() {
			return this.slots.isEmpty() ? this.spent : this.slots.values().stream().mapToLong(Long::longValue).sum();
		}

		void spend(long amount) {
			if (this.current == Long.MAX_VALUE / 2) {
				this.spent += amount;
			}
			else if (amount != 0 || this.slots.containsKey(this.current)) {
				this.slots.merge(this.current, amount, Long::sum);
			}
		}

		// As the script's rollingEta: when the oldest slots that free over have aged out.
		long ageOut(long over, long slotMillis, long now) {
			long freed = 0;
			for (Map.Entry<Long, Long> slot : this.slots.entrySet()) {
				freed += slot.getValue();
				if (freed >= over) {
					return (slot.getKey() + BudgetCharge.ROLLING_SLOTS) * slotMillis - now;
				}
			}
			return (this.current + BudgetCharge.ROLLING_SLOTS) * slotMillis - now;
		}

	}

	/**
	 * A gate a request passes at arrival, as the script's GATES: its user's limits, kept
	 * under "u:", or its tenant's, under "tl:", with what to charge them (the costs of a
	 * ticket, the deltas of a settlement).
	 */
	private record Gate(String prefix, RejectionReason reason, UserCharge charge, long[] amounts) {

		static List<Gate> of(Ticket ticket) {
			return of(ticket.user(), ticket.tenantLimit(), (ticket.user() != null) ? ticket.user().cost() : null,
					(ticket.tenantLimit() != null) ? ticket.tenantLimit().cost() : null);
		}

		static List<Gate> of(Settlement settlement) {
			return of(settlement.user(), settlement.tenantLimit(), settlement.userDelta(), settlement.tenantDelta());
		}

		static List<Gate> of(UserCharge user, UserCharge tenant, long[] userAmounts, long[] tenantAmounts) {
			List<Gate> gates = new ArrayList<>(2);
			if (user != null) {
				gates.add(new Gate("u:", RejectionReason.USER_LIMIT, user, userAmounts));
			}
			if (tenant != null) {
				gates.add(new Gate("tl:", RejectionReason.TENANT_LIMIT, tenant, tenantAmounts));
			}
			return gates;
		}

	}

	private static final AdmissionListener NO_LISTENER = AdmissionListener.none();

}
