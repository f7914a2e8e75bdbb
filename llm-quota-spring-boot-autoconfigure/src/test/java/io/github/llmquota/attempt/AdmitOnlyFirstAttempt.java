package io.github.llmquota.attempt;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.llmquota.core.Backpressure;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;

/**
 * A mutant engine for the governor: it asks the real engine to admit only the first
 * attempt, and waves every later one (the re-sends after a 429) through with a lease the
 * engine never granted, as a governor that skipped admission on retries would. Tests use
 * it to show that their "every attempt was admitted" check can fail.
 */
public final class AdmitOnlyFirstAttempt implements QuotaEngine {

	private final QuotaEngine engine;

	private final AtomicInteger acquires = new AtomicInteger();

	public AdmitOnlyFirstAttempt(QuotaEngine engine) {
		this.engine = engine;
	}

	@Override
	public QuotaLease acquire(QuotaRequest request) {
		return (this.acquires.getAndIncrement() == 0) ? this.engine.acquire(request) : new UnadmittedLease(request);
	}

	@Override
	public CompletableFuture<QuotaLease> acquireAsync(QuotaRequest request) {
		return (this.acquires.getAndIncrement() == 0) ? this.engine.acquireAsync(request)
				: CompletableFuture.completedFuture(new UnadmittedLease(request));
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
