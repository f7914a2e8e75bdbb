package io.github.llmquota.sample.chat;

import java.time.Duration;

import com.anthropic.errors.AnthropicException;
import com.anthropic.errors.AnthropicServiceException;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.QuotaRejectedException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;

/**
 * Turns what can go wrong with a model call into RFC 9457 problem responses, each with a
 * {@code reason}:
 * <ul>
 * <li>a quota rejection: 429, with {@code Retry-After} when a retry can succeed, and the
 * engine's reason ({@code DEADLINE}, {@code QUEUE_FULL}, {@code SHED}, ...);</li>
 * <li>a provider 429 that got through: 429 with the provider's {@code retry-after},
 * reason {@code PROVIDER_RATE_LIMITED};</li>
 * <li>an error no wait can fix: 413 for a request too large for the model
 * ({@code REQUEST_TOO_LARGE}), 503 for an exhausted account quota such as a spend limit
 * ({@code QUOTA_EXHAUSTED}), without {@code Retry-After};</li>
 * <li>any other provider error, or no answer: 502, reason {@code PROVIDER_ERROR} or
 * {@code PROVIDER_UNREACHABLE}.</li>
 * </ul>
 * Provider errors are read alike from Spring's {@code RestClient} exceptions and from the
 * Anthropic SDK's, whichever {@code sample.provider.client} is.
 */
@RestControllerAdvice
class ChatExceptionHandler {

	@ExceptionHandler
	ResponseEntity<ProblemDetail> quotaRejected(QuotaRejectedException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, ex.getMessage());
		problem.setTitle("Model quota exhausted");
		problem.setProperty("reason", ex.getReason().name());
		problem.setProperty("pool", ex.getPool());
		problem.setProperty("retryable", ex.isRetryable());
		ResponseEntity.BodyBuilder response = ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS);
		if (ex.getRetryAfter() != null) {
			long seconds = retryAfterSeconds(ex.getRetryAfter());
			problem.setProperty("retryAfterSeconds", seconds);
			response.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
		}
		return response.body(problem);
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> nonRetryable(NonRetryableQuotaException ex) {
		HttpStatus status = (ex.getErrorClass() == ErrorClass.REQUEST_TOO_LARGE) ? HttpStatus.PAYLOAD_TOO_LARGE
				: HttpStatus.SERVICE_UNAVAILABLE;
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, ex.getMessage());
		problem.setTitle("Model call cannot succeed");
		problem.setProperty("reason", ex.getErrorClass().name());
		problem.setProperty("pool", ex.getPool());
		problem.setProperty("retryable", false);
		return ResponseEntity.status(status).body(problem);
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> providerError(RestClientResponseException ex) {
		return providerError(ex.getStatusCode().value(),
				(ex.getResponseHeaders() != null) ? ex.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER) : null);
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> providerError(AnthropicServiceException ex) {
		return providerError(ex.statusCode(),
				ex.headers().values(HttpHeaders.RETRY_AFTER).stream().findFirst().orElse(null));
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> providerUnreachable(RestClientException ex) {
		return providerUnreachable(ex.getMessage());
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> providerUnreachable(AnthropicException ex) {
		return providerUnreachable(ex.getMessage());
	}

	private static ResponseEntity<ProblemDetail> providerError(int providerStatus, @Nullable String retryAfter) {
		boolean rateLimited = providerStatus == HttpStatus.TOO_MANY_REQUESTS.value();
		HttpStatus status = rateLimited ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.BAD_GATEWAY;
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status,
				"The model provider answered " + providerStatus);
		problem.setTitle(rateLimited ? "Model provider rate limit" : "Model provider error");
		problem.setProperty("reason", rateLimited ? "PROVIDER_RATE_LIMITED" : "PROVIDER_ERROR");
		problem.setProperty("providerStatus", providerStatus);
		ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
		if (rateLimited && retryAfter != null) {
			response.header(HttpHeaders.RETRY_AFTER, retryAfter);
		}
		return response.body(problem);
	}

	private static ResponseEntity<ProblemDetail> providerUnreachable(String message) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY,
				"The model provider could not be reached: " + message);
		problem.setTitle("Model provider unreachable");
		problem.setProperty("reason", "PROVIDER_UNREACHABLE");
		return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body(problem);
	}

	// Retry-After has whole seconds; rounding down would invite a retry that is refused
	// again.
	private static long retryAfterSeconds(Duration retryAfter) {
		long millis = Math.max(retryAfter.toMillis(), 1);
		return (millis + 999) / 1000;
	}

}
