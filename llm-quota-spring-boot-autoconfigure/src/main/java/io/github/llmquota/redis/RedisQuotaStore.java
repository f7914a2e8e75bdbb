package io.github.llmquota.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

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
import io.github.llmquota.redis.ScriptProtocol.AcquireArgs;
import io.github.llmquota.redis.ScriptProtocol.BudgetArgs;
import io.github.llmquota.redis.ScriptProtocol.CancelArgs;
import io.github.llmquota.redis.ScriptProtocol.ChargeArgs;
import io.github.llmquota.redis.ScriptProtocol.FeedbackArgs;
import io.github.llmquota.redis.ScriptProtocol.LiveArgs;
import io.github.llmquota.redis.ScriptProtocol.PollArgs;
import io.github.llmquota.redis.ScriptProtocol.PoolConfig;
import io.github.llmquota.redis.ScriptProtocol.ScopeConfig;
import io.github.llmquota.redis.ScriptProtocol.SettleArgs;
import io.github.llmquota.redis.ScriptProtocol.SnapshotArgs;
import io.github.llmquota.redis.ScriptProtocol.SnapshotReply;
import io.github.llmquota.redis.ScriptProtocol.TenantArgs;
import io.github.llmquota.redis.ScriptProtocol.TenantsArgs;
import io.github.llmquota.redis.ScriptProtocol.UserArgs;

/**
 * A {@link QuotaStore} in Redis. Each decision is made atomically by the
 * {@code llm_quota.lua} script (EVALSHA, falling back to EVAL), which reads Redis
 * {@code TIME}, so worker clocks never matter; the calls that wait for a pool's call
 * under way are decided together in its next script call ({@link #setCallsCombined}). All
 * keys of a pool share the hash tag {@code {pool}}, which keeps every call on one slot of
 * a Redis Cluster. Grants for waiting tickets arrive over pub/sub on one channel per JVM.
 * <p>
 * Runs on Spring Data Redis's Lettuce or Jedis client, standalone, Sentinel or Cluster,
 * and bounds every script call by its timeout on either. The constructors refuse any
 * other {@link RedisConnectionFactory}, and a Jedis one configured so that a call could
 * block without end (no read or connect timeout, or a pool of fewer than two
 * connections), with an {@link IllegalStateException} that names what to change.
 */
public class RedisQuotaStore implements QuotaStore {

	/** The script, as a resource, so that operators can read exactly what runs. */
	public static final String SCRIPT_LOCATION = "META-INF/scripts/llm_quota.lua";

	private static final long KNOWN_STATE_NANOS = Duration.ofMinutes(30).toNanos();

	// The most calls one script call decides: bounds how long it holds Redis.
	private static final int MAX_BATCH = 64;

	private final StringRedisTemplate redis;

	private final RedisConnectionFactory connectionFactory;

	private final QuotaSettings settings;

	private final String keyPrefix;

	private final LongSupplier testClock;

	private final ScriptExecutor executor;

	private final Map<String, Config> poolConfigs = new ConcurrentHashMap<>();

	private final Map<String, Long> lastWrite = new ConcurrentHashMap<>();

	// The live settings each pool's config was last built with; the script tells when
	// the fleet's have moved on.
	private final Map<String, Live> lives = new ConcurrentHashMap<>();

	// The same for each scope, by scope name: every config of a pool under it carries
	// the version, which the script checks against the scope's.
	private final Map<String, Live> scopeLives = new ConcurrentHashMap<>();

	// Test-only: false makes a store that never reloads changed live settings, which the
	// fleet-wide tests must catch.
	volatile boolean reloadsLiveSettings = true;

	private RedisMessageListenerContainer listenerContainer;

	private String workerId;

	private volatile boolean admissionLog;

	private volatile boolean arrivalOrder;

	private volatile boolean tenantFifo;

	private volatile boolean budgetCheckOff;

	// Redis TIME minus this JVM's clock at the last snapshot: cost budget windows end by
	// the store's clock, the same for every JVM.
	private volatile long redisClockOffset;

	private volatile boolean scopesIgnored;

	private volatile boolean scopeClaimsOff;

	private volatile boolean callsCombined = true;

	// Per pool, the calls of this JVM's threads that wait for the pool's call under way.
	private final Map<String, CallCombiner<Call, List<?>>> combiners = new ConcurrentHashMap<>();

	/**
	 * Create a store.
	 * @param connectionFactory the Redis connection factory, shared with the application
	 * @param settings the validated settings
	 * @param keyPrefix the prefix of every key and channel
	 * @throws IllegalStateException if the connection factory cannot bound its calls
	 */
	public RedisQuotaStore(RedisConnectionFactory connectionFactory, QuotaSettings settings, String keyPrefix) {
		this(connectionFactory, settings, keyPrefix, ScriptExecutor.DEFAULT_TIMEOUT, null);
	}

	/**
	 * Create a store whose calls give up after a timeout of their own, whatever the
	 * connection factory's command timeout is.
	 * @param connectionFactory the Redis connection factory, shared with the application
	 * @param settings the validated settings
	 * @param keyPrefix the prefix of every key and channel
	 * @param timeout how long one script call may take before it counts as a failure
	 * @throws IllegalStateException if the connection factory cannot bound its calls
	 */
	public RedisQuotaStore(RedisConnectionFactory connectionFactory, QuotaSettings settings, String keyPrefix,
			Duration timeout) {
		this(connectionFactory, settings, keyPrefix, timeout, null);
	}

	/**
	 * Create a store whose time is driven by the caller instead of Redis {@code TIME}.
	 * For tests only: in production, time must come from Redis.
	 * @param connectionFactory the Redis connection factory
	 * @param settings the validated settings
	 * @param keyPrefix the prefix of every key and channel
	 * @param testClock the time in milliseconds, or {@code null} for Redis {@code TIME}
	 * @throws IllegalStateException if the connection factory cannot bound its calls
	 */
	public RedisQuotaStore(RedisConnectionFactory connectionFactory, QuotaSettings settings, String keyPrefix,
			LongSupplier testClock) {
		this(connectionFactory, settings, keyPrefix, ScriptExecutor.DEFAULT_TIMEOUT, testClock);
	}

	private RedisQuotaStore(RedisConnectionFactory connectionFactory, QuotaSettings settings, String keyPrefix,
			Duration timeout, LongSupplier testClock) {
		this.executor = ScriptExecutor.create(connectionFactory, SCRIPT_LOCATION, timeout);
		this.connectionFactory = connectionFactory;
		this.redis = new StringRedisTemplate(connectionFactory);
		this.settings = settings;
		this.keyPrefix = keyPrefix;
		this.testClock = testClock;
	}

	/**
	 * Set whether calls for a pool that are made while another of its calls is under way
	 * wait for it and are then sent together, as one script call (the default), or each
	 * on its own. Combined, a pool's decisions cost Redis a fraction under load; each is
	 * decided as if sent alone at the instant its batch runs. Acquires of the classes
	 * above the default class are sent at once either way: a user waits on them.
	 * @param callsCombined whether to combine calls
	 */
	public void setCallsCombined(boolean callsCombined) {
		this.callsCombined = callsCombined;
	}

	@Override
	public synchronized void start(String workerId, AdmissionListener listener) {
		this.workerId = workerId;
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(this.connectionFactory);
		// Names the container's threads, so that they can be told apart from the
		// application's.
		container.setBeanName("llm-quota-pubsub");
		container.addMessageListener(new GrantListener(listener), new ChannelTopic(channelPrefix() + workerId));
		container.afterPropertiesSet();
		container.start();
		this.listenerContainer = container;
	}

	@Override
	public synchronized void stop() {
		if (this.listenerContainer != null) {
			try {
				this.listenerContainer.destroy();
			}
			catch (Exception ex) {
				// Nothing left to do: the JVM is going away from the pool either way.
			}
			this.listenerContainer = null;
		}
		this.executor.stop();
	}

	@Override
	public Admission acquire(PoolSpec pool, Ticket ticket) {
		UserArgs user = (ticket.user() != null) ? user(ticket.user(), ticket.user().cost(), null) : null;
		Long arrival = (ticket.arrival() > 0) ? ticket.arrival() : null;
		TenantShare share = ticket.tenant();
		TenantArgs tenant = (share != null) ? new TenantArgs(share.keyHash(), share.weight(), share.tokens()) : null;
		UserCharge tenantCharge = ticket.tenantLimit();
		UserArgs tenantLimit = (tenantCharge != null) ? user(tenantCharge, tenantCharge.cost(), null) : null;
		// A class above the default one (one that a user waits on) never waits for
		// another call: under CPU contention, the hand-over between threads adds to the
		// tail.
		boolean combined = ticket.rank() >= this.settings.priorityClass(null).rank();
		List<?> reply = run(pool, ScriptProtocol.ACQUIRE, combined,
				(live) -> new AcquireArgs(ticket.id(), ticket.worker(), ticket.rank(), ticket.cost(),
						ticket.maxWaitMillis(), ticket.model(), user, arrival, stateUnknown(pool), live, tenant,
						budgets(ticket.budgets()), tenantLimit));
		this.lastWrite.put(pool.name(), System.nanoTime());
		return switch ((String) reply.get(0)) {
			case ScriptProtocol.GRANTED -> (reply.size() > 2) ? Admission.shadowed((Long) reply.get(1), shadow(reply))
					: Admission.granted((Long) reply.get(1));
			case ScriptProtocol.WAITING ->
				Admission.waiting((Long) reply.get(1), emptyToNull((String) reply.get(2)), (Long) reply.get(3));
			case ScriptProtocol.REJECTED -> (reply.size() > 3) ? gateRejection(ticket, reply)
					: Admission.rejected(RejectionReason.valueOf((String) reply.get(1)), (Long) reply.get(2));
			default -> throw unexpected(reply);
		};
	}

	@Override
	public void settle(PoolSpec pool, Settlement settlement) {
		UserArgs user = (settlement.user() != null) ? user(settlement.user(), null, settlement.userDelta()) : null;
		UserArgs tenantLimit = (settlement.tenantLimit() != null)
				? user(settlement.tenantLimit(), null, settlement.tenantDelta()) : null;
		FeedbackArgs feedback = feedback(settlement.feedback());
		List<?> reply = run(pool, ScriptProtocol.SETTLE,
				(live) -> new SettleArgs(settlement.leaseId(), settlement.delta(),
						(feedback != null) ? settlement.model() : null, feedback, user, stateUnknown(pool), live,
						budgets(settlement.budgets()), tenantLimit, settlement.streamed() ? Boolean.TRUE : null));
		if (!ScriptProtocol.SETTLED.equals(reply.get(0))) {
			throw unexpected(reply);
		}
		this.lastWrite.put(pool.name(), System.nanoTime());
	}

	@Override
	public boolean charge(PoolSpec pool, String leaseId, long[] delta, long outputTokens, UserCharge user,
			long[] userDelta, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta) {
		UserArgs userArgs = (user != null) ? user(user, null, userDelta) : null;
		UserArgs tenantArgs = (tenantLimit != null) ? user(tenantLimit, null, tenantDelta) : null;
		List<?> reply = run(pool, ScriptProtocol.CHARGE,
				(live) -> new ChargeArgs(leaseId, delta, outputTokens, live, userArgs, budgets(budgets), tenantArgs));
		return switch ((String) reply.get(0)) {
			case ScriptProtocol.CHARGED -> true;
			case ScriptProtocol.LOST -> false;
			default -> throw unexpected(reply);
		};
	}

	@Override
	public void cancel(PoolSpec pool, String ticketId) {
		run(pool, ScriptProtocol.CANCEL, (live) -> new CancelArgs(ticketId, stateUnknown(pool), live));
	}

	@Override
	public PollResult poll(PoolSpec pool, List<String> ticketIds) {
		List<?> reply = run(pool, ScriptProtocol.POLL,
				(live) -> new PollArgs(this.workerId, ticketIds, stateUnknown(pool), live));
		if (!ScriptProtocol.POLLED.equals(reply.get(0))) {
			throw unexpected(reply);
		}
		// The ticket states follow the head's delay and ticket, named as TicketState's
		// constants.
		List<TicketState> states = new ArrayList<>(reply.size() - 3);
		for (Object state : reply.subList(3, reply.size())) {
			states.add(TicketState.valueOf((String) state));
		}
		return new PollResult(states, (Long) reply.get(1), emptyToNull((String) reply.get(2)));
	}

	@Override
	public List<TenantDemand> waitingTenants(PoolSpec pool, int limit) {
		List<?> reply = run(pool, ScriptProtocol.TENANTS_OP, (live) -> new TenantsArgs(limit, live));
		if (!ScriptProtocol.TENANTS.equals(reply.get(0))) {
			throw unexpected(reply);
		}
		// Every tenant's admitted tokens together, then four figures per tenant.
		long admitted = (Long) reply.get(1);
		List<TenantDemand> tenants = new ArrayList<>();
		for (int i = 2; i + 3 < reply.size(); i += 4) {
			long tokens = (Long) reply.get(i + 3);
			tenants.add(new TenantDemand((String) reply.get(i), (Long) reply.get(i + 1),
					((Long) reply.get(i + 2)).intValue(), tokens, TenantDemand.share(tokens, admitted)));
		}
		return tenants;
	}

	@Override
	public PoolSnapshot snapshot(PoolSpec pool) {
		SnapshotReply state = readSnapshot(pool, null);
		long now = state.timeMillis();
		List<String> ringFields = new ArrayList<>(state.usageRings().size() * 2);
		state.usageRings().forEach((field, value) -> {
			ringFields.add(field);
			ringFields.add(value);
		});
		UsageRings rings = UsageRings.parse(pool.rates().size(), ringFields);
		List<ScopeSnapshot> scopes = (state.scopes() != null) ? state.scopes()
			.stream()
			.map((scope) -> new ScopeSnapshot(scope.name(), (scope.used() != null) ? scope.used() : new double[0],
					scope.inFlight()))
			.toList() : List.of();
		return new PoolSnapshot(pool.name(), now, (state.used() != null) ? state.used() : new double[0],
				rings.trailingMinute(now), rings.lastHour(now), state.queued(), state.inFlight(), state.multiplier(),
				state.cooldownMillis(), state.headDelayMillis(),
				(state.modelCooldownMillis() != null) ? state.modelCooldownMillis() : new long[0],
				Math.max(1, state.liveWorkers()), state.exhaustedMillis(), state.exhaustedReason(),
				state.streamOutput(), scopes);
	}

	@Override
	public List<BudgetLevel> budgetLevels(PoolSpec pool, List<BudgetCharge> budgets) {
		long[][] levels = readSnapshot(pool, budgets(budgets)).budgets();
		List<BudgetLevel> result = new ArrayList<>(budgets.size());
		for (int i = 0; i < budgets.size(); i++) {
			result.add((levels != null && i < levels.length) ? new BudgetLevel(levels[i][0], levels[i][1])
					: new BudgetLevel(0, 0));
		}
		return result;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Redis {@code TIME} as the last snapshot read it, carried forward on this JVM's
	 * clock; the driven clock of a store made for tests.
	 */
	@Override
	public long timeMillis() {
		if (this.testClock != null) {
			return this.testClock.getAsLong();
		}
		return System.currentTimeMillis() + this.redisClockOffset;
	}

	private SnapshotReply readSnapshot(PoolSpec pool, List<BudgetArgs> budgets) {
		List<?> reply = run(pool, ScriptProtocol.SNAPSHOT_OP, (live) -> new SnapshotArgs(pool.models(), live, budgets));
		if (!ScriptProtocol.SNAPSHOT.equals(reply.get(0))) {
			throw unexpected(reply);
		}
		SnapshotReply state = ScriptProtocol.readSnapshot((String) reply.get(1));
		this.redisClockOffset = state.timeMillis() - System.currentTimeMillis();
		return state;
	}

	private static List<BudgetArgs> budgets(List<BudgetCharge> budgets) {
		if (budgets == null || budgets.isEmpty()) {
			return null;
		}
		List<BudgetArgs> args = new ArrayList<>(budgets.size());
		for (BudgetCharge budget : budgets) {
			args.add(new BudgetArgs(budget.key(), budget.limitMicros(), budget.amountMicros(), budget.windowEndMillis(),
					budget.floorMicros(), budget.releaseMicros(), budget.slotMillis(), budget.scope()));
		}
		return args;
	}

	/**
	 * Test-only: make the script admit whatever the cost budgets say, so that the tests
	 * that guard a hard cap can show they catch a store that does not keep it.
	 * @param enabled whether to skip the budget check
	 */
	public void setBudgetCheckOffForTesting(boolean enabled) {
		this.budgetCheckOff = enabled;
		this.poolConfigs.clear();
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Read from Redis on every call, so that it is current even where this JVM made no
	 * decision lately.
	 */
	@Override
	public LiveSettings live(PoolSpec pool) {
		return runLive(pool, new LiveArgs(null, null)).settings();
	}

	@Override
	public PoolSpec liveLimits(PoolSpec pool) {
		return withLiveScopes(this.lives.getOrDefault(pool.name(), Live.CONFIGURED).settings().applyTo(pool));
	}

	private PoolSpec withLiveScopes(PoolSpec pool) {
		return LiveSettings.withLiveScopes(pool,
				(scope) -> this.scopeLives.getOrDefault(scope, Live.CONFIGURED).settings());
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Read from Redis on every call.
	 */
	@Override
	public LiveSettings scopeLive(PoolSpec pool, ScopeSpec scope) {
		return runScopeLive(pool, scope, new LiveArgs(null, null)).settings();
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Kept in {@code <prefix>:{<root>}:scope=<name>:o}, without a lifetime, by the same
	 * script op as a pool's, run on the scope's key. Every JVM reloads it at its next
	 * call of any pool under the scope, told so by the script.
	 */
	@Override
	public void changeScopeLive(PoolSpec pool, ScopeSpec scope, LiveSettings live) {
		runScopeLive(pool, scope, new LiveArgs(true, live.changesNothing() ? null : ScriptProtocol.write(live)));
	}

	private Live runScopeLive(PoolSpec pool, ScopeSpec scope, LiveArgs args) {
		List<?> reply = (List<?>) this.executor.execute(List.of(scopeBase(pool, scope) + "s"),
				arguments(ScriptProtocol.LIVE_OP, "", ScriptProtocol.write(args), ""));
		if (!ScriptProtocol.LIVE.equals(reply.get(0))) {
			throw unexpected(reply);
		}
		Live live = new Live((Long) reply.get(1), ScriptProtocol.readLive((String) reply.get(2)));
		Live known = this.scopeLives.put(scope.name(), live);
		if (known == null || known.version() != live.version()) {
			// Every pool under the scope carries it in its config; a rare event, so all
			// configs are rebuilt rather than tracked per scope.
			this.poolConfigs.clear();
		}
		return live;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Kept in {@code <prefix>:{<pool>}:o}, without a lifetime: a change stays until it is
	 * reverted. Every JVM reloads it at its next call of the pool, told so by the script.
	 */
	@Override
	public void changeLive(PoolSpec pool, LiveSettings live) {
		runLive(pool, new LiveArgs(true, live.changesNothing() ? null : ScriptProtocol.write(live)));
	}

	/**
	 * Read the admission log of a pool, oldest first, when it is enabled. Each entry
	 * reads {@code "<admitted class rank> <overtaken> <queue sequence or 0> <ticket>"},
	 * where {@code overtaken} counts the other waiting tickets of a strictly higher class
	 * (lower rank) that fitted at that moment by the rule the queue's head must pass:
	 * tickets that could have been admitted first. An entry with {@code overtaken > 0} is
	 * a priority inversion. For tests and benchmarks only.
	 * @param pool the pool name
	 * @return the entries
	 */
	public List<String> admissionLog(String pool) {
		List<String> entries = this.redis.opsForList().range(base(pool) + "log", 0, -1);
		return (entries != null) ? entries : List.of();
	}

	/**
	 * Record every admission in a per-pool list (kept one hour), counted on the server in
	 * the call that admits, so that tests and benchmarks can check the admission order
	 * exactly. For tests and benchmarks only, never in production: each admission scans
	 * the whole waiting room and writes to Redis.
	 * @param enabled whether to record admissions
	 */
	public void setAdmissionLog(boolean enabled) {
		this.admissionLog = enabled;
		this.poolConfigs.clear();
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
		this.poolConfigs.clear();
	}

	/**
	 * Make every class wait in arrival order again, whatever the pool's
	 * {@link PoolSpec#tenants() tenant weights}: for tests only, to show that the
	 * fairness checks fail without fair sharing.
	 * @param enabled whether to ignore the tenants when queuing
	 */
	public void setTenantFifoForTesting(boolean enabled) {
		this.tenantFifo = enabled;
		this.poolConfigs.clear();
	}

	/**
	 * Hold requests to their pools' limits only, leaving out the scopes above them: a
	 * deliberately broken store, so that tests can show that their checks of a scope's
	 * limit fail without it. For tests only.
	 * @param enabled whether to leave the scopes out of every decision
	 */
	public void setScopesIgnoredForTesting(boolean enabled) {
		this.scopesIgnored = enabled;
		this.poolConfigs.clear();
	}

	/**
	 * Let a pool's blocked head claim none of the scopes above it, so that a lower class
	 * of another pool of the tree may take a scope's refill first: a deliberately broken
	 * order across a tree, so that tests can show their priority checks fail without
	 * claims. For tests only.
	 * @param enabled whether to leave the scopes unclaimed
	 */
	public void setScopeClaimsOffForTesting(boolean enabled) {
		this.scopeClaimsOff = enabled;
		this.poolConfigs.clear();
	}

	/**
	 * Return the keys of a pool: its state hash first, then its queue, tickets, leases,
	 * workers and usage keys. The script is sent only the first and names the others from
	 * it, under the same hash tag.
	 * @param pool the pool name
	 * @return the keys
	 */
	public List<String> keys(String pool) {
		String base = base(pool);
		return List.of(base + "s", base + "q", base + "t", base + "l", base + "w", base + "m");
	}

	// Every key of a pool starts with this; a configured pool under a scope is found by
	// name.
	private String base(String pool) {
		PoolSpec spec = this.settings.pools().get(pool);
		return (spec != null) ? keyBase(this.keyPrefix, spec) : keyBase(this.keyPrefix, pool, pool);
	}

	/**
	 * Return the start of every key of a pool: the prefix, then its tree as the hash tag
	 * (the root scope, or the pool itself outside any scope), then, in a tree, the pool.
	 * Other stores of a pool's state (the batch ledger) name their keys from it, so that
	 * they share its slot on Redis Cluster.
	 * @param keyPrefix the key prefix
	 * @param pool the pool
	 * @return the keys' common start, ending in {@code :}
	 */
	public static String keyBase(String keyPrefix, PoolSpec pool) {
		return keyBase(keyPrefix, pool.tree(), pool.name());
	}

	private static String keyBase(String keyPrefix, String tree, String pool) {
		return tree.equals(pool) ? keyPrefix + ":{" + pool + "}:" : keyPrefix + ":{" + tree + "}:" + pool + ":";
	}

	// A scope's keys, under its tree's tag; "scope=" keeps them apart from any pool's, as
	// no pool name holds an '='.
	private String scopeBase(PoolSpec pool, ScopeSpec scope) {
		return this.keyPrefix + ":{" + pool.tree() + "}:scope=" + scope.name() + ":";
	}

	private List<?> run(PoolSpec pool, String op, Function<Long, Object> args) {
		return run(pool, op, ScriptProtocol.BATCHED.contains(op), args);
	}

	private List<?> run(PoolSpec pool, String op, boolean combined, Function<Long, Object> args) {
		Call call = new Call(op, args);
		if (!this.callsCombined || !combined) {
			return send(pool, List.of(call)).get(0);
		}
		return combiner(pool.name()).call(call, (calls) -> send(pool, calls));
	}

	// Package-private: the tests hold a pool's combiner busy, so that calls wait in it.
	CallCombiner<Call, List<?>> combiner(String pool) {
		// A call waits to be sent for the pool's call under way, which its deadline
		// bounds, and a config sent again after CONFIG_NEEDED.
		return this.combiners.computeIfAbsent(pool,
				(name) -> new CallCombiner<>(MAX_BATCH, this.executor.timeoutMillis * 2));
	}

	// One call alone under its own op, several as a batch; the replies in the calls'
	// order.
	private List<List<?>> send(PoolSpec pool, List<Call> calls) {
		List<String> keys = List.of(keyBase(this.keyPrefix, pool) + "s");
		// Live settings that change again while this call reloads them cost another try;
		// a pool whose settings change without end fails the call.
		for (int attempt = 0; attempt < 3; attempt++) {
			Config config = this.poolConfigs.computeIfAbsent(pool.name(),
					(name) -> config(pool, this.lives.getOrDefault(name, Live.CONFIGURED)));
			String digest = config.digest();
			Long live = (config.liveVersion() > 0) ? config.liveVersion() : null;
			String op = calls.get(0).op();
			String json;
			if (calls.size() == 1) {
				json = ScriptProtocol.write(calls.get(0).args().apply(live));
			}
			else {
				List<String> ops = new ArrayList<>(calls.size());
				List<String> arguments = new ArrayList<>(calls.size());
				for (Call call : calls) {
					ops.add(call.op());
					arguments.add(ScriptProtocol.write(call.args().apply(live)));
				}
				op = ScriptProtocol.BATCH_OP;
				json = ScriptProtocol.writeBatch(ops, arguments);
			}
			List<?> reply = (List<?>) this.executor.execute(keys, arguments(op, digest, json, ""));
			if (ScriptProtocol.CONFIG_NEEDED.equals(reply.get(0))) {
				// The script has not kept this config (first call, or the state was
				// lost): it answered before reading or writing anything, so sending it in
				// full is safe.
				reply = (List<?>) this.executor.execute(keys, arguments(op, digest, json, config.json()));
			}
			if (!ScriptProtocol.LIVE_CHANGED.equals(reply.get(0))) {
				return replies(reply, calls.size());
			}
			// Answered before anything was decided: decide again under the new settings,
			// the pool's and its scopes' (the script does not say which moved).
			if (this.reloadsLiveSettings) {
				runLive(pool, new LiveArgs(null, null));
				if (!this.scopesIgnored) {
					pool.scopeChain().forEach((scope) -> runScopeLive(pool, scope, new LiveArgs(null, null)));
				}
				// A config built while another thread's reload cleared the cache may
				// still hold the old versions: never reuse it.
				this.poolConfigs.remove(pool.name());
			}
		}
		throw new IllegalStateException("Live settings of pool '" + pool.name() + "' keep changing");
	}

	private static List<List<?>> replies(List<?> reply, int calls) {
		if (calls == 1) {
			return List.of(reply);
		}
		if (!ScriptProtocol.BATCH.equals(reply.get(0)) || reply.size() != calls + 1) {
			throw unexpected(reply);
		}
		List<List<?>> replies = new ArrayList<>(calls);
		for (int i = 1; i <= calls; i++) {
			replies.add((List<?>) reply.get(i));
		}
		return replies;
	}

	private Live runLive(PoolSpec pool, LiveArgs args) {
		List<?> reply = (List<?>) this.executor.execute(List.of(keyBase(this.keyPrefix, pool) + "s"),
				arguments(ScriptProtocol.LIVE_OP, "", ScriptProtocol.write(args), ""));
		if (!ScriptProtocol.LIVE.equals(reply.get(0))) {
			throw unexpected(reply);
		}
		Live live = new Live((Long) reply.get(1), ScriptProtocol.readLive((String) reply.get(2)));
		Live known = this.lives.put(pool.name(), live);
		if (known == null || known.version() != live.version()) {
			this.poolConfigs.remove(pool.name());
		}
		return live;
	}

	private static Admission.Shadow shadow(List<?> reply) {
		String reason = (String) reply.get(3);
		return new Admission.Shadow(Admission.Status.valueOf((String) reply.get(2)),
				reason.isEmpty() ? null : RejectionReason.valueOf(reason), (Long) reply.get(4));
	}

	// ARGV: op, digest, arguments, then the config and the test clock only when there
	// are.
	private List<String> arguments(String op, String digest, String json, String config) {
		if (this.testClock != null) {
			return List.of(op, digest, json, config, Long.toString(this.testClock.getAsLong()));
		}
		return config.isEmpty() ? List.of(op, digest, json) : List.of(op, digest, json, config);
	}

	private static IllegalStateException unexpected(List<?> reply) {
		return new IllegalStateException("Unexpected reply from llm-quota script: " + reply);
	}

	private Config config(PoolSpec configured, Live live) {
		// One reading of the scopes' live settings, so that each scope's limits and the
		// version sent with them agree.
		Map<String, Live> scopeLives = new HashMap<>();
		configured.scopeChain()
			.forEach((scope) -> scopeLives.put(scope.name(),
					this.scopeLives.getOrDefault(scope.name(), Live.CONFIGURED)));
		PoolSpec pool = LiveSettings.withLiveScopes(live.settings().applyTo(configured),
				(scope) -> scopeLives.get(scope).settings());
		int n = pool.rates().size();
		List<String> dimensions = new ArrayList<>(n);
		double[] capacities = new double[n];
		double[] rates = new double[n];
		for (int i = 0; i < n; i++) {
			RateLimit rate = pool.rates().get(i);
			dimensions.add(fieldName(rate));
			capacities[i] = rate.capacity();
			rates[i] = rate.ratePerMilli();
		}
		List<PriorityClass> classes = this.settings.classes();
		double[] reserves = new double[classes.size()];
		int[] queueCapacities = new int[classes.size()];
		for (int i = 0; i < classes.size(); i++) {
			reserves[i] = classes.get(i).reserve();
			queueCapacities[i] = classes.get(i).queueCapacity();
		}
		FeedbackSettings feedback = this.settings.feedback();
		// A pinned multiplier is neither cut nor recovered.
		Double pinned = live.settings().multiplier();
		PoolConfig config = new PoolConfig(pool.name(), dimensions, capacities, rates, pool.maxConcurrency(),
				this.settings.leaseTimeout().toMillis(), reserves, queueCapacities, this.settings.queueCapacity(),
				this.settings.heartbeatInterval().toMillis() * 3, channelPrefix(),
				(pinned != null) ? 1 : feedback.multiplierCut(),
				(pinned != null) ? Math.min(pinned, feedback.multiplierFloor()) : feedback.multiplierFloor(),
				(pinned != null) ? 0 : feedback.multiplierRecovery(), feedback.overloadCooldown().toMillis(),
				feedback.maxOverloadCooldown().toMillis(), this.settings.admissionLookahead().toMillis(),
				this.admissionLog ? Boolean.TRUE : null, this.arrivalOrder ? Boolean.TRUE : null,
				live.settings().paused(classes), live.settings().shadowed(configured, this.settings), pinned,
				(configured.tenants() != null && !this.tenantFifo) ? Boolean.TRUE : null,
				this.budgetCheckOff ? Boolean.TRUE : null, scopes(pool, scopeLives),
				(this.scopeClaimsOff && !pool.scopeChain().isEmpty()) ? Boolean.TRUE : null);
		return Config.of(ScriptProtocol.write(config), live.version());
	}

	private List<ScopeConfig> scopes(PoolSpec pool, Map<String, Live> scopeLives) {
		if (pool.scopeChain().isEmpty() || this.scopesIgnored) {
			return null;
		}
		List<ScopeConfig> scopes = new ArrayList<>();
		for (ScopeSpec scope : pool.scopeChain()) {
			int n = scope.rates().size();
			List<String> dimensions = new ArrayList<>(n);
			double[] capacities = new double[n];
			double[] rates = new double[n];
			int[] costIndex = new int[n];
			for (int i = 0; i < n; i++) {
				RateLimit rate = scope.rates().get(i);
				dimensions.add(fieldName(rate));
				capacities[i] = rate.capacity();
				rates[i] = rate.ratePerMilli();
				costIndex[i] = pool.costIndexOf(rate.dimension()) + 1;
			}
			scopes.add(new ScopeConfig(scope.name(), scopeBase(pool, scope), dimensions, capacities, rates, costIndex,
					scope.maxConcurrency(), scopeLives.get(scope.name()).version()));
		}
		return scopes;
	}

	/**
	 * Return the state-hash field that holds a dimension's bucket. Stable names, so that
	 * a configuration change that adds a dimension does not shift the others.
	 * @param rate the rate limit
	 * @return the field name
	 */
	static String fieldName(RateLimit rate) {
		return switch (rate.dimension()) {
			case REQUESTS_PER_MINUTE -> "rpm";
			case INPUT_TOKENS_PER_MINUTE -> "itpm";
			case OUTPUT_TOKENS_PER_MINUTE -> "otpm";
			case TOKENS_PER_MINUTE -> "tpm";
			case REQUESTS_PER_DAY -> "rpd";
			case TOKENS_PER_DAY -> "tpd";
			case CONCURRENCY -> throw new IllegalArgumentException("concurrency is kept as leases");
		};
	}

	private String channelPrefix() {
		return this.keyPrefix + ":w:";
	}

	// {REJECTED, USER_LIMIT | TENANT_LIMIT, retry after, field, remaining, full in}
	private static Admission gateRejection(Ticket ticket, List<?> reply) {
		RejectionReason reason = RejectionReason.valueOf((String) reply.get(1));
		UserCharge gate = (reason == RejectionReason.TENANT_LIMIT) ? ticket.tenantLimit() : ticket.user();
		for (int i = 0; i < gate.limits().size(); i++) {
			if (fieldName(gate.limits().get(i)).equals(reply.get(3))) {
				return Admission.rejectedAtGate(reason, (Long) reply.get(2),
						gate.bindingLimit(i, (Long) reply.get(4), (Long) reply.get(5)));
			}
		}
		throw unexpected(reply);
	}

	private static UserArgs user(UserCharge user, long[] costs, long[] deltas) {
		int n = user.limits().size();
		List<String> fields = new ArrayList<>(n);
		double[] capacities = new double[n];
		double[] rates = new double[n];
		for (int i = 0; i < n; i++) {
			RateLimit rate = user.limits().get(i);
			fields.add(fieldName(rate));
			capacities[i] = rate.capacity();
			rates[i] = rate.ratePerMilli();
		}
		return new UserArgs(user.keyHash(), fields, capacities, rates, costs, deltas);
	}

	// Sent only when it says something: a kind, or a remaining value the script may
	// apply.
	private static FeedbackArgs feedback(PoolFeedback feedback) {
		if (feedback == null || (feedback.kind() == PoolFeedback.Kind.NONE && !hasRemaining(feedback)
				&& !hasScopeReadings(feedback))) {
			return null;
		}
		String kind = switch (feedback.kind()) {
			case SUCCESS -> "ok";
			case RATE_LIMITED -> "rate-limited";
			case OVERLOADED -> "overloaded";
			case EXHAUSTED -> "exhausted";
			// The script knows no scope 429: what it does for one is the readings'.
			case NONE, SCOPE_RATE_LIMITED -> "";
		};
		boolean remaining = hasRemaining(feedback);
		List<long[][]> scopes = null;
		if (hasScopeReadings(feedback)) {
			scopes = new ArrayList<>(feedback.scopes().size());
			for (PoolFeedback.ScopeReading scope : feedback.scopes()) {
				scopes.add((scope != null) ? new long[][] { scope.remaining(), scope.tolerance() } : null);
			}
		}
		return new FeedbackArgs(kind, (feedback.retryAfterMillis() != 0) ? feedback.retryAfterMillis() : null,
				feedback.reason(), remaining ? feedback.remaining() : null, remaining ? feedback.tolerance() : null,
				scopes);
	}

	private static boolean hasScopeReadings(PoolFeedback feedback) {
		return feedback.scopes() != null && feedback.scopes().stream().anyMatch(Objects::nonNull);
	}

	private static boolean hasRemaining(PoolFeedback feedback) {
		return feedback.remaining() != null
				&& Arrays.stream(feedback.remaining()).anyMatch((remaining) -> remaining >= 0);
	}

	// Within half an hour of a write the state (kept at least an hour) must still be
	// there; if it is not, the script knows it was lost rather than never created.
	private Boolean stateUnknown(PoolSpec pool) {
		Long last = this.lastWrite.get(pool.name());
		boolean known = last != null && System.nanoTime() - last < KNOWN_STATE_NANOS;
		return known ? null : Boolean.TRUE;
	}

	private static String emptyToNull(String value) {
		return value.isEmpty() ? null : value;
	}

	/**
	 * A pool's config as sent in full, and the digest every call sends in its place.
	 */
	private record Config(String json, String digest, long liveVersion) {

		static Config of(String json, long liveVersion) {
			return new Config(json, ScriptProtocol.digest(json), liveVersion);
		}

	}

	/**
	 * A pool's live settings and their version in Redis.
	 */
	private record Live(long version, LiveSettings settings) {

		static final Live CONFIGURED = new Live(0, LiveSettings.NONE);

	}

	private static final class GrantListener implements MessageListener {

		private final AdmissionListener listener;

		GrantListener(AdmissionListener listener) {
			this.listener = listener;
		}

		@Override
		public void onMessage(Message message, byte[] pattern) {
			String[] parts = new String(message.getBody(), StandardCharsets.UTF_8).split(" ");
			if (parts.length < 3) {
				return;
			}
			switch (parts[0]) {
				case ScriptProtocol.GRANTED_MESSAGE ->
					this.listener.granted(parts[1], parts[2], (parts.length > 3) ? Long.parseLong(parts[3]) : 0);
				case ScriptProtocol.SHED_MESSAGE -> this.listener.dropped(parts[1], parts[2], true);
				case ScriptProtocol.EXPIRED_MESSAGE -> this.listener.dropped(parts[1], parts[2], false);
				case ScriptProtocol.EXHAUSTED_MESSAGE -> this.listener.exhausted(parts[1], parts[2]);
				case ScriptProtocol.HEAD_MESSAGE ->
					this.listener.head(parts[1], Long.parseLong(parts[2]), (parts.length > 3) ? parts[3] : null);
				default -> {
				}
			}
		}

	}

	// A call of the script: its op, and its arguments as built under the live version of
	// the config it is sent with.
	record Call(String op, Function<Long, Object> args) {
	}

}
