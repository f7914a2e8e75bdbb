package io.github.llmquota.failover;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Where {@link FailoverQuotaStore} sends each call while the shared store fails and after
 * it answers again: every ticket ends in the store that decided it, local limits are this
 * JVM's share of the pool as last seen, and the shared view is refreshed in the
 * background. The shared store here is an in-memory one that can be switched off, so that
 * every outcome is known exactly.
 */
class FailModeRoutingTests {

	private static final Duration FOREVER = Duration.ofHours(1);

	private final List<String> news = new CopyOnWriteArrayList<>();

	private SwitchableStore shared;

	private FailoverQuotaStore store;

	private int tickets;

	@AfterEach
	void stop() {
		if (this.store != null) {
			this.store.stop();
		}
	}

	@Test
	void failedCallLeavesTheSharedStoreAloneForTheRetryInterval() {
		PoolSpec pool = start(settings(100, 0), FailMode.LOCAL, FOREVER);
		this.shared.down = true;

		assertThat(this.store.acquire(pool, ticket(0)).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(this.store.acquire(pool, ticket(0)).status()).isEqualTo(Admission.Status.GRANTED);

		assertThat(this.store.isDegraded()).isTrue();
		assertThat(this.shared.acquires).hasValue(1);
	}

	@Test
	void storeThatCannotReachRedisAtStartupBeginsDegraded() {
		QuotaSettings settings = settings(100, 0);
		this.shared = new SwitchableStore(new InMemoryQuotaStore(settings));
		this.shared.down = true;
		this.store = new FailoverQuotaStore(this.shared, settings, FailMode.LOCAL, FOREVER);

		this.store.start("w1", AdmissionListener.none());

		assertThat(this.store.isDegraded()).isTrue();
		assertThat(this.shared.starts).hasValue(1);
	}

	@Test
	void localModeAdmitsTheJvmsShareOfThePoolAsLastSeenInTheSharedStore() {
		PoolSpec pool = start(settings(100, 0), FailMode.LOCAL, FOREVER);
		this.shared.liveWorkers = 2;
		this.shared.multiplier = 0.5;
		this.store.snapshot(pool);
		this.shared.down = true;

		// 100 requests a minute, at half the rate, for one of two JVMs, at 80 %: 20.
		assertThat(admittedUntilRejected(pool)).isEqualTo(20);
	}

	@Test
	void localModeKeepsTheJvmsShareOfTheConcurrencyLimit() {
		PoolSpec pool = start(settings(10_000, 10), FailMode.LOCAL, FOREVER);
		this.shared.liveWorkers = 2;
		this.store.snapshot(pool);
		this.shared.down = true;

		// Ten slots, for one of two JVMs, at 80 %: 4.
		assertThat(admittedUntilRejected(pool)).isEqualTo(4);
	}

	@Test
	void localModeWithoutAnySharedViewPlansForOneJvm() {
		PoolSpec pool = start(settings(100, 0), FailMode.LOCAL, FOREVER);
		this.shared.down = true;

		assertThat(admittedUntilRejected(pool)).isEqualTo(80);
	}

	@Test
	void localModeRefillsAtTheJvmsShareOfThePoolsRate() {
		PoolSpec pool = start(settings(6, 0), FailMode.LOCAL, FOREVER);
		this.shared.down = true;
		assertThat(admittedUntilRejected(pool)).isEqualTo(4);

		Admission rejected = this.store.acquire(pool, ticket(0));

		// 80 % of 6 requests a minute is 4.8: the fifth lacks 0.2 of a request, which
		// comes back in 2.5 s at 80 % of the rate, less what refilled since.
		assertThat(rejected.delayMillis()).isBetween(1_700L, 2_500L);
	}

	@Test
	void localModeAppliesTheLiveSettingsThisJvmLastMade() {
		PoolSpec pool = start(settings(100, 0), FailMode.LOCAL, FOREVER);
		this.store.changeLive(pool,
				new LiveSettings(Map.of(Dimension.REQUESTS_PER_MINUTE, 50L), Set.of("BACKGROUND"), null, null));
		this.shared.down = true;

		// 50 requests a minute as changed, for one JVM, at 80 %: 40.
		assertThat(admittedUntilRejected(pool)).isEqualTo(40);
		Admission background = this.store.acquire(pool, ticket(3, 0));
		assertThat(background.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(background.reason()).isEqualTo(RejectionReason.PAUSED);
	}

	@Test
	void localModeAppliesLiveSettingsChangedElsewhereOnceTheBackgroundRefreshReadThem() {
		PoolSpec pool = start(settings(100, 0), FailMode.LOCAL, FOREVER);
		this.shared.changeLive(pool, new LiveSettings(Map.of(Dimension.REQUESTS_PER_MINUTE, 50L), null, 0.5, null));
		this.store.acquire(pool, ticket(0));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.shared.liveReads.get() >= 1);
		this.shared.down = true;

		// 50 requests a minute, pinned at half, for one JVM, at 80 %: 20.
		assertThat(admittedUntilRejected(pool)).isEqualTo(20);
	}

	@Test
	void liveChangeWhileRedisIsUnreachableFailsNamingTheCauseAndChangesNothing() {
		PoolSpec pool = start(settings(100, 0), FailMode.LOCAL, FOREVER);
		this.shared.down = true;
		this.store.acquire(pool, ticket(0));
		LiveSettings paused = new LiveSettings(null, Set.of("BACKGROUND"), null, null);

		assertThatExceptionOfType(DataAccessException.class).isThrownBy(() -> this.store.changeLive(pool, paused))
			.withMessageContaining("Redis is unreachable")
			.withMessageContaining("cannot change live settings")
			.withMessageContaining("fail mode LOCAL");

		assertThat(this.store.acquire(pool, ticket(3, 0)).status()).isEqualTo(Admission.Status.GRANTED);
		this.shared.down = false;
		assertThat(this.shared.live(pool)).isEqualTo(LiveSettings.NONE);
	}

	@Test
	void storeNamesTheSharedStoreAndFailModeItWasBuiltWith() {
		start(settings(100, 0), FailMode.OPEN, FOREVER);

		assertThat(this.store.getShared()).isSameAs(this.shared);
		assertThat(this.store.getFailMode()).isEqualTo(FailMode.OPEN);
	}

	@Test
	void snapshotIsTheSharedStoresAndItsRefresherNeverKeepsTheJvmAlive() {
		PoolSpec pool = start(settings(100, 0), FailMode.LOCAL, FOREVER);
		this.shared.liveWorkers = 3;
		this.store.acquire(pool, ticket(0));

		assertThat(this.store.snapshot(pool).liveWorkers()).isEqualTo(3);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.shared.snapshots.get() >= 2);
		assertThat(Thread.getAllStackTraces().keySet())
			.filteredOn((thread) -> thread.getName().equals("llm-quota-failover"))
			.isNotEmpty()
			.allMatch(Thread::isDaemon);
	}

	@Test
	void leaseDecidedLocallyEndsLocallyEvenAfterRedisAnswersAgain() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, Duration.ZERO);
		this.shared.down = true;
		Ticket local = ticket(0);
		assertThat(this.store.acquire(pool, local).status()).isEqualTo(Admission.Status.GRANTED);
		this.shared.down = false;

		this.store.settle(pool, settlement(local));

		assertThat(this.shared.settles).isEmpty();
		this.shared.down = true;
		assertThat(this.store.acquire(pool, ticket(0)).status()).as("the local slot came back")
			.isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void leaseGrantedByRedisEndsInRedis() {
		PoolSpec pool = start(settings(10_000, 0), FailMode.LOCAL, FOREVER);
		Ticket shared = ticket(0);
		this.store.acquire(pool, shared);

		this.store.settle(pool, settlement(shared));

		assertThat(this.shared.settles).containsExactly(shared.id());
	}

	@Test
	void leaseGrantedByRedisIsLeftToItsExpiryWhileRedisCannotBeReached() {
		PoolSpec pool = start(settings(10_000, 0), FailMode.LOCAL, FOREVER);
		Ticket shared = ticket(0);
		this.store.acquire(pool, shared);
		this.shared.down = true;
		this.store.acquire(pool, ticket(0));

		this.store.settle(pool, settlement(shared));
		this.store.cancel(pool, shared.id());

		assertThat(this.shared.settles).isEmpty();
		assertThat(this.shared.cancels).isEmpty();
	}

	@Test
	void unlimitedAdmissionIsNeverSettledInRedis() {
		PoolSpec pool = start(settings(10_000, 0), FailMode.OPEN, Duration.ZERO);
		this.shared.down = true;
		Ticket unlimited = ticket(0);
		assertThat(this.store.acquire(pool, unlimited).status()).isEqualTo(Admission.Status.GRANTED);
		this.shared.down = false;

		this.store.settle(pool, settlement(unlimited));

		assertThat(this.shared.settles).isEmpty();
		assertThat(this.store.getUnlimitedAdmissions()).isOne();
	}

	@Test
	void closedModeTellsTheCallerToRetryAfterTheRetryInterval() {
		PoolSpec pool = start(settings(10_000, 0), FailMode.CLOSED, Duration.ofSeconds(7));
		this.shared.down = true;

		Admission rejected = this.store.acquire(pool, ticket(0));

		assertThat(rejected.reason()).isEqualTo(RejectionReason.UNAVAILABLE);
		assertThat(rejected.delayMillis()).isEqualTo(7_000);
	}

	@Test
	void ticketWaitingLocallyIsWithdrawnLocallyAndTheNextOneIsTold() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, Duration.ZERO);
		this.shared.down = true;
		Ticket holder = ticket(0);
		this.store.acquire(pool, holder);
		Ticket first = ticket(60_000);
		Ticket second = ticket(60_000);
		assertThat(this.store.acquire(pool, first).status()).isEqualTo(Admission.Status.WAITING);
		assertThat(this.store.acquire(pool, second).status()).isEqualTo(Admission.Status.WAITING);
		this.shared.down = false;

		this.store.cancel(pool, first.id());
		this.store.settle(pool, settlement(holder));

		assertThat(this.shared.cancels).isEmpty();
		assertThat(this.news).containsExactly("granted " + second.id());
	}

	@Test
	void ticketWaitingInRedisIsWithdrawnInRedis() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, FOREVER);
		this.store.acquire(pool, ticket(0));
		Ticket waiting = ticket(60_000);
		assertThat(this.store.acquire(pool, waiting).status()).isEqualTo(Admission.Status.WAITING);

		this.store.cancel(pool, waiting.id());

		assertThat(this.shared.cancels).containsExactly(waiting.id());
	}

	@Test
	void pollAsksEachStoreAboutItsOwnTicketsOnly() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, Duration.ZERO);
		this.store.acquire(pool, ticket(0));
		Ticket inRedis = ticket(60_000);
		this.store.acquire(pool, inRedis);
		this.shared.down = true;
		Ticket holder = ticket(0);
		this.store.acquire(pool, holder);
		Ticket inMemory = ticket(60_000);
		this.store.acquire(pool, inMemory);
		this.store.settle(pool, settlement(holder));
		this.shared.down = false;

		QuotaStore.PollResult result = this.store.poll(pool, List.of(inRedis.id(), inMemory.id()));

		assertThat(result.states()).containsExactly(TicketState.WAITING, TicketState.GRANTED);
		assertThat(this.shared.polled).containsExactly(List.of(inRedis.id()));
		assertThat(result.headTicket()).isEqualTo(inRedis.id());
	}

	@Test
	void pollOfLocalTicketsAloneReportsTheLocalHead() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, FOREVER);
		this.shared.down = true;
		this.store.acquire(pool, ticket(0));
		Ticket waiting = ticket(60_000);
		this.store.acquire(pool, waiting);

		QuotaStore.PollResult result = this.store.poll(pool, List.of(waiting.id()));

		assertThat(result.states()).containsExactly(TicketState.WAITING);
		assertThat(result.headTicket()).isEqualTo(waiting.id());
		assertThat(result.headDelayMillis()).isEqualTo(Admission.UNKNOWN);
		assertThat(this.shared.polled).isEmpty();
	}

	@Test
	void ticketsOfAnUnreachableRedisStayWaitingUntilTheirDeadline() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, FOREVER);
		this.store.acquire(pool, ticket(0));
		Ticket waiting = ticket(60_000);
		this.store.acquire(pool, waiting);
		this.shared.down = true;
		this.store.acquire(pool, ticket(0));

		QuotaStore.PollResult result = this.store.poll(pool, List.of(waiting.id()));

		assertThat(result.states()).containsExactly(TicketState.WAITING);
		assertThat(result.headDelayMillis()).isEqualTo(Admission.NONE);
		assertThat(this.shared.polled).isEmpty();
	}

	@Test
	void pollThatFailsOpensTheCircuit() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, FOREVER);
		this.store.acquire(pool, ticket(0));
		Ticket waiting = ticket(60_000);
		this.store.acquire(pool, waiting);
		awaitBackgroundRefresh();
		this.shared.down = true;

		QuotaStore.PollResult result = this.store.poll(pool, List.of(waiting.id()));

		assertThat(result.states()).containsExactly(TicketState.WAITING);
		assertThat(this.store.isDegraded()).isTrue();
	}

	@Test
	void settleThatFailsOpensTheCircuit() {
		PoolSpec pool = start(settings(10_000, 0), FailMode.LOCAL, FOREVER);
		Ticket lease = ticket(0);
		this.store.acquire(pool, lease);
		awaitBackgroundRefresh();
		this.shared.down = true;

		this.store.settle(pool, settlement(lease));

		assertThat(this.store.isDegraded()).isTrue();
	}

	@Test
	void cancelThatFailsOpensTheCircuit() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, FOREVER);
		this.store.acquire(pool, ticket(0));
		Ticket waiting = ticket(60_000);
		this.store.acquire(pool, waiting);
		awaitBackgroundRefresh();
		this.shared.down = true;

		this.store.cancel(pool, waiting.id());

		assertThat(this.store.isDegraded()).isTrue();
	}

	@Test
	void snapshotThatFailsOpensTheCircuit() {
		PoolSpec pool = start(settings(10_000, 0), FailMode.LOCAL, FOREVER);
		this.shared.down = true;

		try {
			this.store.snapshot(pool);
		}
		catch (DataAccessException ex) {
			// Expected: the snapshot has nothing to fall back on here.
		}

		assertThat(this.store.isDegraded()).isTrue();
	}

	@Test
	void sharedViewIsRefreshedInTheBackgroundOnTheFirstAdmissionFromRedis() {
		PoolSpec pool = start(settings(10_000, 0), FailMode.LOCAL, FOREVER);

		this.store.acquire(pool, ticket(0));
		this.store.acquire(pool, ticket(0));

		await().atMost(Duration.ofSeconds(10)).until(() -> this.shared.snapshots.get() >= 1);
		// One refresh per pool every 30 seconds at most, however many admissions there
		// are.
		await().during(Duration.ofMillis(300))
			.atMost(Duration.ofSeconds(5))
			.until(() -> this.shared.snapshots.get() == 1);
	}

	@Test
	void stoppingStopsBothStoresAndEndsLocalNews() {
		PoolSpec pool = start(settings(10_000, 1), FailMode.LOCAL, FOREVER);
		this.shared.down = true;
		Ticket holder = ticket(0);
		this.store.acquire(pool, holder);
		this.store.acquire(pool, ticket(60_000));

		this.store.stop();
		this.store.settle(pool, settlement(holder));

		assertThat(this.shared.stops).hasValue(1);
		assertThat(this.news).isEmpty();
		this.store = null;
	}

	// The first admission from Redis refreshes the shared view in the background; a
	// refresh that failed after Redis went down would open the circuit by itself.
	private void awaitBackgroundRefresh() {
		await().atMost(Duration.ofSeconds(10)).until(() -> this.shared.snapshots.get() >= 1);
	}

	private int admittedUntilRejected(PoolSpec pool) {
		int admitted = 0;
		while (this.store.acquire(pool, ticket(0)).status() == Admission.Status.GRANTED) {
			admitted++;
		}
		return admitted;
	}

	private static QuotaSettings settings(long requestsPerMinute, int maxConcurrency) {
		return TestSettings.pool("failover")
			.limit(Dimension.REQUESTS_PER_MINUTE, requestsPerMinute)
			.maxConcurrency(maxConcurrency)
			.noReserves()
			.build();
	}

	private PoolSpec start(QuotaSettings settings, FailMode failMode, Duration retryInterval) {
		if (this.store != null) {
			this.store.stop();
		}
		this.shared = new SwitchableStore(new InMemoryQuotaStore(settings));
		this.store = new FailoverQuotaStore(this.shared, settings, failMode, retryInterval);
		this.store.start("w1", new AdmissionListener() {

			@Override
			public void granted(String pool, String ticketId, long arrival) {
				FailModeRoutingTests.this.news.add("granted " + ticketId);
			}

			@Override
			public void dropped(String pool, String ticketId, boolean shed) {
				FailModeRoutingTests.this.news.add("dropped " + ticketId);
			}

			@Override
			public void exhausted(String pool, String ticketId) {
				FailModeRoutingTests.this.news.add("exhausted " + ticketId);
			}

			@Override
			public void head(String pool, long delayMillis, String ticketId) {
			}

		});
		return settings.pools().values().iterator().next();
	}

	private Ticket ticket(long maxWait) {
		return ticket(0, maxWait);
	}

	private Ticket ticket(int rank, long maxWait) {
		return new Ticket("w1." + (++this.tickets), "w1", rank, new long[] { 1 }, maxWait, "model", null);
	}

	private static Settlement settlement(Ticket ticket) {
		return new Settlement(ticket.id(), "model", new long[1], null, null, PoolFeedback.none());
	}

	/**
	 * A shared store that fails like an unreachable Redis while {@link #down}, and
	 * records what reached it.
	 */
	private static final class SwitchableStore extends ForwardingQuotaStore {

		private volatile boolean down;

		private volatile long liveWorkers = 1;

		private volatile double multiplier = 1;

		private final AtomicInteger starts = new AtomicInteger();

		private final AtomicInteger stops = new AtomicInteger();

		private final AtomicInteger acquires = new AtomicInteger();

		private final AtomicInteger snapshots = new AtomicInteger();

		private final AtomicInteger liveReads = new AtomicInteger();

		private final List<String> settles = new CopyOnWriteArrayList<>();

		private final List<String> cancels = new CopyOnWriteArrayList<>();

		private final List<List<String>> polled = new CopyOnWriteArrayList<>();

		SwitchableStore(QuotaStore delegate) {
			super(delegate);
		}

		@Override
		public void start(String workerId, AdmissionListener listener) {
			this.starts.incrementAndGet();
			reachable();
			super.start(workerId, listener);
		}

		@Override
		public void stop() {
			this.stops.incrementAndGet();
			super.stop();
		}

		@Override
		public Admission acquire(PoolSpec pool, Ticket ticket) {
			this.acquires.incrementAndGet();
			reachable();
			return super.acquire(pool, ticket);
		}

		@Override
		public void settle(PoolSpec pool, Settlement settlement) {
			this.settles.add(settlement.leaseId());
			reachable();
			super.settle(pool, settlement);
		}

		@Override
		public void cancel(PoolSpec pool, String ticketId) {
			this.cancels.add(ticketId);
			reachable();
			super.cancel(pool, ticketId);
		}

		@Override
		public PollResult poll(PoolSpec pool, List<String> ticketIds) {
			this.polled.add(List.copyOf(ticketIds));
			reachable();
			return super.poll(pool, ticketIds);
		}

		@Override
		public PoolSnapshot snapshot(PoolSpec pool) {
			reachable();
			this.snapshots.incrementAndGet();
			PoolSnapshot seen = super.snapshot(pool);
			return new PoolSnapshot(seen.pool(), seen.timeMillis(), seen.used(), seen.trailingMinute(), seen.lastHour(),
					seen.queued(), seen.inFlight(), this.multiplier, seen.cooldownMillis(), seen.headDelayMillis(),
					seen.modelCooldownMillis(), this.liveWorkers);
		}

		@Override
		public LiveSettings live(PoolSpec pool) {
			reachable();
			this.liveReads.incrementAndGet();
			return super.live(pool);
		}

		@Override
		public void changeLive(PoolSpec pool, LiveSettings live) {
			reachable();
			super.changeLive(pool, live);
		}

		private void reachable() {
			if (this.down) {
				throw new RedisConnectionFailureException("Redis is down (test)");
			}
		}

	}

}
