package io.github.llmquota.engine;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;

/**
 * A lease that settles through the store. Ending it never throws into the caller's code: a
 * store failure is logged, and the lease's hard expiry frees the slot.
 */
class DefaultQuotaLease implements QuotaLease {

	private static final Log logger = LogFactory.getLog(DefaultQuotaLease.class);

	private final QuotaStore store;

	private final ModelSpec model;

	private final QuotaRequest request;

	private final String id;

	private final long[] charged;

	private final AtomicBoolean ended = new AtomicBoolean();

	DefaultQuotaLease(QuotaStore store, ModelSpec model, QuotaRequest request, String id, long[] charged) {
		this.store = store;
		this.model = model;
		this.request = request;
		this.id = id;
		this.charged = charged;
	}

	@Override
	public String id() {
		return this.id;
	}

	@Override
	public String model() {
		return this.model.name();
	}

	@Override
	public String pool() {
		return this.model.pool().name();
	}

	@Override
	public void settle(TokenUsage usage) {
		end(this.model.actual(usage));
	}

	@Override
	public void release(CallOutcome outcome) {
		end(this.model.released(this.request, outcome));
	}

	@Override
	public boolean isEnded() {
		return this.ended.get();
	}

	private void end(long[] actual) {
		if (!this.ended.compareAndSet(false, true)) {
			return;
		}
		long[] delta = new long[actual.length];
		for (int i = 0; i < delta.length; i++) {
			delta[i] = actual[i] - this.charged[i];
		}
		try {
			this.store.settle(this.model.pool(), this.id, delta);
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota could not settle lease " + this.id + " of pool '" + pool()
					+ "'; its slot is freed at the lease timeout: " + ex.getMessage());
		}
	}

	@Override
	public String toString() {
		return "QuotaLease[" + this.id + ", model=" + model() + ", pool=" + pool() + "]";
	}

}
