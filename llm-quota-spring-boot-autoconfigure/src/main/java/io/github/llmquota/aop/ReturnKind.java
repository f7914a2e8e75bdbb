package io.github.llmquota.aop;

/**
 * How an {@link LlmRateLimited} method returns its result, which decides how its call
 * waits for admission and how an {@link LlmFallbackHandler} runs it.
 */
public enum ReturnKind {

	/** A plain value: the calling thread waits for admission. */
	PLAIN,

	/** A {@link java.util.concurrent.CompletionStage}: the wait blocks no thread. */
	COMPLETION_STAGE,

	/** A Reactor {@code Mono}: each subscription waits without blocking. */
	MONO,

	/** A Reactor {@code Flux}: each subscription waits without blocking. */
	FLUX

}
