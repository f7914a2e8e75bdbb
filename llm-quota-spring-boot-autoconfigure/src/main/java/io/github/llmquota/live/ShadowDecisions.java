package io.github.llmquota.live;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.springframework.lang.Nullable;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaEngineListener;

/**
 * Counts, per pool, what enforcement would have decided for this JVM's requests admitted
 * in shadow mode, for the endpoint and the sample's page (metrics count the same
 * decisions with tags). Counts start when the JVM starts. Thread-safe.
 */
public class ShadowDecisions implements QuotaEngineListener {

	private final Map<String, Tally> pools = new ConcurrentHashMap<>();

	@Override
	public void shadowed(ModelSpec model, QuotaRequest request, Admission.Shadow decision) {
		this.pools.computeIfAbsent(model.pool().name(), (pool) -> new Tally()).add(decision);
	}

	/**
	 * Return what enforcement would have decided in a pool so far.
	 * @param pool the pool name
	 * @return the summary, or {@code null} when no request of the pool ran in shadow mode
	 */
	@Nullable
	public Summary summary(String pool) {
		Tally tally = this.pools.get(pool);
		return (tally != null) ? tally.summary() : null;
	}

	/**
	 * What enforcement would have decided in a pool.
	 *
	 * @param decisions the requests admitted in shadow mode
	 * @param wouldBe their count by what enforcement would have done: {@code GRANTED},
	 * {@code WAITING}, or the rejection reason ({@code DEADLINE}, {@code QUEUE_FULL},
	 * ...)
	 * @param longestWouldWaitMillis the longest known wait of a request that would have
	 * waited or been told to retry later
	 */
	public record Summary(long decisions, Map<String, Long> wouldBe, long longestWouldWaitMillis) {
	}

	private static final class Tally {

		private final Map<String, LongAdder> wouldBe = new ConcurrentHashMap<>();

		private final AtomicLong longestWait = new AtomicLong();

		void add(Admission.Shadow decision) {
			String key = (decision.reason() != null) ? decision.reason().name() : decision.status().name();
			this.wouldBe.computeIfAbsent(key, (k) -> new LongAdder()).increment();
			this.longestWait.accumulateAndGet(decision.waitMillis(), Math::max);
		}

		Summary summary() {
			Map<String, Long> counts = new TreeMap<>();
			this.wouldBe.forEach((key, count) -> counts.put(key, count.sum()));
			return new Summary(counts.values().stream().mapToLong(Long::longValue).sum(), counts,
					this.longestWait.get());
		}

	}

}
