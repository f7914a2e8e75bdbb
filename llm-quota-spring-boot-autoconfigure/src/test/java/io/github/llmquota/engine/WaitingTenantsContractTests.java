package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TenantDemand;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tenants with the most tokens waiting, as the endpoint lists them, against each
 * store: read from the shared waiting room, named by id where the reading engine has seen
 * the tenant and else by the hash the store keeps.
 */
public abstract class WaitingTenantsContractTests {

	protected long now = 1_700_000_000_000L;

	private DefaultQuotaEngine engine;

	private DefaultQuotaEngine otherEngine;

	/**
	 * Create a store under test, reading time from {@link #now}; every store created in
	 * one test shares its state.
	 * @param settings the settings
	 * @return the store
	 */
	protected abstract QuotaStore createStore(QuotaSettings settings);

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
		if (this.otherEngine != null) {
			this.otherEngine.close();
		}
	}

	@Test
	void tenantsWithTheMostTokensWaitingComeFirstNamedWhereTheEngineHasSeenThem() {
		startTwoEngines("waiting");
		QuotaLease held = this.engine.acquire(request("first", 1));
		for (int i = 0; i < 3; i++) {
			this.engine.acquireAsync(request("acme", 1_000));
		}
		this.engine.acquireAsync(request("globex", 5_000));
		this.engine.acquireAsync(request(null, 200));
		this.otherEngine.acquireAsync(request("initech", 100));

		List<TenantDemand> waiting = this.engine.waitingTenants("waiting", 3);

		assertThat(waiting).containsExactly(new TenantDemand("globex", 5_000, 1, 0, 0),
				new TenantDemand("acme", 3_000, 3, 0, 0), new TenantDemand("-", 200, 1, 0, 0));
		// Then the tenants with nothing waiting, by what was admitted for them.
		assertThat(this.otherEngine.waitingTenants("waiting", 10)).extracting(TenantDemand::tenant)
			.containsExactly(Sha256.hex("globex", 16), Sha256.hex("acme", 16), "-", "initech", Sha256.hex("first", 16));
		held.release(CallOutcome.NOT_SENT);
	}

	@Test
	void threeEnginesSeeTheSplitOfTheTokensTheFleetAdmittedPerTenant() throws Exception {
		QuotaSettings settings = startTwoEngines("admitted");
		try (DefaultQuotaEngine third = new DefaultQuotaEngine(settings, createStore(settings))) {
			// Admitted three minutes ago: out of the window.
			this.engine.acquire(request("acme", 50_000)).release(CallOutcome.NOT_SENT);
			this.now += 180_000;
			// In the previous minute and the current one, on three engines; globex's
			// first
			// request waits and is admitted from the queue when acme's ends.
			QuotaLease first = this.engine.acquire(request("acme", 3_000));
			CompletableFuture<QuotaLease> queued = this.otherEngine.acquireAsync(request("globex", 1_000));
			first.settle(TokenUsage.of(1, 1));
			queued.get(30, TimeUnit.SECONDS).settle(TokenUsage.of(1, 1));
			this.now += 60_000;
			third.acquire(request("acme", 3_000)).settle(TokenUsage.of(1, 1));
			third.acquire(request("globex", 1_000)).settle(TokenUsage.of(1, 1));
			this.otherEngine.acquire(request("acme", 2_000)).settle(TokenUsage.of(1, 1));

			// Nothing waits: listed by the tokens admitted, as the engines admitted them.
			List<TenantDemand> split = third.waitingTenants("admitted", 10);
			assertThat(split).containsExactly(new TenantDemand("acme", 0, 0, 8_000, 0.8),
					new TenantDemand("globex", 0, 0, 2_000, 0.2));
			assertThat(this.engine.waitingTenants("admitted", 1)).containsExactly(split.get(0));
			// Two minutes on, the window has moved past all of them.
			this.now += 120_000;
			assertThat(third.waitingTenants("admitted", 10)).isEmpty();
		}
	}

	@Test
	void aPoolWithoutTenantsListsNone() {
		QuotaSettings settings = TestSettings.pool("no-tenants").maxConcurrency(1).noReserves().build();
		this.engine = new DefaultQuotaEngine(settings, createStore(settings));
		QuotaLease held = this.engine.acquire(request("first", 1));
		this.engine.acquireAsync(request("acme", 1_000));

		assertThat(this.engine.waitingTenants("no-tenants", 10)).isEmpty();
		held.release(CallOutcome.NOT_SENT);
	}

	// Two engines on one pool that shares its classes between tenants, one call at a
	// time.
	private QuotaSettings startTwoEngines(String pool) {
		QuotaSettings settings = TestSettings.pool(pool)
			.maxConcurrency(1)
			.noReserves()
			.tenants(new TenantWeights(1, Map.of()))
			.build();
		this.engine = new DefaultQuotaEngine(settings, createStore(settings));
		this.otherEngine = new DefaultQuotaEngine(settings, createStore(settings));
		return settings;
	}

	private static QuotaRequest request(String tenant, long tokens) {
		return QuotaRequest.builder("model")
			.tenant(tenant)
			.inputTokens(tokens / 2)
			.maxOutputTokens(tokens - tokens / 2)
			.maxWait(Duration.ofMinutes(10))
			.build();
	}

}
