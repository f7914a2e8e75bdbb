package io.github.llmquota.test;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.llmquota.core.Backpressure;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TenantDemand;

/**
 * A {@link QuotaEngine} that forwards every call, for test doubles and mutants that watch
 * or change some.
 */
public abstract class ForwardingQuotaEngine implements QuotaEngine {

	private final QuotaEngine delegate;

	protected ForwardingQuotaEngine(QuotaEngine delegate) {
		this.delegate = delegate;
	}

	@Override
	public QuotaLease acquire(QuotaRequest request) {
		return this.delegate.acquire(request);
	}

	@Override
	public CompletableFuture<QuotaLease> acquireAsync(QuotaRequest request) {
		return this.delegate.acquireAsync(request);
	}

	@Override
	public Backpressure backpressure(String model) {
		return this.delegate.backpressure(model);
	}

	@Override
	public List<String> pools() {
		return this.delegate.pools();
	}

	@Override
	public PoolState state(String pool) {
		return this.delegate.state(pool);
	}

	@Override
	public List<TenantDemand> waitingTenants(String pool, int limit) {
		return this.delegate.waitingTenants(pool, limit);
	}

}
