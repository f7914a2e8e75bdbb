package io.github.llmquota.core;

/**
 * Where a server-directed retry delay was read from. The parser takes the first source
 * that holds a valid value, in the order declared here.
 */
public enum RetryAfterSource {

	/** The {@code retry-after-ms} header, in milliseconds (OpenAI, Azure OpenAI). */
	RETRY_AFTER_MS,

	/** The {@code retry-after} header, in seconds. */
	RETRY_AFTER_SECONDS,

	/** The {@code retry-after} header, as an HTTP date. */
	RETRY_AFTER_HTTP_DATE,

	/** The {@code retryDelay} of a {@code google.rpc.RetryInfo} error detail (Gemini). */
	BODY_RETRY_INFO,

	/**
	 * The error message text, such as "Please try again in 1.146s" (OpenAI, Groq),
	 * "Please retry after 22 seconds" (Azure OpenAI) or "Please retry in 25.4s" (Gemini).
	 */
	BODY_MESSAGE

}
