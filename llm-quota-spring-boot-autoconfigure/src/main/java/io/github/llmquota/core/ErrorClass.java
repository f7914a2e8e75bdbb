package io.github.llmquota.core;

/**
 * What kind of failure a provider response reports, in terms of what a limiter should do
 * about it. Providers reuse the same HTTP status for very different situations (OpenAI
 * and Anthropic answer 429 both for a full rate window and for an exhausted spend limit),
 * so the class is decided from the status, the headers and the error body together.
 * <p>
 * Each class answers the questions a limiter asks of it ({@link #cutsQuota()},
 * {@link #countsAsHealthFailure()}, {@link #retryable()}, {@link #permanent()}), so that
 * the engine, the attempt governor and the fallback chain agree. {@link #NONE} and
 * {@link #OTHER} answer {@code false} to all four: what an {@code OTHER} error means
 * depends on its status, see {@link ProviderFeedback#isRetryable()} and
 * {@link ProviderFeedback#isHealthFailure()}.
 */
public enum ErrorClass {

	/** The response reports no error. */
	NONE(false, false, false, false),

	/**
	 * A rate window of this caller's quota is full. Waiting helps, and the pool should
	 * slow down.
	 */
	RATE_LIMITED(true, false, true, false),

	/**
	 * The provider is short of capacity for everyone (Anthropic 529, HTTP 503, Vertex AI
	 * dynamic shared quota). Waiting helps, but this caller's quota is not the cause.
	 */
	OVERLOADED(false, true, true, false),

	/**
	 * A quota that waiting a few seconds cannot restore is used up: OpenAI
	 * {@code insufficient_quota}, Anthropic spend limits, a payment-required answer,
	 * monthly caps, Gemini per-day quotas, or a Gemini model that has a limit of 0 on the
	 * caller's tier. Not retryable.
	 */
	QUOTA_EXHAUSTED(true, false, false, true),

	/**
	 * The request alone needs more than the limit allows, so it can never succeed
	 * unchanged. Not retryable.
	 */
	REQUEST_TOO_LARGE(false, false, false, true),

	/** Any other error, such as an invalid request or a server error. */
	OTHER(false, false, false, false);

	private final boolean cutsQuota;

	private final boolean healthFailure;

	private final boolean retryable;

	private final boolean permanent;

	ErrorClass(boolean cutsQuota, boolean healthFailure, boolean retryable, boolean permanent) {
		this.cutsQuota = cutsQuota;
		this.healthFailure = healthFailure;
		this.retryable = retryable;
		this.permanent = permanent;
	}

	/**
	 * Whether the error says this caller's own quota is spent, for a window or for
	 * longer, so that the pool slows down or stops fleet-wide. Not a sign of an unhealthy
	 * model.
	 * @return {@code true} for {@link #RATE_LIMITED} and {@link #QUOTA_EXHAUSTED}
	 */
	public boolean cutsQuota() {
		return this.cutsQuota;
	}

	/**
	 * Whether the error says the model is unhealthy, so that a circuit breaker records a
	 * failure whatever the status. A server error of any class is one too, see
	 * {@link ProviderFeedback#isHealthFailure()}.
	 * @return {@code true} for {@link #OVERLOADED}
	 */
	public boolean countsAsHealthFailure() {
		return this.healthFailure;
	}

	/**
	 * Whether every error of this class is worth the same request again after waiting.
	 * @return {@code true} for {@link #RATE_LIMITED} and {@link #OVERLOADED}
	 */
	public boolean retryable() {
		return this.retryable;
	}

	/**
	 * Whether no error of this class can be fixed by waiting: the request can never
	 * succeed as it is, whatever the server's {@code x-should-retry} says.
	 * @return {@code true} for {@link #QUOTA_EXHAUSTED} and {@link #REQUEST_TOO_LARGE}
	 */
	public boolean permanent() {
		return this.permanent;
	}

}
