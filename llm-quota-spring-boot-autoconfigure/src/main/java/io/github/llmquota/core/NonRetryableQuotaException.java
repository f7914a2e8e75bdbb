package io.github.llmquota.core;

import java.util.Objects;
import java.util.Optional;

/**
 * Thrown when a provider refused a call in a way that waiting cannot fix: a quota that
 * does not refill within minutes is used up ({@link ErrorClass#QUOTA_EXHAUSTED}: OpenAI
 * {@code insufficient_quota}, Anthropic spend limits, monthly caps, Gemini per-day quotas
 * or "limit: 0"), or the request alone is larger than the limit
 * ({@link ErrorClass#REQUEST_TOO_LARGE}).
 * <p>
 * It is deliberately not a {@link QuotaRejectedException}, which means "wait and retry":
 * nothing in llm-quota retries, waits on or queues a call that failed this way. The
 * fallback chain treats the two classes differently, because their scope differs:
 * <ul>
 * <li>{@link ErrorClass#QUOTA_EXHAUSTED} belongs to the provider account (organisation,
 * project or key), so every model of the same provider and key is skipped, while a model
 * of another provider may still serve the call;</li>
 * <li>{@link ErrorClass#REQUEST_TOO_LARGE} belongs to the request, so no other model is
 * tried at all.</li>
 * </ul>
 */
public class NonRetryableQuotaException extends RuntimeException {

	private final String pool;

	private final String model;

	private final ErrorClass errorClass;

	private final String providerMessage;

	/**
	 * Create an exception.
	 * @param pool the pool of the model that was called
	 * @param model the model that was called
	 * @param errorClass {@link ErrorClass#QUOTA_EXHAUSTED} or
	 * {@link ErrorClass#REQUEST_TOO_LARGE}
	 * @param providerMessage the provider's own explanation, or {@code null}
	 * @throws IllegalArgumentException if the error class is one that waiting can fix
	 */
	public NonRetryableQuotaException(String pool, String model, ErrorClass errorClass, String providerMessage) {
		super(message(pool, model, errorClass, providerMessage));
		if (errorClass == null || !errorClass.permanent()) {
			throw new IllegalArgumentException(
					"errorClass must be QUOTA_EXHAUSTED or REQUEST_TOO_LARGE, was " + errorClass);
		}
		this.pool = pool;
		this.model = model;
		this.errorClass = errorClass;
		this.providerMessage = providerMessage;
	}

	/**
	 * Return the exception a provider response calls for, when waiting cannot fix it.
	 * Typical use, right after a failed call: <pre class="code">
	 * ProviderFeedback feedback = parser.parse(lease.pool(), provider, status, headers, body, Instant.now());
	 * lease.release(CallOutcome.FAILED, feedback);
	 * NonRetryableQuotaException.from(lease.pool(), lease.model(), feedback).ifPresent((ex) -&gt; {
	 *     throw ex;
	 * });
	 * </pre>
	 * @param pool the pool of the model that was called
	 * @param model the model that was called
	 * @param feedback the parsed response
	 * @return the exception for {@link ErrorClass#QUOTA_EXHAUSTED} and
	 * {@link ErrorClass#REQUEST_TOO_LARGE}, empty for every other error class
	 */
	public static Optional<NonRetryableQuotaException> from(String pool, String model, ProviderFeedback feedback) {
		Objects.requireNonNull(feedback, "'feedback' must not be null");
		if (!feedback.getErrorClass().permanent()) {
			return Optional.empty();
		}
		return Optional.of(new NonRetryableQuotaException(pool, model, feedback.getErrorClass(),
				feedback.getErrorMessage().orElse(null)));
	}

	/**
	 * Return the pool of the model that was called.
	 * @return the pool name
	 */
	public String getPool() {
		return this.pool;
	}

	/**
	 * Return the model that was called.
	 * @return the model name
	 */
	public String getModel() {
		return this.model;
	}

	/**
	 * Return why the call can never succeed as it is.
	 * @return {@link ErrorClass#QUOTA_EXHAUSTED} or {@link ErrorClass#REQUEST_TOO_LARGE}
	 */
	public ErrorClass getErrorClass() {
		return this.errorClass;
	}

	/**
	 * Return the provider's own explanation.
	 * @return the message, or {@code null} when the response carried none
	 */
	public String getProviderMessage() {
		return this.providerMessage;
	}

	private static String message(String pool, String model, ErrorClass errorClass, String providerMessage) {
		String what = (errorClass == ErrorClass.REQUEST_TOO_LARGE)
				? "The request is larger than the provider's limit for model '" + model + "' (pool '" + pool
						+ "'): it can never succeed unchanged"
				: "The provider quota behind model '" + model + "' (pool '" + pool
						+ "') is exhausted and does not come back by waiting";
		return (providerMessage != null) ? what + ": " + providerMessage : what;
	}

}
