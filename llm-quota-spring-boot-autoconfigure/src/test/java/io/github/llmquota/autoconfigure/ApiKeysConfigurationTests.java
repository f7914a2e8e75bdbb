package io.github.llmquota.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code llm.quota.models.<model>.api-keys}.
 */
class ApiKeysConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class))
		.withPropertyValues("llm.quota.models.gpt-4o.provider=openai", "llm.quota.models.gpt-4o.pool=openai-4o",
				"llm.quota.models.gpt-4o.tokens-per-minute=30000", "llm.quota.models.gpt-4o.api-keys=team-a,team-b",
				"llm.quota.models.gpt-4o-mini.provider=openai", "llm.quota.models.gpt-4o-mini.pool=openai-4o",
				"llm.quota.models.gpt-4o-mini.tokens-per-minute=30000",
				"llm.quota.models.gpt-4o-mini.api-keys=team-a,team-b");

	@Test
	void eachKeyGetsAPoolOfItsOwnWithTheModelsLimitsSharedBySiblingModels() {
		this.runner.run((context) -> {
			QuotaSettings settings = context.getBean(QuotaSettings.class);
			assertThat(settings.pools()).containsOnlyKeys("openai-4o.team-a", "openai-4o.team-b");
			assertThat(settings.apiKeys("gpt-4o")).extracting(ModelSpec::apiKey).containsExactly("team-a", "team-b");
			PoolSpec teamA = settings.apiKeys("gpt-4o").get(0).pool();
			PoolSpec teamB = settings.apiKeys("gpt-4o").get(1).pool();
			assertThat(teamA.rates()).isEqualTo(teamB.rates());
			assertThat(teamA.models()).containsExactly("gpt-4o", "gpt-4o-mini");
			assertThat(settings.apiKeys("gpt-4o-mini").get(0).pool()).isSameAs(teamA);
		});
	}

	@Test
	void siblingsOfOnePoolWithDifferentKeysStopStartup() {
		this.runner.withPropertyValues("llm.quota.models.gpt-4o-mini.api-keys=team-a").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.models.gpt-4o-mini.api-keys")
				.hasMessageContaining("share their keys");
		});
	}

	@Test
	void somethingThatLooksLikeASecretRatherThanANameStopsStartup() {
		this.runner
			.withPropertyValues("llm.quota.models.gpt-4o.api-keys=sk-proj-Abc123/xyz+secretsecretsecretsecretsecret")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("llm.quota.models.gpt-4o.api-keys")
					.hasMessageContaining("not the keys themselves");
			});
	}

}
