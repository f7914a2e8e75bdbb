package io.github.llmquota.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Tests for {@code llm.quota.tenants.*}.
 */
class TenantsConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class))
		.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.tokens-per-minute=30000");

	@Test
	void withoutTenantsEachClassWaitsInArrivalOrder() {
		this.runner.run((context) -> assertThat(pool(context.getBean(QuotaSettings.class)).tenants()).isNull());
	}

	@Test
	void enabledTenantsGiveEveryPoolTheirWeights() {
		this.runner
			.withPropertyValues("llm.quota.tenants.enabled=true", "llm.quota.tenants.default-weight=2",
					"llm.quota.tenants.weights.acme=6")
			.run((context) -> {
				PoolSpec pool = pool(context.getBean(QuotaSettings.class));
				assertThat(pool.tenants().weightOf("acme")).isEqualTo(6);
				assertThat(pool.tenants().weightOf("other")).isEqualTo(2);
				assertThat(pool.tenants().weightOf(null)).isEqualTo(2);
			});
	}

	@Test
	void aWeightThatIsNotPositiveStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.tenants.enabled=true", "llm.quota.tenants.weights.acme=0")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidQuotaConfigurationException.class)
					.hasMessageContaining("llm.quota.tenants.weights.acme")
					.hasMessageContaining("must be positive");
			});
	}

	@Test
	void aNegativeDefaultWeightStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.tenants.enabled=true", "llm.quota.tenants.default-weight=-1")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("llm.quota.tenants.default-weight");
			});
	}

	@Test
	void tenantLimitsGiveEveryPoolADefaultAndPerTenantLimitsWithoutTheSafetyMargin() {
		this.runner
			.withPropertyValues("llm.quota.safety-margin=0.2",
					"llm.quota.tenants.default-limits.requests-per-minute=10",
					"llm.quota.tenants.limits.acme.tokens-per-minute=50000",
					"llm.quota.tenants.limits.acme.tokens-per-day=900000")
			.run((context) -> {
				PoolSpec pool = pool(context.getBean(QuotaSettings.class));
				// Limits without fair sharing: each works without the other.
				assertThat(pool.tenants()).isNull();
				assertThat(pool.tenantLimits().forUser("other")).singleElement().satisfies((limit) -> {
					assertThat(limit.dimension()).isEqualTo(Dimension.REQUESTS_PER_MINUTE);
					assertThat(limit.capacity()).isEqualTo(10);
				});
				assertThat(pool.tenantLimits().forUser("acme")).extracting(RateLimit::dimension)
					.containsExactly(Dimension.TOKENS_PER_MINUTE, Dimension.TOKENS_PER_DAY);
			});
	}

	@Test
	void tenantLimitsTakeInputAndOutputTokensPerMinute() {
		this.runner
			.withPropertyValues("llm.quota.tenants.default-limits.input-tokens-per-minute=40000",
					"llm.quota.tenants.default-limits.output-tokens-per-minute=8000",
					"llm.quota.tenants.limits.acme.output-tokens-per-minute=16000")
			.run((context) -> {
				PoolSpec pool = pool(context.getBean(QuotaSettings.class));
				assertThat(pool.tenantLimits().forUser("other")).extracting(RateLimit::dimension, RateLimit::capacity)
					.containsExactly(tuple(Dimension.INPUT_TOKENS_PER_MINUTE, 40_000.0),
							tuple(Dimension.OUTPUT_TOKENS_PER_MINUTE, 8_000.0));
				assertThat(pool.tenantLimits().forUser("acme")).extracting(RateLimit::dimension, RateLimit::capacity)
					.containsExactly(tuple(Dimension.OUTPUT_TOKENS_PER_MINUTE, 16_000.0));
			});
	}

	@Test
	void anOutputTokenLimitThatIsNotPositiveStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.tenants.limits.acme.output-tokens-per-minute=-5").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.tenants.limits.acme.output-tokens-per-minute")
				.hasMessageContaining("must be positive");
		});
	}

	@Test
	void withoutTenantLimitsTenantsAreNotLimitedIndividually() {
		this.runner.run((context) -> assertThat(pool(context.getBean(QuotaSettings.class)).tenantLimits()).isNull());
	}

	@Test
	void aTenantLimitThatIsNotPositiveStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.tenants.limits.acme.requests-per-minute=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.tenants.limits.acme.requests-per-minute")
				.hasMessageContaining("must be positive");
		});
	}

	private static PoolSpec pool(QuotaSettings settings) {
		return settings.pools().get("gpt-4o");
	}

}
