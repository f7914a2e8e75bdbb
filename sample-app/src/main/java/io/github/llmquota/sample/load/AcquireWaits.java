package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaEngineListener;

/**
 * Records how long this JVM's admitted requests waited for quota, by priority class, while
 * recording is on, and so how many requests this JVM's engine admitted. A call that a
 * fallback chain tried on several models counts one wait per admission, and so does each
 * attempt of a call that llm-quota re-sent after a 429. Thread-safe.
 */
class AcquireWaits implements QuotaEngineListener {

	private final Map<String, List<Long>> waits = new TreeMap<>();

	private boolean recording;

	synchronized void start() {
		this.waits.clear();
		this.recording = true;
	}

	synchronized void stop() {
		this.recording = false;
	}

	@Override
	public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
		String priority = (request.priority() != null) ? request.priority() : "default";
		synchronized (this) {
			if (this.recording) {
				this.waits.computeIfAbsent(priority, (name) -> new ArrayList<>()).add(waited.toNanos());
			}
		}
	}

	/**
	 * Return how many admissions were recorded.
	 * @return the admissions, over all priority classes
	 */
	synchronized long admissions() {
		return this.waits.values().stream().mapToLong(List::size).sum();
	}

	/**
	 * Return the percentiles of the recorded waits.
	 * @return per priority class, the waits' count, p50, p99 and maximum
	 */
	synchronized Map<String, LoadSummary.Waits> summary() {
		Map<String, LoadSummary.Waits> summary = new TreeMap<>();
		this.waits.forEach((priority, nanos) -> {
			long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
			Arrays.sort(sorted);
			summary.put(priority, new LoadSummary.Waits(sorted.length, millis(percentile(sorted, 0.50)),
					millis(percentile(sorted, 0.99)), millis(sorted[sorted.length - 1])));
		});
		return summary;
	}

	// Nearest rank: the smallest wait that at least p of all waits do not exceed.
	private static long percentile(long[] sorted, double p) {
		int rank = (int) Math.ceil(p * sorted.length);
		return sorted[Math.max(rank, 1) - 1];
	}

	private static double millis(long nanos) {
		return Math.round(nanos / 10_000.0) / 100.0;
	}

}
