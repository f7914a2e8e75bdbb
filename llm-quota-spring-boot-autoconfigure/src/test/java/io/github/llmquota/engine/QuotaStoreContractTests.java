package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What every {@link QuotaStore} must decide the same way, with time driven by the test.
 * Subclasses supply the store.
 */
public abstract class QuotaStoreContractTests extends AbstractStoreContractTests {

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
		// Exactly the room the denied request would have taken on the output bucket is
		// left.
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
	void ticketThatFitsWithinTheLookaheadIsAdmittedNow() {
		PoolSpec pool = pool(TestSettings.pool("lookahead")
			.limit(Dimension.REQUESTS_PER_MINUTE, 600)
			.burstHorizon(Duration.ofSeconds(1))
			.admissionLookahead(Duration.ofMillis(50)));
		for (int i = 0; i < 10; i++) {
			assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
		}
		// The bucket refills one request per 100 ms: 60 ms in, the next fits within 40
		// ms.
		this.now += 60;
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
		Admission tooEarly = acquire(pool, CRITICAL, 0, 1);
		assertThat(tooEarly.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(tooEarly.delayMillis()).isBetween(140L, 141L);
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
	void leaseIsNoLongerInFlightAtTheMillisecondItExpires() {
		PoolSpec pool = pool(TestSettings.pool("expiry")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.leaseTimeout(Duration.ofSeconds(30)));
		acquire(pool, CRITICAL, 0, 1);
		this.now += 29_999;
		assertThat(this.store.snapshot(pool).inFlight()).isEqualTo(1);

		this.now += 1;

		assertThat(this.store.snapshot(pool).inFlight()).isZero();
	}

	@Test
	void zeroWaitTicketBehindABlockedHeadIsToldToRetryWhenTheHeadFits() {
		PoolSpec pool = pool(TestSettings.pool("behind").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		for (int i = 0; i < 60; i++) {
			acquire(pool, CRITICAL, 0, 1);
		}
		assertThat(acquire(pool, CRITICAL, 600_000, 10).delayMillis()).isEqualTo(10_000);

		Admission behind = acquire(pool, CRITICAL, 0, 1);

		assertThat(behind.reason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(behind.delayMillis()).isEqualTo(10_000);
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

	@Test
	void higherClassGoesFirstAndEachClassIsServedInArrivalOrder() {
		PoolSpec pool = pool(TestSettings.pool("order").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		for (int i = 0; i < 60; i++) {
			acquire(pool, CRITICAL, 0, 1);
		}
		Ticket background1 = ticket(BACKGROUND, 600_000, 1);
		Ticket background2 = ticket(BACKGROUND, 600_000, 1);
		Ticket interactive1 = ticket(INTERACTIVE, 600_000, 1);
		Ticket interactive2 = ticket(INTERACTIVE, 600_000, 1);
		List<Ticket> arrivals = List.of(background1, background2, interactive1, interactive2);
		arrivals.forEach((t) -> assertThat(this.store.acquire(pool, t).status()).isEqualTo(Admission.Status.WAITING));
		List<String> ids = arrivals.stream().map(Ticket::id).toList();

		List<String> grantOrder = new java.util.ArrayList<>();
		for (int second = 1; second <= 4; second++) {
			this.now += 1000;
			List<TicketState> states = this.store.poll(pool, ids).states();
			for (int i = 0; i < ids.size(); i++) {
				if (states.get(i) == TicketState.GRANTED && !grantOrder.contains(ids.get(i))) {
					grantOrder.add(ids.get(i));
				}
			}
		}

		assertThat(grantOrder).containsExactly(interactive1.id(), interactive2.id(), background1.id(),
				background2.id());
	}

	@Test
	void criticalArrivalIsAdmittedAtOnceWhileBackgroundWorkSaturatesThePool() {
		PoolSpec pool = pool(TestSettings.pool("reserve").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1000));
		while (acquire(pool, BACKGROUND, 0, 50).status() == Admission.Status.GRANTED) {
			// Background drains the bucket down to its 30 % reserve, and no further.
		}
		for (int i = 0; i < 5; i++) {
			assertThat(this.store.acquire(pool, ticket(BACKGROUND, 60_000, 50)).status())
				.isEqualTo(Admission.Status.WAITING);
		}

		assertThat(acquire(pool, CRITICAL, 0, 200).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void fullClassQueueRejectsItsOwnClass() {
		QuotaSettings settings = TestSettings.pool("class-cap")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1)
			.classQueueCapacity(2)
			.build();
		PoolSpec pool = start(settings);
		acquire(pool, CRITICAL, 0, 1);
		acquire(pool, BACKGROUND, 600_000, 1);
		acquire(pool, BACKGROUND, 600_000, 1);

		Admission third = acquire(pool, BACKGROUND, 600_000, 1);

		assertThat(third.reason()).isEqualTo(RejectionReason.QUEUE_FULL);
		assertThat(third.delayMillis()).isPositive();
		assertThat(acquire(pool, INTERACTIVE, 600_000, 1).status()).isEqualTo(Admission.Status.WAITING);
	}

	@Test
	void fullPoolQueueShedsTheLowestRankedTicketOnlyForAStrictlyHigherClass() {
		QuotaSettings settings = TestSettings.pool("shed")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1)
			.queueCapacity(3)
			.build();
		PoolSpec pool = start(settings);
		acquire(pool, CRITICAL, 0, 1);
		Ticket oldBackground = ticket(BACKGROUND, 600_000, 1);
		Ticket newBackground = ticket(BACKGROUND, 600_000, 1);
		Ticket interactive = ticket(INTERACTIVE, 600_000, 1);
		this.store.acquire(pool, oldBackground);
		this.store.acquire(pool, newBackground);
		this.store.acquire(pool, interactive);

		assertThat(acquire(pool, BACKGROUND, 600_000, 1).reason()).isEqualTo(RejectionReason.QUEUE_FULL);
		Ticket critical = ticket(CRITICAL, 600_000, 1);
		assertThat(this.store.acquire(pool, critical).status()).isEqualTo(Admission.Status.WAITING);
		Ticket secondInteractive = ticket(INTERACTIVE, 600_000, 1);
		assertThat(this.store.acquire(pool, secondInteractive).status()).isEqualTo(Admission.Status.WAITING);
		assertThat(acquire(pool, INTERACTIVE, 600_000, 1).reason()).isEqualTo(RejectionReason.QUEUE_FULL);

		assertThat(this.store.poll(pool,
				List.of(oldBackground.id(), newBackground.id(), interactive.id(), critical.id(),
						secondInteractive.id()))
			.states()).containsExactly(TicketState.DROPPED, TicketState.DROPPED, TicketState.WAITING,
					TicketState.WAITING, TicketState.WAITING);
	}

	@Test
	void userOverItsOwnQuotaIsRejectedWhileOtherUsersAreAdmitted() {
		QuotaSettings settings = TestSettings.pool("users")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 2)
			.build();
		PoolSpec pool = start(settings);
		UserCharge alice = userCharge(settings, "a1ice");
		UserCharge bob = userCharge(settings, "b0b");

		assertThat(this.store.acquire(pool, userTicket(alice)).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(this.store.acquire(pool, userTicket(alice)).status()).isEqualTo(Admission.Status.GRANTED);
		Admission third = this.store.acquire(pool, userTicket(alice));

		assertThat(third.reason()).isEqualTo(RejectionReason.USER_LIMIT);
		assertThat(third.delayMillis()).isEqualTo(30_000);
		assertThat(this.store.acquire(pool, userTicket(bob)).status()).isEqualTo(Admission.Status.GRANTED);
		this.now += 30_000;
		assertThat(this.store.acquire(pool, userTicket(alice)).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void withdrawnTicketHandsItsUserChargeBack() {
		QuotaSettings settings = TestSettings.pool("user-refund")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 1)
			.noReserves()
			.build();
		PoolSpec pool = start(settings);
		acquire(pool, CRITICAL, 0, 1);
		UserCharge carol = userCharge(settings, "carol");
		Ticket waiting = userTicket(carol);
		assertThat(this.store.acquire(pool, waiting).status()).isEqualTo(Admission.Status.WAITING);

		this.store.cancel(pool, waiting.id());
		this.now += 60_000;

		assertThat(this.store.acquire(pool, userTicket(carol)).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void rateLimitFeedbackCoolsThePoolDownAndCutsTheMultiplierOncePerRoundTrip() {
		QuotaSettings settings = TestSettings.pool("cooldown")
			.limit(Dimension.REQUESTS_PER_MINUTE, 600)
			.margin(0.10)
			.build();
		PoolSpec pool = start(settings);
		Ticket first = ticket(CRITICAL, 0, 1);
		Ticket second = ticket(CRITICAL, 0, 1);
		this.store.acquire(pool, first);
		this.store.acquire(pool, second);

		this.store.settle(pool, new Settlement(first.id(), "model", new long[1], null, null,
				new PoolFeedback(PoolFeedback.Kind.RATE_LIMITED, 5_000, null, null)));
		this.store.settle(pool, new Settlement(second.id(), "model", new long[1], null, null,
				new PoolFeedback(PoolFeedback.Kind.RATE_LIMITED, 5_000, null, null)));

		PoolSnapshot snapshot = this.store.snapshot(pool);
		assertThat(snapshot.cooldownMillis()).isEqualTo(5_000);
		assertThat(snapshot.multiplier()).isCloseTo(0.7, within(1e-6));
		Admission during = acquire(pool, CRITICAL, 0, 1);
		assertThat(during.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(during.delayMillis()).isEqualTo(5_000);
		this.now += 5_000;
		Ticket after = ticket(CRITICAL, 0, 1);
		assertThat(this.store.acquire(pool, after).status()).isEqualTo(Admission.Status.GRANTED);
		this.store.settle(pool, new Settlement(after.id(), "model", new long[1], null, null,
				new PoolFeedback(PoolFeedback.Kind.SUCCESS, 0, null, null)));
		assertThat(this.store.snapshot(pool).multiplier()).isCloseTo(0.71, within(1e-6));
	}

	@Test
	void providerHeadersTightenTheBucketButNeverLoosenIt() {
		QuotaSettings settings = TestSettings.pool("tighten")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 10_000)
			.margin(0.10)
			.build();
		PoolSpec pool = start(settings);
		// 9,000 to plan with. Feedback carries remaining already reduced by the margin
		// (the lease does that; see LeaseFeedbackContractTests), so the store compares it
		// as is.
		Ticket call = ticket(CRITICAL, 0, 1_000);
		this.store.acquire(pool, call);

		this.store.settle(pool, new Settlement(call.id(), "model", new long[1], null, null,
				new PoolFeedback(PoolFeedback.Kind.SUCCESS, 0, new long[] { 2_000 }, new long[] { 0 })));
		assertThat(acquire(pool, CRITICAL, 0, 2_001).status()).isEqualTo(Admission.Status.REJECTED);

		Ticket loose = ticket(CRITICAL, 0, 1_000);
		this.store.acquire(pool, loose);
		this.store.settle(pool, new Settlement(loose.id(), "model", new long[1], null, null,
				new PoolFeedback(PoolFeedback.Kind.SUCCESS, 0, new long[] { 9_000 }, new long[] { 0 })));
		assertThat(acquire(pool, CRITICAL, 0, 1_001).status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(acquire(pool, CRITICAL, 0, 1_000).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void overloadCoolsTheModelDownWithExponentialBackoffWithoutCuttingQuota() {
		QuotaSettings settings = TestSettings.pool("overload")
			.limit(Dimension.REQUESTS_PER_MINUTE, 600)
			.margin(0.10)
			.build();
		PoolSpec pool = start(settings);
		for (long expected : new long[] { 1_000, 2_000, 4_000 }) {
			Ticket call = ticket(CRITICAL, 0, 1);
			assertThat(this.store.acquire(pool, call).status()).isEqualTo(Admission.Status.GRANTED);
			this.store.settle(pool, new Settlement(call.id(), "model", new long[1], null, null,
					new PoolFeedback(PoolFeedback.Kind.OVERLOADED, 0, null, null)));
			PoolSnapshot snapshot = this.store.snapshot(pool);
			assertThat(snapshot.modelCooldownMillis()).containsExactly(expected);
			assertThat(snapshot.multiplier()).isEqualTo(1.0);
			this.now += expected;
		}
	}

	@Test
	void snapshotShowsQueuesInFlightAndTrailingMinuteUsage() {
		PoolSpec pool = pool(
				TestSettings.pool("snapshot").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1_000).noReserves());
		acquire(pool, CRITICAL, 0, 600);
		this.now += 20_000;
		acquire(pool, CRITICAL, 0, 300);
		this.store.acquire(pool, ticket(INTERACTIVE, 60_000, 500));
		this.store.acquire(pool, ticket(BACKGROUND, 60_000, 10));

		PoolSnapshot snapshot = this.store.snapshot(pool);

		assertThat(snapshot.queued()).containsExactly(0, 1, 0, 1);
		assertThat(snapshot.inFlight()).isEqualTo(2);
		assertThat(snapshot.trailingMinute()[0]).isCloseTo(900, within(1e-6));
		assertThat(snapshot.headDelayMillis()).isPositive();
		this.now += 61_000;
		assertThat(this.store.snapshot(pool).lastHour().stream().mapToDouble((minute) -> minute[0]).sum())
			.isGreaterThanOrEqualTo(900);
	}

	@Test
	void poolLimitedOnlyByConcurrencyAdmitsUpToItsSlotsAndShowsThemInItsSnapshot() {
		PoolSpec pool = pool(TestSettings.pool("slots").maxConcurrency(2).noReserves());
		assertThat(acquire(pool, CRITICAL, 0).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(acquire(pool, CRITICAL, 0).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(acquire(pool, CRITICAL, 0).status()).isEqualTo(Admission.Status.REJECTED);

		PoolSnapshot snapshot = this.store.snapshot(pool);

		assertThat(snapshot.used()).isEmpty();
		assertThat(snapshot.trailingMinute()).isEmpty();
		assertThat(snapshot.inFlight()).isEqualTo(2);
	}

	private UserCharge userCharge(QuotaSettings settings, String user) {
		PoolSpec pool = settings.pools().values().iterator().next();
		List<RateLimit> limits = pool.userLimits().forUser(user);
		long[] cost = new long[limits.size()];
		java.util.Arrays.fill(cost, 1);
		return new UserCharge(Integer.toHexString(user.hashCode()), limits, cost);
	}

	private Ticket userTicket(UserCharge user) {
		return ticket(CRITICAL, 60_000, new long[] { 1 }, user);
	}

	private void settle(QuotaSettings settings, PoolSpec pool, Ticket ticket, TokenUsage usage) {
		long[] actual = settings.model("model").actual(usage, pool.rates());
		long[] delta = new long[actual.length];
		for (int i = 0; i < delta.length; i++) {
			delta[i] = actual[i] - ticket.cost()[i];
		}
		this.store.settle(pool, new Settlement(ticket.id(), "model", delta, null, null, PoolFeedback.none()));
	}

}
