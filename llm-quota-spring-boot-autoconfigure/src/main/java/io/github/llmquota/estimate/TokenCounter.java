package io.github.llmquota.estimate;

/**
 * Counts the tokens of one piece of text for one model's tokenizer.
 */
@FunctionalInterface
interface TokenCounter {

	long countTokens(String text);

}
