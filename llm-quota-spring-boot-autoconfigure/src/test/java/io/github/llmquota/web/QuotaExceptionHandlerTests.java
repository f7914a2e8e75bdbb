package io.github.llmquota.web;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.fallback.FallbackAttempt;
import io.github.llmquota.fallback.FallbackExhaustedException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status, {@code Retry-After} and body of each exception
 * {@link QuotaExceptionHandler} answers, for the cases the HTTP tests do not drive
 * through an engine. Without an engine there are never {@code RateLimit} fields.
 */
class QuotaExceptionHandlerTests {

	private final QuotaExceptionHandler handler = new QuotaExceptionHandler(null);

	@Test
	void quotaStateThatCannotBeReachedIsA503WithRetryAfter() {
		ResponseEntity<ProblemDetail> response = this.handler.handleQuotaRejected(new QuotaRejectedException("chat",
				RejectionReason.UNAVAILABLE, Duration.ofSeconds(5), "Redis is unreachable"));

		assertThat(response.getStatusCode().value()).isEqualTo(503);
		assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
		assertThat(response.getHeaders().containsKey(RateLimitFields.RATE_LIMIT)).isFalse();
		assertThat(response.getBody().getType()).hasToString(QuotaExceptionHandler.TYPE_PREFIX + "unavailable");
		assertThat(response.getBody().getProperties()).containsEntry("reason", "UNAVAILABLE")
			.containsEntry("retryable", true);
	}

	@Test
	void aCancelledWaitIsA503() {
		ResponseEntity<ProblemDetail> response = this.handler.handleQuotaRejected(
				new QuotaRejectedException("chat", RejectionReason.CANCELLED, null, "The engine stopped"));

		assertThat(response.getStatusCode().value()).isEqualTo(503);
		assertThat(response.getHeaders().containsKey(HttpHeaders.RETRY_AFTER)).isFalse();
	}

	@Test
	void aPausedClassIsA503WithoutRetryAfter() {
		ResponseEntity<ProblemDetail> response = this.handler.handleQuotaRejected(
				new QuotaRejectedException("chat", RejectionReason.PAUSED, null, "Class BACKGROUND is paused"));

		assertThat(response.getStatusCode().value()).isEqualTo(503);
		assertThat(response.getHeaders().containsKey(HttpHeaders.RETRY_AFTER)).isFalse();
		assertThat(response.getBody().getTitle()).isEqualTo("Priority class paused by an operator");
	}

	@Test
	void retryAfterRoundsUpToWholeSecondsAndIsAtLeastOne() {
		assertThat(retryAfter(Duration.ofMillis(1200))).isEqualTo("2");
		assertThat(retryAfter(Duration.ofMillis(3000))).isEqualTo("3");
		assertThat(retryAfter(Duration.ZERO)).isEqualTo("1");
	}

	@Test
	void anExhaustedFallbackChainIsA429NamingTheChain() {
		FallbackExhaustedException ex = new FallbackExhaustedException("chat", "sonnet", Duration.ofSeconds(1),
				List.of(new FallbackAttempt("sonnet-model", "sonnet", FallbackAttempt.Outcome.REJECTED,
						RejectionReason.DEADLINE, Duration.ofSeconds(4), "busy")));

		ResponseEntity<ProblemDetail> response = this.handler.handleQuotaRejected(ex);

		assertThat(response.getStatusCode().value()).isEqualTo(429);
		assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("4");
		assertThat(response.getBody().getProperties()).containsEntry("chain", "chat")
			.containsEntry("pool", "sonnet")
			.containsEntry("reason", "DEADLINE");
	}

	@Test
	void aRequestTooLargeForTheModelIsA413WithoutRetryAfter() {
		ResponseEntity<ProblemDetail> response = this.handler.handleNonRetryable(
				new NonRetryableQuotaException("chat", "gpt", ErrorClass.REQUEST_TOO_LARGE, "prompt is too long"));

		assertThat(response.getStatusCode().value()).isEqualTo(413);
		assertThat(response.getHeaders().containsKey(HttpHeaders.RETRY_AFTER)).isFalse();
		assertThat(response.getBody().getType()).hasToString(QuotaExceptionHandler.TYPE_PREFIX + "request-too-large");
		assertThat(response.getBody().getProperties()).containsEntry("model", "gpt").containsEntry("retryable", false);
	}

	private String retryAfter(Duration retryAfter) {
		return this.handler
			.handleQuotaRejected(new QuotaRejectedException("chat", RejectionReason.QUEUE_FULL, retryAfter, "full"))
			.getHeaders()
			.getFirst(HttpHeaders.RETRY_AFTER);
	}

}
