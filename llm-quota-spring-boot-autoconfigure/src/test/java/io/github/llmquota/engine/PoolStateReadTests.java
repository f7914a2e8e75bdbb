package io.github.llmquota.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessResourceFailureException;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.QuotaStateUnavailableException;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * What a caller learns from {@link DefaultQuotaEngine#state(String)}, the engine's read
 * side.
 */
class PoolStateReadTests {

	private final QuotaSettings settings = TestSettings.pool("pool")
		.limit(Dimension.REQUESTS_PER_MINUTE, 100)
		.maxConcurrency(4)
		.provider(Provider.ANTHROPIC)
		.noReserves()
		.build();

	private final InMemoryQuotaStore store = new InMemoryQuotaStore(this.settings, () -> 1_000_000L);

	private final DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, this.store);

	@AfterEach
	void close() {
		this.engine.close();
	}

	@Test
	void stateShowsWhatTheFleetHoldsOfThePool() {
		QuotaLease first = acquire();
		QuotaLease second = acquire();

		PoolState state = this.engine.state("pool");

		assertThat(state.pool()).isEqualTo("pool");
		assertThat(state.provider()).isEqualTo(Provider.ANTHROPIC);
		assertThat(state.inFlight()).isEqualTo(2);
		assertThat(state.dimension(Dimension.REQUESTS_PER_MINUTE).used()).isEqualTo(2);
		assertThat(state.dimension(Dimension.REQUESTS_PER_MINUTE).utilisation()).isCloseTo(0.02, within(1e-9));
		// Two of four slots taken is the busiest dimension, and the tightest.
		assertThat(state.utilisation()).isEqualTo(0.5);
		assertThat(state.headroom()).isEqualTo(0.5);
		assertThat(state.queued()).containsOnlyKeys(Priority.CRITICAL, Priority.INTERACTIVE, Priority.NORMAL,
				Priority.BACKGROUND);
		assertThat(state.multiplier()).isEqualTo(1.0);
		assertThat(state.cooldownOf("model")).isZero();
		first.release(CallOutcome.NOT_SENT);
		second.release(CallOutcome.NOT_SENT);
	}

	@Test
	void stateIsReadAfreshOnEachCall() {
		PoolState before = this.engine.state("pool");
		QuotaLease lease = acquire();

		assertThat(this.engine.state("pool").inFlight()).isOne();
		assertThat(before.inFlight()).isZero();
		lease.release(CallOutcome.NOT_SENT);
	}

	@Test
	void backpressureIsASummaryOfTheSameState() {
		QuotaLease lease = acquire();

		PoolState state = this.engine.state("pool");
		assertThat(this.engine.backpressure("model").utilisation())
			.containsExactlyInAnyOrderEntriesOf(Map.of(Dimension.REQUESTS_PER_MINUTE,
					state.dimension(Dimension.REQUESTS_PER_MINUTE).utilisation(), Dimension.CONCURRENCY, 0.25));
		assertThat(this.engine.backpressure("model").queueDepth()).isEqualTo(state.queued());
		lease.release(CallOutcome.NOT_SENT);
	}

	@Test
	void poolsAreEveryConfiguredPoolSorted() {
		assertThat(this.engine.pools()).containsExactly("pool");
	}

	@Test
	void unknownPoolIsRejectedNamingTheArgument() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.engine.state("nope"))
			.withMessage("'pool' nope is not configured (configured: [pool])");
	}

	@Test
	void unreadableStoreWithoutFailModeSaysWhatFailed() {
		ForwardingQuotaStore unreachable = new ForwardingQuotaStore(this.store) {

			@Override
			public PoolSnapshot snapshot(PoolSpec pool) {
				throw new DataAccessResourceFailureException("connection refused");
			}

		};
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, unreachable)) {
			assertThatExceptionOfType(QuotaStateUnavailableException.class).isThrownBy(() -> engine.state("pool"))
				.withMessage("connection refused")
				.satisfies((ex) -> {
					assertThat(ex.getPool()).isEqualTo("pool");
					assertThat(ex.getFailMode()).isNull();
					assertThat(ex.getSince()).isNull();
					assertThat(ex.getReason()).isEqualTo("connection refused");
					assertThat(ex.getLocalState()).isNull();
				});
			assertThatExceptionOfType(QuotaStateUnavailableException.class)
				.isThrownBy(() -> engine.backpressure("model"));
		}
	}

	@Test
	void unreadableStoreWithAFailModeSaysWhichAndWhatItDecidesWith() {
		Instant since = Instant.parse("2026-01-01T00:00:00Z");
		PoolSpec localLimits = new PoolSpec("pool", Provider.ANTHROPIC,
				List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 100, 0.2, 60_000)), 2, List.of("model"), null);
		InMemoryQuotaStore local = new InMemoryQuotaStore(this.settings, () -> 1_000_000L);
		UnreachableWithFailMode unreachable = new UnreachableWithFailMode(this.store, since, localLimits, local);
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, unreachable)) {
			assertThatExceptionOfType(QuotaStateUnavailableException.class).isThrownBy(() -> engine.state("pool"))
				.satisfies((ex) -> {
					assertThat(ex.getFailMode()).isEqualTo("local");
					assertThat(ex.getSince()).isEqualTo(since);
					assertThat(ex.getReason()).isEqualTo("snapshot: connection refused");
					assertThat(ex.getLocalState().maxConcurrency()).isEqualTo(2);
					assertThat(ex.getLocalState().dimension(Dimension.REQUESTS_PER_MINUTE).effectiveLimit())
						.isCloseTo(80, within(1e-9));
				});
		}
	}

	private QuotaLease acquire() {
		return this.engine.acquire(QuotaRequest.builder("model").maxWait(Duration.ZERO).build());
	}

	private static final class UnreachableWithFailMode extends ForwardingQuotaStore implements FailModeStore {

		private final Instant since;

		private final PoolSpec localLimits;

		private final InMemoryQuotaStore local;

		UnreachableWithFailMode(QuotaStore delegate, Instant since, PoolSpec localLimits, InMemoryQuotaStore local) {
			super(delegate);
			this.since = since;
			this.localLimits = localLimits;
			this.local = local;
		}

		@Override
		public PoolSnapshot snapshot(PoolSpec pool) {
			throw new DataAccessResourceFailureException("connection refused");
		}

		@Override
		public Outage outage() {
			return new Outage("local", this.since, "snapshot: connection refused");
		}

		@Override
		public LocalReading localReading(PoolSpec pool) {
			return new LocalReading(this.localLimits, this.local.snapshot(this.localLimits));
		}

	}

}
