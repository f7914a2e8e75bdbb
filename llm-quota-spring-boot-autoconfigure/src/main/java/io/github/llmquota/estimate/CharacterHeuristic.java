package io.github.llmquota.estimate;

import io.github.llmquota.core.Provider;

/**
 * Token count from character counts, for models whose tokenizer is not available.
 * <p>
 * ASCII characters are divided by a per-provider number of characters per token. Every
 * other code point counts as a whole token: BPE vocabularies are trained mostly on English
 * and rarely merge non-ASCII characters (OpenAI's cookbook shows the nine-character
 * {@code お誕生日おめでとう} as 9 tokens in cl100k_base and 8 in o200k_base; DeepSeek documents
 * about 0.6 tokens per Chinese character), so one per code point errs high, which is the
 * safe side for a limiter.
 */
final class CharacterHeuristic implements TokenCounter {

	/**
	 * OpenAI: "one token generally corresponds to ~4 characters of text for common English
	 * text". Google states the same 4 characters for every Gemini model.
	 */
	static final double OPENAI_AND_GEMINI_CHARS_PER_TOKEN = 4.0;

	/** DeepSeek documents "1 English character ≈ 0.3 token". */
	static final double DEEPSEEK_CHARS_PER_TOKEN = 3.3;

	/**
	 * Anthropic publishes no ratio. Fewer characters per token than OpenAI's documented 4
	 * errs high, the safe side, for Claude and for every other provider without a documented
	 * ratio; Bedrock mostly serves Claude. The learned correction ratio takes it from there.
	 */
	static final double DEFAULT_CHARS_PER_TOKEN = 3.5;

	private final double asciiCharsPerToken;

	private CharacterHeuristic(double asciiCharsPerToken) {
		this.asciiCharsPerToken = asciiCharsPerToken;
	}

	static CharacterHeuristic forProvider(Provider provider) {
		return new CharacterHeuristic(switch (provider) {
			case OPENAI, AZURE_OPENAI, GEMINI -> OPENAI_AND_GEMINI_CHARS_PER_TOKEN;
			case DEEPSEEK -> DEEPSEEK_CHARS_PER_TOKEN;
			default -> DEFAULT_CHARS_PER_TOKEN;
		});
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
