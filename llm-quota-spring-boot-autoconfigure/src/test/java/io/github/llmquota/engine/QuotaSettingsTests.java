package io.github.llmquota.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The engine's view of the configuration: which pools exist, and how a bad name from a
 * caller or from configuration is reported.
 */
class QuotaSettingsTests {

	private static final List<RateLimit> RATES = List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 10, 0, 60_000));

	private static final List<PriorityClass> CLASSES = List
		.of(new PriorityClass(Priority.NORMAL, 0, 0, 100, Duration.ofSeconds(5)));

	@Test
	void poolOfEveryApiKeyIsAPoolOfItsOwn() {
		ModelSpec a = key("a");
		ModelSpec b = key("b");

		QuotaSettings settings = settings(Map.of("llm", a), Map.of("llm", List.of(a, b)), Priority.NORMAL);

		assertThat(settings.pools()).containsOnlyKeys("llm.a", "llm.b");
	}

	@Test
	void defaultClassThatIsNotConfiguredIsRejectedByName() {
		assertThatIllegalArgumentException().isThrownBy(() -> settings(Map.of("llm", key("a")), Map.of(), "urgent"))
			.withMessage("Default priority class 'urgent' is not one of [" + Priority.NORMAL + "]");
	}

	@Test
	void unknownModelNameOfAHundredCharactersIsQuotedWhole() {
		String name = "m".repeat(100);

		assertThatIllegalArgumentException().isThrownBy(() -> settings().model(name))
			.withMessageStartingWith("Unknown model '" + name + "':");
	}

	@Test
	void unknownModelNameLongerThanAHundredCharactersIsCutInTheMessage() {
		String name = "m".repeat(100) + "x";

		assertThatIllegalArgumentException().isThrownBy(() -> settings().model(name))
			.withMessageStartingWith("Unknown model '" + "m".repeat(100) + "...':");
	}

	private static QuotaSettings settings() {
		return settings(Map.of("llm", key("a")), Map.of(), Priority.NORMAL);
	}

	private static QuotaSettings settings(Map<String, ModelSpec> models, Map<String, List<ModelSpec>> apiKeys,
			String defaultClass) {
		return new QuotaSettings(models, apiKeys, CLASSES, defaultClass, Duration.ofMinutes(1), 1000,
				Duration.ofSeconds(1), FeedbackSettings.DEFAULTS, Duration.ZERO);
	}

	private static ModelSpec key(String key) {
		return new ModelSpec("llm", new PoolSpec("llm." + key, Provider.OPENAI, RATES, 0, List.of("llm"), null), true,
				key);
	}

}
