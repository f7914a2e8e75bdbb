package io.github.llmquota.aop;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.HttpClientErrorException;

import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.usage.LlmUsage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What an annotated call's HTTP answer says about the provider's limits reaches the
 * shared state without any code of the caller: a 429 thrown by Spring's HTTP client cools
 * the pool down, and rate-limit headers on a {@link ResponseEntity} tighten it. Runs at
 * the default 10 % safety margin, which every remaining figure from the provider is
 * reduced by.
 */
class LlmRateLimitedFeedbackTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
				LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class))
		.withBean(Provider.class)
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(),
				"llm.quota.key-prefix=fb" + UUID.randomUUID().toString().substring(0, 6),
				"llm.quota.default-priority=CRITICAL", "llm.quota.models.claude.provider=anthropic",
				"llm.quota.models.claude.requests-per-minute=1000",
				"llm.quota.models.claude.input-tokens-per-minute=100000");

	@Test
	void rateLimitErrorFromTheHttpClientCoolsThePoolDownForTheNextCaller() {
		this.runner.run((context) -> {
			Provider provider = context.getBean(Provider.class);
			assertThatExceptionOfType(HttpClientErrorException.class).isThrownBy(() -> provider.tooManyRequests(30));

			assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> provider.answer(10, 0))
				.satisfies((ex) -> {
					assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE);
					assertThat(ex.getRetryAfter()).isGreaterThan(Duration.ofSeconds(25));
				});
		});
	}

	@Test
	void retryAfterBeyondTheMaxCooldownCoolsThePoolDownOnlyForTheMaxCooldown() {
		this.runner.withPropertyValues("llm.quota.feedback.max-cooldown=20s").run((context) -> {
			Provider provider = context.getBean(Provider.class);
			assertThatExceptionOfType(HttpClientErrorException.class)
				.isThrownBy(() -> provider.tooManyRequests(9_000_000_000L));

			assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> provider.answer(10, 0))
				.satisfies((ex) -> assertThat(ex.getRetryAfter()).isGreaterThan(Duration.ofSeconds(15))
					.isLessThanOrEqualTo(Duration.ofSeconds(20)));
		});
	}

	@Test
	void rateLimitHeadersOnAResponseEntityTightenThePoolToTheRemainingLessTheSafetyMargin() {
		this.runner.run((context) -> {
			Provider provider = context.getBean(Provider.class);
			// The provider says 40,000 input tokens remain: another client shares the
			// org. The margin keeps 10,000 of the 100,000 limit unused, so 30,000 are
			// left to plan with, and the 10,000 between them take 6.7 s to refill.
			assertThat(provider.answer(1_000, 40_000).getBody().inputTokens()).isEqualTo(1_000);

			assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> provider.answer(40_000, 0));
			assertThat(provider.answer(29_000, 0).getStatusCode().is2xxSuccessful()).isTrue();
		});
	}

	record Reply(long inputTokens, long outputTokens) implements LlmUsage {
	}

	static class Provider {

		@LlmRateLimited(model = "claude", inputTokens = "#input", maxWait = "0s")
		public ResponseEntity<Reply> answer(long input, long remaining) {
			HttpHeaders headers = new HttpHeaders();
			if (remaining > 0) {
				headers.add("anthropic-ratelimit-input-tokens-limit", "100000");
				headers.add("anthropic-ratelimit-input-tokens-remaining", Long.toString(remaining));
			}
			return ResponseEntity.ok().headers(headers).body(new Reply(input, 0));
		}

		@LlmRateLimited(model = "claude", inputTokens = "1", maxWait = "0s")
		public ResponseEntity<Reply> tooManyRequests(long retryAfterSeconds) {
			HttpHeaders headers = new HttpHeaders();
			headers.add("retry-after", Long.toString(retryAfterSeconds));
			throw HttpClientErrorException.create(HttpStatus.TOO_MANY_REQUESTS, "Too Many Requests", headers,
					"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}"
						.getBytes(),
					null);
		}

	}

}
