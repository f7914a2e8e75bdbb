package io.github.llmquota.core;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How one {@link Provider} accounts for tokens: whether prompt-cache reads count toward
 * its input-token limits, how far it rounds the remaining values it reports, and which
 * tokenizer estimates its prompts. The one place that knows these facts; the engine, the
 * token estimator and the configuration ask it instead of looking at provider or model
 * names themselves. Immutable and thread-safe.
 *
 * @see #of(Provider)
 */
public final class ProviderProfile {

	/**
	 * OpenAI: "one token generally corresponds to ~4 characters of text for common
	 * English text". Google states the same 4 characters for every Gemini model.
	 */
	private static final double OPENAI_AND_GEMINI_CHARS_PER_TOKEN = 4.0;

	/** DeepSeek documents "1 English character ≈ 0.3 token". */
	private static final double DEEPSEEK_CHARS_PER_TOKEN = 3.3;

	/**
	 * Anthropic publishes no ratio. Fewer characters per token than OpenAI's documented 4
	 * errs high, the safe side, for Claude and for every other provider without a
	 * documented ratio; Bedrock mostly serves Claude. The estimator's learned correction
	 * ratio takes it from there.
	 */
	private static final double DEFAULT_CHARS_PER_TOKEN = 3.5;

	/** Anthropic rounds its token "remaining" headers to the nearest thousand. */
	private static final long ANTHROPIC_TOKEN_ROUNDING = 1000;

	private static final Set<Dimension> TOKEN_DIMENSIONS = EnumSet.of(Dimension.INPUT_TOKENS_PER_MINUTE,
			Dimension.OUTPUT_TOKENS_PER_MINUTE, Dimension.TOKENS_PER_MINUTE, Dimension.TOKENS_PER_DAY);

	private static final ProviderProfile DEFAULT = new ProviderProfile(true, List.of(), 0, TokenizerHint.CHARACTERS,
			DEFAULT_CHARS_PER_TOKEN);

	private static final Map<Provider, ProviderProfile> PROFILES = profiles();

	private final boolean cacheReadsCountAsInput;

	private final List<String> cacheReadsCountAsInputOtherwise;

	private final long tokenRemainingRounding;

	private final TokenizerHint tokenizer;

	private final double asciiCharsPerToken;

	private ProviderProfile(boolean cacheReadsCountAsInput, List<String> cacheReadsCountAsInputOtherwise,
			long tokenRemainingRounding, TokenizerHint tokenizer, double asciiCharsPerToken) {
		this.cacheReadsCountAsInput = cacheReadsCountAsInput;
		this.cacheReadsCountAsInputOtherwise = cacheReadsCountAsInputOtherwise;
		this.tokenRemainingRounding = tokenRemainingRounding;
		this.tokenizer = tokenizer;
		this.asciiCharsPerToken = asciiCharsPerToken;
	}

	private static Map<Provider, ProviderProfile> profiles() {
		Map<Provider, ProviderProfile> profiles = new EnumMap<>(Provider.class);
		// Anthropic stopped counting cache reads toward ITPM except for Claude Haiku 3.5.
		profiles.put(Provider.ANTHROPIC, new ProviderProfile(false, List.of("3-5-haiku", "haiku-3-5"),
				ANTHROPIC_TOKEN_ROUNDING, TokenizerHint.CHARACTERS, DEFAULT_CHARS_PER_TOKEN));
		ProviderProfile openAi = new ProviderProfile(true, List.of(), 0, TokenizerHint.OPENAI_ENCODINGS,
				OPENAI_AND_GEMINI_CHARS_PER_TOKEN);
		profiles.put(Provider.OPENAI, openAi);
		profiles.put(Provider.AZURE_OPENAI, openAi);
		profiles.put(Provider.GEMINI,
				new ProviderProfile(true, List.of(), 0, TokenizerHint.CHARACTERS, OPENAI_AND_GEMINI_CHARS_PER_TOKEN));
		profiles.put(Provider.DEEPSEEK,
				new ProviderProfile(true, List.of(), 0, TokenizerHint.CHARACTERS, DEEPSEEK_CHARS_PER_TOKEN));
		for (Provider provider : Provider.values()) {
			profiles.putIfAbsent(provider, DEFAULT);
		}
		return profiles;
	}

	/**
	 * Return the profile of a provider.
	 * @param provider the provider
	 * @return its profile; {@link Provider#OTHER} and providers without a documented
	 * difference get OpenAI-style accounting with the character estimate
	 * @throws NullPointerException if {@code provider} is {@code null}
	 */
	public static ProviderProfile of(Provider provider) {
		return PROFILES.get(Objects.requireNonNull(provider, "'provider' must not be null"));
	}

	/**
	 * Whether prompt-cache reads of a model count toward the provider's input-token
	 * limits. Anthropic counts them only for Claude Haiku 3.5 (model names containing
	 * {@code 3-5-haiku} or {@code haiku-3-5}, in any case); every other provider counts
	 * them. Configuration ({@code llm.quota.models.<model>.cache-reads-count-as-input})
	 * overrides this.
	 * @param model the model name as sent to the provider
	 * @return whether cache reads count as input
	 * @throws NullPointerException if {@code model} is {@code null}
	 */
	public boolean cacheReadsCountAsInput(String model) {
		String name = Objects.requireNonNull(model, "'model' must not be null").toLowerCase(Locale.ROOT);
		for (String fragment : this.cacheReadsCountAsInputOtherwise) {
			if (name.contains(fragment)) {
				return !this.cacheReadsCountAsInput;
			}
		}
		return this.cacheReadsCountAsInput;
	}

	/**
	 * Return how far the remaining value the provider reports for a dimension may lie
	 * from the exact figure because the provider rounds it. The engine leaves its own
	 * view of a pool alone while the two differ by no more than this.
	 * @param dimension the dimension
	 * @return the rounding, in requests or tokens, 0 when the provider reports exact
	 * values
	 * @throws NullPointerException if {@code dimension} is {@code null}
	 */
	public long remainingRounding(Dimension dimension) {
		Objects.requireNonNull(dimension, "'dimension' must not be null");
		return TOKEN_DIMENSIONS.contains(dimension) ? this.tokenRemainingRounding : 0;
	}

	/**
	 * Return which tokenizer estimates prompts for this provider.
	 * @return the tokenizer hint
	 */
	public TokenizerHint tokenizer() {
		return this.tokenizer;
	}

	/**
	 * Return how many ASCII characters make one token, on average, when no exact
	 * tokenizer is available. Other code points count as a token each.
	 * @return the characters per token, positive
	 */
	public double asciiCharsPerToken() {
		return this.asciiCharsPerToken;
	}

	@Override
	public String toString() {
		return "ProviderProfile[cacheReadsCountAsInput=" + this.cacheReadsCountAsInput + " (otherwise for "
				+ this.cacheReadsCountAsInputOtherwise + "), tokenRemainingRounding=" + this.tokenRemainingRounding
				+ ", tokenizer=" + this.tokenizer + ", asciiCharsPerToken=" + this.asciiCharsPerToken + "]";
	}

	/**
	 * Which tokenizer estimates a provider's prompts.
	 */
	public enum TokenizerHint {

		/**
		 * OpenAI's published encodings ({@code o200k_base}, {@code cl100k_base}), chosen
		 * by model name, when jtokkit is on the classpath; otherwise the character
		 * estimate.
		 */
		OPENAI_ENCODINGS,

		/**
		 * No published tokenizer: the character estimate, with
		 * {@link ProviderProfile#asciiCharsPerToken()}.
		 */
		CHARACTERS

	}

}
