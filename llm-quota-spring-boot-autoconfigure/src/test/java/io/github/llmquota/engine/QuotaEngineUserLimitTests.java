package io.github.llmquota.engine;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Per-user limits as a caller of the engine meets them: the engine, not only the store,
 * charges each request to its user.
 */
class QuotaEngineUserLimitTests {

	private final long now = 1_700_000_000_000L;

	private DefaultQuotaEngine engine;

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void userWhoUsedUpTheirLimitIsRejectedWhileAnotherUserIsStillAdmitted() {
		QuotaSettings settings = TestSettings.pool("users")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 2)
			.noReserves()
			.build();
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings, () -> this.now));
		this.engine.acquire(request("alice")).release(CallOutcome.FAILED);
		this.engine.acquire(request("alice")).release(CallOutcome.FAILED);

		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> this.engine.acquire(request("alice")))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.USER_LIMIT));
		this.engine.acquire(request("bob")).release(CallOutcome.NOT_SENT);
	}

	@Test
	void requestWithoutAUserIsLimitedOnlyByThePool() {
		QuotaSettings settings = TestSettings.pool("anonymous")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 2)
			.noReserves()
			.build();
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings, () -> this.now));

		for (int i = 0; i < 3; i++) {
			this.engine.acquire(request(null)).release(CallOutcome.FAILED);
		}
	}

	private static QuotaRequest request(String user) {
		return QuotaRequest.builder("model").inputTokens(1).user(user).maxWait(Duration.ZERO).build();
	}

}
