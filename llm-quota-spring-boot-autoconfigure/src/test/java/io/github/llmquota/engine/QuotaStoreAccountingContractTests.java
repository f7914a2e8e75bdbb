package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What every {@link QuotaStore} must count the same way at the edges: per-class waiting
 * rooms, waits that cannot end in time, provider readings near the bucket's level, the
 * multiplier's effect on capacity and refill, per-user charges that follow the real
 * usage, and the minute each unit of usage is counted in. Subclasses supply the store.
 */
public abstract class QuotaStoreAccountingContractTests extends AbstractStoreContractTests {

	@Test
	void fullWaitingRoomOfAHigherClassDoesNotTurnAwayALowerClass() {
		PoolSpec pool = pool(TestSettings.pool("class-rooms")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1)
			.classQueueCapacity(2)
			.noReserves());
		grant(pool, 1);
		acquire(pool, INTERACTIVE, 600_000, 1);
		acquire(pool, INTERACTIVE, 600_000, 1);

		assertThat(acquire(pool, BACKGROUND, 600_000, 1).status()).isEqualTo(Admission.Status.WAITING);
		assertThat(acquire(pool, INTERACTIVE, 600_000, 1).reason()).isEqualTo(RejectionReason.QUEUE_FULL);
	}

	@Test
	void fullWaitingRoomBehindABusyPoolTellsTheCallerToRetryWithoutADelay() {
		PoolSpec pool = pool(TestSettings.pool("room-busy")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.classQueueCapacity(1));
		grant(pool, 1);
		acquire(pool, CRITICAL, 600_000, 1);

		Admission full = acquire(pool, CRITICAL, 600_000, 1);

		assertThat(full.reason()).isEqualTo(RejectionReason.QUEUE_FULL);
		assertThat(full.delayMillis()).isZero();
	}

	@Test
	void higherClassThatWouldLeadTheQueueButCannotFitWithinItsWaitIsRejectedAtOnce() {
		PoolSpec pool = pool(TestSettings.pool("lead-hopeless").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		grant(pool, 60);
		Ticket background = ticket(BACKGROUND, 600_000, 1);
		assertThat(this.store.acquire(pool, background).status()).isEqualTo(Admission.Status.WAITING);

		Ticket impatient = ticket(CRITICAL, 500, 1);
		Admission rejected = this.store.acquire(pool, impatient);

		assertThat(rejected.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(rejected.reason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(rejected.delayMillis()).isBetween(999L, 1_001L);
		Ticket patient = ticket(CRITICAL, 5_000, 1);
		assertThat(this.store.acquire(pool, patient).status()).isEqualTo(Admission.Status.WAITING);
		assertThat(this.store.poll(pool, List.of(impatient.id(), patient.id(), background.id())).states())
			.containsExactly(TicketState.DROPPED, TicketState.WAITING, TicketState.WAITING);
	}

	@Test
	void higherClassWhoseWaitEndsExactlyWhenItFitsIsQueued() {
		// 60,000 tokens a minute: one token a millisecond, so every figure below is
		// exact.
		PoolSpec pool = pool(
				TestSettings.pool("lead-exact").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 60_000).noReserves());
		acquire(pool, CRITICAL, 0, 60_000);
		acquire(pool, BACKGROUND, 600_000, 1);

		assertThat(acquire(pool, CRITICAL, 500, 500).status()).isEqualTo(Admission.Status.WAITING);
	}

	@Test
	void ticketThatFitsExactlyAtTheEndOfTheLookaheadIsAdmittedNow() {
		PoolSpec pool = pool(TestSettings.pool("lookahead-exact")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 60_000)
			.admissionLookahead(Duration.ofMillis(50)));
		acquire(pool, CRITICAL, 0, 60_000);

		assertThat(acquire(pool, CRITICAL, 0, 50).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.REJECTED);
	}

	@Test
	void ticketWithoutAWaitBudgetIsNeverQueuedBehindOthers() {
		PoolSpec pool = pool(TestSettings.pool("no-budget").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		grant(pool, 60);
		acquire(pool, BACKGROUND, 600_000, 1);

		Ticket noBudget = ticket(CRITICAL, 0, 1);
		Admission rejected = this.store.acquire(pool, noBudget);

		assertThat(rejected.reason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(this.store.poll(pool, List.of(noBudget.id())).states()).containsExactly(TicketState.DROPPED);
		assertThat(this.store.snapshot(pool).queued()).containsExactly(0, 0, 0, 1);
	}

	@Test
	void lowerClassWithoutAWaitBudgetIsRejectedBehindAWaitingHead() {
		PoolSpec pool = pool(
				TestSettings.pool("no-budget-behind").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		grant(pool, 60);
		acquire(pool, CRITICAL, 600_000, 1);

		Ticket noBudget = ticket(BACKGROUND, 0, 1);

		assertThat(this.store.acquire(pool, noBudget).reason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(this.store.snapshot(pool).queued()).containsExactly(1, 0, 0, 0);
	}

	@Test
	void readingWithinTheProvidersRoundingLeavesTheBucketAlone() {
		PoolSpec pool = pool(TestSettings.pool("rounding").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 10_000));
		Ticket call = ticket(CRITICAL, 0, 1_000);
		this.store.acquire(pool, call);

		// 9,000 are free; "8,500 left, give or take 1,000" does not say that less is
		// free.
		settle(pool, call, new PoolFeedback(PoolFeedback.Kind.SUCCESS, 0, new long[] { 8_500 }, new long[] { 1_000 }));

		assertThat(acquire(pool, CRITICAL, 0, 9_000).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void readingOfNothingLeftFillsTheBucketEvenWithoutAnErrorOrSuccess() {
		PoolSpec pool = pool(TestSettings.pool("nothing-left").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 60_000));
		Ticket call = ticket(CRITICAL, 0, 1_000);
		this.store.acquire(pool, call);

		settle(pool, call, new PoolFeedback(PoolFeedback.Kind.NONE, 0, new long[] { 0 }, new long[] { 0 }));

		Admission next = acquire(pool, CRITICAL, 0, 1);
		assertThat(next.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(next.delayMillis()).isBetween(1L, 2L);
	}

	@Test
	void cutMultiplierShrinksTheBucketAndSlowsItsRefill() {
		PoolSpec pool = pool(TestSettings.pool("cut").limit(Dimension.REQUESTS_PER_MINUTE, 100).noReserves());
		Ticket call = ticket(CRITICAL, 0, 1);
		this.store.acquire(pool, call);
		settle(pool, call, new PoolFeedback(PoolFeedback.Kind.RATE_LIMITED, 0, null, null));
		this.now += 60_000;

		grant(pool, 70);
		Admission full = acquire(pool, CRITICAL, 0, 1);

		assertThat(full.status()).isEqualTo(Admission.Status.REJECTED);
		// One request refills in 600 ms at the full rate, and in 600 / 0.7 ms at 70 %.
		assertThat(full.delayMillis()).isBetween(857L, 858L);
	}

	@Test
	void userIsChargedItsTokensNotOneUnitPerRequest() {
		QuotaSettings settings = TestSettings.pool("user-tokens")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000)
			.userLimit(Dimension.INPUT_TOKENS_PER_MINUTE, 1_000)
			.build();
		PoolSpec pool = start(settings);

		assertThat(this.store.acquire(pool, userTicket(settings, 0, 600)).status()).isEqualTo(Admission.Status.GRANTED);

		assertThat(this.store.acquire(pool, userTicket(settings, 0, 600)).reason())
			.isEqualTo(RejectionReason.USER_LIMIT);
	}

	@Test
	void userGetsBackAtOnceWhatItsCallDidNotUse() {
		QuotaSettings settings = TestSettings.pool("user-settle")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000)
			.userLimit(Dimension.INPUT_TOKENS_PER_MINUTE, 1_000)
			.build();
		PoolSpec pool = start(settings);
		Ticket call = userTicket(settings, 0, 900);
		this.store.acquire(pool, call);

		this.store.settle(pool, new Settlement(call.id(), "model", new long[] { -800 }, call.user(),
				new long[] { -800 }, PoolFeedback.none()));

		assertThat(this.store.acquire(pool, userTicket(settings, 0, 850)).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void userGetsItsChargeBackAtOnceWhenItsWaitingTicketIsWithdrawn() {
		QuotaSettings settings = TestSettings.pool("user-withdrawn")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 1)
			.build();
		PoolSpec pool = start(settings);
		Ticket busy = ticket(CRITICAL, 0, 1);
		this.store.acquire(pool, busy);
		Ticket waiting = userTicket(settings, 600_000, 1);
		assertThat(this.store.acquire(pool, waiting).status()).isEqualTo(Admission.Status.WAITING);

		this.store.cancel(pool, waiting.id());
		settle(pool, busy, PoolFeedback.none());

		assertThat(this.store.acquire(pool, userTicket(settings, 0, 1)).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void userGetsItsChargeBackAtOnceWhenAGrantRacedItsWithdrawal() {
		QuotaSettings settings = TestSettings.pool("user-raced")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 1)
			.build();
		PoolSpec pool = start(settings);
		Ticket busy = ticket(CRITICAL, 0, 1);
		this.store.acquire(pool, busy);
		Ticket waiting = userTicket(settings, 600_000, 1);
		this.store.acquire(pool, waiting);
		settle(pool, busy, PoolFeedback.none());
		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.GRANTED);

		this.store.cancel(pool, waiting.id());

		assertThat(this.store.acquire(pool, userTicket(settings, 0, 1)).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void usageReportedAtSettleCountsInTheMinuteOfTheSettle() {
		PoolSpec pool = pool(TestSettings.pool("minute-settle").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000));
		Ticket call = ticket(CRITICAL, 0, 100);
		this.store.acquire(pool, call);
		this.store.settle(pool,
				new Settlement(call.id(), "model", new long[] { 400 }, null, null, PoolFeedback.none()));

		this.now += 70_000;
		acquire(pool, CRITICAL, 0, 1);

		assertThat(this.store.snapshot(pool).trailingMinute()[0]).isCloseTo(1, within(1e-6));
	}

	@Test
	void refundOfAWithdrawnGrantCountsInTheMinuteOfTheWithdrawal() {
		PoolSpec pool = pool(
				TestSettings.pool("minute-cancel").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000).maxConcurrency(1));
		Ticket busy = ticket(CRITICAL, 0, 1);
		this.store.acquire(pool, busy);
		Ticket waiting = ticket(CRITICAL, 600_000, 500);
		this.store.acquire(pool, waiting);
		settle(pool, busy, PoolFeedback.none());
		this.store.poll(pool, List.of(waiting.id()));
		this.store.cancel(pool, waiting.id());

		this.now += 70_000;
		acquire(pool, CRITICAL, 0, 1);

		assertThat(this.store.snapshot(pool).trailingMinute()[0]).isCloseTo(1, within(1e-6));
	}

	@Test
	void admissionMadeByAPollCountsInTheMinuteOfThePoll() {
		PoolSpec pool = pool(
				TestSettings.pool("minute-poll").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 60_000).noReserves());
		acquire(pool, CRITICAL, 0, 60_000);
		Ticket waiting = ticket(CRITICAL, 600_000, 500);
		this.store.acquire(pool, waiting);
		this.now += 500;
		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.GRANTED);

		this.now += 70_000;
		acquire(pool, CRITICAL, 0, 1);

		assertThat(this.store.snapshot(pool).trailingMinute()[0]).isCloseTo(1, within(1e-6));
	}

	private void settle(PoolSpec pool, Ticket ticket, PoolFeedback feedback) {
		this.store.settle(pool,
				new Settlement(ticket.id(), "model", new long[ticket.cost().length], null, null, feedback));
	}

	private Ticket userTicket(QuotaSettings settings, long maxWait, long cost) {
		PoolSpec pool = settings.pools().values().iterator().next();
		UserCharge user = new UserCharge("5eb63bbbe01eeed0", pool.userLimits().forUser("alice"), new long[] { cost });
		return ticket(CRITICAL, maxWait, new long[] { cost }, user);
	}

}
