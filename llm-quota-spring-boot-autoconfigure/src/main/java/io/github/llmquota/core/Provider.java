package io.github.llmquota.core;

/**
 * The LLM provider behind a model. It selects how usage is accounted and how response
 * headers and error bodies are read.
 */
public enum Provider {

	/** Anthropic Messages API. */
	ANTHROPIC,

	/** OpenAI API. */
	OPENAI,

	/** Azure OpenAI, standard and provisioned (PTU) deployments. */
	AZURE_OPENAI,

	/** Google Gemini API and Vertex AI. */
	GEMINI,

	/** Amazon Bedrock. */
	BEDROCK,

	/** Groq. */
	GROQ,

	/** Mistral La Plateforme. */
	MISTRAL,

	/** DeepSeek. */
	DEEPSEEK,

	/** Cohere. */
	COHERE,

	/** Any other provider: no header parsing, OpenAI-style accounting. */
	OTHER

}
