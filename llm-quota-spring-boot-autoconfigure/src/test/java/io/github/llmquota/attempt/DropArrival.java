package io.github.llmquota.attempt;

import java.util.concurrent.CompletableFuture;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.test.ForwardingQuotaEngine;

/**
 * A mutant engine for the governor: it forgets the arrival of every request, so that an
 * attempt re-sent after a 429 queues as a new arrival, as a governor that did not pass
 * the first attempt's arrival on would. Tests use it to show that their re-entry order
 * check can fail.
 */
public final class DropArrival extends ForwardingQuotaEngine {

	public DropArrival(QuotaEngine engine) {
		super(engine);
	}

	@Override
	public QuotaLease acquire(QuotaRequest request) {
		return super.acquire(withoutArrival(request));
	}

	@Override
	public CompletableFuture<QuotaLease> acquireAsync(QuotaRequest request) {
		return super.acquireAsync(withoutArrival(request));
	}

	private static QuotaRequest withoutArrival(QuotaRequest request) {
		return new QuotaRequest(request.model(), request.priority(), request.inputTokens(), request.maxOutputTokens(),
				request.user(), request.maxWait());
	}

}
