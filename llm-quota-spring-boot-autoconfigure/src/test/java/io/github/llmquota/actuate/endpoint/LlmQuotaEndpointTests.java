package io.github.llmquota.actuate.endpoint;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.llmquota.actuate.alert.QuotaStatus;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint.DimensionDescriptor;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint.PoolDescriptor;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TenantDemand;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.TenantWeights;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaEndpoint}, called directly over an in-memory engine.
 */
class LlmQuotaEndpointTests {

	private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

	// 100 requests and 10,000 input tokens a minute, 14,400 requests a day, 8 in flight;
	// no margin.
	private final QuotaSettings settings = TestSettings.pool("sonnet")
		.limit(Dimension.REQUESTS_PER_MINUTE, 100)
		.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 10_000)
		.limit(Dimension.REQUESTS_PER_DAY, 14_400)
		.maxConcurrency(8)
		.provider(Provider.ANTHROPIC)
		.build();

	private final AtomicLong millis = new AtomicLong(5_000_000L);

	private final InMemoryQuotaStore store = new InMemoryQuotaStore(this.settings, this.millis::get);

	private final DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, this.store);

	@AfterEach
	void close() {
		this.engine.close();
	}

	@Test
	void poolShowsEachDimensionsLimitUseUtilisationAndStatus() {
		for (int i = 0; i < 5; i++) {
			acquire(1_700);
		}

		PoolDescriptor pool = endpoint(List.of(), null).pools().pools().get("sonnet");

		assertThat(pool.provider()).isEqualTo("anthropic");
		assertThat(pool.dimensions()).containsOnlyKeys("requests-per-minute", "input-tokens-per-minute",
				"requests-per-day", "concurrency");
		DimensionDescriptor tokens = pool.dimensions().get("input-tokens-per-minute");
		assertThat(tokens.limit()).isEqualTo(10_000);
		assertThat(tokens.effectiveLimit()).isEqualTo(10_000.0);
		assertThat(tokens.usedLastMinute()).isEqualTo(8_500.0);
		assertThat(tokens.utilisation()).isEqualTo(0.85);
		assertThat(tokens.status()).isEqualTo(QuotaStatus.WARN);
		assertThat(tokens.available()).isEqualTo(1_500.0);
		assertThat(tokens.trend()).hasSize(60).last().isEqualTo(0.85);
		assertThat(pool.dimensions().get("requests-per-minute").utilisation()).isEqualTo(0.05);
		assertThat(pool.dimensions().get("requests-per-day").utilisation()).isEqualTo(0.5);
		assertThat(pool.dimensions().get("requests-per-day").status()).isEqualTo(QuotaStatus.OK);
		assertThat(pool.dimensions().get("concurrency").usedLastMinute()).isEqualTo(5);
		assertThat(pool.status()).isEqualTo(QuotaStatus.WARN);
		assertThat(pool.inFlight()).isEqualTo(5);
		assertThat(pool.multiplier()).isEqualTo(1.0);
		assertThat(pool.readAt()).isEqualTo(NOW.toString());
		assertThat(pool.view()).isEqualTo("shared");
		assertThat(pool.degraded()).isNull();
	}

	@Test
	void poolSharedBetweenTenantsListsTheTenantsWithTheMostTokensWaitingAndTheirAdmittedShare() throws Exception {
		QuotaSettings shared = TestSettings.pool("shared").maxConcurrency(1).tenants(TenantWeights.EQUAL).build();
		try (DefaultQuotaEngine tenantEngine = new DefaultQuotaEngine(shared,
				new InMemoryQuotaStore(shared, this.millis::get))) {
			tenantEngine.acquire(waiting("acme", 10));
			tenantEngine.acquireAsync(waiting("acme", 1_000));
			tenantEngine.acquireAsync(waiting("globex", 3_000));
			tenantEngine.acquireAsync(waiting("initech", 500));
			LlmQuotaEndpoint endpoint = new LlmQuotaEndpoint(tenantEngine, shared, QuotaThresholds.DEFAULTS, List.of(),
					null, null, Clock.fixed(NOW, ZoneOffset.UTC));
			endpoint.setWaitingTenantsShown(2);

			// acme's first request was admitted at once: all the pool admitted.
			assertThat(endpoint.pool("shared").waitingTenants()).containsExactly(
					new TenantDemand("globex", 3_000, 1, 0, 0), new TenantDemand("acme", 1_000, 1, 10, 1.0));
			// As the page reads it.
			assertThat(new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(endpoint.pool("shared")))
				.get("waitingTenants")
				.get(1)
				.toString())
				.isEqualTo("{\"tenant\":\"acme\",\"waitingTokens\":1000,\"waitingRequests\":1,"
						+ "\"admittedTokens\":10,\"admittedShare\":1.0}");
		}
		assertThat(endpoint(List.of(), null).pool("sonnet").waitingTenants()).isNull();
	}

	private static QuotaRequest waiting(String tenant, long inputTokens) {
		return QuotaRequest.builder("model")
			.tenant(tenant)
			.inputTokens(inputTokens)
			.maxWait(Duration.ofMinutes(1))
			.build();
	}

	@Test
	void queueDepthIsShownByClassNameHighestFirst() {
		for (int i = 0; i < 2; i++) {
			acquire(5_000);
		}
		this.engine.acquireAsync(QuotaRequest.builder("model")
			.inputTokens(5_000)
			.priority(Priority.INTERACTIVE)
			.maxWait(Duration.ofMinutes(1))
			.build());

		Map<String, Long> queued = endpoint(List.of(), null).pool("sonnet").queued();

		assertThat(queued).containsExactly(Map.entry(Priority.CRITICAL, 0L), Map.entry(Priority.INTERACTIVE, 1L),
				Map.entry(Priority.NORMAL, 0L), Map.entry(Priority.BACKGROUND, 0L));
	}

	@Test
	void providerRateLimitShowsWhenThePoolCoolsDown() {
		QuotaLease lease = acquire(100);
		lease.release(CallOutcome.FAILED, new ProviderFeedbackParser().parse("sonnet", Provider.ANTHROPIC, 429,
				Map.of("retry-after", List.of("30")), null, NOW));

		PoolDescriptor pool = endpoint(List.of(), null).pool("sonnet");

		assertThat(pool.cooldownUntil()).isEqualTo(NOW.plusSeconds(30).toString());
		assertThat(pool.multiplier()).isLessThan(1.0);
		assertThat(pool.models().get("model").cooldownUntil()).isNull();
	}

	@Test
	void poolStoppedByAProviderRateLimitHasStatusCooldownUntilItsEndWhateverItsUtilisation() {
		QuotaLease lease = acquire(100);
		lease.release(CallOutcome.FAILED, new ProviderFeedbackParser().parse("sonnet", Provider.ANTHROPIC, 429,
				Map.of("retry-after", List.of("30")), null, NOW));

		PoolDescriptor cooling = endpoint(List.of(), null).pool("sonnet");

		assertThat(cooling.status()).isEqualTo(QuotaStatus.COOLDOWN);
		assertThat(cooling.cooldownUntil()).isEqualTo(NOW.plusSeconds(30).toString());
		assertThat(cooling.dimensions().values()).extracting(DimensionDescriptor::status).containsOnly(QuotaStatus.OK);

		this.millis.addAndGet(30_001);
		PoolDescriptor cooled = endpoint(List.of(), null).pool("sonnet");

		assertThat(cooled.status()).isEqualTo(QuotaStatus.OK);
		assertThat(cooled.cooldownUntil()).isNull();
	}

	@Test
	void poolWhoseProviderQuotaIsExhaustedShowsStatusExhaustedWithItsReasonUntilTheMarkEnds() {
		QuotaLease lease = acquire(100);
		// Anthropic names an exhausted spend limit as a 400 invalid request; the message
		// says which.
		lease.release(CallOutcome.FAILED,
				new ProviderFeedbackParser().parse("sonnet", Provider.ANTHROPIC, 400,
						Map.of("retry-after", List.of("120")), "{\"type\":\"error\",\"error\":{\"type\":"
								+ "\"billing_error\",\"message\":\"Your credit balance is too low.\"}}",
						NOW));

		PoolDescriptor exhausted = endpoint(List.of(), null).pool("sonnet");

		assertThat(exhausted.status()).isEqualTo(QuotaStatus.EXHAUSTED);
		assertThat(exhausted.exhaustedUntil()).isEqualTo(NOW.plusSeconds(120).toString());
		assertThat(exhausted.exhaustedReason()).isEqualTo("Your credit balance is too low.");
		assertThat(exhausted.cooldownUntil()).isNull();

		this.millis.addAndGet(120_000);
		PoolDescriptor cleared = endpoint(List.of(), null).pool("sonnet");

		assertThat(cleared.status()).isEqualTo(QuotaStatus.OK);
		assertThat(cleared.exhaustedUntil()).isNull();
		assertThat(cleared.exhaustedReason()).isNull();
	}

	@Test
	void poolWithoutCooldownShowsNull() {
		assertThat(endpoint(List.of(), null).pool("sonnet").cooldownUntil()).isNull();
	}

	@Test
	void modelStateContributorsAddToEachModelAndABrokenOneHidesNothing() {
		ModelStateContributor breaker = (model) -> Map.of("circuitBreaker", "OPEN", "failureRate", 62.5);
		ModelStateContributor broken = (model) -> {
			throw new IllegalStateException("bug");
		};
		ModelStateContributor late = (model) -> Map.of("circuitBreaker", "CLOSED", "note", "second");

		Map<String, Object> state = endpoint(List.of(broken, breaker, late), null).pool("sonnet")
			.models()
			.get("model")
			.state();

		assertThat(state).containsOnly(Map.entry("circuitBreaker", "OPEN"), Map.entry("failureRate", 62.5),
				Map.entry("note", "second"));
	}

	@Test
	void calibratingEstimatorsCorrectionRatioIsShownPerModel() {
		CalibratingTokenEstimator estimator = new CalibratingTokenEstimator((model, provider, arguments) -> 100, 1.0);
		estimator.recordActual("model", 100, 120);

		assertThat(endpoint(List.of(), estimator).pool("sonnet").models().get("model").inputTokenCorrection())
			.isEqualTo(1.2);
		assertThat(endpoint(List.of(), null).pool("sonnet").models().get("model").inputTokenCorrection()).isNull();
	}

	@Test
	void storeWithoutFailModeThatCannotBeReadShowsTheFailureInsteadOfFailing() {
		ForwardingQuotaStore unreachable = new ForwardingQuotaStore(this.store) {

			@Override
			public PoolSnapshot snapshot(PoolSpec pool) {
				throw new DataAccessResourceFailureException("connection refused");
			}

		};
		LlmQuotaEndpoint endpoint = new LlmQuotaEndpoint(new DefaultQuotaEngine(this.settings, unreachable),
				this.settings, QuotaThresholds.DEFAULTS, List.of(), null, null, Clock.fixed(NOW, ZoneOffset.UTC));

		PoolDescriptor pool = endpoint.pool("sonnet");

		assertThat(pool.view()).isEqualTo("none");
		assertThat(pool.status()).isNull();
		assertThat(pool.dimensions()).isEmpty();
		assertThat(pool.models()).containsOnlyKeys("model");
		assertThat(pool.degraded())
			.isEqualTo(new LlmQuotaEndpoint.DegradedDescriptor(null, null, "connection refused"));
		assertThat(endpoint.pools().degraded()).isEqualTo(pool.degraded());
	}

	@Test
	void unknownPoolIsNull() {
		assertThat(endpoint(List.of(), null).pool("nope")).isNull();
	}

	private LlmQuotaEndpoint endpoint(List<ModelStateContributor> contributors, CalibratingTokenEstimator estimator) {
		return new LlmQuotaEndpoint(this.engine, this.settings, QuotaThresholds.DEFAULTS, contributors, estimator, null,
				Clock.fixed(NOW, ZoneOffset.UTC));
	}

	private QuotaLease acquire(long inputTokens) {
		return this.engine.acquire(QuotaRequest.builder("model")
			.inputTokens(inputTokens)
			.priority(Priority.CRITICAL)
			.maxWait(Duration.ZERO)
			.build());
	}

}
