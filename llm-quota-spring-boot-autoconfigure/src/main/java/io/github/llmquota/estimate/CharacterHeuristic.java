package io.github.llmquota.estimate;

import io.github.llmquota.core.ProviderProfile;

/**
 * Token count from character counts, for models whose tokenizer is not available.
 * <p>
 * ASCII characters are divided by the provider's characters per token
 * ({@link ProviderProfile#asciiCharsPerToken()}). Every other code point counts as a
 * whole token: BPE vocabularies are trained mostly on English and rarely merge non-ASCII
 * characters (OpenAI's cookbook shows the nine-character {@code お誕生日おめでとう} as 9 tokens in
 * cl100k_base and 8 in o200k_base; DeepSeek documents about 0.6 tokens per Chinese
 * character), so one per code point errs high, which is the safe side for a limiter.
 */
final class CharacterHeuristic implements TokenCounter {

	private final double asciiCharsPerToken;

	CharacterHeuristic(double asciiCharsPerToken) {
		this.asciiCharsPerToken = asciiCharsPerToken;
	}

	@Override
	public long countTokens(String text) {
		long ascii = 0;
		long other = 0;
		for (int i = 0; i < text.length();) {
			int codePoint = text.codePointAt(i);
			if (codePoint < 0x80) {
				ascii++;
			}
			else {
				other++;
			}
			i += Character.charCount(codePoint);
		}
		return (long) Math.ceil(ascii / this.asciiCharsPerToken) + other;
	}

}
