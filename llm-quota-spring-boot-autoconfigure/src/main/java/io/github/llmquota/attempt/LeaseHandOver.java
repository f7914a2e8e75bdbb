package io.github.llmquota.attempt;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.llmquota.core.QuotaLease;

import org.springframework.lang.Nullable;

/**
 * A lease admitted before a call, offered to the call's first provider attempt so that
 * the attempt is admitted exactly once: either the {@link AttemptGovernor} takes the
 * lease over (and settles or releases it from the attempt's own response), or the party
 * that acquired it reclaims it and ends it itself, never both. {@code @LlmRateLimited}
 * offers its lease this way through the {@link LlmCallContext}.
 * <p>
 * Thread-safe: {@link #take(String)} and {@link #reclaim()} race atomically, and exactly
 * one of them wins.
 */
public final class LeaseHandOver {

	private static final int OFFERED = 0;

	private static final int TAKEN = 1;

	private static final int RECLAIMED = 2;

	private final QuotaLease lease;

	private final AtomicInteger state = new AtomicInteger(OFFERED);

	private LeaseHandOver(QuotaLease lease) {
		this.lease = lease;
	}

	/**
	 * Offer a lease.
	 * @param lease the admitted lease, not yet ended
	 * @return the hand-over
	 */
	public static LeaseHandOver of(QuotaLease lease) {
		Objects.requireNonNull(lease, "'lease' must not be null");
		return new LeaseHandOver(lease);
	}

	/**
	 * Take the lease over for an attempt to a model. Succeeds at most once, and only for
	 * the lease's own model: an attempt to another model is admitted on its own.
	 * @param model the configured model the attempt goes to
	 * @return the lease, now owned by the caller, or {@code null} when it was taken or
	 * reclaimed before, or belongs to another model
	 */
	@Nullable
	public QuotaLease take(String model) {
		if (!this.lease.model().equals(model)) {
			return null;
		}
		return this.state.compareAndSet(OFFERED, TAKEN) ? this.lease : null;
	}

	/**
	 * Take the lease back once the call is done. When no attempt took it, the caller
	 * still owns it and must end it; otherwise the attempt already did.
	 * @return whether the caller owns the lease
	 */
	public boolean reclaim() {
		return this.state.compareAndSet(OFFERED, RECLAIMED);
	}

}
