package io.github.llmquota.attempt;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.llmquota.core.Backpressure;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;

/**
 * A mutant engine for the governor: it forgets the arrival of every request, so that an
 * attempt re-sent after a 429 queues as a new arrival, as a governor that did not pass
 * the first attempt's arrival on would. Tests use it to show that their re-entry order
 * check can fail.
 */
public final class DropArrival implements QuotaEngine {

	private final QuotaEngine engine;

	public DropArrival(QuotaEngine engine) {
		this.engine = engine;
	}

	@Override
	public QuotaLease acquire(QuotaRequest request) {
		return this.engine.acquire(withoutArrival(request));
	}

	@Override
	public CompletableFuture<QuotaLease> acquireAsync(QuotaRequest request) {
		return this.engine.acquireAsync(withoutArrival(request));
	}

	@Override
	public Backpressure backpressure(String model) {
		return this.engine.backpressure(model);
	}

	@Override
	public List<String> pools() {
		return this.engine.pools();
	}

	@Override
	public PoolState state(String pool) {
		return this.engine.state(pool);
	}

	private static QuotaRequest withoutArrival(QuotaRequest request) {
		return new QuotaRequest(request.model(), request.priority(), request.inputTokens(), request.maxOutputTokens(),
				request.user(), request.maxWait());
	}

}
