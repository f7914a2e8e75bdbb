package io.github.llmquota.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The arguments {@link RedisQuotaStore} sends to the {@code llm_quota.lua} script, as
 * records that Jackson writes under the field names the script reads. This class owns those
 * names: a field renamed here must be renamed in the script's glossary and body too. Absent
 * values ({@code null}) are left out rather than written as JSON {@code null}, which the
 * script's cjson would read as a true value.
 * <p>
 * Thread-safe: the records are immutable and the mapper is shared read-only.
 */
final class ScriptProtocol {

	/**
	 * The script's reply when it does not keep the config whose digest a call sent; the call
	 * is then sent again with the config in full.
	 */
	static final String CONFIG_NEEDED = "CONFIG_NEEDED";

	private static final ObjectMapper MAPPER = new ObjectMapper();

	private static final HexFormat HEX = HexFormat.of();

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
			// Only records of this class are written, and they hold no type Jackson cannot write.
			throw new IllegalStateException("Cannot write llm-quota script arguments " + value, ex);
		}
	}

	/**
	 * Return the digest a pool config is kept under in Redis: the first 16 hex digits of its
	 * SHA-256, so that a config that changes in any way gets a digest of its own.
	 * @param configJson the config, as written by {@link #write(Object)}
	 * @return the digest
	 */
	static String digest(String configJson) {
		try {
			byte[] sha = MessageDigest.getInstance("SHA-256").digest(configJson.getBytes(StandardCharsets.UTF_8));
			return HEX.formatHex(sha, 0, 8);
		}
		catch (NoSuchAlgorithmException ex) {
			// Every Java platform must provide SHA-256.
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The configuration of a pool, kept in Redis under its {@link #digest(String) digest},
	 * which every call sends ({@code ARGV[2]}); sent in full ({@code ARGV[5]}) only when the
	 * script answers {@link #CONFIG_NEEDED}. Rates are units
	 * per millisecond, durations milliseconds; arrays are indexed by dimension or by class
	 * rank.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record PoolConfig(String pool, List<String> dimensions, double[] capacities, double[] ratesPerMilli,
			int maxConcurrency, long leaseTimeoutMillis, double[] reserves, int[] queueCapacities,
			int totalQueueCapacity, long workerTtlMillis, String channelPrefix, double multiplierCut,
			double multiplierFloor, double multiplierRecovery, long overloadCooldownMillis,
			long maxOverloadCooldownMillis, long lookaheadMillis, Boolean admissionLogForTests,
			Boolean arrivalOrderForTests) {
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
	 * {@code knownState} is set when this JVM wrote the pool's state recently, so that a
	 * missing state is known to be lost.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record AcquireArgs(Boolean knownState, String id, String worker, int classRank, long[] costs,
			long maxWaitMillis, String model, UserArgs user, Long arrival) {
	}

	/**
	 * Provider feedback at settle. {@code kind} is one of {@code ok}, {@code rate-limited},
	 * {@code overloaded}, {@code exhausted} or empty; {@code remaining} is {@code -1} where
	 * unknown.
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record FeedbackArgs(String kind, long retryAfterMillis, String reason, long[] remaining, long[] tolerance) {
	}

	/** The arguments of {@code settle}. */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record SettleArgs(Boolean knownState, String id, String model, long[] deltas, UserArgs user,
			FeedbackArgs feedback) {
	}

	/** The arguments of {@code cancel}. */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record CancelArgs(Boolean knownState, String id) {
	}

	/** The arguments of {@code poll}: the calling worker and the tickets it waits for. */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record PollArgs(Boolean knownState, String worker, List<String> ids) {
	}

	/** The arguments of {@code snapshot}: the models whose cooldowns to report. */
	record SnapshotArgs(List<String> models) {
	}

}
