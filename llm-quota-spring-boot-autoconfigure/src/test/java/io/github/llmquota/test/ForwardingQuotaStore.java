package io.github.llmquota.test;

import java.util.List;

import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.BudgetCharge;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.UserCharge;

/**
 * A {@link QuotaStore} that forwards every call, for test doubles that watch or delay
 * some.
 */
public abstract class ForwardingQuotaStore implements QuotaStore {

	private final QuotaStore delegate;

	protected ForwardingQuotaStore(QuotaStore delegate) {
		this.delegate = delegate;
	}

	@Override
	public void start(String workerId, AdmissionListener listener) {
		this.delegate.start(workerId, listener);
	}

	@Override
	public void stop() {
		this.delegate.stop();
	}

	@Override
	public Admission acquire(PoolSpec pool, Ticket ticket) {
		return this.delegate.acquire(pool, ticket);
	}

	@Override
	public void settle(PoolSpec pool, Settlement settlement) {
		this.delegate.settle(pool, settlement);
	}

	@Override
	public boolean charge(PoolSpec pool, String leaseId, long[] delta, long outputTokens, UserCharge user,
			long[] userDelta, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta) {
		return this.delegate.charge(pool, leaseId, delta, outputTokens, user, userDelta, budgets, tenantLimit,
				tenantDelta);
	}

	@Override
	public void cancel(PoolSpec pool, String ticketId) {
		this.delegate.cancel(pool, ticketId);
	}

	@Override
	public PollResult poll(PoolSpec pool, List<String> ticketIds) {
		return this.delegate.poll(pool, ticketIds);
	}

	@Override
	public PoolSnapshot snapshot(PoolSpec pool) {
		return this.delegate.snapshot(pool);
	}

	@Override
	public LiveSettings live(PoolSpec pool) {
		return this.delegate.live(pool);
	}

	@Override
	public void changeLive(PoolSpec pool, LiveSettings live) {
		this.delegate.changeLive(pool, live);
	}

	@Override
	public PoolSpec liveLimits(PoolSpec pool) {
		return this.delegate.liveLimits(pool);
	}

}
