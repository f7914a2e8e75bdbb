package io.github.llmquota.stream;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.BudgetCharge;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.UserCharge;
import io.github.llmquota.engine.UserLimits;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A stream accounted as it flows, with time driven by the test: its output is charged in
 * steps and shows in a snapshot before it ends, its lease outlives {@code lease-timeout}
 * while it charges and expires once it stops, and a cancelled stream settles what it
 * consumed. Subclasses supply the store.
 */
public abstract class StreamChargeContractTests {

	private static final Duration LEASE_TIMEOUT = Duration.ofSeconds(10);

	private static final long INPUT = 1_000;

	private static final long MAX_OUTPUT = 1_000;

	private DefaultQuotaEngine engine;

	private QuotaStore store;

	private PoolSpec pool;

	/** The store's time in milliseconds; nothing refills unless a test moves it. */
	protected long now = 1_000_000;

	private final DrivenHeartbeat heartbeat = new DrivenHeartbeat();

	/**
	 * Create the store under test, reading time from {@link #now}.
	 * @param settings the settings
	 * @return a store, not yet started
	 */
	protected abstract QuotaStore createStore(QuotaSettings settings);

	@AfterEach
	void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void outputIsChargedInStepsAndShowsInASnapshotBeforeTheStreamEnds() {
		start();
		streamChargesProgressively(StreamStep.DEFAULT);
	}

	@Test
	void aStreamChargedOnlyAtItsEndFailsTheProgressiveCheck() {
		start();
		// The proof that the check above can fail: the same stream, with no steps.
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> streamChargesProgressively(StreamStep.AT_END_ONLY));
	}

	@Test
	void aStreamKeepsItsLeasePastTheLeaseTimeoutWhileItCharges() {
		start();
		QuotaLease lease = acquire();
		StreamMeter meter = meter(lease, new StreamStep(10_000, Duration.ofSeconds(2)));
		for (int second = 1; second <= 25; second++) {
			this.now += 1_000;
			meter.text("chunk ");
		}
		// 25 s after admission, 2.5 lease timeouts: still held, the slot still taken.
		assertThat(meter.isHeld()).isTrue();
		assertThat(snapshot().inFlight()).isEqualTo(1);
		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(this::acquire);
		meter.complete(TokenUsage.of(INPUT, 50), ProviderFeedback.none());
		assertThat(snapshot().inFlight()).isZero();
	}

	@Test
	void aSilentStreamKeepsItsLeasePastTheLeaseTimeoutWhileItsWorkerBeats() {
		start();
		silentStreamKeepsItsLease(this.heartbeat);
		// Ended, it beats no more.
		assertThat(this.heartbeat.beating()).isZero();
	}

	@Test
	void aSilentStreamWithoutAHeartbeatFailsTheSilentStreamCheck() {
		start();
		// The proof that the check above can fail: the same stream, its heartbeat off.
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> silentStreamKeepsItsLease((period, beat) -> () -> {
			}));
	}

	@Test
	void aSilentStreamsBeatsStopWhenItsLeaseIsLost() {
		start();
		QuotaLease lease = acquire();
		meter(lease, new StreamStep(10_000, Duration.ofSeconds(2)));
		// Its heartbeat was held up longer than the lease timeout (a stopped JVM).
		this.now += LEASE_TIMEOUT.toMillis() + 1;
		this.heartbeat.beat();
		assertThat(this.heartbeat.beating()).isZero();
		assertThat(snapshot().inFlight()).isZero();
	}

	// Nothing arrives for 2.5 lease timeouts, as a model that thinks long before it
	// answers; the heartbeat beats at half the 2-second interval.
	private void silentStreamKeepsItsLease(StreamHeartbeat heartbeat) {
		QuotaLease lease = acquire();
		StreamMeter meter = meter(lease, new StreamStep(10_000, Duration.ofSeconds(2)), heartbeat);
		for (int beat = 1; beat <= 25; beat++) {
			this.now += 1_000;
			this.heartbeat.beat();
		}
		assertThat(meter.isHeld()).isTrue();
		assertThat(snapshot().inFlight()).isEqualTo(1);
		meter.text("the answer, at last");
		meter.complete(TokenUsage.of(INPUT, 50), ProviderFeedback.none());
		assertThat(snapshot().inFlight()).isZero();
	}

	@Test
	void aStreamWhoseWorkerStoppedChargingExpiresAndIsNotBroughtBack() {
		start();
		QuotaLease lease = acquire();
		StreamMeter meter = meter(lease, new StreamStep(10_000, Duration.ofSeconds(2)));
		this.now += 5_000;
		meter.text("chunk ");
		assertThat(snapshot().streamOutput()).isPositive();
		// The worker died: nothing charges for longer than the lease timeout.
		this.now += LEASE_TIMEOUT.toMillis() + 1;
		PoolSnapshot expired = snapshot();
		assertThat(expired.inFlight()).isZero();
		assertThat(expired.streamOutput()).isZero();
		assertThat(lease.charge(100)).isFalse();
		assertThat(snapshot().inFlight()).isZero();
		// The slot is free again.
		acquire().settle(TokenUsage.of(INPUT, 0));
	}

	@Test
	void aCancelledStreamSettlesWhatItConsumed() {
		start();
		QuotaLease lease = acquire();
		StreamMeter meter = meter(lease, new StreamStep(100, Duration.ofHours(1)));
		// 1,400 ASCII characters at Anthropic's 3.5 per token: 400 output tokens.
		for (int i = 0; i < 14; i++) {
			meter.text("x".repeat(100));
		}
		assertThat(meter.outputTokens()).isEqualTo(400);
		meter.cancel();
		PoolSnapshot settled = snapshot();
		assertThat(settled.inFlight()).isZero();
		assertThat(settled.streamOutput()).isZero();
		assertThat(settled.used()).containsExactly(INPUT, 400);
	}

	@Test
	void aUsersBucketsAreChargedAsTheStreamFlows() {
		startWithUserLimit((store) -> store);
		usersStreamChargesTheirBuckets();
	}

	@Test
	void aStoreThatChargesNoUserMidStreamFailsTheUserCheck() {
		// The proof that the check above can fail: a store that drops the user's part
		// of every step, as the script did before.
		startWithUserLimit((store) -> new ForwardingQuotaStore(store) {

			@Override
			public boolean charge(PoolSpec pool, String leaseId, long[] delta, long outputTokens, UserCharge user,
					long[] userDelta, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta) {
				return super.charge(pool, leaseId, delta, outputTokens, null, null, budgets, tenantLimit, tenantDelta);
			}

		});
		assertThatExceptionOfType(AssertionError.class).isThrownBy(this::usersStreamChargesTheirBuckets);
	}

	@Test
	void aTenantsBucketsAreChargedAsTheStreamFlows() {
		startWithTenantLimit((store) -> store);
		tenantsStreamChargesTheirBuckets();
	}

	@Test
	void aStoreThatChargesNoTenantMidStreamFailsTheTenantCheck() {
		// The proof that the check above can fail: a store that drops the tenant's part
		// of every step, as the script did before (tenants were charged at settle only).
		startWithTenantLimit((store) -> new ForwardingQuotaStore(store) {

			@Override
			public boolean charge(PoolSpec pool, String leaseId, long[] delta, long outputTokens, UserCharge user,
					long[] userDelta, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta) {
				return super.charge(pool, leaseId, delta, outputTokens, user, userDelta, budgets, null, null);
			}

		});
		assertThatExceptionOfType(AssertionError.class).isThrownBy(this::tenantsStreamChargesTheirBuckets);
	}

	// A tenant's limit of 2,000 output tokens a minute (no refill on the driven clock):
	// its stream reserved 1,000 and produced 1,800 so far, so a second request of the
	// same tenant for 500 more must not fit before the stream ends, while another
	// tenant's does; a user of its own limits nothing here.
	private void tenantsStreamChargesTheirBuckets() {
		QuotaLease lease = acquireForTenant("acme", 1_000);
		StreamMeter meter = meter(lease, new StreamStep(100, Duration.ofHours(1)));
		meter.reportedOutput(1_800);
		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> acquireForTenant("acme", 500))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.TENANT_LIMIT));
		acquireForTenant("globex", 500).settle(TokenUsage.of(INPUT, 500));
		meter.complete(TokenUsage.of(INPUT, 1_800), ProviderFeedback.none());
		// Settled to what it charged: nothing charged twice, nothing refunded.
		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> acquireForTenant("acme", 500));
		acquireForTenant("acme", 200).settle(TokenUsage.of(INPUT, 200));
	}

	private void startWithTenantLimit(UnaryOperator<QuotaStore> wrap) {
		Dimension output = Dimension.OUTPUT_TOKENS_PER_MINUTE;
		QuotaSettings settings = TestSettings.pool("tenants")
			.provider(Provider.ANTHROPIC)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000)
			.limit(output, 100_000)
			.tenantLimits(
					new UserLimits(List.of(RateLimit.of(output, 2_000, 0, output.getWindow().toMillis())), Map.of()))
			.burstHorizon(Duration.ofMinutes(1))
			.margin(0)
			.leaseTimeout(LEASE_TIMEOUT)
			.build();
		this.store = wrap.apply(createStore(settings));
		this.engine = new DefaultQuotaEngine(settings, this.store);
		this.pool = settings.pools().values().iterator().next();
	}

	private QuotaLease acquireForTenant(String tenant, long maxOutput) {
		return this.engine.acquire(QuotaRequest.builder("model")
			.priority(Priority.CRITICAL)
			.tenant(tenant)
			.inputTokens(INPUT)
			.maxOutputTokens(maxOutput)
			.maxWait(Duration.ZERO)
			.build());
	}

	// A user's limit of 2,000 output tokens a minute (no refill on the driven clock): its
	// stream reserved 1,000 and produced 1,800 so far, so a second request of the same
	// user for 500 more must not fit before the stream ends, while another user's does.
	private void usersStreamChargesTheirBuckets() {
		QuotaLease lease = acquire("alice", 1_000);
		StreamMeter meter = meter(lease, new StreamStep(100, Duration.ofHours(1)));
		meter.reportedOutput(1_800);
		assertThat(snapshot().streamOutput()).isEqualTo(1_800);
		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> acquire("alice", 500));
		acquire("bob", 500).settle(TokenUsage.of(INPUT, 500));
		meter.complete(TokenUsage.of(INPUT, 1_800), ProviderFeedback.none());
		// Settled to what it charged: nothing charged twice, nothing refunded.
		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> acquire("alice", 500));
		acquire("alice", 200).settle(TokenUsage.of(INPUT, 200));
	}

	private void startWithUserLimit(UnaryOperator<QuotaStore> wrap) {
		QuotaSettings settings = TestSettings.pool("users")
			.provider(Provider.ANTHROPIC)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 100_000)
			.userLimit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 2_000)
			.burstHorizon(Duration.ofMinutes(1))
			.margin(0)
			.leaseTimeout(LEASE_TIMEOUT)
			.build();
		this.store = wrap.apply(createStore(settings));
		this.engine = new DefaultQuotaEngine(settings, this.store);
		this.pool = settings.pools().values().iterator().next();
	}

	private QuotaLease acquire(String user, long maxOutput) {
		return this.engine.acquire(QuotaRequest.builder("model")
			.priority(Priority.CRITICAL)
			.user(user)
			.inputTokens(INPUT)
			.maxOutputTokens(maxOutput)
			.maxWait(Duration.ZERO)
			.build());
	}

	private void streamChargesProgressively(StreamStep step) {
		QuotaLease lease = acquire();
		StreamMeter meter = meter(lease, step);
		assertThat(snapshot().used()).containsExactly(INPUT, MAX_OUTPUT);
		meter.reportedOutput(600);
		// In flight: the fleet sees the output so far, and the reservation still holds.
		assertThat(snapshot().streamOutput()).isEqualTo(600);
		assertThat(snapshot().used()).containsExactly(INPUT, MAX_OUTPUT);
		meter.reportedOutput(1_500);
		// Beyond the reservation: charged as it arrives, not as debt at the end.
		assertThat(snapshot().streamOutput()).isEqualTo(1_500);
		assertThat(snapshot().used()).containsExactly(INPUT, 1_500);
		meter.complete(TokenUsage.of(INPUT, 1_600), ProviderFeedback.none());
		PoolSnapshot settled = snapshot();
		assertThat(settled.streamOutput()).isZero();
		assertThat(settled.used()).containsExactly(INPUT, 1_600);
	}

	private void start() {
		QuotaSettings settings = TestSettings.pool("streams")
			.provider(Provider.ANTHROPIC)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 100_000)
			.burstHorizon(Duration.ofMinutes(1))
			.margin(0)
			.maxConcurrency(1)
			.leaseTimeout(LEASE_TIMEOUT)
			.build();
		this.store = createStore(settings);
		this.engine = new DefaultQuotaEngine(settings, this.store);
		this.pool = settings.pools().values().iterator().next();
	}

	private QuotaLease acquire() {
		return this.engine.acquire(QuotaRequest.builder("model")
			.priority(Priority.CRITICAL)
			.inputTokens(INPUT)
			.maxOutputTokens(MAX_OUTPUT)
			.maxWait(Duration.ZERO)
			.build());
	}

	private StreamMeter meter(QuotaLease lease, StreamStep step) {
		return meter(lease, step, this.heartbeat);
	}

	private StreamMeter meter(QuotaLease lease, StreamStep step, StreamHeartbeat heartbeat) {
		return new StreamMeter(lease, INPUT, step, ProviderProfile.of(Provider.ANTHROPIC), () -> this.now * 1_000_000,
				heartbeat);
	}

	/**
	 * A heartbeat the test beats, on the test's thread.
	 */
	private static final class DrivenHeartbeat implements StreamHeartbeat {

		private final List<Runnable> beats = new CopyOnWriteArrayList<>();

		@Override
		public Runnable start(Duration period, Runnable beat) {
			this.beats.add(beat);
			return () -> this.beats.remove(beat);
		}

		void beat() {
			this.beats.forEach(Runnable::run);
		}

		int beating() {
			return this.beats.size();
		}

	}

	private PoolSnapshot snapshot() {
		return this.store.snapshot(this.pool);
	}

}
