package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.GateLimit;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Per-tenant limits as a caller of the engine meets them, against each store: a gate at
 * arrival beside the per-user one, whose rejection names the limit that binds. Time
 * stands still unless a test moves it.
 */
public abstract class TenantLimitsContractTests {

	protected long now = 1_700_000_000_000L;

	private DefaultQuotaEngine engine;

	/**
	 * Create the store under test, reading time from {@link #now}.
	 * @param settings the settings
	 * @return the store
	 */
	protected abstract QuotaStore createStore(QuotaSettings settings);

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void tenantOverItsLimitIsRejectedWithTheBindingLimitWhileAnotherTenantIsAdmitted() {
		start(TestSettings.pool("tenant-gate")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100)
			.tenantLimits(new UserLimits(List.of(rpm(2)), Map.of())));
		this.engine.acquire(request("acme", null, 1)).release(CallOutcome.FAILED);
		this.engine.acquire(request("acme", null, 1)).release(CallOutcome.FAILED);

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> this.engine.acquire(request("acme", null, 1)))
			.satisfies((ex) -> {
				assertThat(ex.getReason()).isEqualTo(RejectionReason.TENANT_LIMIT);
				// One request of two drains in 30 s; the bucket is empty in 60 s.
				assertThat(ex.getRetryAfter()).isEqualTo(Duration.ofSeconds(30));
				assertThat(ex.getGateLimit())
					.isEqualTo(new GateLimit(Dimension.REQUESTS_PER_MINUTE, 2, 0, Duration.ofSeconds(60)));
			});
		this.engine.acquire(request("globex", null, 1)).release(CallOutcome.FAILED);
		this.engine.acquire(request(null, null, 1)).release(CallOutcome.FAILED);
	}

	@Test
	void listedTenantHasItsOwnLimitAndOthersTheDefault() {
		start(TestSettings.pool("tenant-overrides")
			.limit(Dimension.TOKENS_PER_MINUTE, 1_000_000)
			.tenantLimits(new UserLimits(List.of(tpm(1_200)), Map.of("acme", List.of(tpm(12_000))))));
		// 100 + 500 tokens each, all used.
		for (int i = 0; i < 20; i++) {
			this.engine.acquire(request("acme", null, 100)).settle(TokenUsage.of(100, 500));
		}
		this.engine.acquire(request("globex", null, 100)).settle(TokenUsage.of(100, 500));
		this.engine.acquire(request("globex", null, 100)).settle(TokenUsage.of(100, 500));

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> this.engine.acquire(request("globex", null, 100)))
			.satisfies((ex) -> assertThat(ex.getGateLimit().limit()).isEqualTo(1_200));
		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> this.engine.acquire(request("acme", null, 100)))
			.satisfies((ex) -> assertThat(ex.getGateLimit().limit()).isEqualTo(12_000));
	}

	@Test
	void gateThatWaitsLongestBindsWhenUserAndTenantAreBothLimited() {
		start(TestSettings.pool("both-gates")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 1)
			.tenantLimits(new UserLimits(List.of(rpm(2)), Map.of())));
		this.engine.acquire(request("acme", "alice", 1)).release(CallOutcome.FAILED);

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> this.engine.acquire(request("acme", "alice", 1)))
			.satisfies((ex) -> {
				assertThat(ex.getReason()).isEqualTo(RejectionReason.USER_LIMIT);
				assertThat(ex.getGateLimit().limit()).isEqualTo(1);
			});
		// The rejected request charged neither gate: the tenant has room for one more.
		this.engine.acquire(request("acme", "bob", 1)).release(CallOutcome.FAILED);
		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> this.engine.acquire(request("acme", "carol", 1)))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.TENANT_LIMIT));
	}

	@Test
	void settlingHandsBackWhatTheTenantReservedAndDidNotUse() {
		start(TestSettings.pool("tenant-refund")
			.limit(Dimension.TOKENS_PER_MINUTE, 1_000_000)
			.tenantLimits(new UserLimits(List.of(tpm(1_000)), Map.of())));
		// Each reserves 100 + 500 tokens and uses 100 + 100: without the refunds the
		// second would not fit.
		for (int i = 0; i < 3; i++) {
			this.engine.acquire(request("acme", null, 100)).settle(TokenUsage.of(100, 100));
		}

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> this.engine.acquire(request("acme", null, 100)))
			.satisfies((ex) -> assertThat(ex.getGateLimit())
				.isEqualTo(new GateLimit(Dimension.TOKENS_PER_MINUTE, 1_000, 400, Duration.ofSeconds(36))));
	}

	private void start(TestSettings settings) {
		QuotaSettings built = settings.noReserves().build();
		this.engine = new DefaultQuotaEngine(built, createStore(built));
	}

	private static RateLimit rpm(long limit) {
		return RateLimit.of(Dimension.REQUESTS_PER_MINUTE, limit, 0, 60_000);
	}

	private static RateLimit tpm(long limit) {
		return RateLimit.of(Dimension.TOKENS_PER_MINUTE, limit, 0, 60_000);
	}

	private static QuotaRequest request(String tenant, String user, long inputTokens) {
		return QuotaRequest.builder("model")
			.inputTokens(inputTokens)
			.maxOutputTokens(inputTokens * 5)
			.tenant(tenant)
			.user(user)
			.maxWait(Duration.ZERO)
			.build();
	}

}
