package io.github.llmquota.batch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.github.llmquota.core.Provider;

/**
 * A provider's batch API in memory: batches end when the test says so, and each call's
 * answer is its body, upper-cased, unless the test gives it another outcome.
 */
class StubBatchProvider implements BatchProvider {

	final List<List<BatchItem>> batches = Collections.synchronizedList(new ArrayList<>());

	final Map<String, BatchItemResult.Outcome> outcomes = new ConcurrentHashMap<>();

	final AtomicInteger polls = new AtomicInteger();

	volatile boolean ended;

	volatile RuntimeException refusal;

	/** Ends the next polled batch unrun, as OpenAI's token_limit_exceeded does. */
	volatile boolean refuseNextPoll;

	@Override
	public Provider provider() {
		return Provider.ANTHROPIC;
	}

	@Override
	public String submit(List<BatchItem> items) {
		if (this.refusal != null) {
			throw this.refusal;
		}
		this.batches.add(List.copyOf(items));
		return "msgbatch_" + (this.batches.size() - 1);
	}

	@Override
	public Optional<List<BatchItemResult>> poll(String batchId) {
		this.polls.incrementAndGet();
		if (this.refuseNextPoll) {
			this.refuseNextPoll = false;
			throw new BatchRefusedException("token_limit_exceeded");
		}
		if (!this.ended) {
			return Optional.empty();
		}
		List<BatchItem> items = this.batches.get(Integer.parseInt(batchId.substring("msgbatch_".length())));
		Function<BatchItem, BatchItemResult> answer = (item) -> {
			BatchItemResult.Outcome outcome = this.outcomes.getOrDefault(item.body(),
					BatchItemResult.Outcome.SUCCEEDED);
			return (outcome == BatchItemResult.Outcome.SUCCEEDED) ? BatchItemResult.succeeded(item.id(),
					item.body().toUpperCase(), "claude-sonnet-4-5", 1_000_000, 100_000)
					: BatchItemResult.failed(item.id(), outcome, "stub says " + outcome);
		};
		return Optional.of(items.stream().map(answer).toList());
	}

	int submittedCalls() {
		return this.batches.stream().mapToInt(List::size).sum();
	}

}
