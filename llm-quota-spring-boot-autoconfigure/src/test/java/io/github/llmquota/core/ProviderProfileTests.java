package io.github.llmquota.core;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.ProviderProfile.TokenizerHint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link ProviderProfile}.
 */
class ProviderProfileTests {

	private static final ProviderProfile ANTHROPIC = ProviderProfile.of(Provider.ANTHROPIC);

	@Test
	void anthropicCountsCacheReadsAsInputOnlyForClaudeHaiku35() {
		assertThat(ANTHROPIC.cacheReadsCountAsInput("claude-3-5-haiku-20241022")).isTrue();
		assertThat(ANTHROPIC.cacheReadsCountAsInput("claude-3-5-haiku-latest")).isTrue();
		assertThat(ANTHROPIC.cacheReadsCountAsInput("Claude-Haiku-3-5")).isTrue();
		assertThat(ANTHROPIC.cacheReadsCountAsInput("claude-sonnet-4-5")).isFalse();
		assertThat(ANTHROPIC.cacheReadsCountAsInput("claude-haiku-4-5")).isFalse();
		assertThat(ANTHROPIC.cacheReadsCountAsInput("claude-3-7-sonnet-20250219")).isFalse();
	}

	@Test
	void everyOtherProviderCountsCacheReadsAsInputWhateverTheModel() {
		for (Provider provider : EnumSet.complementOf(EnumSet.of(Provider.ANTHROPIC))) {
			ProviderProfile profile = ProviderProfile.of(provider);
			assertThat(profile.cacheReadsCountAsInput("gpt-4o")).as(provider.name()).isTrue();
			assertThat(profile.cacheReadsCountAsInput("anthropic.claude-sonnet-4-5")).as(provider.name()).isTrue();
		}
	}

	@Test
	void anthropicTokenRemainingValuesAreTakenAsRoundedToTheThousandAndRequestsAsExact() {
		assertThat(ANTHROPIC.remainingRounding(Dimension.INPUT_TOKENS_PER_MINUTE)).isEqualTo(1000);
		assertThat(ANTHROPIC.remainingRounding(Dimension.OUTPUT_TOKENS_PER_MINUTE)).isEqualTo(1000);
		assertThat(ANTHROPIC.remainingRounding(Dimension.TOKENS_PER_MINUTE)).isEqualTo(1000);
		assertThat(ANTHROPIC.remainingRounding(Dimension.TOKENS_PER_DAY)).isEqualTo(1000);
		assertThat(ANTHROPIC.remainingRounding(Dimension.REQUESTS_PER_MINUTE)).isZero();
		assertThat(ANTHROPIC.remainingRounding(Dimension.REQUESTS_PER_DAY)).isZero();
	}

	@Test
	void otherProvidersRemainingValuesAreTakenAsExact() {
		for (Provider provider : EnumSet.complementOf(EnumSet.of(Provider.ANTHROPIC))) {
			for (Dimension dimension : Dimension.values()) {
				assertThat(ProviderProfile.of(provider).remainingRounding(dimension)).as(provider + " " + dimension)
					.isZero();
			}
		}
	}

	@Test
	void openAiAndAzureOpenAiPromptsAreCountedWithOpenAisEncodingsAndTheRestByCharacters() {
		for (Provider provider : Provider.values()) {
			TokenizerHint expected = (provider == Provider.OPENAI || provider == Provider.AZURE_OPENAI)
					? TokenizerHint.OPENAI_ENCODINGS : TokenizerHint.CHARACTERS;
			assertThat(ProviderProfile.of(provider).tokenizer()).as(provider.name()).isEqualTo(expected);
		}
	}

	@Test
	void characterEstimateUsesEachProvidersDocumentedRatioAndErrsHighWithoutOne() {
		assertThat(ProviderProfile.of(Provider.OPENAI).asciiCharsPerToken()).isEqualTo(4.0);
		assertThat(ProviderProfile.of(Provider.AZURE_OPENAI).asciiCharsPerToken()).isEqualTo(4.0);
		assertThat(ProviderProfile.of(Provider.GEMINI).asciiCharsPerToken()).isEqualTo(4.0);
		assertThat(ProviderProfile.of(Provider.DEEPSEEK).asciiCharsPerToken()).isEqualTo(3.3);
		for (Provider provider : EnumSet.of(Provider.ANTHROPIC, Provider.BEDROCK, Provider.GROQ, Provider.MISTRAL,
				Provider.COHERE, Provider.OTHER)) {
			assertThat(ProviderProfile.of(provider).asciiCharsPerToken()).as(provider.name()).isEqualTo(3.5);
		}
	}

	@Test
	void missingArgumentsAreRejectedByName() {
		assertThatNullPointerException().isThrownBy(() -> ProviderProfile.of(null)).withMessageContaining("provider");
		assertThatNullPointerException().isThrownBy(() -> ANTHROPIC.cacheReadsCountAsInput(null))
			.withMessageContaining("model");
		assertThatNullPointerException().isThrownBy(() -> ANTHROPIC.remainingRounding(null))
			.withMessageContaining("dimension");
	}

}
