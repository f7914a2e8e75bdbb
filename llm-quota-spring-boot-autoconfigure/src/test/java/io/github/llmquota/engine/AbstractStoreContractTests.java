package io.github.llmquota.engine;

import org.junit.jupiter.api.AfterEach;

import org.springframework.lang.Nullable;

import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the store contract tests share: one store under test on the test's clock
 * ({@link #now}), started as worker {@code w1} and stopped after each test, and tickets
 * of that worker for the model {@code model}. Subclasses supply the store.
 */
public abstract class AbstractStoreContractTests {

	protected static final int CRITICAL = 0;

	protected static final int INTERACTIVE = 1;

	protected static final int NORMAL = 2;

	protected static final int BACKGROUND = 3;

	protected long now = 1_700_000_000_000L;

	protected QuotaStore store;

	private int tickets;

	/**
	 * Create the store under test, on the test's clock ({@link #now}).
	 * @param settings the settings
	 * @return a store, not yet started
	 */
	protected abstract QuotaStore createStore(QuotaSettings settings);

	@AfterEach
	void stopStore() {
		if (this.store != null) {
			this.store.stop();
		}
	}

	protected PoolSpec pool(TestSettings settings) {
		return start(settings.build());
	}

	protected PoolSpec start(QuotaSettings settings) {
		return start(settings, AdmissionListener.none());
	}

	protected PoolSpec start(QuotaSettings settings, AdmissionListener listener) {
		this.store = createStore(settings);
		this.store.start("w1", listener);
		return settings.pools().values().iterator().next();
	}

	protected Admission acquire(PoolSpec pool, int rank, long maxWait, long... cost) {
		return this.store.acquire(pool, ticket(rank, maxWait, cost));
	}

	protected Ticket ticket(int rank, long maxWait, long... cost) {
		return ticket(rank, maxWait, cost, null);
	}

	protected Ticket ticket(int rank, long maxWait, long[] cost, @Nullable UserCharge user) {
		return new Ticket(nextTicketId(), "w1", rank, cost, maxWait, "model", user);
	}

	protected String nextTicketId() {
		return "w1." + (++this.tickets);
	}

	// Takes one request each time, so that the pool's request limit is what is left.
	protected void grant(PoolSpec pool, int requests) {
		for (int i = 0; i < requests; i++) {
			assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
		}
	}

}
