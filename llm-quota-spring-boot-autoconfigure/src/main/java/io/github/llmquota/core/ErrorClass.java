package io.github.llmquota.core;

/**
 * What kind of failure a provider response reports, in terms of what a limiter should do
 * about it. Providers reuse the same HTTP status for very different situations (OpenAI and
 * Anthropic answer 429 both for a full rate window and for an exhausted spend limit), so
 * the class is decided from the status, the headers and the error body together.
 */
public enum ErrorClass {

	/** The response reports no error. */
	NONE,

	/**
	 * A rate window of this caller's quota is full. Waiting helps, and the pool should slow
	 * down.
	 */
	RATE_LIMITED,

	/**
	 * The provider is short of capacity for everyone (Anthropic 529, HTTP 503, Vertex AI
	 * dynamic shared quota). Waiting helps, but this caller's quota is not the cause.
	 */
	OVERLOADED,

	/**
	 * A quota that waiting a few seconds cannot restore is used up: OpenAI
	 * {@code insufficient_quota}, Anthropic spend limits, a payment-required answer, monthly
	 * caps, Gemini per-day quotas, or a Gemini model that has a limit of 0 on the caller's
	 * tier. Not retryable.
	 */
	QUOTA_EXHAUSTED,

	/**
	 * The request alone needs more than the limit allows, so it can never succeed unchanged.
	 * Not retryable.
	 */
	REQUEST_TOO_LARGE,

	/** Any other error, such as an invalid request or a server error. */
	OTHER

}
