package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Provider;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.UserLimits;
import io.github.llmquota.sample.load.ProviderTraffic.ModelTraffic;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GoodputTests {

	private final Map<String, ModelSpec> models = Map.of("sonnet",
			model("sonnet", "anthropic-sonnet", 50, 30_000, 8_000), "haiku",
			model("haiku", "anthropic-haiku", 50, 50_000, 10_000));

	@Test
	void isWhatTheProviderCountedPerMinuteOverTheLimitsOfThePoolsThatServed() {
		// Two minutes on sonnet only: 90 requests of 45 per minute is 90 % of 50.
		Goodput.Result goodput = Goodput.of(this.models,
				Map.of("sonnet", new ModelTraffic(90, 0, 27_000, 3_000, 100_000, 14_400)), Duration.ofMinutes(2));

		assertThat(goodput.pools()).containsExactly("anthropic-sonnet");
		// Cache reads do not count against Anthropic's input limit: (27,000 + 3,000) / 2
		// / 30,000.
		assertThat(goodput.percent()).containsEntry("requests-per-minute", 90.0)
			.containsEntry("input-tokens-per-minute", 50.0)
			.containsEntry("output-tokens-per-minute", 90.0);
	}

	@Test
	void addsUpTheLimitsOfEveryPoolThatServedCalls() {
		Goodput.Result goodput = Goodput.of(this.models, Map.of("sonnet", new ModelTraffic(40, 0, 0, 0, 0, 8_000),
				"haiku", new ModelTraffic(20, 0, 0, 0, 0, 1_000)), Duration.ofMinutes(1));

		assertThat(goodput.pools()).containsExactly("anthropic-haiku", "anthropic-sonnet");
		assertThat(goodput.percent()).containsEntry("requests-per-minute", 60.0)
			.containsEntry("output-tokens-per-minute", 50.0);
	}

	@Test
	void leavesOutPoolsThatServedNothing() {
		Goodput.Result goodput = Goodput.of(this.models,
				Map.of("sonnet", new ModelTraffic(25, 0, 0, 0, 0, 0), "haiku", new ModelTraffic(0, 0, 0, 0, 0, 0)),
				Duration.ofMinutes(1));

		assertThat(goodput.pools()).containsExactly("anthropic-sonnet");
		assertThat(goodput.percent()).containsEntry("requests-per-minute", 50.0);
	}

	private static ModelSpec model(String name, String pool, long requests, long input, long output) {
		long horizon = Duration.ofMinutes(1).toMillis();
		List<RateLimit> rates = List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, requests, 0.1, horizon),
				RateLimit.of(Dimension.INPUT_TOKENS_PER_MINUTE, input, 0.1, horizon),
				RateLimit.of(Dimension.OUTPUT_TOKENS_PER_MINUTE, output, 0.1, horizon));
		return new ModelSpec(name,
				new PoolSpec(pool, Provider.ANTHROPIC, rates, 0, List.of(name), new UserLimits(List.of(), Map.of())),
				false);
	}

}
