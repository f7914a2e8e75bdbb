package io.github.llmquota.core;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the answers an {@link ErrorClass} gives.
 */
class ErrorClassTests {

	@Test
	void onlyRateLimitsAndExhaustedQuotasCutThePoolsQuota() {
		assertThat(answeringYes(ErrorClass::cutsQuota)).containsExactlyInAnyOrder(ErrorClass.RATE_LIMITED,
				ErrorClass.QUOTA_EXHAUSTED);
	}

	@Test
	void onlyOverloadCountsAsAHealthFailureWhateverTheStatus() {
		assertThat(answeringYes(ErrorClass::countsAsHealthFailure)).containsExactly(ErrorClass.OVERLOADED);
	}

	@Test
	void onlyRateLimitsAndOverloadsAreAlwaysWorthRetryingAfterWaiting() {
		assertThat(answeringYes(ErrorClass::retryable)).containsExactlyInAnyOrder(ErrorClass.RATE_LIMITED,
				ErrorClass.OVERLOADED);
	}

	@Test
	void onlyExhaustedQuotasAndOversizedRequestsCanNeverSucceedByWaiting() {
		assertThat(answeringYes(ErrorClass::permanent)).containsExactlyInAnyOrder(ErrorClass.QUOTA_EXHAUSTED,
				ErrorClass.REQUEST_TOO_LARGE);
	}

	@Test
	void anOverloadOrAServerErrorOfAnyClassIsAHealthFailureAndNothingElseIs() {
		assertThat(feedback(529, ErrorClass.OVERLOADED).isHealthFailure()).isTrue();
		assertThat(feedback(503, ErrorClass.OTHER).isHealthFailure()).isTrue();
		assertThat(feedback(500, ErrorClass.OTHER).isHealthFailure()).isTrue();
		assertThat(feedback(429, ErrorClass.RATE_LIMITED).isHealthFailure()).isFalse();
		assertThat(feedback(402, ErrorClass.QUOTA_EXHAUSTED).isHealthFailure()).isFalse();
		assertThat(feedback(400, ErrorClass.OTHER).isHealthFailure()).isFalse();
		assertThat(feedback(200, ErrorClass.NONE).isHealthFailure()).isFalse();
		assertThat(ProviderFeedback.none().isHealthFailure()).isFalse();
	}

	private static Set<ErrorClass> answeringYes(Predicate<ErrorClass> question) {
		Set<ErrorClass> yes = EnumSet.noneOf(ErrorClass.class);
		for (ErrorClass errorClass : ErrorClass.values()) {
			if (question.test(errorClass)) {
				yes.add(errorClass);
			}
		}
		return yes;
	}

	private static ProviderFeedback feedback(int status, ErrorClass errorClass) {
		return ProviderFeedback.builder(status).classify(errorClass).build();
	}

}
