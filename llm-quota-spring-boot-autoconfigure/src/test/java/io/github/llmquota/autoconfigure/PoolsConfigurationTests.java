package io.github.llmquota.autoconfigure;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.engine.QuotaSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for pools in configuration: {@code llm.quota.pools.<pool>.*} with models naming
 * their pool, and its equivalence to the deprecated per-model form.
 */
class PoolsConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class));

	private static final String[] PER_MODEL_FORM = { "llm.quota.models.claude-sonnet-4.provider=anthropic",
			"llm.quota.models.claude-sonnet-4.pool=anthropic-sonnet",
			"llm.quota.models.claude-sonnet-4.requests-per-minute=50",
			"llm.quota.models.claude-sonnet-4.input-tokens-per-minute=30000",
			"llm.quota.models.claude-sonnet-4.output-tokens-per-minute=8000",
			"llm.quota.models.claude-sonnet-4.max-concurrency=20", "llm.quota.models.claude-sonnet-4.burst-horizon=10s",
			"llm.quota.models.claude-sonnet-4.api-keys=team-a,team-b",
			"llm.quota.models.claude-sonnet-4-5.provider=anthropic",
			"llm.quota.models.claude-sonnet-4-5.pool=anthropic-sonnet",
			"llm.quota.models.claude-sonnet-4-5.requests-per-minute=50",
			"llm.quota.models.claude-sonnet-4-5.input-tokens-per-minute=30000",
			"llm.quota.models.claude-sonnet-4-5.output-tokens-per-minute=8000",
			"llm.quota.models.claude-sonnet-4-5.max-concurrency=20",
			"llm.quota.models.claude-sonnet-4-5.burst-horizon=10s",
			"llm.quota.models.claude-sonnet-4-5.api-keys=team-a,team-b", "llm.quota.models.gpt-4o.provider=openai",
			"llm.quota.models.gpt-4o.tokens-per-minute=30000", "llm.quota.models.gpt-4o.requests-per-day=10000",
			"llm.quota.models.gpt-4o.tokens-per-day=900000" };

	private static final String[] POOL_FORM = { "llm.quota.pools.anthropic-sonnet.provider=anthropic",
			"llm.quota.pools.anthropic-sonnet.requests-per-minute=50",
			"llm.quota.pools.anthropic-sonnet.input-tokens-per-minute=30000",
			"llm.quota.pools.anthropic-sonnet.output-tokens-per-minute=8000",
			"llm.quota.pools.anthropic-sonnet.max-concurrency=20", "llm.quota.pools.anthropic-sonnet.burst-horizon=10s",
			"llm.quota.pools.anthropic-sonnet.api-keys=team-a,team-b",
			"llm.quota.models.claude-sonnet-4.pool=anthropic-sonnet",
			"llm.quota.models.claude-sonnet-4-5.pool=anthropic-sonnet", "llm.quota.pools.gpt-4o.provider=openai",
			"llm.quota.pools.gpt-4o.tokens-per-minute=30000", "llm.quota.pools.gpt-4o.requests-per-day=10000",
			"llm.quota.pools.gpt-4o.tokens-per-day=900000", "llm.quota.models.gpt-4o.pool=gpt-4o" };

	@Test
	void poolFormBuildsTheSameEngineSettingsAsTheRepeatedPerModelForm() {
		QuotaSettings perModel = settings(PER_MODEL_FORM);
		QuotaSettings pooled = settings(POOL_FORM);
		assertThat(perModel.pools()).containsOnlyKeys("anthropic-sonnet.team-a", "anthropic-sonnet.team-b", "gpt-4o");
		assertThat(pooled).usingRecursiveComparison().isEqualTo(perModel);
		assertThat(pooled.pools()).isEqualTo(perModel.pools());
	}

	@Test
	void aPoolInheritsItsBaseConfigAndOverridesWhatItSets() {
		QuotaSettings inherited = settings("llm.quota.pools.anthropic-tier-2.provider=anthropic",
				"llm.quota.pools.anthropic-tier-2.burst-horizon=10s",
				"llm.quota.pools.anthropic-tier-2.requests-per-minute=1000",
				"llm.quota.pools.anthropic-tier-2.input-tokens-per-minute=450000",
				"llm.quota.pools.sonnet.base-config=anthropic-tier-2",
				"llm.quota.pools.sonnet.input-tokens-per-minute=40000", "llm.quota.pools.haiku.base-config=sonnet",
				"llm.quota.pools.haiku.max-concurrency=5", "llm.quota.models.claude-sonnet-4.pool=sonnet",
				"llm.quota.models.claude-haiku-4.pool=haiku");
		QuotaSettings spelledOut = settings("llm.quota.models.claude-sonnet-4.provider=anthropic",
				"llm.quota.models.claude-sonnet-4.pool=sonnet", "llm.quota.models.claude-sonnet-4.burst-horizon=10s",
				"llm.quota.models.claude-sonnet-4.requests-per-minute=1000",
				"llm.quota.models.claude-sonnet-4.input-tokens-per-minute=40000",
				"llm.quota.models.claude-haiku-4.provider=anthropic", "llm.quota.models.claude-haiku-4.pool=haiku",
				"llm.quota.models.claude-haiku-4.burst-horizon=10s",
				"llm.quota.models.claude-haiku-4.requests-per-minute=1000",
				"llm.quota.models.claude-haiku-4.input-tokens-per-minute=40000",
				"llm.quota.models.claude-haiku-4.max-concurrency=5");
		assertThat(inherited).usingRecursiveComparison().isEqualTo(spelledOut);
		assertThat(inherited.pools()).containsOnlyKeys("sonnet", "haiku");
	}

	@Test
	void modelNamingAnUnknownPoolStopsStartup() {
		assertStartupFails("llm.quota.models.claude-sonnet-4.pool", "names no configured pool [sonnet]",
				"llm.quota.pools.sonnet.requests-per-minute=50", "llm.quota.models.claude-sonnet-4.pool=sonet");
	}

	@Test
	void modelWithBothItsOwnLimitsAndAPoolStopsStartup() {
		assertStartupFails("llm.quota.models.claude-sonnet-4.requests-per-minute",
				"conflicts with llm.quota.pools.sonnet", "llm.quota.pools.sonnet.requests-per-minute=50",
				"llm.quota.models.claude-sonnet-4.pool=sonnet",
				"llm.quota.models.claude-sonnet-4.requests-per-minute=60");
	}

	@Test
	void modelWithItsOwnBurstHorizonAndAPoolStopsStartupRatherThanIgnoringIt() {
		assertStartupFails("llm.quota.models.claude-sonnet-4.burst-horizon", "conflicts with llm.quota.pools.sonnet",
				"llm.quota.pools.sonnet.requests-per-minute=50", "llm.quota.models.claude-sonnet-4.pool=sonnet",
				"llm.quota.models.claude-sonnet-4.burst-horizon=10s");
	}

	@Test
	void modelWhoseProviderDisagreesWithItsPoolStopsStartup() {
		assertStartupFails("llm.quota.models.gpt-4o.provider", "conflicts with llm.quota.pools.sonnet.provider",
				"llm.quota.pools.sonnet.provider=anthropic", "llm.quota.pools.sonnet.requests-per-minute=50",
				"llm.quota.models.gpt-4o.pool=sonnet", "llm.quota.models.gpt-4o.provider=openai");
	}

	@Test
	void poolWithoutAnyLimitStopsStartup() {
		assertStartupFails("llm.quota.pools.sonnet", "must set at least one limit",
				"llm.quota.pools.sonnet.provider=anthropic", "llm.quota.models.claude-sonnet-4.pool=sonnet");
	}

	@Test
	void unknownBaseConfigStopsStartup() {
		assertStartupFails("llm.quota.pools.sonnet.base-config", "names no configured pool",
				"llm.quota.pools.sonnet.requests-per-minute=50", "llm.quota.pools.sonnet.base-config=tier-9",
				"llm.quota.models.claude-sonnet-4.pool=sonnet");
	}

	@Test
	void baseConfigsThatFormACycleStopStartup() {
		assertStartupFails("llm.quota.pools.b.base-config", "forms a cycle a -> b -> a",
				"llm.quota.pools.a.base-config=b", "llm.quota.pools.a.requests-per-minute=50",
				"llm.quota.pools.b.base-config=a", "llm.quota.models.claude-sonnet-4.pool=a");
	}

	@Test
	void negativePoolLimitStopsStartup() {
		assertStartupFails("llm.quota.pools.sonnet.tokens-per-day", "must be positive",
				"llm.quota.pools.sonnet.tokens-per-day=-5", "llm.quota.models.claude-sonnet-4.pool=sonnet");
		assertStartupFails("llm.quota.pools.sonnet.max-concurrency", "must be positive",
				"llm.quota.pools.sonnet.max-concurrency=0", "llm.quota.models.claude-sonnet-4.pool=sonnet");
		assertStartupFails("llm.quota.pools.sonnet.burst-horizon", "must be positive",
				"llm.quota.pools.sonnet.requests-per-minute=50", "llm.quota.pools.sonnet.burst-horizon=-1s",
				"llm.quota.models.claude-sonnet-4.pool=sonnet");
	}

	private QuotaSettings settings(String... properties) {
		AtomicReference<QuotaSettings> settings = new AtomicReference<>();
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasNotFailed();
			settings.set(context.getBean(QuotaSettings.class));
		});
		return settings.get();
	}

	private void assertStartupFails(String named, String reason, String... properties) {
		this.runner.withPropertyValues(properties)
			.run((context) -> StartupFailures.assertFailedOn(context, named, reason));
	}

}
