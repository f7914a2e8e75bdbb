package io.github.llmquota.local;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Provider;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.BudgetCharge;
import io.github.llmquota.engine.BudgetLevel;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.FeedbackSettings;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore.PollResult;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.ScopeSnapshot;
import io.github.llmquota.engine.ScopeSpec;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.TenantShare;
import io.github.llmquota.engine.TenantWeights;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.engine.UserCharge;
import io.github.llmquota.engine.UserLimits;
import io.github.llmquota.redis.RedisQuotaStore;

/**
 * Holds the Lua script (in a real Redis) and the in-memory store to the same random
 * operations on one driven clock, and fails at the first decision, listener message or
 * snapshot field on which they disagree. Everything random, the pool's shape included,
 * comes from one seed, so a failure replays exactly: the failure message says how.
 * <p>
 * What is compared, and how exactly:
 * <ul>
 * <li>every {@link Admission} and {@link PollResult}: exactly;</li>
 * <li>the messages each store's {@link AdmissionListener} gets for each operation:
 * exactly, but in no particular order, since the Redis store's listener container
 * delivers each message on a thread of its own;</li>
 * <li>after every operation, every field of the pool's {@link PoolSnapshot}: exactly for
 * counts, times and delays; bucket levels within {@value #LEVEL_TOLERANCE} (the script
 * reports them with three decimals); the multiplier within {@value #MULTIPLIER_TOLERANCE}
 * (six decimals); consumption counters within {@value #LEVEL_TOLERANCE} per write the
 * script made to them, because each write stores a counter rounded to three
 * decimals.</li>
 * </ul>
 * Floating point needs no more tolerance than that: both stores drain buckets in the same
 * steps from the same full-precision levels, so decisions and delays agree to the bit.
 * <p>
 * The operations: acquires at every class (some with a zero wait, some bigger than the
 * bucket, some charged to a user, some in bursts of small requests, some re-entering with
 * the arrival an earlier admission reported, or with one the pool never issued), settles
 * below, on and above the reservation with no feedback, success, 429s with and without
 * retry-after, overloads, exhausted provider quotas and tighter remaining headers (under
 * a tree, also of the provider levels its scopes mirror); cancels of waiting, granted and
 * unknown tickets; streaming charges of held, ended and expired leases, a user's charging
 * its buckets too; polls; live settings as an operator changes them (shadow mode on and
 * off, so that acquires run in shadow mode for a while, a paused class, a pinned
 * multiplier, a changed limit, and back to the configuration); time steps from a
 * millisecond to two hours, some to exactly a lease's end; and the loss of the script's
 * state hash, which the in-memory store models with
 * {@link InMemoryQuotaStore#loseState(String)}. Most pools fall under one or two random
 * cost budgets (a cap or none, windows of a minute to two hours that roll over on the
 * driven clock, some per user, under a tree half of them on a random scope of the chain,
 * which the sibling pool's calls reserve and spend too): acquires reserve random worst
 * cases, some with the floor the caller saw; settles and stream charges spend below, on
 * and above the reservation; the budget keys are lost now and then, alone or with the
 * state hash ({@link InMemoryQuotaStore#loseBudgets(String)}); and every budget window's
 * spend and reservations are compared exactly after every operation.
 * <p>
 * One worker: the in-memory store serves one JVM, so every ticket is that JVM's and both
 * stores report one live worker (compared, not masked). What the script does for a fleet
 * (dropping a silent worker's tickets, telling a worker about a head it did not ask for)
 * is outside the twin's contract and covered by the Redis fleet tests. The heartbeat is
 * part of the model: while tickets wait, time moves in steps of at most one heartbeat
 * interval, each followed by a poll, as the engine does; otherwise the script would
 * rightly drop the tickets of a worker that stopped beating. Grant records, which Redis
 * expires on its own (real) clock, are expired on the driven clock when their lease ends,
 * as they are in production where the two clocks are one.
 */
final class StoreDifferential {

	/** The system property that selects one seed to replay. */
	static final String SEED_PROPERTY = "llmquota.differential.seed";

	static final double LEVEL_TOLERANCE = 0.0005;

	static final double MULTIPLIER_TOLERANCE = 0.0000005;

	private static final String WORKER = "w1";

	private static final String FENCE = "~fence";

	// The pool that shares the tested pool's scopes, where it has some.
	private static final String SIBLING = "sib";

	private static final long HEARTBEAT = 1_000;

	private static final List<Dimension> RATES = List.of(Dimension.REQUESTS_PER_MINUTE,
			Dimension.INPUT_TOKENS_PER_MINUTE, Dimension.OUTPUT_TOKENS_PER_MINUTE, Dimension.TOKENS_PER_MINUTE,
			Dimension.REQUESTS_PER_DAY, Dimension.TOKENS_PER_DAY);

	private static final List<String> USERS = List.of("alice", "bob", "carol");

	// Tenants and their weights, where the pool shares its classes between tenants.
	private static final Map<String, Double> TENANTS = Map.of("t0", 1.0, "t1", 3.0, "t2", 0.5, "t3", 1.7);

	private final RedisConnectionFactory connectionFactory;

	private final BiFunction<QuotaSettings, LongSupplier, InMemoryQuotaStore> twin;

	private final String rerun;

	/**
	 * Create a harness.
	 * @param connectionFactory connections to the Redis the script runs in
	 * @param twin creates the in-memory store on the driven clock
	 * @param rerun the command that runs the test again, the seed property to be appended
	 */
	StoreDifferential(RedisConnectionFactory connectionFactory,
			BiFunction<QuotaSettings, LongSupplier, InMemoryQuotaStore> twin, String rerun) {
		this.connectionFactory = connectionFactory;
		this.twin = twin;
		this.rerun = rerun;
	}

	/**
	 * Return the seeds to run: the one named by {@value #SEED_PROPERTY}, or the given
	 * ones.
	 * @param seeds the default seeds
	 * @return the seeds
	 */
	static long[] seeds(long... seeds) {
		String replay = System.getProperty(SEED_PROPERTY);
		return (replay != null && !replay.isBlank()) ? new long[] { Long.parseLong(replay.trim()) } : seeds;
	}

	/**
	 * Run one seed.
	 * @param seed the seed
	 * @param operations how many operations to run
	 * @return how many operations ran, heartbeats included
	 * @throws AssertionError at the first disagreement, naming the seed and how to rerun
	 * it
	 */
	int run(long seed, int operations) {
		Run run = new Run(seed);
		try {
			return run.execute(operations);
		}
		finally {
			run.close();
		}
	}

	static QuotaSettings randomSettings(Random random, String poolName) {
		List<Dimension> dimensions = new ArrayList<>(RATES);
		Collections.shuffle(dimensions, random);
		double margin = pick(random, 0.0, 0.1, 0.25);
		long horizon = pick(random, 1_000L, 10_000L, 60_000L);
		List<RateLimit> rates = new ArrayList<>();
		for (Dimension dimension : dimensions.subList(0, 1 + random.nextInt(4))) {
			long limit = isRequests(dimension) ? 5 + random.nextInt(600) : 1_000 + random.nextInt(200_000);
			rates.add(RateLimit.of(dimension, limit, margin, horizon));
		}
		List<PriorityClass> classes = new ArrayList<>();
		double reserve = 0;
		for (int rank = 0, n = 2 + random.nextInt(3); rank < n; rank++) {
			classes.add(new PriorityClass("c" + rank, rank, reserve, 1 + random.nextInt(50), Duration.ofSeconds(5)));
			reserve = Math.min(0.9, reserve + random.nextDouble() * 0.25);
		}
		UserLimits users = null;
		if (random.nextBoolean()) {
			List<RateLimit> limits = new ArrayList<>();
			limits.add(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 2 + random.nextInt(20), 0, 60_000));
			if (random.nextBoolean()) {
				limits.add(RateLimit.of(Dimension.TOKENS_PER_MINUTE, 1_000 + random.nextInt(50_000), 0, 60_000));
			}
			users = new UserLimits(limits, Map.of());
		}
		List<String> models = new ArrayList<>();
		for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
			models.add("m" + i);
		}
		int concurrency = random.nextBoolean() ? 0 : 1 + random.nextInt(8);
		// Half the pools share their classes between tenants.
		TenantWeights tenants = random.nextBoolean() ? new TenantWeights(1, TENANTS) : null;
		// A third limit each tenant, with an override for one of them.
		UserLimits tenantLimits = null;
		if (random.nextInt(3) == 0) {
			List<RateLimit> limits = new ArrayList<>();
			limits.add(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 2 + random.nextInt(30), 0, 60_000));
			if (random.nextBoolean()) {
				limits.add(RateLimit.of(Dimension.TOKENS_PER_MINUTE, 1_000 + random.nextInt(80_000), 0, 60_000));
			}
			List<RateLimit> override = List
				.of(RateLimit.of(Dimension.TOKENS_PER_DAY, 10_000 + random.nextInt(500_000), 0, 86_400_000));
			tenantLimits = new UserLimits(limits, Map.of("t1", override));
		}
		// A tree of one to three levels: the pool alone, under an organisation, or under
		// a
		// project of an organisation; under a scope, a sibling pool shares it.
		List<ScopeSpec> scopes = new ArrayList<>();
		for (int level = random.nextInt(3); level > 0; level--) {
			scopes.add(randomScope(random, (level == 2) ? "project" : "org", margin, horizon));
		}
		PoolSpec pool = new PoolSpec(poolName, Provider.ANTHROPIC, rates, concurrency, models, users, tenants,
				tenantLimits, List.copyOf(scopes));
		Map<String, ModelSpec> specs = new LinkedHashMap<>();
		models.forEach((model) -> specs.put(model, new ModelSpec(model, pool, false)));
		if (!scopes.isEmpty()) {
			Collections.shuffle(dimensions, random);
			List<RateLimit> siblingRates = new ArrayList<>();
			for (Dimension dimension : dimensions.subList(0, 1 + random.nextInt(2))) {
				siblingRates.add(RateLimit.of(dimension, randomLimit(random, dimension), margin, horizon));
			}
			PoolSpec sibling = new PoolSpec(SIBLING, Provider.OPENAI, siblingRates, 0, List.of("s0"), null, null,
					List.copyOf(scopes));
			specs.put("s0", new ModelSpec("s0", sibling, true));
		}
		long overload = 100 + random.nextInt(2_000);
		FeedbackSettings feedback = new FeedbackSettings(0.5 + random.nextDouble() * 0.4,
				0.05 + random.nextDouble() * 0.45, 0.005 + random.nextDouble() * 0.1, Duration.ofMillis(overload),
				Duration.ofMillis(overload * (1 + random.nextInt(32))));
		return new QuotaSettings(specs, classes, "c0", Duration.ofSeconds(30 + random.nextInt(90)),
				random.nextBoolean() ? 1 + random.nextInt(10) : 30 + random.nextInt(70), Duration.ofMillis(HEARTBEAT),
				feedback, Duration.ofMillis(pick(random, 0L, 0L, 20L, 50L, 200L)));
	}

	private static ScopeSpec randomScope(Random random, String name, double margin, long horizon) {
		List<Dimension> dimensions = new ArrayList<>(RATES);
		Collections.shuffle(dimensions, random);
		List<RateLimit> rates = new ArrayList<>();
		for (Dimension dimension : dimensions.subList(0, random.nextInt(4))) {
			rates.add(RateLimit.of(dimension, randomLimit(random, dimension), margin, horizon));
		}
		int concurrency = (rates.isEmpty() || random.nextBoolean()) ? 1 + random.nextInt(8) : 0;
		return new ScopeSpec(name, List.copyOf(rates), concurrency);
	}

	private static long randomLimit(Random random, Dimension dimension) {
		return isRequests(dimension) ? 5 + random.nextInt(600) : 1_000 + random.nextInt(200_000);
	}

	private static boolean isRequests(Dimension dimension) {
		return dimension == Dimension.REQUESTS_PER_MINUTE || dimension == Dimension.REQUESTS_PER_DAY;
	}

	@SafeVarargs
	private static <T> T pick(Random random, T... values) {
		return values[random.nextInt(values.length)];
	}

	/**
	 * One seed's run: the two stores, the driven clock and what the caller holds.
	 */
	private final class Run {

		private final long seed;

		private final Random random;

		private final String prefix = "d" + UUID.randomUUID().toString().substring(0, 8);

		private final StringRedisTemplate redis;

		private final QuotaSettings settings;

		private final PoolSpec pool;

		// Under scopes, a pool that shares them: its calls never wait, and move the
		// scopes between the tested pool's operations.
		private final PoolSpec sibling;

		// Kept apart from the tested pool's tickets: a stream's charge follows its own
		// pool's acquire, never another pool's.
		private final Map<String, Ticket> siblingTickets = new HashMap<>();

		private final Set<String> siblingHeld = new LinkedHashSet<>();

		private long now = 1_700_000_000_000L;

		private final RedisQuotaStore lua;

		private final InMemoryQuotaStore java;

		private final Recorder luaNews = new Recorder();

		private final Recorder javaNews = new Recorder();

		private final Map<String, Ticket> tickets = new HashMap<>();

		private final Set<String> waiting = new LinkedHashSet<>();

		private final Set<String> held = new LinkedHashSet<>();

		private final Map<String, Long> grantRecords = new HashMap<>();

		private final Map<String, Long> leaseEnds = new HashMap<>();

		// The arrivals the stores reported, for re-entries.
		private final List<Long> arrivals = new ArrayList<>();

		private final Deque<String> trail = new ArrayDeque<>();

		private int operation;

		private boolean written;

		private int fences;

		private String shape;

		private boolean arrivalOrder;

		// [budgets] The pool's cost budgets: name, window length (ms), cap (null: none),
		// per user, rolling, and the scope of the chain it applies to (null: the pool).
		private final List<Budget> budgets = new ArrayList<>();

		// [budgets] Per lease, what is left of its reservation; per budget window, the
		// spend the stores last reported, sent as a floor now and then.
		private final Map<String, Long> reservations = new HashMap<>();

		private final Map<String, Long> seenSpend = new HashMap<>();

		Run(long seed) {
			this.seed = seed;
			this.random = new Random(seed);
			this.redis = new StringRedisTemplate(StoreDifferential.this.connectionFactory);
			this.settings = randomSettings(this.random, "p");
			this.pool = this.settings.pools().get("p");
			this.sibling = this.settings.pools().get(SIBLING);
			this.lua = new RedisQuotaStore(StoreDifferential.this.connectionFactory, this.settings, this.prefix,
					() -> this.now);
			this.java = StoreDifferential.this.twin.apply(this.settings, () -> this.now);
			// Both stores log every admission, and a quarter of the runs use the
			// test-only arrival order, so that the inversion measure and the switch stay
			// in step too.
			this.arrivalOrder = this.random.nextInt(4) == 0;
			this.lua.setAdmissionLog(true);
			this.lua.setArrivalOrderForTesting(this.arrivalOrder);
			this.java.setAdmissionLog(true);
			this.java.setArrivalOrderForTesting(this.arrivalOrder);
			List<ScopeSpec> chain = this.pool.scopeChain();
			for (int i = this.random.nextInt(3); i > 0; i--) {
				long window = 60_000L * (1 + this.random.nextInt(120));
				Long cap = (this.random.nextInt(5) > 0) ? 1_000L + this.random.nextInt(5_000_000) : null;
				String scope = (!chain.isEmpty() && this.random.nextBoolean())
						? chain.get(this.random.nextInt(chain.size())).name() : null;
				this.budgets.add(new Budget("b" + i, window, cap, this.random.nextInt(4) == 0,
						this.random.nextInt(3) == 0, scope));
			}
		}

		int execute(int operations) {
			this.lua.start(WORKER, this.luaNews);
			this.java.start(WORKER, this.javaNews);
			subscribed();
			this.shape = describe();
			while (this.operation < operations) {
				if (this.sibling != null && this.random.nextInt(8) == 0) {
					siblingCall();
					continue;
				}
				int roll = this.random.nextInt(100);
				if (roll < 34) {
					acquire(false);
				}
				else if (roll < 35) {
					// A burst of small requests at one instant: more than one call admits
					// at once.
					for (int i = 20 + this.random.nextInt(40); i > 0; i--) {
						acquire(true);
					}
				}
				else if (roll < 52 && !this.held.isEmpty()) {
					settle();
				}
				else if (roll >= 52 && roll < 54) {
					changeLive();
				}
				else if (roll < 57) {
					cancel();
				}
				else if (roll < 60 && !this.tickets.isEmpty()) {
					charge();
				}
				else if (roll < 70) {
					poll(pollIds());
				}
				else if (roll < 98 || !this.written) {
					advance();
				}
				else if (roll < 99 && !this.budgets.isEmpty()) {
					loseBudgets();
				}
				else {
					loseState();
				}
			}
			return this.operation;
		}

		// As an operator changes the pool at runtime: shadow mode on or off (so that
		// acquires are shadow acquires for a while), a paused class, a pinned multiplier,
		// a changed limit; or everything back to the configuration.
		private void changeLive() {
			LiveSettings live = LiveSettings.NONE;
			if (this.random.nextInt(4) > 0) {
				Boolean shadow = pick(this.random, Boolean.TRUE, Boolean.TRUE, Boolean.FALSE, null);
				List<PriorityClass> classes = this.settings.classes();
				Set<String> paused = (this.random.nextInt(3) == 0)
						? Set.of(classes.get(this.random.nextInt(classes.size())).name()) : Set.of();
				Double multiplier = (this.random.nextInt(4) == 0) ? 0.1 * (3 + this.random.nextInt(8)) : null;
				Map<Dimension, Long> limits = new HashMap<>();
				if (this.random.nextInt(3) == 0) {
					RateLimit rate = this.pool.rates().get(this.random.nextInt(this.pool.rates().size()));
					limits.put(rate.dimension(), Math.max(1, rate.limit() * (1 + this.random.nextInt(20)) / 10));
				}
				live = new LiveSettings(limits, paused, multiplier, shadow);
				try {
					live.validate(this.pool, this.settings.classes());
				}
				catch (IllegalArgumentException ex) {
					// A limit above a scope's, which the engine refuses before any store
					// sees it.
					live = new LiveSettings(Map.of(), paused, multiplier, shadow);
				}
			}
			live.validate(this.pool, this.settings.classes());
			begin("live " + live);
			this.lua.changeLive(this.pool, live);
			this.java.changeLive(this.pool, live);
			end();
			if (!this.pool.scopeChain().isEmpty() && this.random.nextBoolean()) {
				changeScopeLive();
			}
		}

		// As an operator lowers or raises a scope's limit (or reverts it): every pool of
		// the tree decides under it from its next call.
		private void changeScopeLive() {
			List<ScopeSpec> chain = this.pool.scopeChain();
			int at = this.random.nextInt(chain.size());
			ScopeSpec scope = chain.get(at);
			LiveSettings live = LiveSettings.NONE;
			if (!scope.rates().isEmpty() && this.random.nextInt(4) > 0) {
				RateLimit rate = scope.rates().get(this.random.nextInt(scope.rates().size()));
				live = new LiveSettings(
						Map.of(rate.dimension(), Math.max(1, rate.limit() * (1 + this.random.nextInt(20)) / 10)),
						Set.of(), null, null);
				List<ScopeSpec> inForce = chain.subList(at, chain.size())
					.stream()
					.map((above) -> this.java.scopeLive(this.pool, above).applyTo(above))
					.toList();
				try {
					live.validateScope(inForce);
				}
				catch (IllegalArgumentException ex) {
					// Above its parent's limit, which the engine refuses.
					live = LiveSettings.NONE;
				}
			}
			begin("scope live " + scope.name() + " " + live);
			this.lua.changeScopeLive(this.pool, scope, live);
			this.java.changeScopeLive(this.pool, scope, live);
			end();
		}

		private void acquire(boolean small) {
			int rank = this.random.nextInt(this.settings.classes().size());
			List<RateLimit> charged = this.pool.costRates();
			long[] cost = new long[charged.size()];
			for (int i = 0; i < cost.length; i++) {
				cost[i] = small ? cost(charged.get(i)) / 100 : cost(charged.get(i));
			}
			long maxWait = (this.random.nextInt(small ? 50 : 5) == 0) ? 0
					: pick(this.random, 100L, 1_000L, 5_000L, 30_000L, 120_000L, (long) this.random.nextInt(60_000));
			String model = this.pool.models().get(this.random.nextInt(this.pool.models().size()));
			UserCharge user = null;
			if (this.pool.userLimits() != null && this.random.nextInt(3) > 0) {
				user = gateCharge(this.pool.userLimits(), USERS.get(this.random.nextInt(USERS.size())));
			}
			TenantShare tenant = null;
			UserCharge tenantLimit = null;
			if (this.pool.tenants() != null || this.pool.tenantLimits() != null) {
				// A fifth of the tickets have no tenant, as the engine sends them.
				int roll = this.random.nextInt(TENANTS.size() + 1);
				String name = (roll < TENANTS.size()) ? "t" + roll : null;
				if (this.pool.tenants() != null) {
					tenant = new TenantShare((name != null) ? name : "-", this.pool.tenants().weightOf(name),
							Arrays.stream(cost).sum());
				}
				if (this.pool.tenantLimits() != null && name != null) {
					tenantLimit = gateCharge(this.pool.tenantLimits(), name);
				}
			}
			List<BudgetCharge> budgetCharges = budgetCharges(user);
			Ticket ticket = new Ticket(WORKER + "." + (this.tickets.size() + 1), WORKER, rank, cost, maxWait, model,
					user, arrival(), tenant, budgetCharges, tenantLimit);
			this.tickets.put(ticket.id(), ticket);
			String what = "acquire " + ticket.id() + " class " + rank + " cost " + Arrays.toString(cost) + " wait "
					+ maxWait + " model " + model + ((ticket.arrival() > 0) ? " arrival " + ticket.arrival() : "")
					+ ((user != null) ? " user " + user.keyHash() + " " + Arrays.toString(user.cost()) : "")
					+ ((tenant != null) ? " tenant "
							+ tenant.keyHash() + " weight " + tenant.weight() + " tokens " + tenant.tokens() : "")
					+ ((budgetCharges != null) ? " budgets " + budgetCharges : "")
					+ ((tenantLimit != null)
							? " tenant limit " + tenantLimit.keyHash() + " " + Arrays.toString(tenantLimit.cost())
							: "");
			begin(what);
			Admission expected = this.lua.acquire(this.pool, ticket);
			Admission actual = this.java.acquire(this.pool, ticket);
			this.written = true;
			same("admission", expected, actual);
			if (actual.arrival() > 0) {
				this.arrivals.add(actual.arrival());
			}
			if (budgetCharges != null && actual.status() != Admission.Status.REJECTED) {
				this.reservations.put(ticket.id(), budgetCharges.get(0).amountMicros());
			}
			if (actual.status() == Admission.Status.GRANTED) {
				this.held.add(ticket.id());
				this.leaseEnds.put(ticket.id(), this.now + this.settings.leaseTimeout().toMillis());
			}
			else if (actual.status() == Admission.Status.WAITING) {
				this.waiting.add(ticket.id());
			}
			end();
		}

		// Mostly a new arrival; else a re-entry as the engine makes one after a 429, or a
		// number the pool never issued, which both stores must take for a new arrival.
		private long arrival() {
			int roll = this.random.nextInt(10);
			if (roll < 7) {
				return 0;
			}
			if (roll < 9 && !this.arrivals.isEmpty()) {
				return this.arrivals.get(this.random.nextInt(this.arrivals.size()));
			}
			return 1 + this.random.nextInt(1_000_000);
		}

		// A user's or tenant's charge, keyed as the engine keys it: never the raw id.
		private UserCharge gateCharge(UserLimits gate, String id) {
			List<RateLimit> limits = gate.forUser(id);
			long[] gateCost = new long[limits.size()];
			for (int i = 0; i < gateCost.length; i++) {
				gateCost[i] = cost(limits.get(i));
			}
			return new UserCharge(Integer.toHexString(id.hashCode()), limits, gateCost);
		}

		private long[] gateDelta(UserCharge gate) {
			if (gate == null) {
				return null;
			}
			long[] gateDelta = new long[gate.cost().length];
			for (int i = 0; i < gateDelta.length; i++) {
				gateDelta[i] = delta(gate.limits().get(i), gate.cost()[i]);
			}
			return gateDelta;
		}

		private long cost(RateLimit rate) {
			if (isRequests(rate.dimension())) {
				return 1;
			}
			int roll = this.random.nextInt(10);
			double bound = (roll < 7) ? rate.capacity() * 0.5 : (roll < 9) ? rate.capacity() * 1.5 : 0;
			return this.random.nextInt((int) Math.min(bound, Integer.MAX_VALUE - 1) + 1);
		}

		private void settle() {
			List<String> leases = new ArrayList<>(this.held);
			String id = leases.get(this.random.nextInt(leases.size()));
			Ticket ticket = this.tickets.get(id);
			long[] delta = new long[ticket.cost().length];
			for (int i = 0; i < delta.length; i++) {
				delta[i] = delta(this.pool.costRates().get(i), ticket.cost()[i]);
			}
			long[] userDelta = gateDelta(ticket.user());
			long[] tenantDelta = gateDelta(ticket.tenantLimit());
			PoolFeedback feedback = feedback();
			List<BudgetCharge> spend = budgetSpend(ticket, true);
			Settlement settlement = new Settlement(id, ticket.model(), delta, ticket.user(), userDelta, feedback, spend,
					ticket.tenantLimit(), tenantDelta);
			begin("settle " + id + " delta " + Arrays.toString(delta)
					+ ((userDelta != null) ? " user delta " + Arrays.toString(userDelta) : "")
					+ ((tenantDelta != null) ? " tenant delta " + Arrays.toString(tenantDelta) : "") + " feedback "
					+ feedback.kind() + " retry-after " + feedback.retryAfterMillis() + " remaining "
					+ Arrays.toString(feedback.remaining()) + " tolerance " + Arrays.toString(feedback.tolerance())
					+ ((spend != null) ? " budgets " + spend : ""));
			this.lua.settle(this.pool, settlement);
			this.java.settle(this.pool, settlement);
			this.written = true;
			this.held.remove(id);
			end();
		}

		// Below the reservation (a refund), above it (debt), or exactly on it.
		private long delta(RateLimit rate, long charged) {
			return switch (this.random.nextInt(3)) {
				case 0 -> -(long) (this.random.nextDouble() * (charged + 1));
				case 1 -> isRequests(rate.dimension()) ? 0 : this.random.nextInt((int) rate.capacity() + 1);
				default -> 0;
			};
		}

		private PoolFeedback feedback() {
			int roll = this.random.nextInt(100);
			PoolFeedback.Kind kind = (roll < 40) ? PoolFeedback.Kind.NONE
					: (roll < 65) ? PoolFeedback.Kind.SUCCESS : (roll < 81) ? PoolFeedback.Kind.RATE_LIMITED
							: (roll < 97) ? PoolFeedback.Kind.OVERLOADED : PoolFeedback.Kind.EXHAUSTED;
			long retryAfter = (kind == PoolFeedback.Kind.RATE_LIMITED && this.random.nextBoolean())
					? 1 + this.random.nextInt(20_000) : 0;
			if (kind == PoolFeedback.Kind.EXHAUSTED) {
				// The engine always names a hold: the provider's reset or the configured
				// one.
				retryAfter = 1 + this.random.nextInt(30_000);
			}
			long[] remaining = null;
			long[] tolerance = null;
			if (this.random.nextBoolean()) {
				remaining = new long[this.pool.rates().size()];
				tolerance = new long[remaining.length];
				for (int i = 0; i < remaining.length; i++) {
					double capacity = this.pool.rates().get(i).capacity();
					remaining[i] = (this.random.nextInt(4) == 0) ? -1 : this.random.nextInt((int) capacity + 2);
					tolerance[i] = (this.random.nextInt(3) == 0) ? this.random.nextInt((int) capacity / 10 + 1) : 0;
				}
			}
			String reason = (kind == PoolFeedback.Kind.EXHAUSTED && this.random.nextBoolean())
					? "You exceeded your current quota, \"billing\" \\ details" : null;
			return new PoolFeedback(kind, retryAfter, remaining, tolerance, reason, scopeReadings());
		}

		// [scopes] Under a tree, now and then what the provider says is left of the
		// levels its scopes mirror: some scopes told nothing, some dimensions unknown.
		private List<PoolFeedback.ScopeReading> scopeReadings() {
			if (this.pool.scopeChain().isEmpty() || this.random.nextBoolean()) {
				return null;
			}
			List<PoolFeedback.ScopeReading> readings = new ArrayList<>();
			for (ScopeSpec scope : this.pool.scopeChain()) {
				if (this.random.nextBoolean()) {
					readings.add(null);
					continue;
				}
				long[] remaining = new long[scope.rates().size()];
				long[] tolerance = new long[remaining.length];
				for (int i = 0; i < remaining.length; i++) {
					double capacity = scope.rates().get(i).capacity();
					remaining[i] = (this.random.nextInt(4) == 0) ? -1 : this.random.nextInt((int) capacity + 2);
					tolerance[i] = (this.random.nextInt(3) == 0) ? this.random.nextInt((int) capacity / 10 + 1) : 0;
				}
				readings.add(new PoolFeedback.ScopeReading(remaining, tolerance));
			}
			return readings;
		}

		// A streaming lease's step: mostly a held lease, now and then one that ended or
		// expired, which neither store brings back.
		private void charge() {
			String id = (this.random.nextInt(5) > 0 && !this.held.isEmpty())
					? new ArrayList<>(this.held).get(this.random.nextInt(this.held.size()))
					: new ArrayList<>(this.tickets.keySet()).get(this.random.nextInt(this.tickets.size()));
			List<RateLimit> charged = this.pool.costRates();
			long[] delta = new long[charged.size()];
			for (int i = 0; i < delta.length; i++) {
				delta[i] = (this.random.nextInt(3) == 0) ? 0 : this.random.nextInt((int) charged.get(i).capacity() + 1);
			}
			long output = this.random.nextInt(100_000);
			// A user's or tenant's lease charges their buckets as it flows too.
			Ticket lease = this.tickets.get(id);
			UserCharge user = lease.user();
			long[] userDelta = stepDelta(user);
			UserCharge tenant = lease.tenantLimit();
			long[] tenantDelta = stepDelta(tenant);
			List<BudgetCharge> spend = budgetSpend(lease, false);
			begin("charge " + id + " delta " + Arrays.toString(delta) + " output " + output
					+ ((userDelta != null) ? " user " + user.keyHash() + " delta " + Arrays.toString(userDelta) : "")
					+ ((tenantDelta != null) ? " tenant " + tenant.keyHash() + " delta " + Arrays.toString(tenantDelta)
							: "")
					+ ((spend != null) ? " budgets " + spend : ""));
			boolean expected = this.lua.charge(this.pool, id, delta, output, user, userDelta, spend, tenant,
					tenantDelta);
			boolean actual = this.java.charge(this.pool, id, delta, output, user, userDelta, spend, tenant,
					tenantDelta);
			same("charge", expected, actual);
			if (actual && spend != null) {
				this.reservations.merge(id, -spend.get(0).releaseMicros(), Long::sum);
			}
			if (actual) {
				long keptUntil = this.now + this.settings.leaseTimeout().toMillis();
				this.leaseEnds.put(id, keptUntil);
				this.grantRecords.computeIfPresent(id, (ticket, until) -> keptUntil);
			}
			end();
		}

		// A stream step's charge to a gate's buckets (none without the gate): up to one
		// bucket per limit, now and then nothing.
		private long[] stepDelta(UserCharge gate) {
			if (gate == null) {
				return null;
			}
			long[] delta = new long[gate.cost().length];
			for (int i = 0; i < delta.length; i++) {
				delta[i] = (this.random.nextInt(3) == 0) ? 0
						: this.random.nextInt((int) gate.limits().get(i).capacity() + 1);
			}
			return delta;
		}

		// The sibling pool's call: admitted at once or refused, never queued; or one of
		// its leases settled, above or below its charge.
		private void siblingCall() {
			if (!this.siblingHeld.isEmpty() && this.random.nextBoolean()) {
				String id = new ArrayList<>(this.siblingHeld).get(this.random.nextInt(this.siblingHeld.size()));
				Ticket ticket = this.siblingTickets.get(id);
				long[] delta = new long[ticket.cost().length];
				for (int i = 0; i < delta.length; i++) {
					delta[i] = delta(this.sibling.costRates().get(i), ticket.cost()[i]);
				}
				List<BudgetCharge> spend = null;
				if (ticket.budgets() != null) {
					// [budgets] The sibling spends what it reserved in its scopes'
					// budgets.
					spend = ticket.budgets()
						.stream()
						.map((charge) -> charge.spend(charge.amountMicros(), charge.amountMicros()))
						.toList();
				}
				Settlement settlement = new Settlement(id, "s0", delta, null, null, null, spend);
				begin("sibling settle " + id + " delta " + Arrays.toString(delta)
						+ ((spend != null) ? " budgets " + spend : ""));
				this.lua.settle(this.sibling, settlement);
				this.java.settle(this.sibling, settlement);
				this.siblingHeld.remove(id);
			}
			else {
				List<RateLimit> charged = this.sibling.costRates();
				long[] cost = new long[charged.size()];
				for (int i = 0; i < cost.length; i++) {
					cost[i] = cost(charged.get(i));
				}
				int rank = this.random.nextInt(this.settings.classes().size());
				List<BudgetCharge> budgetCharges = siblingBudgetCharges();
				Ticket ticket = new Ticket(WORKER + ".s" + (this.siblingTickets.size() + 1), WORKER, rank, cost, 0,
						"s0", null, 0, null, budgetCharges, null);
				this.siblingTickets.put(ticket.id(), ticket);
				begin("sibling acquire " + ticket.id() + " class " + rank + " cost " + Arrays.toString(cost)
						+ ((budgetCharges != null) ? " budgets " + budgetCharges : ""));
				Admission expected = this.lua.acquire(this.sibling, ticket);
				Admission actual = this.java.acquire(this.sibling, ticket);
				same("sibling admission", expected, actual);
				if (actual.status() == Admission.Status.GRANTED) {
					this.siblingHeld.add(ticket.id());
				}
			}
			this.written = true;
			end();
		}

		private void cancel() {
			String id;
			int roll = this.random.nextInt(10);
			if (roll < 5 && !this.waiting.isEmpty()) {
				id = new ArrayList<>(this.waiting).get(this.random.nextInt(this.waiting.size()));
			}
			else if (roll < 8 && !this.held.isEmpty()) {
				id = new ArrayList<>(this.held).get(this.random.nextInt(this.held.size()));
			}
			else {
				id = WORKER + ".unknown";
			}
			begin("cancel " + id);
			this.lua.cancel(this.pool, id);
			this.java.cancel(this.pool, id);
			this.waiting.remove(id);
			this.held.remove(id);
			end();
		}

		private List<String> pollIds() {
			List<String> ids = new ArrayList<>();
			for (String id : this.waiting) {
				if (this.random.nextInt(4) > 0) {
					ids.add(id);
				}
			}
			for (String id : this.held) {
				if (this.random.nextInt(4) == 0) {
					ids.add(id);
				}
			}
			if (this.random.nextInt(10) == 0) {
				ids.add(WORKER + ".unknown");
			}
			return ids;
		}

		private void poll(List<String> ids) {
			begin("poll " + ids);
			PollResult expected = this.lua.poll(this.pool, ids);
			PollResult actual = this.java.poll(this.pool, ids);
			same("poll", expected, actual);
			for (int i = 0; i < ids.size(); i++) {
				TicketState state = actual.states().get(i);
				if (state != TicketState.WAITING && this.waiting.remove(ids.get(i)) && state == TicketState.GRANTED) {
					this.held.add(ids.get(i));
				}
			}
			end();
		}

		// Time moves; while tickets wait, the engine beats once a heartbeat interval.
		private void advance() {
			int roll = this.random.nextInt(100);
			long step = (roll < 55) ? this.random.nextInt(1_001)
					: (roll < 80) ? 1_000 + this.random.nextInt(9_000)
							: (roll < 92) ? 10_000 + this.random.nextInt(110_000)
									: (roll < 97) ? untilALeaseEnds() : this.random.nextInt(7_200_000);
			long until = this.now + step;
			while (this.now < until) {
				boolean queued = Arrays.stream(this.java.snapshot(this.pool).queued()).sum() > 0;
				if (queued) {
					this.now = Math.min(until, this.now + HEARTBEAT);
					expireKeys();
					poll(new ArrayList<>(this.waiting));
				}
				else {
					this.now = until;
					expireKeys();
					begin("advance to +" + (this.now - 1_700_000_000_000L));
					end();
				}
			}
		}

		// Exactly to the end of the next lease that is still held: expiry is an edge.
		private long untilALeaseEnds() {
			long next = this.leaseEnds.values()
				.stream()
				.filter((end) -> end > this.now)
				.min(Long::compare)
				.orElse(this.now);
			return next - this.now;
		}

		// Redis expires grant records and budget keys on its own clock; here, when their
		// lifetime on the driven clock ends: a grant record's when its lease would end, a
		// budget window's when the twin drops it.
		private void expireKeys() {
			for (Iterator<Map.Entry<String, Long>> it = this.grantRecords.entrySet().iterator(); it.hasNext();) {
				Map.Entry<String, Long> record = it.next();
				if (record.getValue() <= this.now) {
					this.redis.delete(base() + "g:" + record.getKey());
					it.remove();
				}
			}
			for (String budgetKey : this.java.expireBudgets(this.pool.name(), this.now)) {
				this.redis.delete(treePrefix() + budgetKey);
			}
		}

		// [budgets] The windows the ticket falls under now, with a random worst case, the
		// floor the caller last saw now and then; null outside budgets.
		private List<BudgetCharge> budgetCharges(UserCharge user) {
			if (this.budgets.isEmpty()) {
				return null;
			}
			long worst = this.random.nextInt(4) == 0 ? 0 : this.random.nextInt(2_000_000);
			List<BudgetCharge> charges = new ArrayList<>();
			for (Budget budget : this.budgets) {
				String key = budget.key(this.now, (user != null) ? user.keyHash() : null);
				Long floor = (this.random.nextInt(4) == 0) ? this.seenSpend.get(key) : null;
				charges.add(new BudgetCharge(key, budget.cap, worst, budget.end(this.now), floor, null, budget.slot(),
						budget.scope));
			}
			return charges;
		}

		// [budgets] The sibling's windows of the budgets on a scope: it shares them with
		// the pool; null when there are none.
		private List<BudgetCharge> siblingBudgetCharges() {
			List<BudgetCharge> charges = new ArrayList<>();
			for (Budget budget : this.budgets) {
				if (budget.scope != null) {
					charges.add(new BudgetCharge(budget.key(this.now, null), budget.cap, this.random.nextInt(1_000_000),
							budget.end(this.now), null, null, budget.slot(), budget.scope));
				}
			}
			return charges.isEmpty() ? null : charges;
		}

		// [budgets] A settle (the whole reservation ends) or a stream's step (part of
		// it):
		// spend below, on or above the reservation.
		private List<BudgetCharge> budgetSpend(Ticket ticket, boolean settle) {
			if (ticket.budgets() == null) {
				return null;
			}
			long reserved = this.reservations.getOrDefault(ticket.id(), 0L);
			long spend = switch (this.random.nextInt(3)) {
				case 0 -> (long) (this.random.nextDouble() * (reserved + 1));
				case 1 -> reserved + this.random.nextInt(500_000);
				default -> reserved;
			};
			long release = settle ? reserved : Math.min(spend, reserved);
			if (settle) {
				this.reservations.remove(ticket.id());
			}
			List<BudgetCharge> charges = new ArrayList<>();
			for (BudgetCharge charge : ticket.budgets()) {
				charges.add(charge.spend(spend, release));
			}
			return charges;
		}

		// [budgets] The current window of every budget, shared and per user.
		private List<BudgetCharge> budgetWindows() {
			List<BudgetCharge> windows = new ArrayList<>();
			for (Budget budget : this.budgets) {
				for (String user : budget.perUser ? USERS : List.of("")) {
					String hash = user.isEmpty() ? null : Integer.toHexString(user.hashCode());
					windows.add(new BudgetCharge(budget.key(this.now, hash), budget.cap, 0, budget.end(this.now), null,
							null, budget.slot(), budget.scope));
				}
			}
			return windows;
		}

		// [budgets] What a flush or an eviction of the budget keys leaves behind; now and
		// then the state hash goes with them, so that a window is lost with no floor.
		private void loseBudgets() {
			boolean withState = this.random.nextBoolean();
			begin("lose the budget keys" + (withState ? " and the state hash" : ""));
			for (String pattern : List.of(base() + "$:*", treePrefix() + "scope=*:$:*")) {
				Set<String> keys = this.redis.keys(pattern);
				if (keys != null && !keys.isEmpty()) {
					this.redis.delete(keys);
				}
			}
			this.java.loseBudgets(this.pool.name());
			if (withState) {
				this.redis.delete(this.lua.keys(this.pool.name()).get(0));
				this.java.loseState(this.pool.name());
			}
			end();
		}

		// What a flush, or an eviction of the state hash, leaves behind. A state no call
		// has written yet (only acquires and settles write a missing one) cannot be lost:
		// the script finds it missing and, as this worker never wrote it, new.
		private void loseState() {
			begin("lose the state hash");
			if (Boolean.TRUE.equals(this.redis.delete(this.lua.keys(this.pool.name()).get(0)))) {
				this.java.loseState(this.pool.name());
			}
			end();
		}

		private String base() {
			String state = this.lua.keys(this.pool.name()).get(0);
			return state.substring(0, state.length() - 1);
		}

		// "<prefix>:{<tree>}:": a pool under scopes has its name after it.
		private String treePrefix() {
			String base = base();
			return this.pool.scopeChain().isEmpty() ? base
					: base.substring(0, base.length() - this.pool.name().length() - 1);
		}

		private void begin(String what) {
			this.operation++;
			note("#" + this.operation + " at +" + (this.now - 1_700_000_000_000L) + ": " + what);
			this.luaNews.clear();
			this.javaNews.clear();
		}

		// Compare what the listeners were told, then the whole snapshot.
		private void end() {
			fence();
			List<String> expected = this.luaNews.sorted(this.javaNews.messages.size());
			List<String> actual = this.javaNews.sorted(0);
			same("listener messages", expected, actual);
			for (String message : this.javaNews.messages) {
				String[] parts = message.split(" ");
				if (parts[0].equals("granted")) {
					this.arrivals.add(Long.parseLong(parts[3]));
					this.grantRecords.put(parts[1], this.now + this.settings.leaseTimeout().toMillis());
					this.leaseEnds.put(parts[1], this.now + this.settings.leaseTimeout().toMillis());
					if (this.waiting.remove(parts[1])) {
						this.held.add(parts[1]);
					}
				}
				else if (parts[0].equals("dropped") || parts[0].equals("exhausted")) {
					this.waiting.remove(parts[1]);
				}
			}
			compare(this.lua.snapshot(this.pool), this.java.snapshot(this.pool));
			if (this.pool.tenants() != null) {
				same("waiting tenants", this.lua.waitingTenants(this.pool, 3), this.java.waitingTenants(this.pool, 3));
			}
			same("admission log", this.lua.admissionLog(this.pool.name()), this.java.admissionLog(this.pool.name()));
			if (!this.budgets.isEmpty()) {
				List<BudgetCharge> windows = budgetWindows();
				List<BudgetLevel> levels = this.lua.budgetLevels(this.pool, windows);
				same("budget levels " + windows, levels, this.java.budgetLevels(this.pool, windows));
				for (int i = 0; i < windows.size(); i++) {
					this.seenSpend.put(windows.get(i).key(), levels.get(i).spentMicros());
				}
			}
			if (this.sibling != null) {
				compare(this.lua.snapshot(this.sibling), this.java.snapshot(this.sibling));
			}
		}

		private void compare(PoolSnapshot lua, PoolSnapshot java) {
			same("snapshot.pool", lua.pool(), java.pool());
			same("snapshot.timeMillis", lua.timeMillis(), java.timeMillis());
			close("snapshot.used", lua.used(), java.used(), LEVEL_TOLERANCE);
			// Each operation writes a counter at most once, rounding it to three
			// decimals.
			double ringTolerance = LEVEL_TOLERANCE * this.operation + 1e-6;
			close("snapshot.trailingMinute", lua.trailingMinute(), java.trailingMinute(), ringTolerance);
			for (int minute = 0; minute < 60; minute++) {
				close("snapshot.lastHour[" + minute + "]", lua.lastHour().get(minute), java.lastHour().get(minute),
						ringTolerance);
			}
			same("snapshot.queued", Arrays.toString(lua.queued()), Arrays.toString(java.queued()));
			same("snapshot.inFlight", lua.inFlight(), java.inFlight());
			close("snapshot.multiplier", new double[] { lua.multiplier() }, new double[] { java.multiplier() },
					MULTIPLIER_TOLERANCE);
			same("snapshot.cooldownMillis", lua.cooldownMillis(), java.cooldownMillis());
			same("snapshot.headDelayMillis", lua.headDelayMillis(), java.headDelayMillis());
			same("snapshot.modelCooldownMillis", Arrays.toString(lua.modelCooldownMillis()),
					Arrays.toString(java.modelCooldownMillis()));
			same("snapshot.liveWorkers", lua.liveWorkers(), java.liveWorkers());
			same("snapshot.exhaustedMillis", lua.exhaustedMillis(), java.exhaustedMillis());
			same("snapshot.exhaustedReason", String.valueOf(lua.exhaustedReason()),
					String.valueOf(java.exhaustedReason()));
			same("snapshot.streamOutput", lua.streamOutput(), java.streamOutput());
			same("snapshot.scopes", lua.scopes().size(), java.scopes().size());
			for (int i = 0; i < lua.scopes().size(); i++) {
				ScopeSnapshot luaScope = lua.scopes().get(i);
				ScopeSnapshot javaScope = java.scopes().get(i);
				same("snapshot.scopes[" + i + "].scope", luaScope.scope(), javaScope.scope());
				close("snapshot.scopes[" + i + "].used", luaScope.used(), javaScope.used(), LEVEL_TOLERANCE);
				same("snapshot.scopes[" + i + "].inFlight", luaScope.inFlight(), javaScope.inFlight());
			}
		}

		private void close(String what, double[] lua, double[] java, double tolerance) {
			boolean close = lua.length == java.length;
			for (int i = 0; close && i < lua.length; i++) {
				close = Math.abs(lua[i] - java[i]) <= tolerance + 1e-12 * Math.abs(lua[i]);
			}
			if (!close) {
				fail(what + " (tolerance " + tolerance + ")", Arrays.toString(lua), Arrays.toString(java));
			}
		}

		private void same(String what, Object lua, Object java) {
			if (!lua.equals(java)) {
				fail(what, lua, java);
			}
		}

		private void fail(String what, Object lua, Object java) {
			throw new AssertionError("The Lua script and the in-memory store disagree on " + what + " at operation "
					+ this.operation + " of seed " + this.seed + ".\n  Lua:       " + lua + "\n  in-memory: " + java
					+ "\nRerun this seed with: " + StoreDifferential.this.rerun + " -D" + SEED_PROPERTY + "="
					+ this.seed + "\nPool: " + this.shape + "\nLast operations:\n  " + String.join("\n  ", this.trail));
		}

		private void note(String line) {
			if (this.trail.size() == 25) {
				this.trail.removeFirst();
			}
			this.trail.addLast(line);
		}

		// Pub/sub is asynchronous: a marker published after the operation arrives after
		// its news.
		private void fence() {
			String id = Integer.toString(++this.fences);
			CountDownLatch arrived = this.luaNews.expect(id);
			this.redis.convertAndSend(this.prefix + ":w:" + WORKER, "HEAD " + FENCE + " 0 " + id);
			await(arrived, "the Redis store's news of operation " + this.operation);
		}

		// The subscription starts in the background; publish until it is up.
		private void subscribed() {
			CountDownLatch arrived = this.luaNews.expect("0");
			for (int attempt = 0; attempt < 200 && arrived.getCount() > 0; attempt++) {
				this.redis.convertAndSend(this.prefix + ":w:" + WORKER, "HEAD " + FENCE + " 0 0");
				try {
					arrived.await(50, TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(ex);
				}
			}
			await(arrived, "the Redis store's subscription");
		}

		private void await(CountDownLatch latch, String what) {
			try {
				if (!latch.await(10, TimeUnit.SECONDS)) {
					throw new AssertionError("No sign of " + what + " (seed " + this.seed + ")");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

		private String describe() {
			return "budgets " + this.budgets + ", " + this.pool.rates() + ", concurrency " + this.pool.maxConcurrency()
					+ ", models " + this.pool.models() + ", users " + this.pool.userLimits() + ", classes "
					+ this.settings.classes() + ", queue " + this.settings.queueCapacity() + ", lease "
					+ this.settings.leaseTimeout() + ", lookahead " + this.settings.admissionLookahead() + ", "
					+ this.settings.feedback()
					+ ((this.pool.tenants() != null) ? ", tenants " + this.pool.tenants() : "")
					+ (this.pool.scopeChain().isEmpty() ? ""
							: ", scopes " + this.pool.scopeChain() + ", sibling " + this.sibling.rates())
					+ ((this.pool.tenantLimits() != null) ? ", tenant limits " + this.pool.tenantLimits() : "")
					+ (this.arrivalOrder ? ", arrival order (test switch)" : "");
		}

		void close() {
			this.lua.stop();
			this.java.stop();
			Set<String> keys = this.redis.keys(this.prefix + ":*");
			if (keys != null && !keys.isEmpty()) {
				this.redis.delete(keys);
			}
		}

	}

	/**
	 * A random cost budget: calendar-free windows of a fixed length on the driven clock,
	 * which roll over as a day or a month does, or a rolling window of that length in its
	 * slots.
	 */
	private record Budget(String name, long windowMillis, Long cap, boolean perUser, boolean rolling, String scope) {

		String key(long now, String userHash) {
			return "$:" + this.name + ":" + (this.rolling ? "r" : Long.toString(now / this.windowMillis))
					+ ((this.perUser) ? ":u" + ((userHash != null) ? userHash : "-") : "");
		}

		long end(long now) {
			return this.rolling ? now + this.windowMillis : (now / this.windowMillis + 1) * this.windowMillis;
		}

		Long slot() {
			return this.rolling ? this.windowMillis / BudgetCharge.ROLLING_SLOTS : null;
		}

	}

	/**
	 * Writes down what a store tells its listener, one line per message.
	 */
	private static final class Recorder implements AdmissionListener {

		private final List<String> messages = Collections.synchronizedList(new ArrayList<>());

		private final Map<String, CountDownLatch> fences = new ConcurrentHashMap<>();

		CountDownLatch expect(String fence) {
			CountDownLatch latch = new CountDownLatch(1);
			this.fences.put(fence, latch);
			return latch;
		}

		void clear() {
			this.messages.clear();
		}

		// The Redis store's listener container hands each message to a thread of its own,
		// so news arrives in any order, and may arrive after a later fence: wait for as
		// many messages as the other store gave (if they never come, the comparison says
		// so), then compare them in a fixed order.
		List<String> sorted(int atLeast) {
			// Awaitility starts a thread per wait: only wait when something is still
			// missing.
			if (this.messages.size() < atLeast) {
				try {
					Awaitility.await()
						.pollDelay(Duration.ZERO)
						.pollInterval(Duration.ofMillis(1))
						.atMost(Duration.ofSeconds(10))
						.until(() -> this.messages.size() >= atLeast);
				}
				catch (ConditionTimeoutException ex) {
					// Fewer messages than the other store: the caller reports the
					// difference.
				}
			}
			synchronized (this.messages) {
				return this.messages.stream().sorted().toList();
			}
		}

		@Override
		public void granted(String pool, String ticketId, long arrival) {
			this.messages.add("granted " + ticketId + " arrival " + arrival);
		}

		@Override
		public void dropped(String pool, String ticketId, boolean shed) {
			this.messages.add("dropped " + ticketId + (shed ? " shed" : " expired"));
		}

		@Override
		public void exhausted(String pool, String ticketId) {
			this.messages.add("exhausted " + ticketId);
		}

		@Override
		public void head(String pool, long delayMillis, String ticketId) {
			if (FENCE.equals(pool)) {
				CountDownLatch latch = this.fences.remove(ticketId);
				if (latch != null) {
					latch.countDown();
				}
				return;
			}
			this.messages.add("head " + ticketId + " in " + delayMillis);
		}

	}

}
