package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Engine behaviour that does not depend on the store.
 */
class DefaultQuotaEngineTests {

	@Test
	void heartbeatDuringAnAcquireCannotTurnItsGrantIntoARejection() {
		QuotaSettings settings = TestSettings.pool("race").limit(Dimension.REQUESTS_PER_MINUTE, 100).build();
		SlowAcquireStore store = new SlowAcquireStore(new InMemoryQuotaStore(settings));
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, store)) {
			// The acquire is still on its way to the store when the one-second heartbeat
			// fires.
			QuotaLease lease = engine.acquire(QuotaRequest.builder("model").maxWait(Duration.ZERO).build());

			assertThat(lease.isEnded()).isFalse();
			assertThat(store.polledTickets).isZero();
		}
	}

	@Test
	void aRequestWaitingWhenTheEngineStopsFailsAtOnceAsCancelled() {
		QuotaSettings settings = TestSettings.pool("stop").limit(Dimension.REQUESTS_PER_MINUTE, 1).noReserves().build();
		DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings));
		engine.acquire(QuotaRequest.builder("model").maxWait(Duration.ZERO).build());
		CompletableFuture<QuotaLease> waiting = engine
			.acquireAsync(QuotaRequest.builder("model").maxWait(Duration.ofMinutes(5)).build());
		assertThat(waiting).isNotDone();

		engine.stop();

		assertThat(waiting).isCompletedExceptionally();
		assertThat(waiting).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOfSatisfying(QuotaRejectedException.class,
					(ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.CANCELLED));
		assertThat(engine.acquireAsync(QuotaRequest.builder("model").build())).isCompletedExceptionally();
	}

	private static final class SlowAcquireStore extends ForwardingQuotaStore {

		private final CountDownLatch polled = new CountDownLatch(1);

		private volatile int polledTickets;

		SlowAcquireStore(QuotaStore delegate) {
			super(delegate);
		}

		@Override
		public Admission acquire(PoolSpec pool, Ticket ticket) {
			try {
				this.polled.await(2500, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return super.acquire(pool, ticket);
		}

		@Override
		public PollResult poll(PoolSpec pool, List<String> ticketIds) {
			this.polledTickets += ticketIds.size();
			this.polled.countDown();
			return super.poll(pool, ticketIds);
		}

	}

}
