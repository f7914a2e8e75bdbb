package io.github.llmquota.redis;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.Sha256;

/**
 * The contract between {@link RedisQuotaStore} and the {@code llm_quota.lua} script: the
 * arguments, as records that Jackson writes under the field names the script reads; the
 * statuses that lead its replies; the snapshot, which Jackson reads by name; and the
 * kinds of its pub/sub messages. Every op but {@code live} sends {@code live}, the
 * version of the live settings its config was built with (left out when 0). This class
 * owns those names: a name changed here must be changed in the script's glossary and body
 * too. Absent values ({@code null}) are left out rather than written as JSON
 * {@code null}, which the script's cjson would read as a true value.
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

	private ScriptProtocol() {
	}

	/**
	 * Write a record as the script's JSON.
	 * @param value the record
	 * @return the JSON text
	 */
	static String write(Object value) {
		try {
			return MAPPER.writeValueAsString(value);
		}
		catch (JsonProcessingException ex) {
			// Only records of this class are written, and they hold no type Jackson
			// cannot write.
			throw new IllegalStateException("Cannot write llm-quota script arguments " + value, ex);
		}
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
			return MAPPER.readValue(json, SnapshotReply.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("Unexpected snapshot from llm-quota script: " + json, ex);
		}
	}

	/**
	 * Return the digest a pool config is kept under in Redis: the first 16 hex digits of
	 * its SHA-256, so that a config that changes in any way gets a digest of its own.
	 * @param configJson the config, as written by {@link #write(Object)}
	 * @return the digest
	 */
	static String digest(String configJson) {
		return Sha256.hex(configJson, 8);
	}

	/**
	 * The configuration of a pool, kept in Redis under its {@link #digest(String)
	 * digest}, which every call sends ({@code ARGV[2]}); sent in full ({@code ARGV[5]})
	 * only when the script answers {@link #CONFIG_NEEDED}. Rates are units per
	 * millisecond, durations milliseconds; arrays are indexed by dimension or by class
	 * rank. The live settings' limits are applied to the capacities, rates and
	 * concurrency; {@code paused} and {@code shadowed} (per class rank) and
	 * {@code pinnedMultiplier} are left out when nothing is paused, shadowed or pinned.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record PoolConfig(String pool, List<String> dimensions, double[] capacities, double[] ratesPerMilli,
			int maxConcurrency, long leaseTimeoutMillis, double[] reserves, int[] queueCapacities,
			int totalQueueCapacity, long workerTtlMillis, String channelPrefix, double multiplierCut,
			double multiplierFloor, double multiplierRecovery, long overloadCooldownMillis,
			long maxOverloadCooldownMillis, long lookaheadMillis, Boolean admissionLogForTests,
			Boolean arrivalOrderForTests, boolean[] paused, boolean[] shadowed, Double pinnedMultiplier) {
	}

	/**
	 * A per-user charge: the user's buckets and the amounts to charge ({@code costs} at
	 * acquire) or to add ({@code deltas} at settle), per bucket.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record UserArgs(String keyHash, List<String> fields, double[] capacities, double[] ratesPerMilli, long[] costs,
			long[] deltas) {
	}

	/**
	 * The arguments of {@code acquire}; the script stores them as the waiting ticket.
	 * {@code stateUnknown} is set when this JVM has not written the pool's state lately,
	 * so that a missing state may never have existed; without it a missing state was
	 * lost. Sent by the rare caller only, as every argument that is usually absent.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record AcquireArgs(Long live, Boolean stateUnknown, String id, String worker, int classRank, long[] costs,
			long maxWaitMillis, String model, UserArgs user, Long arrival) {
	}

	/**
	 * Provider feedback at settle. {@code kind} is one of {@code ok},
	 * {@code rate-limited}, {@code overloaded}, {@code exhausted} or empty;
	 * {@code retryAfterMillis} is left out when 0; {@code remaining} is {@code -1} where
	 * unknown, and left out with {@code tolerance} when unknown everywhere.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record FeedbackArgs(String kind, Long retryAfterMillis, String reason, long[] remaining, long[] tolerance) {
	}

	/**
	 * The arguments of {@code settle}; {@code model} is sent with feedback only, the one
	 * thing that needs it.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record SettleArgs(Long live, Boolean stateUnknown, String id, String model, long[] deltas, UserArgs user,
			FeedbackArgs feedback) {
	}

	/** The arguments of {@code cancel}. */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record CancelArgs(Long live, Boolean stateUnknown, String id) {
	}

	/** The arguments of {@code poll}: the calling worker and the tickets it waits for. */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record PollArgs(Long live, Boolean stateUnknown, String worker, List<String> ids) {
	}

	/** The arguments of {@code snapshot}: the models whose cooldowns to report. */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record SnapshotArgs(Long live, List<String> models) {
	}

	/**
	 * The arguments of {@code live}: {@code change} to replace the settings with
	 * {@code settings} (JSON; left out to revert to the configuration), else a read.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
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
	 */
	record SnapshotReply(long timeMillis, double[] used, long[] queued, long inFlight, double multiplier,
			long cooldownMillis, long headDelayMillis, long[] modelCooldownMillis, Map<String, String> usageRings,
			long liveWorkers, long exhaustedMillis, String exhaustedReason) {
	}

}
