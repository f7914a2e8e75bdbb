package io.github.llmquota.estimate;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.knuddels.jtokkit.api.EncodingType;
import io.github.llmquota.core.Provider;
import io.github.llmquota.testsupport.IsolatingClassLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link DefaultTokenEstimator}. Expected OpenAI counts are the ones OpenAI's
 * cookbook ("How to count tokens with tiktoken") prints for the same strings.
 */
class DefaultTokenEstimatorTests {

	private static final String BIRTHDAY = "お誕生日おめでとう";

	private static final String FOX = "The quick brown fox jumps over the lazy dog.";

	private final DefaultTokenEstimator estimator = new DefaultTokenEstimator();

	@Test
	void gpt4oCountsMatchTiktokenO200kBase() {
		assertThat(estimate("gpt-4o", Provider.OPENAI, "tiktoken is great!")).isEqualTo(6);
		assertThat(estimate("gpt-4o", Provider.OPENAI, "antidisestablishmentarianism")).isEqualTo(6);
		assertThat(estimate("gpt-4o", Provider.OPENAI, "2 + 2 = 4")).isEqualTo(7);
		assertThat(estimate("gpt-4o", Provider.OPENAI, BIRTHDAY)).isEqualTo(8);
	}

	@Test
	void gpt4CountsMatchTiktokenCl100kBase() {
		assertThat(estimate("gpt-4", Provider.OPENAI, "tiktoken is great!")).isEqualTo(6);
		assertThat(estimate("gpt-4", Provider.OPENAI, "antidisestablishmentarianism")).isEqualTo(6);
		assertThat(estimate("gpt-4", Provider.OPENAI, "2 + 2 = 4")).isEqualTo(7);
		assertThat(estimate("gpt-4", Provider.OPENAI, BIRTHDAY)).isEqualTo(9);
	}

	@ParameterizedTest
	@CsvSource({ "gpt-4o, O200K_BASE", "gpt-4o-mini, O200K_BASE", "chatgpt-4o-latest, O200K_BASE",
			"gpt-4.1-nano, O200K_BASE", "gpt-4.5-preview, O200K_BASE", "gpt-5, O200K_BASE", "GPT-5-mini, O200K_BASE",
			"o1, O200K_BASE", "o3-mini, O200K_BASE", "o4-mini, O200K_BASE", "ft:gpt-4o-mini:acme::abc, O200K_BASE",
			"my-azure-deployment, O200K_BASE", "gpt-4, CL100K_BASE", "gpt-4-turbo, CL100K_BASE",
			"gpt-4-32k-0613, CL100K_BASE", "gpt-3.5-turbo, CL100K_BASE", "gpt-35-turbo, CL100K_BASE",
			"ft:gpt-3.5-turbo:acme::abc, CL100K_BASE", "text-embedding-3-small, CL100K_BASE" })
	void openAiModelNamesSelectTheirEncoding(String model, EncodingType expected) {
		assertThat(JtokkitTokenCounters.encodingFor(model)).isEqualTo(expected);
	}

	@Test
	void azureOpenAiIsCountedWithJtokkit() {
		assertThat(estimate("gpt-4o", Provider.AZURE_OPENAI, BIRTHDAY)).isEqualTo(8);
		assertThat(estimate("gpt-35-turbo", Provider.AZURE_OPENAI, BIRTHDAY)).isEqualTo(9);
	}

	@Test
	void specialTokenTextInAPromptIsCountedAsOrdinaryText() {
		assertThat(estimate("gpt-4o", Provider.OPENAI, "<|endoftext|>")).isGreaterThan(1);
	}

	@Test
	void anthropicUsesTheCharacterHeuristic() {
		// 44 ASCII characters at 3.5 per token; o200k_base would say 10
		assertThat(estimate("claude-sonnet-4", Provider.ANTHROPIC, FOX)).isEqualTo(13);
	}

	@Test
	void heuristicRatioDependsOnTheProvider() {
		assertThat(estimate("gemini-2.5-flash", Provider.GEMINI, FOX)).isEqualTo(11);
		assertThat(estimate("deepseek-chat", Provider.DEEPSEEK, FOX)).isEqualTo(14);
		assertThat(estimate("anthropic.claude-sonnet-4", Provider.BEDROCK, FOX)).isEqualTo(13);
		assertThat(estimate("mistral-large", Provider.MISTRAL, FOX)).isEqualTo(13);
	}

	@Test
	void heuristicCountsEachNonAsciiCodePointAsAToken() {
		assertThat(estimate("claude-sonnet-4", Provider.ANTHROPIC, BIRTHDAY)).isEqualTo(9);
		// A surrogate pair is one code point
		assertThat(estimate("claude-sonnet-4", Provider.ANTHROPIC, "\uD83D\uDE00")).isEqualTo(1);
	}

	@Test
	void textIsCollectedFromCharSequencesArraysIterablesAndMapValues() {
		long one = estimate("claude-sonnet-4", Provider.ANTHROPIC, FOX);
		List<Map<String, String>> messages = List.of(Map.of("role", "", "content", FOX));
		assertThat(this.estimator.estimateInputTokens("claude-sonnet-4", Provider.ANTHROPIC,
				new Object[] { FOX, new StringBuilder(FOX), new String[] { FOX }, List.of(FOX), messages }))
			.isEqualTo(5 * one);
	}

	@Test
	void otherArgumentsCountAsNothing() {
		Object described = new Object() {

			@Override
			public String toString() {
				return FOX;
			}

		};
		assertThat(this.estimator.estimateInputTokens("claude-sonnet-4", Provider.ANTHROPIC,
				new Object[] { null, 42, 3.5, described, new char[] { 'a', 'b' }, List.of(described) }))
			.isZero();
	}

	@Test
	void noArgumentsEstimateZero() {
		assertThat(this.estimator.estimateInputTokens("gpt-4o", Provider.OPENAI, null)).isZero();
		assertThat(this.estimator.estimateInputTokens("gpt-4o", Provider.OPENAI, new Object[0])).isZero();
		assertThat(estimate("gpt-4o", Provider.OPENAI, "")).isZero();
	}

	@Test
	void collectionThatContainsItselfEndsTheSearch() {
		List<Object> loop = new ArrayList<>();
		loop.add(FOX);
		loop.add(loop);
		long one = estimate("claude-sonnet-4", Provider.ANTHROPIC, FOX);
		assertThat(this.estimator.estimateInputTokens("claude-sonnet-4", Provider.ANTHROPIC, new Object[] { loop }))
			.isBetween(one, DefaultTokenEstimator.MAX_DEPTH * one);
	}

	@Test
	void nullModelOrProviderIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.estimator.estimateInputTokens(null, Provider.OPENAI, new Object[] { FOX }))
			.withMessageContaining("'model'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.estimator.estimateInputTokens("gpt-4o", null, new Object[] { FOX }))
			.withMessageContaining("'provider'");
	}

	@Test
	void withoutJtokkitOpenAiModelsUseTheCharacterHeuristic() throws Exception {
		ClassLoader withoutJtokkit = new IsolatingClassLoader("io.github.llmquota.estimate", "com.knuddels.jtokkit");
		Class<?> type = withoutJtokkit.loadClass(DefaultTokenEstimator.class.getName());
		Object estimator = type.getConstructor().newInstance();
		Method estimate = type.getMethod("estimateInputTokens", String.class, Provider.class, Object[].class);
		// One token per non-ASCII code point; jtokkit's o200k_base says 8
		assertThat(estimate.invoke(estimator, "gpt-4o", Provider.OPENAI, new Object[] { BIRTHDAY })).isEqualTo(9L);
		// 44 ASCII characters at 4 per token
		assertThat(estimate.invoke(estimator, "gpt-4o", Provider.OPENAI, new Object[] { FOX })).isEqualTo(11L);
	}

	private long estimate(String model, Provider provider, String text) {
		return this.estimator.estimateInputTokens(model, provider, new Object[] { text });
	}

}
