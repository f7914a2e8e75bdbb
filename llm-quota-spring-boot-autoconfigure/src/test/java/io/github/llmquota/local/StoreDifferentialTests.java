package io.github.llmquota.local;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The in-memory store decides everything as the Redis script does: random operations on
 * random pools, against both, compared decision by decision. The long run is the
 * {@code differential} profile ({@link StoreDifferentialSoakTest}).
 */
class StoreDifferentialTests {

	static final String RERUN = "./mvnw -o -pl llm-quota-spring-boot-autoconfigure test -Dtest=StoreDifferentialTests"
			+ "#inMemoryStoreDecidesEverythingAsTheScriptDoes";

	private LettuceConnectionFactory connectionFactory;

	@BeforeEach
	void connect() {
		this.connectionFactory = TestRedis.shared().connectionFactory();
	}

	@AfterEach
	void disconnect() {
		this.connectionFactory.destroy();
	}

	@Test
	void inMemoryStoreDecidesEverythingAsTheScriptDoes() {
		StoreDifferential differential = new StoreDifferential(this.connectionFactory, InMemoryQuotaStore::new, RERUN);
		int operations = 0;
		for (long seed : StoreDifferential.seeds(1, 2, 3, 4, 5, 6)) {
			operations += differential.run(seed, 500);
		}
		assertThat(operations).isGreaterThanOrEqualTo(500);
	}

	@Test
	void storeThatForgetsRefundsIsReportedWithTheSeedThatShowsIt() {
		// A deliberately wrong twin: refunds at settle are lost.
		StoreDifferential differential = new StoreDifferential(this.connectionFactory,
				(settings, clock) -> new InMemoryQuotaStore(settings, clock) {

					@Override
					public void settle(PoolSpec pool, Settlement settlement) {
						long[] delta = settlement.delta().clone();
						for (int i = 0; i < delta.length; i++) {
							delta[i] = Math.max(delta[i], 0);
						}
						super.settle(pool, new Settlement(settlement.leaseId(), settlement.model(), delta,
								settlement.user(), settlement.userDelta(), settlement.feedback()));
					}

				}, RERUN);

		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> differential.run(3, 2_000))
			.withMessageContaining("disagree on")
			.withMessageContaining("of seed 3.")
			.withMessageContaining(RERUN + " -Dllmquota.differential.seed=3");
	}

	@Test
	void storeThatIgnoresReEntryArrivalsIsReported() {
		// A deliberately wrong twin: a re-entering ticket queues as a new arrival.
		StoreDifferential differential = new StoreDifferential(this.connectionFactory,
				(settings, clock) -> new InMemoryQuotaStore(settings, clock) {

					@Override
					public Admission acquire(PoolSpec pool, Ticket ticket) {
						return super.acquire(pool, new Ticket(ticket.id(), ticket.worker(), ticket.rank(),
								ticket.cost(), ticket.maxWaitMillis(), ticket.model(), ticket.user()));
					}

				}, RERUN);

		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> differential.run(3, 2_000))
			.withMessageContaining("disagree on");
	}

	@Test
	void storeThatForgetsExhaustedMarksIsReported() {
		// A deliberately wrong twin: an exhausted provider quota is taken for no
		// feedback.
		StoreDifferential differential = new StoreDifferential(this.connectionFactory,
				(settings, clock) -> new InMemoryQuotaStore(settings, clock) {

					@Override
					public void settle(PoolSpec pool, Settlement settlement) {
						PoolFeedback feedback = settlement.feedback();
						if (feedback != null && feedback.kind() == PoolFeedback.Kind.EXHAUSTED) {
							feedback = new PoolFeedback(PoolFeedback.Kind.NONE, 0, feedback.remaining(),
									feedback.tolerance());
						}
						super.settle(pool, new Settlement(settlement.leaseId(), settlement.model(), settlement.delta(),
								settlement.user(), settlement.userDelta(), feedback, settlement.budgets()));
					}

				}, RERUN);

		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> differential.run(3, 2_000))
			.withMessageContaining("disagree on");
	}

	@Test
	void storeThatEnforcesInShadowModeIsReported() {
		// A deliberately wrong twin: switching a pool to shadow mode at runtime is
		// ignored, so its acquires are enforced.
		StoreDifferential differential = new StoreDifferential(this.connectionFactory,
				(settings, clock) -> new InMemoryQuotaStore(settings, clock) {

					@Override
					public void changeLive(PoolSpec pool, LiveSettings live) {
						super.changeLive(pool,
								new LiveSettings(live.limits(), live.pausedClasses(), live.multiplier(), null));
					}

				}, RERUN);

		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> differential.run(3, 2_000))
			.withMessageContaining("disagree on");
	}

}
