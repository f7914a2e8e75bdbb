package io.github.llmquota.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.RetryAfterSource;

/**
 * Turns one provider response (status, headers and error body) into a normalised
 * {@link ProviderFeedback}. Thread-safe; one instance can serve every pool.
 * <p>
 * What is read, per provider:
 * <ul>
 * <li>Anthropic: {@code anthropic-ratelimit-*} and {@code anthropic-fast-*} limits with
 * RFC 3339 resets, error types including those of SSE error events after HTTP 200, the
 * monthly spend cap and self-imposed usage limits.</li>
 * <li>OpenAI: {@code x-ratelimit-*} headers with Go-duration resets (the requests limit
 * is reported per minute or per day, whichever its reset implies), project token limits,
 * {@code insufficient_quota}, and requests larger than the whole limit.</li>
 * <li>Azure OpenAI: the same headers without resets, and the provisioned deployment's
 * utilisation.</li>
 * <li>Groq: the same headers, whose requests limit is per day.</li>
 * <li>Gemini and Vertex AI: {@code google.rpc} error details, per-day quotas, models with
 * a limit of 0, and Vertex AI's shared-capacity exhaustion.</li>
 * <li>Bedrock: {@code x-amzn-errortype}. Mistral: {@code ratelimitbysize-*} token limits.
 * Cohere: trial-key headers and the monthly cap.</li>
 * <li>Every provider: {@code retry-after-ms}, {@code retry-after} (seconds, or an HTTP
 * date in any of the three forms RFC 9110 asks recipients to accept), retry hints in the
 * body, {@code x-should-retry}, and the status itself.</li>
 * </ul>
 * Header names are matched ignoring case. Values that cannot be used (garbage, negative,
 * overflowing, {@code inf}, {@code nan}, empty, a remaining above its limit, an HTTP date
 * without a four-digit year) are ignored and passed to the
 * {@link MalformedHeaderReporter}; they never become zero. Delays and resets beyond a
 * ceiling are clamped to it and reported the same way. A count sent twice is read as its
 * lowest value.
 */
public final class ProviderFeedbackParser {

	private static final Log logger = LogFactory.getLog(ProviderFeedbackParser.class);

	/**
	 * The longest server-directed delay the parser passes on by default: five minutes.
	 * Real delays are seconds to a minute (OpenAI's SDK refuses to honour more than two),
	 * and a limit still exhausted after five minutes costs one more 429.
	 */
	public static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(5);

	private static final Map<Provider, ProviderReader> READERS = readers();

	private final MalformedHeaderReporter reporter;

	private final Duration maxDelay;

	private final AtomicBoolean failureLogged = new AtomicBoolean();

	/**
	 * Create a parser that logs malformed headers at WARN, once per pool and header name.
	 * @see MalformedHeaderReporter#warnOncePerPoolAndHeader()
	 */
	public ProviderFeedbackParser() {
		this(MalformedHeaderReporter.warnOncePerPoolAndHeader());
	}

	/**
	 * Create a parser that passes malformed headers to the given reporter and passes on
	 * delays of at most {@link #DEFAULT_MAX_DELAY}.
	 * @param reporter the reporter
	 * @throws NullPointerException if {@code reporter} is {@code null}
	 */
	public ProviderFeedbackParser(MalformedHeaderReporter reporter) {
		this(reporter, DEFAULT_MAX_DELAY);
	}

	/**
	 * Create a parser that passes malformed headers to the given reporter and bounds
	 * server-directed delays. A retry delay longer than {@code maxDelay}
	 * ({@code retry-after} in seconds or as an HTTP date, {@code retry-after-ms}, or a
	 * hint in the body), and a rate-limit reset further away than both {@code maxDelay}
	 * and one day (the longest window of any limit read), is garbage or hostile: it is
	 * reported as malformed and clamped, so that it can never stop a pool for longer.
	 * @param reporter the reporter
	 * @param maxDelay the longest delay passed on as sent, positive
	 * @throws NullPointerException if {@code reporter} or {@code maxDelay} is
	 * {@code null}
	 * @throws IllegalArgumentException if {@code maxDelay} is zero or negative
	 */
	public ProviderFeedbackParser(MalformedHeaderReporter reporter, Duration maxDelay) {
		this.reporter = Objects.requireNonNull(reporter, "'reporter' must not be null");
		this.maxDelay = Objects.requireNonNull(maxDelay, "'maxDelay' must not be null");
		if (maxDelay.isNegative() || maxDelay.isZero()) {
			throw new IllegalArgumentException("'maxDelay' must be positive, was " + maxDelay);
		}
	}

	/**
	 * Parse one response. Never throws for any status, headers or body: whatever cannot
	 * be read is left out of the result, and if parsing fails altogether the result is
	 * classified from the status alone.
	 * @param pool the pool the response belongs to, passed on to the
	 * {@link MalformedHeaderReporter}
	 * @param provider the provider that sent the response; {@link Provider#OTHER} and
	 * {@link Provider#DEEPSEEK} get only the generic reading
	 * @param status the HTTP status; a streamed error after 200 is read from the body
	 * @param headers the response headers by name, in any case, may be {@code null};
	 * Spring's {@code HttpHeaders} and {@code java.net.http.HttpHeaders#map()} fit as
	 * they are
	 * @param body the response body, or just the SSE error event of a stream, may be
	 * {@code null}; bodies over 1 MiB are not read
	 * @param now when the response was received, to resolve relative resets and HTTP-date
	 * retry delays against; the parser never reads a clock itself
	 * @return the feedback, never {@code null}
	 * @throws NullPointerException if {@code pool}, {@code provider} or {@code now} is
	 * {@code null}
	 */
	public ProviderFeedback parse(String pool, Provider provider, int status, Map<String, List<String>> headers,
			String body, Instant now) {
		Objects.requireNonNull(pool, "'pool' must not be null");
		Objects.requireNonNull(provider, "'provider' must not be null");
		Objects.requireNonNull(now, "'now' must not be null");
		try {
			HeaderValues headerValues = new HeaderValues(headers, pool, this.reporter);
			ProviderReader.Response response = new ProviderReader.Response(status, headerValues,
					ErrorBody.parse(body, status), now, this.maxDelay);
			ProviderFeedback.Builder feedback = classifiedByStatus(status);
			feedback.errorMessage(response.body().message());
			READERS.getOrDefault(provider, ProviderReader.NONE).read(response, feedback);
			readRetryAfter(response, feedback);
			applyShouldRetry(headerValues, feedback);
			return feedback.build();
		}
		catch (RuntimeException ex) {
			logFailure(pool, ex);
			return classifiedByStatus(status).build();
		}
	}

	private static ProviderFeedback.Builder classifiedByStatus(int status) {
		ProviderFeedback.Builder feedback = ProviderFeedback.builder(status);
		if (status < 400) {
			return feedback;
		}
		return switch (status) {
			case 402 -> feedback.classify(ErrorClass.QUOTA_EXHAUSTED);
			case 413 -> feedback.classify(ErrorClass.REQUEST_TOO_LARGE);
			case 429 -> feedback.classify(ErrorClass.RATE_LIMITED);
			case 503, 529 -> feedback.classify(ErrorClass.OVERLOADED);
			// Timeouts, conflicts and server errors: every official SDK retries these.
			default -> feedback.classify(ErrorClass.OTHER, status == 408 || status == 409 || status / 100 == 5);
		};
	}

	/**
	 * Take the first valid delay in the precedence every official SDK uses:
	 * {@code retry-after-ms}, then {@code retry-after} as seconds or as an HTTP date,
	 * then hints in the body.
	 */
	private static void readRetryAfter(ProviderReader.Response response, ProviderFeedback.Builder feedback) {
		HeaderValues headers = response.headers();
		Optional<Duration> millis = headers.read("retry-after-ms", ValueParsers::parseMillis);
		if (millis.isPresent()) {
			retryAfter(response, feedback, millis.get(), RetryAfterSource.RETRY_AFTER_MS, "retry-after-ms");
			return;
		}
		String retryAfter = headers.get("retry-after");
		if (retryAfter != null) {
			Optional<Duration> seconds = ValueParsers.parseSeconds(retryAfter);
			if (seconds.isPresent()) {
				retryAfter(response, feedback, seconds.get(), RetryAfterSource.RETRY_AFTER_SECONDS, "retry-after");
				return;
			}
			Optional<Instant> date = ValueParsers.parseHttpDate(retryAfter, response.now());
			if (date.isEmpty()) {
				headers.reportMalformed("retry-after", retryAfter);
			}
			// A date already past is well-formed (the clocks disagree) but asks for
			// nothing.
			else if (!date.get().isBefore(response.now())) {
				retryAfter(response, feedback, Duration.between(response.now(), date.get()),
						RetryAfterSource.RETRY_AFTER_HTTP_DATE, "retry-after");
				return;
			}
		}
		Optional<Duration> retryInfo = response.body().retryInfoDelay();
		if (retryInfo.isPresent()) {
			retryAfter(response, feedback, retryInfo.get(), RetryAfterSource.BODY_RETRY_INFO, "body:RetryInfo");
			return;
		}
		response.body()
			.messageRetryDelay()
			.ifPresent((delay) -> retryAfter(response, feedback, delay, RetryAfterSource.BODY_MESSAGE, "body:message"));
	}

	/**
	 * Record a delay, clamped to the longest one passed on. A longer delay is reported
	 * under the header it came from, or {@code body:} and its place for a body hint, with
	 * the raw header value or the delay as read.
	 */
	private static void retryAfter(ProviderReader.Response response, ProviderFeedback.Builder feedback, Duration delay,
			RetryAfterSource source, String name) {
		if (delay.compareTo(response.maxDelay()) > 0) {
			String raw = response.headers().get(name);
			response.headers().reportMalformed(name, (raw != null) ? raw : delay.toString());
			feedback.retryAfter(response.maxDelay(), source);
		}
		else {
			feedback.retryAfter(delay, source);
		}
	}

	/**
	 * Honour the server's {@code x-should-retry}, which OpenAI's and Anthropic's SDKs
	 * check before anything else. {@code false} always wins; {@code true} cannot make an
	 * exhausted quota or an oversized request worth retrying, because the body said so
	 * explicitly.
	 */
	private static void applyShouldRetry(HeaderValues headers, ProviderFeedback.Builder feedback) {
		Optional<Boolean> shouldRetry = headers.read("x-should-retry", ValueParsers::parseBoolean);
		ErrorClass errorClass = feedback.errorClass();
		if (shouldRetry.isEmpty() || errorClass == ErrorClass.NONE) {
			return;
		}
		if (!shouldRetry.get()) {
			feedback.retryable(false);
		}
		else if (!errorClass.permanent()) {
			feedback.retryable(true);
		}
	}

	// Feedback is advisory: a parser bug must not fail the model call that produced the
	// response, but it must not go unnoticed either.
	private void logFailure(String pool, RuntimeException ex) {
		if (this.failureLogged.compareAndSet(false, true)) {
			logger.warn("Failed to read provider feedback for pool '" + pool
					+ "', using the HTTP status alone. Further failures are logged at DEBUG.", ex);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Failed to read provider feedback for pool '" + pool + "'", ex);
		}
	}

	private static Map<Provider, ProviderReader> readers() {
		Map<Provider, ProviderReader> readers = new EnumMap<>(Provider.class);
		readers.put(Provider.ANTHROPIC, new AnthropicReader());
		readers.put(Provider.OPENAI, new OpenAiReader(Provider.OPENAI));
		readers.put(Provider.AZURE_OPENAI, new OpenAiReader(Provider.AZURE_OPENAI));
		readers.put(Provider.GROQ, new OpenAiReader(Provider.GROQ));
		readers.put(Provider.GEMINI, new GeminiReader());
		readers.put(Provider.BEDROCK, new BedrockReader());
		readers.put(Provider.MISTRAL, new MistralReader());
		readers.put(Provider.COHERE, new CohereReader());
		return readers;
	}

}
