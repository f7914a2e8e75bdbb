package io.github.llmquota.batch;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;

import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;

/**
 * The fleet-wide record of deferred calls, the batches they went into and their results,
 * in Redis: every change is one call of the batch script
 * ({@code META-INF/scripts/llm_quota_batch.lua}), so two instances never take the same
 * call, complete the same batch or claim the same result. All keys of a pool share its
 * hash tag ({@code <prefix>:{pool}:b...}, or under a scope its tree's,
 * {@code <prefix>:{<root scope>}:<pool>:b...}), for Redis Cluster. Thread-safe.
 */
public class BatchLedger {

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> SCRIPT = script();

	private final StringRedisTemplate redis;

	private final String prefix;

	private final QuotaSettings settings;

	/**
	 * Create a ledger for pools outside any scope.
	 * @param redis the template to run the script with
	 * @param prefix the key prefix ({@code llm.quota.key-prefix})
	 */
	public BatchLedger(StringRedisTemplate redis, String prefix) {
		this(redis, prefix, null);
	}

	/**
	 * Create a ledger whose keys follow each pool's own keys, under its tree's hash tag
	 * where the pool names a scope.
	 * @param redis the template to run the script with
	 * @param prefix the key prefix ({@code llm.quota.key-prefix})
	 * @param settings the settings that name each pool's scopes, or {@code null}
	 */
	public BatchLedger(StringRedisTemplate redis, String prefix, QuotaSettings settings) {
		this.redis = redis;
		this.prefix = prefix;
		this.settings = settings;
	}

	/**
	 * Record a deferred call as pending.
	 * @param pool the call's pool
	 * @param item the call
	 * @param owner the instance whose caller waits for the result
	 */
	public void defer(String pool, BatchItem item, String owner) {
		defer(pool, item, owner, 0);
	}

	/**
	 * Record a deferred call as pending, with the input tokens it adds to the provider's
	 * processing queue (OpenAI limits the queue's enqueued input tokens).
	 * @param pool the call's pool
	 * @param item the call
	 * @param owner the instance whose caller waits for the result
	 * @param inputTokens the call's input tokens, 0 when not counted
	 */
	public void defer(String pool, BatchItem item, String owner, long inputTokens) {
		run(pool, "defer", item.id(), owner, item.body(), String.valueOf(Math.max(0, inputTokens)));
	}

	/**
	 * Take a group of pending calls to submit as one batch: as many as fit, up to
	 * {@code maxSize} and the room left in the provider's processing queue, once there
	 * are {@code maxSize} of them or the oldest has waited {@code maxAge}. Taken calls
	 * return to pending unless {@link #submitted} records their batch within
	 * {@code claim}.
	 * @param pool the pool
	 * @param maxSize the most calls in one batch
	 * @param maxAge the longest a call waits for its batch to fill
	 * @param queueLimit the most calls of the pool in the provider's processing queue
	 * @param claim how long the taker has to submit them
	 * @return the calls taken; empty when none is due or the queue is full
	 */
	public List<BatchItem> take(String pool, int maxSize, Duration maxAge, long queueLimit, Duration claim) {
		return take(pool, maxSize, maxAge, queueLimit, Long.MAX_VALUE, claim);
	}

	/**
	 * Take a group of pending calls as
	 * {@link #take(String, int, Duration, long, Duration)} does, also within the room
	 * left for input tokens in the provider's processing queue (calls in deferral order
	 * while their tokens fit; one call larger than the whole limit goes alone into an
	 * empty queue).
	 * @param pool the pool
	 * @param maxSize the most calls in one batch
	 * @param maxAge the longest a call waits for its batch to fill
	 * @param queueLimit the most calls of the pool in the provider's processing queue
	 * @param tokenLimit the most input tokens of the pool in the provider's processing
	 * queue, {@link Long#MAX_VALUE} for no limit
	 * @param claim how long the taker has to submit them
	 * @return the calls taken; empty when none is due or the queue is full
	 */
	public List<BatchItem> take(String pool, int maxSize, Duration maxAge, long queueLimit, long tokenLimit,
			Duration claim) {
		List<Object> reply = run(pool, "take", String.valueOf(maxSize), String.valueOf(maxAge.toMillis()),
				String.valueOf(queueLimit), String.valueOf(claim.toMillis()),
				String.valueOf((tokenLimit == Long.MAX_VALUE) ? -1 : tokenLimit));
		List<BatchItem> items = new ArrayList<>();
		if ("TAKEN".equals(reply.get(0))) {
			for (int i = 1; i + 1 < reply.size(); i += 2) {
				items.add(new BatchItem((String) reply.get(i), (String) reply.get(i + 1)));
			}
		}
		return items;
	}

	/**
	 * Record that taken calls went into a provider batch.
	 * @param pool the pool
	 * @param batchId the provider's batch id
	 * @param firstPoll how long until the batch is first polled
	 * @param ids the calls
	 */
	public void submitted(String pool, String batchId, Duration firstPoll, List<String> ids) {
		List<String> args = new ArrayList<>(List.of("submitted", batchId, String.valueOf(firstPoll.toMillis())));
		args.addAll(ids);
		run(pool, args);
	}

	/**
	 * Return taken calls to pending, when the provider refused their batch.
	 * @param pool the pool
	 * @param ids the calls
	 */
	public void untake(String pool, List<String> ids) {
		List<String> args = new ArrayList<>(List.of("untake"));
		args.addAll(ids);
		run(pool, args);
	}

	/**
	 * Claim the next batch that is due for a poll, so that no other instance polls it
	 * within {@code lease}.
	 * @param pool the pool
	 * @param lease how long the claim holds
	 * @return the batch, or {@code null} when none is due
	 */
	public DueBatch due(String pool, Duration lease) {
		List<Object> reply = run(pool, "due", String.valueOf(lease.toMillis()));
		if (!"DUE".equals(reply.get(0))) {
			return null;
		}
		return new DueBatch((String) reply.get(1), Duration.ofMillis(Long.parseLong((String) reply.get(2))),
				List.of(((String) reply.get(3)).split(",")));
	}

	/**
	 * Poll a batch again after a delay.
	 * @param pool the pool
	 * @param batchId the batch
	 * @param delay the delay, remembered as the batch's current one
	 */
	public void later(String pool, String batchId, Duration delay) {
		run(pool, "later", batchId, String.valueOf(delay.toMillis()));
	}

	/**
	 * Record the results of an ended batch, each for the instance that owns its call, and
	 * free the batch's calls from the processing queue count.
	 * @param pool the pool
	 * @param batchId the batch
	 * @param results the results
	 * @param json turns a result into the text stored
	 * @return whether this call completed the batch ({@code false} when another instance
	 * already had)
	 */
	public boolean complete(String pool, String batchId, List<BatchItemResult> results,
			java.util.function.Function<BatchItemResult, String> json) {
		List<String> args = new ArrayList<>(List.of("complete", batchId));
		for (BatchItemResult result : results) {
			args.add(result.id());
			args.add(json.apply(result));
		}
		return "COMPLETED".equals(run(pool, args).get(0));
	}

	/**
	 * Return the calls of a batch that the provider ended unrun to pending, and free them
	 * from the processing queue count.
	 * @param pool the pool
	 * @param batchId the batch
	 * @return whether this call requeued them ({@code false} when another instance
	 * already completed or requeued the batch)
	 */
	public boolean requeue(String pool, String batchId) {
		return "REQUEUED".equals(run(pool, "requeue", batchId).get(0));
	}

	/**
	 * Claim, atomically, every result waiting for an owner, and mark the owner alive.
	 * @param pool the pool
	 * @param owner the owner
	 * @return the stored results, call id then result text, each exactly once in the
	 * fleet
	 */
	public List<String> claim(String pool, String owner) {
		return strings(run(pool, "claim", owner));
	}

	/**
	 * Claim, atomically, the results of owners that have not claimed for {@code stale}:
	 * their callers are gone.
	 * @param pool the pool
	 * @param owner the claiming owner, never counted as gone
	 * @param stale how long an owner may stay silent
	 * @return call id then result text, each exactly once in the fleet
	 */
	public List<String> orphans(String pool, String owner, Duration stale) {
		return strings(run(pool, "orphans", owner, String.valueOf(stale.toMillis())));
	}

	/**
	 * Return the number of the pool's calls in the provider's processing queue,
	 * fleet-wide.
	 * @param pool the pool
	 * @return the calls taken or submitted and not yet completed
	 */
	public long queued(String pool) {
		Object value = this.redis.opsForHash().get(key(pool) + ":s", "queued");
		return (value != null) ? Long.parseLong(value.toString()) : 0;
	}

	/**
	 * Return the input tokens of the pool's calls in the provider's processing queue,
	 * fleet-wide, as far as their deferral counted them.
	 * @param pool the pool
	 * @return the input tokens of the calls taken or submitted and not yet completed
	 */
	public long queuedTokens(String pool) {
		return inFlight(pool).queuedTokens();
	}

	/**
	 * Return the number of the pool's batches in flight, fleet-wide.
	 * @param pool the pool
	 * @return the batches submitted and not yet completed
	 */
	public long batches(String pool) {
		return inFlight(pool).batches();
	}

	/**
	 * Return the pool's batches in flight and the input tokens of its calls in the
	 * provider's processing queue, fleet-wide, read in one round trip.
	 * @param pool the pool
	 * @return what the pool has in flight
	 */
	public InFlight inFlight(String pool) {
		String key = key(pool);
		List<Object> replies = this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			connection.hashCommands().hLen(bytes(key + ":k"));
			connection.hashCommands().hGet(bytes(key + ":s"), bytes("tokens"));
			return null;
		});
		Object batches = replies.get(0);
		Object tokens = replies.get(1);
		return new InFlight((batches != null) ? ((Number) batches).longValue() : 0,
				(tokens != null) ? Long.parseLong(tokens.toString()) : 0);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Return the number of the pool's calls waiting for a batch, fleet-wide.
	 * @param pool the pool
	 * @return the pending calls
	 */
	public long pending(String pool) {
		Long size = this.redis.opsForZSet().zCard(key(pool) + ":p");
		return (size != null) ? size : 0;
	}

	@SuppressWarnings("rawtypes")
	private static RedisScript<List> script() {
		DefaultRedisScript<List> script = new DefaultRedisScript<>();
		script.setLocation(new ClassPathResource("META-INF/scripts/llm_quota_batch.lua"));
		script.setResultType(List.class);
		return script;
	}

	private String key(String pool) {
		PoolSpec spec = (this.settings != null) ? this.settings.pools().get(pool) : null;
		return (spec != null) ? RedisQuotaStore.keyBase(this.prefix, spec) + "b" : this.prefix + ":{" + pool + "}:b";
	}

	private List<Object> run(String pool, String... args) {
		return run(pool, List.of(args));
	}

	@SuppressWarnings("unchecked")
	private List<Object> run(String pool, List<String> args) {
		List<Object> reply = this.redis.execute(SCRIPT, List.of(key(pool)), args.toArray());
		return (reply != null) ? reply : List.of();
	}

	private static List<String> strings(List<Object> reply) {
		return reply.stream().map(String::valueOf).toList();
	}

	/**
	 * What a pool has in the provider's processing queue, fleet-wide.
	 *
	 * @param batches the batches submitted and not yet completed
	 * @param queuedTokens the input tokens of the calls taken or submitted and not yet
	 * completed, as far as their deferral counted them
	 */
	public record InFlight(long batches, long queuedTokens) {
	}

	/**
	 * A batch claimed for a poll.
	 *
	 * @param batchId the provider's batch id
	 * @param delay the delay before this poll
	 * @param ids the batch's calls
	 */
	public record DueBatch(String batchId, Duration delay, List<String> ids) {

	}

}
