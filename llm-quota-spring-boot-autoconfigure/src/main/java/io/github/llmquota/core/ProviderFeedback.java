package io.github.llmquota.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * What one provider response says about the caller's rate limits, normalised across
 * providers: a {@link DimensionReading} per reported {@link Dimension}, the
 * server-directed retry delay, and the {@link ErrorClass} with whether retrying can help.
 * Immutable and thread-safe.
 * <p>
 * Everything is optional because every provider reports something different: Gemini and
 * Bedrock send no rate-limit headers at all, and most providers send a retry delay only
 * with a 429.
 * <p>
 * The {@code ProviderFeedbackParser} of the provider package reads one from a response; a
 * {@link #builder(int) builder} makes one by hand, for an SDK's typed error or for a
 * test.
 */
public final class ProviderFeedback {

	private static final ProviderFeedback NONE = builder(0).build();

	private final int status;

	private final Map<Dimension, DimensionReading> readings;

	private final Map<Dimension, DimensionReading> ownReadings;

	private final Map<ProviderScope, Map<Dimension, DimensionReading>> scopeReadings;

	private final Duration retryAfter;

	private final RetryAfterSource retryAfterSource;

	private final ErrorClass errorClass;

	private final boolean retryable;

	private final Double utilization;

	private final String errorMessage;

	private final Dimension limitedDimension;

	private ProviderFeedback(Builder builder) {
		this.status = builder.status;
		this.readings = builder.readings.isEmpty() ? Collections.emptyMap()
				: Collections.unmodifiableMap(new EnumMap<>(builder.readings));
		this.ownReadings = builder.ownReadings.isEmpty() ? Collections.emptyMap()
				: Collections.unmodifiableMap(new EnumMap<>(builder.ownReadings));
		Map<ProviderScope, Map<Dimension, DimensionReading>> scoped = new EnumMap<>(ProviderScope.class);
		builder.scopeReadings
			.forEach((scope, readings) -> scoped.put(scope, Collections.unmodifiableMap(new EnumMap<>(readings))));
		this.scopeReadings = scoped.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(scoped);
		this.retryAfter = builder.retryAfter;
		this.retryAfterSource = builder.retryAfterSource;
		this.errorClass = builder.errorClass;
		this.retryable = builder.retryable;
		this.utilization = builder.utilization;
		this.errorMessage = builder.errorMessage;
		this.limitedDimension = builder.limitedDimension;
	}

	/**
	 * Return feedback that says nothing: status 0, no readings, no retry delay,
	 * {@link ErrorClass#NONE} and not retryable. Useful when no response arrived at all.
	 * @return the empty feedback
	 */
	public static ProviderFeedback none() {
		return NONE;
	}

	/**
	 * Return a builder of the feedback of one response.
	 * @param status the HTTP status of the response, or 0 when no response arrived
	 * @return a new builder that holds no reading, no retry delay and
	 * {@link ErrorClass#NONE}
	 */
	public static Builder builder(int status) {
		return new Builder(status);
	}

	/**
	 * Return the HTTP status of the response, as passed to the parser.
	 * @return the status, or 0 for {@link #none()}
	 */
	public int getStatus() {
		return this.status;
	}

	/**
	 * Return the readings of every dimension the response reported.
	 * @return an unmodifiable map, empty when the response carried no rate-limit
	 * information
	 */
	public Map<Dimension, DimensionReading> getReadings() {
		return this.readings;
	}

	/**
	 * Return the reading of one dimension.
	 * @param dimension the dimension
	 * @return the reading, or empty if the response did not report that dimension
	 */
	public Optional<DimensionReading> getReading(Dimension dimension) {
		return Optional.ofNullable(this.readings.get(dimension));
	}

	/**
	 * Return the readings of the limits the provider sets at one level: those of the
	 * model or API key itself ({@code null}), or of an organisation, project or
	 * workspace. {@link #getReadings()} is the tightest of them all per dimension.
	 * @param scope the level, or {@code null} for the model's or key's own limits
	 * @return the readings by dimension, possibly empty, never {@code null}
	 */
	public Map<Dimension, DimensionReading> getReadings(ProviderScope scope) {
		return (scope != null) ? this.scopeReadings.getOrDefault(scope, Collections.emptyMap()) : this.ownReadings;
	}

	/**
	 * Return the tightest reading per dimension of the model's or key's own limits and of
	 * every level but the given ones: what a pool takes when scopes above it take the
	 * readings of those levels.
	 * @param taken the levels whose readings go elsewhere
	 * @return the readings by dimension, possibly empty, never {@code null}
	 */
	public Map<Dimension, DimensionReading> getReadingsWithout(Set<ProviderScope> taken) {
		if (taken.isEmpty() || this.scopeReadings.keySet().stream().noneMatch(taken::contains)) {
			return this.readings;
		}
		Map<Dimension, DimensionReading> tightest = new EnumMap<>(Dimension.class);
		this.ownReadings.forEach((dimension, reading) -> Builder.tighter(tightest, dimension, reading));
		this.scopeReadings.forEach((scope, readings) -> {
			if (!taken.contains(scope)) {
				readings.forEach((dimension, reading) -> Builder.tighter(tightest, dimension, reading));
			}
		});
		return Collections.unmodifiableMap(tightest);
	}

	/**
	 * Return how long the provider asked the caller to wait before the next attempt,
	 * rounded up to whole milliseconds so that honouring it never retries early. It is
	 * reported as the provider sent it, also on a non-retryable error (Gemini sends a
	 * hint even when the model has no quota at all), and may be zero; flooring is the
	 * caller's policy. The parser reports a delay longer than its maximum as malformed
	 * and clamps it to that maximum.
	 * @return the delay, never negative and at most the parser's maximum, or empty if the
	 * response carried no valid one
	 * @see #getRetryAfterSource()
	 */
	public Optional<Duration> getRetryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

	/**
	 * Return where {@link #getRetryAfter()} was read from.
	 * @return the source, present exactly when the retry delay is present
	 */
	public Optional<RetryAfterSource> getRetryAfterSource() {
		return Optional.ofNullable(this.retryAfterSource);
	}

	/**
	 * Return what kind of failure the response reports.
	 * @return the error class, {@link ErrorClass#NONE} for a successful response
	 */
	public ErrorClass getErrorClass() {
		return this.errorClass;
	}

	/**
	 * Whether sending the same request again later can succeed. This is what a correct
	 * limiter should do, which is stricter than the official SDKs: they retry every 429,
	 * including {@code insufficient_quota} and spend limits. A server's
	 * {@code x-should-retry: false} always makes this {@code false}.
	 * @return whether the request is worth retrying; {@code false} when there was no
	 * error
	 */
	public boolean isRetryable() {
		return this.retryable;
	}

	/**
	 * Whether the response says the model is unhealthy: its error class
	 * {@link ErrorClass#countsAsHealthFailure() counts as a health failure}, or the
	 * status is a server error (5xx) whatever the class.
	 * @return whether a circuit breaker should record a failure
	 */
	public boolean isHealthFailure() {
		return this.errorClass.countsAsHealthFailure() || this.status >= 500;
	}

	/**
	 * Return the utilisation of an Azure OpenAI provisioned (PTU) deployment, from the
	 * {@code azure-openai-deployment-utilization} header.
	 * @return the utilisation in percent as sent (it can exceed 100 during bursts), or
	 * empty if not reported or implausible (negative or above 1000)
	 */
	public OptionalDouble getUtilization() {
		return (this.utilization != null) ? OptionalDouble.of(this.utilization) : OptionalDouble.empty();
	}

	/**
	 * Return the error message of the response body, such as OpenAI's "You exceeded your
	 * current quota" or Gemini's "limit: 0" explanation, for people to read: control
	 * characters are replaced and it is cut to 500 characters.
	 * @return the message, or empty when the body carried none
	 */
	public Optional<String> getErrorMessage() {
		return Optional.ofNullable(this.errorMessage);
	}

	/**
	 * Return the dimension that ran out, when a rate-limit error names it only in its
	 * message, as Anthropic's "would exceed the rate limit ... of 50,000 input tokens per
	 * minute" and Azure OpenAI's "exceeded token rate limit" do. Headers, where sent, say
	 * the same through a reading with nothing remaining.
	 * @return the dimension, or empty when the response named none this parser knows
	 */
	public Optional<Dimension> getLimitedDimension() {
		return Optional.ofNullable(this.limitedDimension);
	}

	@Override
	public boolean equals(Object obj) {
		if (this == obj) {
			return true;
		}
		if (!(obj instanceof ProviderFeedback other)) {
			return false;
		}
		return this.status == other.status && this.retryable == other.retryable && this.readings.equals(other.readings)
				&& this.ownReadings.equals(other.ownReadings) && this.scopeReadings.equals(other.scopeReadings)
				&& Objects.equals(this.retryAfter, other.retryAfter) && this.retryAfterSource == other.retryAfterSource
				&& this.errorClass == other.errorClass && Objects.equals(this.utilization, other.utilization)
				&& Objects.equals(this.errorMessage, other.errorMessage)
				&& this.limitedDimension == other.limitedDimension;
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.status, this.readings, this.scopeReadings, this.retryAfter, this.retryAfterSource,
				this.errorClass, this.retryable, this.utilization, this.errorMessage, this.limitedDimension);
	}

	@Override
	public String toString() {
		return "ProviderFeedback[status=" + this.status + ", errorClass=" + this.errorClass + ", retryable="
				+ this.retryable + ", retryAfter=" + this.retryAfter + ", retryAfterSource=" + this.retryAfterSource
				+ ", readings=" + this.readings
				+ (this.scopeReadings.isEmpty() ? "" : ", scopeReadings=" + this.scopeReadings) + ", utilization="
				+ this.utilization + ", limitedDimension=" + this.limitedDimension + "]";
	}

	/**
	 * Collects what a reader learns about one response, such as the provider readers of
	 * {@code io.github.llmquota.provider}. Not thread-safe: one builder serves one
	 * response.
	 */
	public static final class Builder {

		private static final int MAX_MESSAGE_LENGTH = 500;

		private final int status;

		private final Map<Dimension, DimensionReading> readings = new EnumMap<>(Dimension.class);

		private final Map<Dimension, DimensionReading> ownReadings = new EnumMap<>(Dimension.class);

		private final Map<ProviderScope, Map<Dimension, DimensionReading>> scopeReadings = new EnumMap<>(
				ProviderScope.class);

		private Duration retryAfter;

		private RetryAfterSource retryAfterSource;

		private ErrorClass errorClass = ErrorClass.NONE;

		private boolean retryable;

		private Double utilization;

		private String errorMessage;

		private Dimension limitedDimension;

		private Builder(int status) {
			this.status = status;
		}

		/**
		 * Record what kind of failure the response reports, retryable as the class says
		 * ({@link ErrorClass#retryable()}). A later call replaces an earlier one, so that
		 * a provider's error code can refine what its status said.
		 * @param errorClass the error class
		 * @return this builder
		 * @see #classify(ErrorClass, boolean)
		 */
		public Builder classify(ErrorClass errorClass) {
			return classify(errorClass, errorClass.retryable());
		}

		/**
		 * Record what kind of failure the response reports, for a class whose errors are
		 * not all alike, such as {@link ErrorClass#OTHER}: a server error is worth
		 * retrying, an invalid request is not. A later call replaces an earlier one.
		 * @param errorClass the error class
		 * @param retryable whether sending the same request again later can succeed
		 * @return this builder
		 */
		public Builder classify(ErrorClass errorClass, boolean retryable) {
			this.errorClass = errorClass;
			this.retryable = retryable;
			return this;
		}

		/**
		 * Return the error class recorded so far.
		 * @return the error class, {@link ErrorClass#NONE} until one is recorded
		 */
		public ErrorClass errorClass() {
			return this.errorClass;
		}

		/**
		 * Record whether sending the same request again later can succeed, keeping the
		 * error class.
		 * @param retryable whether the request is worth retrying
		 * @return this builder
		 */
		public Builder retryable(boolean retryable) {
			this.retryable = retryable;
			return this;
		}

		/**
		 * Whether a reading of a dimension was recorded.
		 * @param dimension the dimension
		 * @return whether one was
		 */
		public boolean hasReading(Dimension dimension) {
			return this.readings.containsKey(dimension);
		}

		/**
		 * Record a reading unless all of its parts are absent. When a dimension is
		 * reported twice, the tighter reading wins.
		 * @param dimension the dimension the reading is of
		 * @param limit the limit, or {@code null} if not reported
		 * @param remaining what is left of the limit, or {@code null} if not reported
		 * @param resetAt when the limit is fully available again, or {@code null} if not
		 * reported
		 * @return this builder
		 * @throws IllegalArgumentException if {@code limit} or {@code remaining} is
		 * negative
		 */
		public Builder reading(Dimension dimension, Long limit, Long remaining, Instant resetAt) {
			return reading(null, dimension, limit, remaining, resetAt);
		}

		/**
		 * Record a reading of a limit the provider sets at a level above the model or
		 * key, unless all of its parts are absent. It counts in
		 * {@link ProviderFeedback#getReadings()} as any reading does, and is kept apart
		 * under its level ({@link ProviderFeedback#getReadings(ProviderScope)}), so that
		 * a scope that mirrors the level can take it instead of the pool.
		 * @param scope the level, or {@code null} for the model's or key's own limit
		 * @param dimension the dimension the reading is of
		 * @param limit the limit, or {@code null} if not reported
		 * @param remaining what is left of the limit, or {@code null} if not reported
		 * @param resetAt when the limit is fully available again, or {@code null} if not
		 * reported
		 * @return this builder
		 * @throws IllegalArgumentException if {@code limit} or {@code remaining} is
		 * negative
		 */
		public Builder reading(ProviderScope scope, Dimension dimension, Long limit, Long remaining, Instant resetAt) {
			DimensionReading reading = new DimensionReading(limit, remaining, resetAt);
			if (!reading.isEmpty()) {
				tighter(this.readings, dimension, reading);
				tighter((scope != null)
						? this.scopeReadings.computeIfAbsent(scope, (key) -> new EnumMap<>(Dimension.class))
						: this.ownReadings, dimension, reading);
			}
			return this;
		}

		private static void tighter(Map<Dimension, DimensionReading> readings, Dimension dimension,
				DimensionReading reading) {
			readings.merge(dimension, reading, (existing, added) -> added.isTighterThan(existing) ? added : existing);
		}

		/**
		 * Record how long the provider asked the caller to wait, rounded up to whole
		 * milliseconds.
		 * @param retryAfter the delay, not negative
		 * @param source where it was read from
		 * @return this builder
		 */
		public Builder retryAfter(Duration retryAfter, RetryAfterSource source) {
			Duration wholeMillis = Duration.ofMillis(retryAfter.toMillis());
			this.retryAfter = wholeMillis.equals(retryAfter) ? retryAfter : wholeMillis.plusMillis(1);
			this.retryAfterSource = source;
			return this;
		}

		/**
		 * Record the dimension that a rate-limit error names as run out.
		 * @param dimension the dimension
		 * @return this builder
		 */
		public Builder limitedDimension(Dimension dimension) {
			this.limitedDimension = dimension;
			return this;
		}

		/**
		 * Record the utilisation of an Azure OpenAI provisioned deployment.
		 * @param utilization the utilisation in percent, as sent
		 * @return this builder
		 */
		public Builder utilization(double utilization) {
			this.utilization = utilization;
			return this;
		}

		/**
		 * Record the body's error message, made safe to log: it is the provider's text,
		 * but a proxy or an attacker may have written it. Control characters are replaced
		 * and it is cut to 500 characters.
		 * @param message the message, or {@code null} or blank for none
		 * @return this builder
		 */
		public Builder errorMessage(String message) {
			if (message != null && !message.isBlank()) {
				String clean = message.strip().replaceAll("\\p{Cntrl}", " ");
				this.errorMessage = (clean.length() <= MAX_MESSAGE_LENGTH) ? clean
						: clean.substring(0, MAX_MESSAGE_LENGTH) + "...";
			}
			return this;
		}

		/**
		 * Return the feedback collected so far.
		 * @return the immutable feedback
		 */
		public ProviderFeedback build() {
			return new ProviderFeedback(this);
		}

	}

}
