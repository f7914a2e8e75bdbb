package io.github.llmquota.core;

/**
 * The level above a model or an API key that a provider sets a limit at: an OpenAI
 * organisation or project, an Anthropic organisation or workspace. A scope
 * ({@code llm.quota.scopes.<name>.provider-scope}) says which of these it mirrors, so
 * that a provider's reading of that level tightens the scope instead of the pool.
 */
public enum ProviderScope {

	/** The whole organisation (OpenAI, Anthropic, Groq, Mistral). */
	ORGANIZATION,

	/** An OpenAI project: the {@code x-ratelimit-*-project-tokens} headers. */
	PROJECT,

	/** An Anthropic workspace, whose limits sit below the organisation's. */
	WORKSPACE

}
