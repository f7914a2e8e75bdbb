package io.github.llmquota.redis;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.Sha256;

/**
 * The contract between {@link RedisQuotaStore} and the {@code llm_quota.lua} script: the
 * arguments, as records that Jackson writes for the script; the statuses that lead its
 * replies; the snapshot, which Jackson reads by name; and the kinds of its pub/sub
 * messages. This class owns those names: a name changed here must be changed in the
 * script's glossary and body too.
 * <p>
 * The pool config, sent once per digest, is written under its field names, with absent
 * values ({@code null}) left out rather than written as JSON {@code null}, which the
 * script's cjson would read as a true value. The arguments of an op, sent with every
 * call, are written {@linkplain Positional positionally}: a JSON array of the record's
 * components in declaration order, which the script's glossary lists by the same names
 * and its {@code ARGUMENTS} readers read back into a table under those names, the one
 * place on each side that maps positions to names. Usually-absent components come last,
 * so that they cost nothing when absent. Every op but {@code live} ends with
 * {@code live}, the version of the live settings its config was built with (left out when
 * 0). A record's components are reordered here and in the script together, never on one
 * side only.
 * <p>
 * Thread-safe: the records are immutable and the mapper is shared read-only.
 */
final class ScriptProtocol {

	/**
	 * The script's reply when it does not keep the config whose digest a call sent; the
	 * call is then sent again with the config in full.
	 */
	static final String CONFIG_NEEDED = "CONFIG_NEEDED";

	/** The op that admits or queues a ticket, with {@link AcquireArgs}. */
	static final String ACQUIRE = "acquire";

	/** The op that ends a lease, with {@link SettleArgs}. */
	static final String SETTLE = "settle";

	/** The op that withdraws a waiting or granted ticket, with {@link CancelArgs}. */
	static final String CANCEL = "cancel";

	/** The op that a worker's heartbeat runs, with {@link PollArgs}. */
	static final String POLL = "poll";

	/** The read-only op that reads a pool's state, with {@link SnapshotArgs}. */
	static final String SNAPSHOT_OP = "snapshot";

	/**
	 * The op that charges a live stream's step and keeps its lease, with
	 * {@link ChargeArgs}.
	 */
	static final String CHARGE = "charge";

	/**
	 * The read-only op that reads the tenants with the most tokens waiting, with
	 * {@link TenantsArgs}.
	 */
	static final String TENANTS_OP = "tenants";

	/**
	 * The op that decides several calls of the ops in {@link #BATCHED} one after another,
	 * with a list of [op, arguments]; its reply is {@link #BATCH}.
	 */
	static final String BATCH_OP = "batch";

	/** The ops that a batch may hold: those that change a pool's state. */
	static final Set<String> BATCHED = Set.of(ACQUIRE, SETTLE, CANCEL, POLL, CHARGE);

	/** Batch: followed by each call's reply, in the order of the calls. */
	static final String BATCH = "BATCH";

	/** Tenants: followed by the key hash, tokens and tickets of each tenant. */
	static final String TENANTS = "TENANTS";

	/** Charge: the lease was held and is kept a lease timeout from now. */
	static final String CHARGED = "CHARGED";

	/** Charge: the lease had expired or ended; nothing was charged. */
	static final String LOST = "LOST";

	/**
	 * The op that reads or replaces a pool's live settings, with {@link LiveArgs}; it
	 * needs no config.
	 */
	static final String LIVE_OP = "live";

	/**
	 * Live: followed by the version of the pool's live settings (0: never changed) and
	 * their JSON (empty: as configured).
	 */
	static final String LIVE = "LIVE";

	/**
	 * Any op but live: the caller's config carries live settings older than the pool's;
	 * the caller reloads them and calls again. Nothing was changed.
	 */
	static final String LIVE_CHANGED = "LIVE_CHANGED";

	/**
	 * Acquire: admitted now; followed by the arrival, and in shadow mode by what
	 * enforcement would have decided: the status, the reason (empty when none) and the
	 * wait.
	 */
	static final String GRANTED = "GRANTED";

	/**
	 * Acquire: queued; followed by the head's delay, the head ticket (empty when the head
	 * is not the caller's) and the arrival.
	 */
	static final String WAITING = "WAITING";

	/**
	 * Acquire: refused; followed by the {@code RejectionReason} and the retry-after
	 * delay.
	 */
	static final String REJECTED = "REJECTED";

	/** Settle: done. */
	static final String SETTLED = "SETTLED";

	/**
	 * Poll: followed by the head's delay, the head ticket and one ticket state per id.
	 */
	static final String POLLED = "POLLED";

	/** Snapshot: followed by the {@link SnapshotReply} as JSON. */
	static final String SNAPSHOT = "SNAPSHOT";

	/**
	 * Message: a waiting ticket was granted; {@code GRANTED <pool> <ticket> <arrival>}.
	 */
	static final String GRANTED_MESSAGE = GRANTED;

	/**
	 * Message: a waiting ticket was pushed out by a higher class;
	 * {@code SHED <pool> <ticket>}.
	 */
	static final String SHED_MESSAGE = "SHED";

	/**
	 * Message: a waiting ticket's deadline passed or its worker died;
	 * {@code EXPIRED <pool> <ticket>}.
	 */
	static final String EXPIRED_MESSAGE = "EXPIRED";

	/**
	 * Message: a waiting ticket failed as the pool is exhausted;
	 * {@code EXHAUSTED <pool> <ticket>}.
	 */
	static final String EXHAUSTED_MESSAGE = "EXHAUSTED";

	/**
	 * Message: the queue's head changed;
	 * {@code HEAD <pool> <delay ms, or -1 when unknown>
	 * <ticket>}.
	 */
	static final String HEAD_MESSAGE = "HEAD";

	private static final ObjectMapper MAPPER = new ObjectMapper();

	private static final ObjectWriter WRITER = MAPPER.writer();

	private static final ObjectReader SNAPSHOT_READER = MAPPER.readerFor(SnapshotReply.class);

	private ScriptProtocol() {
	}

	/**
	 * Write a record as the script's JSON.
	 * @param value the record
	 * @return the JSON text
	 */
	static String write(Object value) {
		try {
			return WRITER.writeValueAsString(value);
		}
		catch (JsonProcessingException ex) {
			// Only records of this class are written, and they hold no type Jackson
			// cannot write.
			throw new IllegalStateException("Cannot write llm-quota script arguments " + value, ex);
		}
	}

	/**
	 * Write the calls of a batch as the script's JSON: a list of [op, arguments].
	 * @param ops the op of each call
	 * @param arguments the arguments of each call, as {@link #write} writes them
	 * @return the JSON text
	 */
	static String writeBatch(List<String> ops, List<String> arguments) {
		StringBuilder json = new StringBuilder("[");
		for (int i = 0; i < ops.size(); i++) {
			// The op names are constants of this class: nothing in them needs escaping.
			json.append((i > 0) ? ",[\"" : "[\"").append(ops.get(i)).append("\",").append(arguments.get(i)).append(']');
		}
		return json.append(']').toString();
	}

	/**
	 * Read live settings as the live op returns them.
	 * @param json the JSON that follows the version, empty when there are none
	 * @return the settings
	 * @throws IllegalStateException if the JSON does not match {@link LiveSettings}
	 */
	static LiveSettings readLive(String json) {
		if (json.isEmpty()) {
			return LiveSettings.NONE;
		}
		try {
			return MAPPER.readValue(json, LiveSettings.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("Unreadable llm-quota live settings: " + json, ex);
		}
	}

	/**
	 * Read the snapshot the script returns.
	 * @param json the JSON that follows {@link #SNAPSHOT}
	 * @return the snapshot
	 * @throws IllegalStateException if the JSON does not match {@link SnapshotReply}: a
	 * script of another version
	 */
	static SnapshotReply readSnapshot(String json) {
		try {
			return SNAPSHOT_READER.readValue(json);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("Unexpected snapshot from llm-quota script: " + json, ex);
		}
	}

	/**
	 * Return the digest a pool config is kept under in Redis: the first 12 hex digits of
	 * its SHA-256, so that a config that changes in any way gets a digest of its own. 48
	 * bits: only the configs of one pool that meet in Redis at once must differ, and
	 * every call sends the digest, so each digit costs two bytes per decision.
	 * @param configJson the config, as written by {@link #write(Object)}
	 * @return the digest
	 */
	static String digest(String configJson) {
		return Sha256.hex(configJson, 6);
	}

	/**
	 * The configuration of a pool, kept in Redis under its {@link #digest(String)
	 * digest}, which every call sends ({@code ARGV[2]}); sent in full ({@code ARGV[5]})
	 * only when the script answers {@link #CONFIG_NEEDED}. Rates are units per
	 * millisecond, durations milliseconds; arrays are indexed by dimension or by class
	 * rank. The live settings' limits are applied to the capacities, rates and
	 * concurrency; {@code paused} and {@code shadowed} (per class rank) and
	 * {@code pinnedMultiplier} are left out when nothing is paused, shadowed or pinned.
	 * {@code tenantShares} is set when the pool shares each class between tenants by
	 * weight, and left out for arrival order.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record PoolConfig(String pool, List<String> dimensions, double[] capacities, double[] ratesPerMilli,
			int maxConcurrency, long leaseTimeoutMillis, double[] reserves, int[] queueCapacities,
			int totalQueueCapacity, long workerTtlMillis, String channelPrefix, double multiplierCut,
			double multiplierFloor, double multiplierRecovery, long overloadCooldownMillis,
			long maxOverloadCooldownMillis, long lookaheadMillis, Boolean admissionLogForTests,
			Boolean arrivalOrderForTests, boolean[] paused, boolean[] shadowed, Double pinnedMultiplier,
			Boolean tenantShares, Boolean budgetCheckOffForTests, List<ScopeConfig> scopes,
			Boolean scopeClaimsOffForTests) {
	}

	/**
	 * A scope of a pool's chain, in the pool's config: {@code base} starts each of its
	 * keys; per dimension of the scope its field name, capacity, rate and
	 * {@code costIndex}, its place in every cost and delta vector of the pool, counted
	 * from 1 as Lua does; {@code maxConcurrency} 0 for no limit; {@code liveVersion} the
	 * version of the scope's live settings its limits were built with (0: none changed).
	 */
	record ScopeConfig(String name, String base, List<String> dimensions, double[] capacities, double[] ratesPerMilli,
			int[] costIndex, int maxConcurrency, long liveVersion) {
	}

	/**
	 * A per-user charge, or per-tenant ({@code tenantLimit}): the user's or tenant's
	 * buckets and the amounts to charge ({@code costs} at acquire) or to add
	 * ({@code deltas} at settle), per bucket.
	 */
	@JsonSerialize(using = Positional.class)
	record UserArgs(String keyHash, List<String> fields, double[] capacities, double[] ratesPerMilli, long[] costs,
			long[] deltas) {
	}

	/**
	 * The arguments of {@code acquire}; the script stores them as the waiting ticket.
	 * {@code stateUnknown} is set when this JVM has not written the pool's state lately,
	 * so that a missing state may never have existed; without it a missing state was
	 * lost. Sent by the rare caller only, as every argument that is usually absent.
	 */
	@JsonSerialize(using = Positional.class)
	record AcquireArgs(String id, String worker, int classRank, long[] costs, long maxWaitMillis, String model,
			UserArgs user, Long arrival, Boolean stateUnknown, Long live, TenantArgs tenant, List<BudgetArgs> budgets,
			UserArgs tenantLimit) {
	}

	/**
	 * A cost budget window a call falls under, as {@code engine.BudgetCharge}: the key's
	 * suffix, the cap ({@code null}: none), the amount (reserved at acquire, spent at
	 * settle and charge), the window's end, the floor ({@code null}: unknown) and the
	 * reservation released ({@code null} at acquire), for a rolling window the length of
	 * its slots ({@code null}: a calendar window), and the scope of the chain whose keys
	 * it lives under ({@code null}: the pool's). Micro-units and epoch milliseconds.
	 */
	@JsonSerialize(using = Positional.class)
	record BudgetArgs(String key, Long limit, long amount, long windowEnd, Long floor, Long release, Long slot,
			String scope) {
	}

	/**
	 * A ticket's part in its class's fair sharing between tenants: the tenant's key hash,
	 * its weight and the tokens the ticket counts against its share.
	 */
	@JsonSerialize(using = Positional.class)
	record TenantArgs(String keyHash, double weight, long tokens) {
	}

	/**
	 * Provider feedback at settle. {@code kind} is one of {@code ok},
	 * {@code rate-limited}, {@code overloaded}, {@code exhausted} or empty;
	 * {@code retryAfterMillis} is left out when 0; {@code remaining} is {@code -1} where
	 * unknown, and left out with {@code tolerance} when unknown everywhere;
	 * {@code scopes} has per scope of the chain, nearest first,
	 * {@code [remaining, tolerance]} of the provider level it mirrors ({@code null}:
	 * nothing), and is left out when no scope has any.
	 */
	@JsonSerialize(using = Positional.class)
	record FeedbackArgs(String kind, Long retryAfterMillis, String reason, long[] remaining, long[] tolerance,
			List<long[][]> scopes) {
	}

	/**
	 * The arguments of {@code settle}; {@code model} is sent with feedback only, the one
	 * thing that needs it.
	 */
	@JsonSerialize(using = Positional.class)
	record SettleArgs(String id, long[] deltas, String model, FeedbackArgs feedback, UserArgs user,
			Boolean stateUnknown, Long live, List<BudgetArgs> budgets, UserArgs tenantLimit, Boolean streamed) {
	}

	/** The arguments of {@code cancel}. */
	@JsonSerialize(using = Positional.class)
	record CancelArgs(String id, Boolean stateUnknown, Long live) {
	}

	/** The arguments of {@code poll}: the calling worker and the tickets it waits for. */
	@JsonSerialize(using = Positional.class)
	record PollArgs(String worker, List<String> ids, Boolean stateUnknown, Long live) {
	}

	/** The arguments of {@code tenants}: the most tenants to report. */
	@JsonSerialize(using = Positional.class)
	record TenantsArgs(int limit, Long live) {
	}

	/**
	 * The arguments of {@code snapshot}: the models whose cooldowns to report, and the
	 * budget windows whose levels to report.
	 */
	@JsonSerialize(using = Positional.class)
	record SnapshotArgs(List<String> models, Long live, List<BudgetArgs> budgets) {
	}

	/**
	 * The arguments of {@code charge}: the lease, what to add to each bucket and the
	 * stream's output so far, and what to add to its user's buckets ({@code deltas}), if
	 * it has a user, the cost the step spent in each budget window, and what to add to
	 * its tenant's buckets, if its tenant has limits of its own.
	 */
	@JsonSerialize(using = Positional.class)
	record ChargeArgs(String id, long[] deltas, long output, Long live, UserArgs user, List<BudgetArgs> budgets,
			UserArgs tenantLimit) {
	}

	/**
	 * The arguments of {@code live}: {@code change} to replace the settings with
	 * {@code settings} (JSON; left out to revert to the configuration), else a read.
	 */
	@JsonSerialize(using = Positional.class)
	record LiveArgs(Boolean change, String settings) {
	}

	/**
	 * A pool's state as the snapshot op reads it, in one call. The script leaves out
	 * lists that are empty (its cjson writes an empty table as an object), so they read
	 * as {@code null} here.
	 *
	 * @param timeMillis the script's time, epoch milliseconds
	 * @param used per dimension, the bucket level now, or {@code null} for none
	 * @param queued per class rank, the tickets waiting
	 * @param inFlight the leases held
	 * @param multiplier the adaptive multiplier
	 * @param cooldownMillis how long the pool still cools down after a 429, or 0
	 * @param headDelayMillis how long until the queue's head fits; -1 unknown, -2 nobody
	 * waits
	 * @param modelCooldownMillis per model asked for, how long it still cools down, or
	 * {@code null} for none
	 * @param usageRings the usage ring slots written so far, by field name
	 * ({@code s0..s6}, {@code m0..m59})
	 * @param liveWorkers the workers whose liveness has not expired
	 * @param exhaustedMillis how long the pool stays exhausted, or 0
	 * @param exhaustedReason while exhausted, the provider's reason, or {@code null}
	 * @param streamOutput the output tokens the live streams reported so far
	 * @param budgets per budget window asked for, its spend and reservations in
	 * micro-units, or {@code null} for none
	 * @param scopes per scope of the pool's chain, its state, or {@code null} for none
	 */
	record SnapshotReply(long timeMillis, double[] used, long[] queued, long inFlight, double multiplier,
			long cooldownMillis, long headDelayMillis, long[] modelCooldownMillis, Map<String, String> usageRings,
			long liveWorkers, long exhaustedMillis, String exhaustedReason, long streamOutput, long[][] budgets,
			List<ScopeReply> scopes) {
	}

	/**
	 * A scope's state in the snapshot.
	 *
	 * @param name the scope
	 * @param used per dimension of the scope, the bucket level now, or {@code null} for
	 * none
	 * @param inFlight its leases, where it limits concurrency
	 */
	record ScopeReply(String name, double[] used, long inFlight) {
	}

	/**
	 * Writes an op's argument record as a JSON array of its components in declaration
	 * order, with trailing {@code null} components left out and others written as JSON
	 * {@code null}: the script names the values by position, so the names cost no bytes
	 * on the wire.
	 */
	static final class Positional extends StdSerializer<Record> {

		private static final ClassValue<Method[]> ACCESSORS = new ClassValue<>() {

			@Override
			protected Method[] computeValue(Class<?> type) {
				RecordComponent[] components = type.getRecordComponents();
				Method[] accessors = new Method[components.length];
				for (int i = 0; i < components.length; i++) {
					accessors[i] = components[i].getAccessor();
				}
				return accessors;
			}

		};

		Positional() {
			super(Record.class);
		}

		@Override
		public void serialize(Record value, JsonGenerator json, SerializerProvider provider) throws IOException {
			Method[] accessors = ACCESSORS.get(value.getClass());
			Object[] components = new Object[accessors.length];
			int last = -1;
			for (int i = 0; i < accessors.length; i++) {
				components[i] = component(accessors[i], value);
				if (components[i] != null) {
					last = i;
				}
			}
			json.writeStartArray(value, last + 1);
			for (int i = 0; i <= last; i++) {
				provider.defaultSerializeValue(components[i], json);
			}
			json.writeEndArray();
		}

		private static Object component(Method accessor, Record value) {
			try {
				return accessor.invoke(value);
			}
			catch (IllegalAccessException | InvocationTargetException ex) {
				// The records of this class have plain accessors that Jackson could read
				// as well.
				throw new IllegalStateException("Cannot read " + accessor, ex);
			}
		}

	}

}
