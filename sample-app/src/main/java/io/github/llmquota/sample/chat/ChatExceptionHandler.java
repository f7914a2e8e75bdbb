package io.github.llmquota.sample.chat;

import com.anthropic.errors.AnthropicException;
import com.anthropic.errors.AnthropicServiceException;

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
 * Turns what a model provider answered, or its silence, into RFC 9457 problem responses,
 * each with a {@code reason}:
 * <ul>
 * <li>a provider 429 that got through: 429 with the provider's {@code retry-after},
 * reason {@code PROVIDER_RATE_LIMITED};</li>
 * <li>any other provider error, or no answer: 502, reason {@code PROVIDER_ERROR} or
 * {@code PROVIDER_UNREACHABLE}.</li>
 * </ul>
 * Quota rejections and errors no wait can fix are llm-quota's own contract
 * ({@code io.github.llmquota.web.QuotaExceptionHandler}): 429, 413 or 503 with
 * {@code Retry-After} and the {@code RateLimit} fields. Provider errors are read alike
 * from Spring's {@code RestClient} exceptions and from the Anthropic SDK's, whichever
 * {@code sample.provider.client} is.
 */
@RestControllerAdvice
class ChatExceptionHandler {

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

}
