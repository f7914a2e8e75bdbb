package io.github.llmquota.sample.load;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.github.llmquota.sample.anthropic.ContentBlock;
import io.github.llmquota.sample.anthropic.Prompt;

/**
 * Makes the prompts of a load run: {@code promptTokens} tokens each, three quarters
 * system prompt and a quarter user text. A {@code cacheHitRatio} share reuses one fixed
 * system prompt marked for the prompt cache, so that, after the first of them writes it,
 * the provider reports the rest as cache reads; the others start with a system prompt of
 * their own. Every user text is new. Thread-safe.
 */
final class LoadPrompts {

	private static final String FILLER = "The load run asks the same kind of question many times over, "
			+ "so that the quota engine has something to govern. ";

	private final ContentBlock sharedSystem;

	private final int systemChars;

	private final int userChars;

	private final int maxTokens;

	private final double cacheHitRatio;

	private final AtomicLong sequence = new AtomicLong();

	LoadPrompts(LoadProperties properties) {
		int systemTokens = properties.getPromptTokens() * 3 / 4;
		this.systemChars = systemTokens * 4;
		this.userChars = (properties.getPromptTokens() - systemTokens) * 4;
		this.maxTokens = properties.getMaxTokens();
		this.cacheHitRatio = properties.getCacheHitRatio();
		this.sharedSystem = ContentBlock.cachedText(sized("Standing instructions of the load run. ", this.systemChars));
	}

	Prompt next() {
		long n = this.sequence.incrementAndGet();
		ContentBlock system = (ThreadLocalRandom.current().nextDouble() < this.cacheHitRatio) ? this.sharedSystem
				: ContentBlock.text(sized("Instructions of load call " + n + ". ", this.systemChars));
		return Prompt.of(system, sized("Question " + n + ": ", this.userChars), this.maxTokens);
	}

	private static String sized(String start, int chars) {
		StringBuilder text = new StringBuilder(Math.max(chars, start.length())).append(start);
		while (text.length() < chars) {
			text.append(FILLER);
		}
		text.setLength(Math.max(chars, 1));
		return text.toString();
	}

}
