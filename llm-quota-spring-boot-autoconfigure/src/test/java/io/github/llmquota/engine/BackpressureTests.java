package io.github.llmquota.engine;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Backpressure;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What a caller that slows its own intake learns from
 * {@link DefaultQuotaEngine#backpressure}.
 */
class BackpressureTests {

	private final long now = 1_700_000_000_000L;

	private DefaultQuotaEngine engine;

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void busyPoolShowsEachClassQueueTheHeadEtaUtilisationPerMinuteAndCallsInFlight() {
		engine(TestSettings.pool("busy")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600)
			.limit(Dimension.TOKENS_PER_DAY, 86_400_000));
		QuotaLease held = this.engine.acquire(request(Priority.NORMAL, 300, Duration.ZERO));
		CompletableFuture<QuotaLease> waiting = this.engine
			.acquireAsync(request(Priority.BACKGROUND, 600, Duration.ofMinutes(1)));

		Backpressure backpressure = this.engine.backpressure("model");

		assertThat(backpressure.pool()).isEqualTo("busy");
		assertThat(backpressure.queueDepth()).containsExactly(Map.entry(Priority.CRITICAL, 0L),
				Map.entry(Priority.INTERACTIVE, 0L), Map.entry(Priority.NORMAL, 0L),
				Map.entry(Priority.BACKGROUND, 1L));
		assertThat(backpressure.totalQueued()).isOne();
		// 600 wanted of a bucket with 300 used, of which background may fill 70 %: 30 s.
		assertThat(backpressure.headEta()).isEqualTo(Duration.ofSeconds(30));
		assertThat(backpressure.utilisation().get(Dimension.INPUT_TOKENS_PER_MINUTE)).isCloseTo(0.5, within(1e-9));
		// A day's limit spread over its minutes: 60,000 a minute.
		assertThat(backpressure.utilisation().get(Dimension.TOKENS_PER_DAY)).isCloseTo(0.005, within(1e-9));
		assertThat(backpressure.inFlight()).isOne();
		waiting.cancel(false);
		held.release(CallOutcome.NOT_SENT);
	}

	@Test
	void idlePoolHasNoHeadEta() {
		engine(TestSettings.pool("idle").limit(Dimension.REQUESTS_PER_MINUTE, 60));

		Backpressure backpressure = this.engine.backpressure("model");

		assertThat(backpressure.headEta()).isNull();
		assertThat(backpressure.totalQueued()).isZero();
		assertThat(backpressure.inFlight()).isZero();
	}

	private void engine(TestSettings settings) {
		QuotaSettings built = settings.build();
		this.engine = new DefaultQuotaEngine(built, new InMemoryQuotaStore(built, () -> this.now));
	}

	private static QuotaRequest request(String priority, long inputTokens, Duration maxWait) {
		return QuotaRequest.builder("model")
			.priority(priority)
			.inputTokens(inputTokens)
			.maxOutputTokens(0)
			.maxWait(maxWait)
			.build();
	}

}
