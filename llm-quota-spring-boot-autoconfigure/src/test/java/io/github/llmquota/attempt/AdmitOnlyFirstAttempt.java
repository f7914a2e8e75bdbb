package io.github.llmquota.attempt;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.ForwardingQuotaEngine;

/**
 * A mutant engine for the governor: it asks the real engine to admit only the first
 * attempt, and waves every later one (the re-sends after a 429) through with a lease the
 * engine never granted, as a governor that skipped admission on retries would. Tests use
 * it to show that their "every attempt was admitted" check can fail.
 */
public final class AdmitOnlyFirstAttempt extends ForwardingQuotaEngine {

	private final AtomicInteger acquires = new AtomicInteger();

	public AdmitOnlyFirstAttempt(QuotaEngine engine) {
		super(engine);
	}

	@Override
	public QuotaLease acquire(QuotaRequest request) {
		return (this.acquires.getAndIncrement() == 0) ? super.acquire(request) : new UnadmittedLease(request);
	}

	@Override
	public CompletableFuture<QuotaLease> acquireAsync(QuotaRequest request) {
		return (this.acquires.getAndIncrement() == 0) ? super.acquireAsync(request)
				: CompletableFuture.completedFuture(new UnadmittedLease(request));
	}

	private static final class UnadmittedLease implements QuotaLease {

		private final QuotaRequest request;

		private final AtomicBoolean ended = new AtomicBoolean();

		UnadmittedLease(QuotaRequest request) {
			this.request = request;
		}

		@Override
		public String id() {
			return "unadmitted-" + UUID.randomUUID();
		}

		@Override
		public String model() {
			return this.request.model();
		}

		@Override
		public String pool() {
			return this.request.model();
		}

		@Override
		public void settle(TokenUsage usage, ProviderFeedback feedback) {
			this.ended.set(true);
		}

		@Override
		public void release(CallOutcome outcome, ProviderFeedback feedback) {
			this.ended.set(true);
		}

		@Override
		public boolean isEnded() {
			return this.ended.get();
		}

	}

}
