package io.github.llmquota.sample.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.github.llmquota.sample.anthropic.AnthropicClient;
import io.github.llmquota.sample.anthropic.Usage;

import org.springframework.lang.Nullable;

/**
 * Counts what the {@link AnthropicClient} sent and what came back, as the client saw it:
 * it holds for any Anthropic-compatible server, not only the simulator. Each HTTP attempt
 * counts, an SDK's own retries included. The sample does not count: in load mode,
 * {@link ProviderTrafficRecorder} makes its client count here. Thread-safe.
 */
public class ProviderTraffic {

	private final LongAdder sent = new LongAdder();

	private final LongAdder rateLimited = new LongAdder();

	private final LongAdder otherErrors = new LongAdder();

	private final LongAdder unanswered = new LongAdder();

	private final Map<String, ModelCounters> models = new ConcurrentHashMap<>();

	void sent() {
		this.sent.increment();
	}

	void answered(@Nullable String model, int status, @Nullable Usage usage) {
		if (status == 429) {
			this.rateLimited.increment();
		}
		else if (status < 200 || status > 299) {
			this.otherErrors.increment();
		}
		else {
			this.models.computeIfAbsent(model, (name) -> new ModelCounters()).add(usage);
		}
	}

	void unanswered() {
		this.unanswered.increment();
	}

	/**
	 * Return the counts so far. Each counter is read on its own, so a snapshot taken
	 * while calls complete may be off by the calls completing.
	 * @return the counts
	 */
	public Snapshot snapshot() {
		Map<String, ModelTraffic> models = new TreeMap<>();
		this.models.forEach((name, counters) -> models.put(name, counters.read()));
		return new Snapshot(this.sent.sum(), this.rateLimited.sum(), this.otherErrors.sum(), this.unanswered.sum(),
				models);
	}

	/**
	 * What the client sent and received.
	 *
	 * @param sent the requests sent
	 * @param rateLimited the 429 answers
	 * @param otherErrors the other answers outside 2xx
	 * @param unanswered the requests that got no readable answer: connection failures,
	 * timeouts, interruptions and bodies that could not be read
	 * @param models the successful answers, by the model the request named
	 */
	public record Snapshot(long sent, long rateLimited, long otherErrors, long unanswered,
			Map<String, ModelTraffic> models) {

		/**
		 * Return the successful answers over all models.
		 * @return the 2xx answers
		 */
		public long succeeded() {
			return this.models.values().stream().mapToLong(ModelTraffic::succeeded).sum();
		}

		/**
		 * Return what happened between an earlier snapshot and this one.
		 * @param earlier the earlier snapshot
		 * @return the difference
		 */
		public Snapshot since(Snapshot earlier) {
			Map<String, ModelTraffic> models = new TreeMap<>();
			this.models.forEach((name, traffic) -> models.put(name,
					traffic.minus(earlier.models.getOrDefault(name, ModelTraffic.NONE))));
			return new Snapshot(this.sent - earlier.sent, this.rateLimited - earlier.rateLimited,
					this.otherErrors - earlier.otherErrors, this.unanswered - earlier.unanswered, models);
		}

	}

	/**
	 * The successful answers of one model and the usage they reported.
	 *
	 * @param succeeded the 2xx answers
	 * @param withoutUsage the 2xx answers that carried no usage block
	 * @param inputTokens the uncached input tokens
	 * @param cacheCreationInputTokens the input tokens written to the prompt cache
	 * @param cacheReadInputTokens the input tokens read from the prompt cache
	 * @param outputTokens the output tokens
	 */
	public record ModelTraffic(long succeeded, long withoutUsage, long inputTokens, long cacheCreationInputTokens,
			long cacheReadInputTokens, long outputTokens) {

		static final ModelTraffic NONE = new ModelTraffic(0, 0, 0, 0, 0, 0);

		ModelTraffic minus(ModelTraffic other) {
			return new ModelTraffic(this.succeeded - other.succeeded, this.withoutUsage - other.withoutUsage,
					this.inputTokens - other.inputTokens,
					this.cacheCreationInputTokens - other.cacheCreationInputTokens,
					this.cacheReadInputTokens - other.cacheReadInputTokens, this.outputTokens - other.outputTokens);
		}

	}

	private static final class ModelCounters {

		private final LongAdder succeeded = new LongAdder();

		private final LongAdder withoutUsage = new LongAdder();

		private final LongAdder inputTokens = new LongAdder();

		private final LongAdder cacheCreationInputTokens = new LongAdder();

		private final LongAdder cacheReadInputTokens = new LongAdder();

		private final LongAdder outputTokens = new LongAdder();

		void add(@Nullable Usage usage) {
			this.succeeded.increment();
			if (usage == null) {
				this.withoutUsage.increment();
				return;
			}
			this.inputTokens.add(usage.inputTokens());
			this.cacheCreationInputTokens.add(usage.cacheCreationInputTokens());
			this.cacheReadInputTokens.add(usage.cacheReadInputTokens());
			this.outputTokens.add(usage.outputTokens());
		}

		ModelTraffic read() {
			return new ModelTraffic(this.succeeded.sum(), this.withoutUsage.sum(), this.inputTokens.sum(),
					this.cacheCreationInputTokens.sum(), this.cacheReadInputTokens.sum(), this.outputTokens.sum());
		}

	}

}
