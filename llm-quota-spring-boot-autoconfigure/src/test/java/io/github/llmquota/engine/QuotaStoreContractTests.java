package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link QuotaStore} must decide the same way, with time driven by the test.
 * Subclasses supply the store.
 */
public abstract class QuotaStoreContractTests {

	protected static final int CRITICAL = 0;

	protected static final int INTERACTIVE = 1;

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

	@Test
	void requestDeniedOnOneDimensionConsumesNothingOnTheOthers() {
		PoolSpec pool = pool(TestSettings.pool("atomic")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1000)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 1000));
		assertThat(acquire(pool, CRITICAL, 0, 1, 900, 100).status()).isEqualTo(Admission.Status.GRANTED);

		Admission denied = acquire(pool, CRITICAL, 0, 1, 200, 100);

		assertThat(denied.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(denied.reason()).isEqualTo(RejectionReason.DEADLINE);
		// Exactly the room the denied request would have taken on the output bucket is left.
		assertThat(acquire(pool, CRITICAL, 0, 1, 100, 900).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(acquire(pool, CRITICAL, 0, 1, 0, 1).status()).isEqualTo(Admission.Status.REJECTED);
	}

	@Test
	void bucketsRefillContinuously() {
		PoolSpec pool = pool(TestSettings.pool("refill").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600));
		assertThat(acquire(pool, CRITICAL, 0, 600).status()).isEqualTo(Admission.Status.GRANTED);

		Admission early = acquire(pool, CRITICAL, 0, 10);
		assertThat(early.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(early.delayMillis()).isEqualTo(1000);

		this.now += 999;
		assertThat(acquire(pool, CRITICAL, 0, 10).status()).isEqualTo(Admission.Status.REJECTED);
		this.now += 1;
		assertThat(acquire(pool, CRITICAL, 0, 10).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void settleRefundsUnusedOutput() {
		QuotaSettings settings = TestSettings.pool("refund").limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 1000).build();
		PoolSpec pool = start(settings);
		Ticket ticket = ticket(CRITICAL, 0, 1000);
		this.store.acquire(pool, ticket);
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.REJECTED);

		settle(settings, pool, ticket, TokenUsage.of(0, 120));

		assertThat(acquire(pool, CRITICAL, 0, 880).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.REJECTED);
	}

	@Test
	void usageAboveTheReservationBecomesDebtBoundedToOneBucket() {
		QuotaSettings settings = TestSettings.pool("debt").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1000).build();
		PoolSpec pool = start(settings);
		Ticket ticket = ticket(CRITICAL, 0, 100);
		this.store.acquire(pool, ticket);

		settle(settings, pool, ticket, TokenUsage.of(50_000, 0));

		// Debt stops at 2000 used: 1001 tokens over a bucket refilling 1000 per minute.
		Admission blocked = acquire(pool, CRITICAL, 0, 1);
		assertThat(blocked.delayMillis()).isEqualTo(60_060);
	}

	@Test
	void cacheReadsAreRefundedWhereTheProviderDoesNotCountThem() {
		QuotaSettings settings = TestSettings.pool("cache").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000).build();
		PoolSpec pool = start(settings);
		Ticket ticket = ticket(CRITICAL, 0, 50_000);
		this.store.acquire(pool, ticket);

		settle(settings, pool, ticket, new TokenUsage(1_000, 2_000, 47_000, 300));

		assertThat(acquire(pool, CRITICAL, 0, 97_000).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.REJECTED);
	}

	@Test
	void cacheReadsStayChargedWhereTheProviderCountsThem() {
		QuotaSettings settings = TestSettings.pool("cache-counted")
			.limit(Dimension.TOKENS_PER_MINUTE, 100_000)
			.cacheReadsCountAsInput(true)
			.build();
		PoolSpec pool = start(settings);
		Ticket ticket = ticket(CRITICAL, 0, 60_000);
		this.store.acquire(pool, ticket);

		settle(settings, pool, ticket, new TokenUsage(1_000, 0, 49_000, 500));

		assertThat(acquire(pool, CRITICAL, 0, 49_500).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.REJECTED);
	}

	@Test
	void expiredLeaseGivesItsConcurrencySlotBack() {
		PoolSpec pool = pool(TestSettings.pool("lease")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.leaseTimeout(Duration.ofSeconds(30)));
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
		Admission full = acquire(pool, CRITICAL, 0, 1);
		assertThat(full.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(full.delayMillis()).isEqualTo(Admission.UNKNOWN);

		this.now += 30_000;

		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.REJECTED);
	}

	@Test
	void settleFreesTheConcurrencySlotAndAdmitsTheHead() {
		QuotaSettings settings = TestSettings.pool("slot")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.build();
		PoolSpec pool = start(settings);
		Ticket first = ticket(CRITICAL, 0, 1);
		this.store.acquire(pool, first);
		Ticket waiting = ticket(CRITICAL, 5_000, 1);
		assertThat(this.store.acquire(pool, waiting).status()).isEqualTo(Admission.Status.WAITING);

		settle(settings, pool, first, TokenUsage.of(0, 0));

		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.GRANTED);
	}

	@Test
	void waitingTicketIsGrantedFromTheHeadWhenTheBucketRefills() {
		PoolSpec pool = pool(TestSettings.pool("wait").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600).noReserves());
		this.store.acquire(pool, ticket(CRITICAL, 0, 600));
		Ticket waiting = ticket(BACKGROUND, 60_000, 300);

		Admission admission = this.store.acquire(pool, waiting);

		assertThat(admission.status()).isEqualTo(Admission.Status.WAITING);
		assertThat(admission.delayMillis()).isEqualTo(30_000);
		this.now += 29_999;
		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.WAITING);
		this.now += 1;
		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.GRANTED);
	}

	@Test
	void waitThatCannotEndInTimeIsRejectedAtOnceWithTheTimeItWouldTake() {
		PoolSpec pool = pool(TestSettings.pool("hopeless").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600).noReserves());
		this.store.acquire(pool, ticket(CRITICAL, 0, 600));
		Ticket hopeless = ticket(BACKGROUND, 10_000, 300);

		Admission admission = this.store.acquire(pool, hopeless);

		assertThat(admission.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(admission.reason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(admission.delayMillis()).isEqualTo(30_000);
		assertThat(this.store.poll(pool, List.of(hopeless.id())).states()).containsExactly(TicketState.DROPPED);
	}

	@Test
	void cancelledTicketHoldsNothing() {
		PoolSpec pool = pool(TestSettings.pool("cancel").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600).noReserves());
		this.store.acquire(pool, ticket(CRITICAL, 0, 600));
		Ticket waiting = ticket(CRITICAL, 60_000, 600);
		this.store.acquire(pool, waiting);

		this.store.cancel(pool, waiting.id());
		this.now += 60_000;

		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.DROPPED);
		assertThat(acquire(pool, CRITICAL, 0, 600).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void grantThatRacedACancelIsHandedBack() {
		PoolSpec pool = pool(TestSettings.pool("race").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600).noReserves());
		this.store.acquire(pool, ticket(CRITICAL, 0, 600));
		Ticket waiting = ticket(CRITICAL, 120_000, 600);
		this.store.acquire(pool, waiting);
		this.now += 60_000;
		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.GRANTED);

		this.store.cancel(pool, waiting.id());

		assertThat(acquire(pool, CRITICAL, 0, 600).status()).isEqualTo(Admission.Status.GRANTED);
	}

	protected PoolSpec pool(TestSettings settings) {
		return start(settings.build());
	}

	protected PoolSpec start(QuotaSettings settings) {
		this.store = createStore(settings);
		this.store.start("w1", new AdmissionListener() {

			@Override
			public void granted(String pool, String ticketId) {
			}

			@Override
			public void dropped(String pool, String ticketId, boolean shed) {
			}

			@Override
			public void head(String pool, long delayMillis) {
			}

		});
		return settings.pools().values().iterator().next();
	}

	protected Admission acquire(PoolSpec pool, int rank, long maxWait, long... cost) {
		return this.store.acquire(pool, ticket(rank, maxWait, cost));
	}

	protected Ticket ticket(int rank, long maxWait, long... cost) {
		return new Ticket("w1." + (++this.tickets), "w1", rank, cost, maxWait, "model", null);
	}

	private void settle(QuotaSettings settings, PoolSpec pool, Ticket ticket, TokenUsage usage) {
		long[] actual = settings.model("model").actual(usage, pool.rates());
		long[] delta = new long[actual.length];
		for (int i = 0; i < delta.length; i++) {
			delta[i] = actual[i] - ticket.cost()[i];
		}
		this.store.settle(pool, new Settlement(ticket.id(), "model", delta, null, null, Feedback.none()));
	}

}
