package io.github.llmquota.sample.simulator;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatorConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(SimulatorConfiguration.class);

	@Test
	void servesTheSampleModelsByDefault() {
		this.contextRunner.run((context) -> {
			ProviderSimulator simulator = context.getBean(ProviderSimulator.class);
			assertThat(simulator.isRunning()).isTrue();
			assertThat(simulator.baseUrl()).isEqualTo("http://127.0.0.1:" + simulator.port());
			assertThat(simulator.stats().models()).containsOnlyKeys("claude-haiku-4-5", "claude-sonnet-4-5");
		});
	}

	@Test
	void addsConfiguredModelsToTheDefaultOnes() {
		this.contextRunner
			.withPropertyValues("sample.simulator.models.claude-opus-4-1.requests-per-minute=5",
					"sample.simulator.models.claude-opus-4-1.input-tokens-per-minute=1000",
					"sample.simulator.models.claude-opus-4-1.output-tokens-per-minute=500")
			.run((context) -> assertThat(context.getBean(ProviderSimulator.class).stats().models())
				.containsOnlyKeys("claude-haiku-4-5", "claude-opus-4-1", "claude-sonnet-4-5"));
	}

	@Test
	void servesNothingWhenDisabled() {
		this.contextRunner.withPropertyValues("sample.simulator.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ProviderSimulator.class));
	}

	@Test
	void refusesToStartWithAModelThatLacksALimit() {
		// The entry replaces the default one, so the two limits it leaves out are 0.
		this.contextRunner.withPropertyValues("sample.simulator.models.claude-sonnet-4-5.requests-per-minute=10")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("models[claude-sonnet-4-5].inputTokensPerMinute")
				.hasMessageContaining("models[claude-sonnet-4-5].outputTokensPerMinute")
				.hasMessageNotContaining("models[claude-sonnet-4-5].requestsPerMinute"));
	}

}
