package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ending a lease through the engine: the pool gets back what the call did not use, and a
 * lease ends once, whatever its caller does afterwards.
 */
class LeaseSettlementTests {

	private final long now = 1_700_000_000_000L;

	private final List<String> ended = new CopyOnWriteArrayList<>();

	private DefaultQuotaEngine engine;

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void poolGetsBackWhatTheCallDidNotUse() {
		engine(TestSettings.pool("refund").limit(Dimension.TOKENS_PER_MINUTE, 1_000));
		QuotaLease lease = this.engine.acquire(request(800));

		lease.settle(TokenUsage.of(100, 50));

		release(this.engine.acquire(request(850)));
	}

	@Test
	void leaseEndsOnceWhateverItsCallerDoesAfterwards() {
		engine(TestSettings.pool("once").limit(Dimension.TOKENS_PER_MINUTE, 1_000));
		QuotaLease lease = this.engine.acquire(request(500));

		lease.settle(TokenUsage.of(500, 0));
		lease.release(CallOutcome.NOT_SENT);

		assertThat(lease.isEnded()).isTrue();
		assertThat(this.ended).hasSize(1);
		// Had the release counted, the 500 tokens would be back.
		assertThat(this.engine.backpressure("model").utilisation().get(Dimension.TOKENS_PER_MINUTE)).isEqualTo(0.5);
	}

	@Test
	void leaseNamesItsModelAndPoolForLogs() {
		engine(TestSettings.pool("named").limit(Dimension.TOKENS_PER_MINUTE, 1_000));
		QuotaLease lease = this.engine.acquire(request(10));

		assertThat(lease.model()).isEqualTo("model");
		assertThat(lease).hasToString("QuotaLease[" + lease.id() + ", model=model, pool=named]");
		release(lease);
	}

	private void engine(TestSettings settings) {
		QuotaSettings built = settings.noReserves().build();
		this.engine = new DefaultQuotaEngine(built, new InMemoryQuotaStore(built, () -> this.now),
				List.of(new QuotaEngineListener() {

					@Override
					public void ended(ModelSpec model, QuotaRequest request, TokenUsage usage,
							PoolFeedback.Kind feedback) {
						LeaseSettlementTests.this.ended.add(model.name());
					}

				}));
	}

	private void release(QuotaLease lease) {
		lease.release(CallOutcome.NOT_SENT);
	}

	private static QuotaRequest request(long inputTokens) {
		return QuotaRequest.builder("model").inputTokens(inputTokens).maxWait(Duration.ZERO).build();
	}

}
