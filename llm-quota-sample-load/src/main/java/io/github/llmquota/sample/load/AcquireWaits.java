package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaEngineListener;

/**
 * Records how long this JVM's admitted requests waited for quota, by priority class,
 * while recording is on, and so how many requests this JVM's engine admitted. A call that
 * a fallback chain tried on several models counts one wait per admission, and so does
 * each attempt of a call that llm-quota re-sent after a 429. Waits go to one Micrometer
 * {@link Timer} per class, in a registry of the run's own, so that a run's percentiles
 * cover exactly its own admissions. Thread-safe.
 */
class AcquireWaits implements QuotaEngineListener {

	/** The name of the timers. */
	static final String TIMER = "sample.load.acquire.wait";

	// A run, drain included, lasts minutes: the percentiles must cover all of it, not a
	// sliding window of the last two minutes, as Micrometer's default would.
	private static final Duration WHOLE_RUN = Duration.ofDays(1);

	private SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final Map<String, Timer> timers = new TreeMap<>();

	private boolean recording;

	synchronized void start() {
		this.registry.close();
		this.registry = new SimpleMeterRegistry();
		this.timers.clear();
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
				timer(priority).record(waited);
			}
		}
	}

	/**
	 * Return the timer that records one priority class's waits.
	 * @param priority the priority class
	 * @return the timer, created on first use
	 */
	synchronized Timer timer(String priority) {
		return this.timers.computeIfAbsent(priority,
				(name) -> Timer.builder(TIMER)
					.tag("priority", name)
					.publishPercentiles(0.50, 0.99)
					.percentilePrecision(2)
					.distributionStatisticExpiry(WHOLE_RUN)
					.distributionStatisticBufferLength(1)
					.register(this.registry));
	}

	/**
	 * Return how many admissions were recorded.
	 * @return the admissions, over all priority classes
	 */
	synchronized long admissions() {
		return this.timers.values().stream().mapToLong(Timer::count).sum();
	}

	/**
	 * Return the percentiles of the recorded waits, as the timers report them.
	 * @return per priority class, the waits' count, p50, p99 and maximum
	 */
	synchronized Map<String, LoadSummary.Waits> summary() {
		Map<String, LoadSummary.Waits> summary = new TreeMap<>();
		this.timers.forEach((priority, timer) -> {
			HistogramSnapshot snapshot = timer.takeSnapshot();
			summary.put(priority, new LoadSummary.Waits(snapshot.count(), millis(percentile(snapshot, 0.50)),
					millis(percentile(snapshot, 0.99)), millis(snapshot.max(TimeUnit.MILLISECONDS))));
		});
		return summary;
	}

	private static double percentile(HistogramSnapshot snapshot, double percentile) {
		for (ValueAtPercentile value : snapshot.percentileValues()) {
			if (value.percentile() == percentile) {
				return value.value(TimeUnit.MILLISECONDS);
			}
		}
		throw new IllegalStateException("Timer publishes no percentile " + percentile);
	}

	private static double millis(double millis) {
		return Math.round(millis * 100.0) / 100.0;
	}

}
