package io.github.llmquota.estimate;

import java.util.Map;

import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.core.ProviderProfile.TokenizerHint;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

/**
 * {@link TokenEstimator} that counts the text found in a call's arguments.
 * <p>
 * <strong>What counts as text.</strong> Each argument is searched, recursively:
 * <ul>
 * <li>a {@link CharSequence} ({@code String}, {@code StringBuilder}, ...) counts as its
 * characters;</li>
 * <li>an object array, an {@link Iterable} or the values of a {@link Map} count as the
 * sum of their elements, so {@code List<String>} and {@code List<Map<String, String>>}
 * messages are counted;</li>
 * <li>anything else counts as nothing: {@code null}, numbers, primitive arrays and every
 * other type, including prompt objects of LLM SDKs. {@code toString()} is never called,
 * because it rarely resembles what is sent to the model.</li>
 * </ul>
 * The search goes at most eight levels deep, which also ends it in a collection that
 * contains itself. Calls whose prompt is not in such arguments need their own
 * {@link TokenEstimator}.
 * <p>
 * <strong>How text is counted.</strong> The provider's {@link ProviderProfile} picks the
 * tokenizer. For {@link Provider#OPENAI} and {@link Provider#AZURE_OPENAI}, when
 * <a href="https://github.com/knuddelsgmbh/jtokkit">jtokkit</a> is on the classpath, the
 * text is encoded exactly as OpenAI does: o200k_base for gpt-4o, gpt-4.1, gpt-5, the
 * o-series and unrecognised names; cl100k_base for gpt-4 and gpt-3.5. Otherwise a
 * character heuristic is used: ASCII characters at 4 per token for OpenAI and Gemini
 * (both providers document that ratio), 3.3 for DeepSeek (documented), 3.5 for Anthropic,
 * Bedrock and the rest (a guess on the high side, as they publish no ratio), and one
 * token per other code point. Neither counts the tokens a provider adds per message, nor
 * system prompts and tool definitions held outside the arguments; wrap this estimator in
 * a {@link CalibratingTokenEstimator} to learn them.
 * <p>
 * Thread-safe. jtokkit loads an encoding, a few megabytes, on first use.
 */
public class DefaultTokenEstimator implements TokenEstimator {

	static final int MAX_DEPTH = 8;

	private static final String JTOKKIT_CLASS = "com.knuddels.jtokkit.Encodings";

	@Nullable
	private final JtokkitTokenCounters jtokkit;

	/**
	 * Create an estimator that uses jtokkit for OpenAI models when it is on the
	 * classpath.
	 */
	public DefaultTokenEstimator() {
		this.jtokkit = ClassUtils.isPresent(JTOKKIT_CLASS, DefaultTokenEstimator.class.getClassLoader())
				? new JtokkitTokenCounters() : null;
	}

	@Override
	public long estimateInputTokens(String model, Provider provider, @Nullable Object[] arguments) {
		Assert.notNull(model, "'model' must not be null");
		Assert.notNull(provider, "'provider' must not be null");
		if (arguments == null) {
			return 0;
		}
		return countText(arguments, counterFor(model, provider), 0);
	}

	private TokenCounter counterFor(String model, Provider provider) {
		ProviderProfile profile = ProviderProfile.of(provider);
		if (this.jtokkit != null && profile.tokenizer() == TokenizerHint.OPENAI_ENCODINGS) {
			return this.jtokkit.forOpenAiModel(model);
		}
		return new CharacterHeuristic(profile.asciiCharsPerToken());
	}

	private long countText(@Nullable Object value, TokenCounter counter, int depth) {
		if (value instanceof CharSequence text) {
			return counter.countTokens(text.toString());
		}
		if (depth == MAX_DEPTH) {
			return 0;
		}
		long tokens = 0;
		if (value instanceof Object[] array) {
			for (Object element : array) {
				tokens += countText(element, counter, depth + 1);
			}
		}
		else if (value instanceof Iterable<?> iterable) {
			for (Object element : iterable) {
				tokens += countText(element, counter, depth + 1);
			}
		}
		else if (value instanceof Map<?, ?> map) {
			for (Object element : map.values()) {
				tokens += countText(element, counter, depth + 1);
			}
		}
		return tokens;
	}

}
