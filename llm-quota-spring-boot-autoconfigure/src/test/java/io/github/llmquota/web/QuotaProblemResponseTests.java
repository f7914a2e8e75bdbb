package io.github.llmquota.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.WithoutSecurity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an HTTP caller of a governed endpoint receives when llm-quota does not admit the
 * call, through a real HTTP client against a real server and a real Redis. The subclasses
 * run the same calls against a Spring MVC and a WebFlux application; each application's
 * {@code GET /ask} acquires quota for {@code model} (with {@code user}, {@code tenant}
 * and {@code inputTokens}, a wait budget of zero) and settles, and {@code GET /exhausted}
 * fails as a call to an exhausted provider account does.
 */
@TestPropertySource(properties = { "llm.quota.safety-margin=0", "llm.quota.pools.chat.provider=openai",
		"llm.quota.pools.chat.requests-per-minute=1", "llm.quota.pools.chat.tokens-per-minute=1000",
		"llm.quota.models.gpt.pool=chat", "llm.quota.models.gpt.provider=openai",
		"llm.quota.pools.users.provider=openai", "llm.quota.pools.users.requests-per-minute=100",
		"llm.quota.models.gpt-users.pool=users", "llm.quota.models.gpt-users.provider=openai",
		"llm.quota.user-limits.users.defaults.requests-per-minute=1",
		// A day's budget of 30 micro-dollars; each call reserves 20 (10 + 10 tokens at 1
		// a
		// token).
		"llm.quota.pools.budgeted.provider=openai", "llm.quota.pools.budgeted.requests-per-minute=100",
		"llm.quota.models.gpt-budget.pool=budgeted", "llm.quota.models.gpt-budget.provider=openai",
		"llm.quota.prices.models.gpt-budget.input=1", "llm.quota.prices.models.gpt-budget.output=1",
		"llm.quota.budgets.daily.amount=0.000030", "llm.quota.budgets.daily.window=day",
		"llm.quota.budgets.daily.applies-to=budgeted", "llm.quota.tenants.limits.acme.tokens-per-minute=100",
		// Spring AI's chat models are on the test classpath, and refuse to start without
		// a key.
		"spring.ai.anthropic.api-key=unused", "spring.ai.openai.api-key=unused", WithoutSecurity.EXCLUDE })
abstract class QuotaProblemResponseTests {

	private static final String PROBLEM_JSON = "application/problem+json";

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		// A prefix of its own per application: each starts with full buckets.
		String prefix = "web" + UUID.randomUUID().toString().substring(0, 8);
		registry.add("spring.data.redis.host", () -> TestRedis.shared().host());
		registry.add("spring.data.redis.port", () -> TestRedis.shared().port());
		registry.add("llm.quota.key-prefix", () -> prefix);
	}

	@Test
	void aCallThatCannotBeAdmittedInTimeIsA429WithRetryAfterRateLimitFieldsAndAProblem() throws Exception {
		assertThat(get("/ask?model=gpt").statusCode()).isEqualTo(200);

		HttpResponse<String> response = get("/ask?model=gpt");

		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith(PROBLEM_JSON));
		// One request a minute, just taken: the next fits in up to 60 seconds.
		long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
		assertThat(retryAfter).isBetween(1L, 60L);
		assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"chat/requests-per-minute\";q=1;w=60");
		assertThat(response.headers().firstValue("RateLimit")).hasValueSatisfying(
				(value) -> assertThat(value).matches("\"chat/requests-per-minute\";r=0;t=([1-5]?[0-9]|60)"));
		DocumentContext body = JsonPath.parse(response.body());
		assertThat(body.read("$.status", Integer.class)).isEqualTo(429);
		assertThat(body.read("$.type", String.class)).isEqualTo(QuotaExceptionHandler.TYPE_PREFIX + "deadline");
		assertThat(body.read("$.title", String.class)).isEqualTo("Model quota not available in time");
		assertThat(body.read("$.detail", String.class)).contains("pool 'chat'");
		assertThat(body.read("$.instance", String.class)).isEqualTo("/ask");
		assertThat(body.read("$.reason", String.class)).isEqualTo("DEADLINE");
		assertThat(body.read("$.pool", String.class)).isEqualTo("chat");
		assertThat(body.read("$.retryable", Boolean.class)).isTrue();
		assertThat(body.read("$.retryAfterSeconds", Long.class)).isEqualTo(retryAfter);
		assertThat(body.read("$.dimension", String.class)).isEqualTo("requests-per-minute");
	}

	@Test
	void aUserOverItsOwnQuotaIsA429WithRetryAfterAndTheFieldsOfTheUsersLimit() throws Exception {
		assertThat(get("/ask?model=gpt-users&user=alice").statusCode()).isEqualTo(200);

		HttpResponse<String> response = get("/ask?model=gpt-users&user=alice");

		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(response.headers().firstValue("Retry-After")).isPresent();
		// The user's own limit binds, not the pool's: the fields name it.
		assertThat(response.headers().firstValue("RateLimit-Policy"))
			.hasValue("\"users/user/requests-per-minute\";q=1;w=60");
		assertThat(response.headers().firstValue("RateLimit")).hasValueSatisfying(
				(value) -> assertThat(value).matches("\"users/user/requests-per-minute\";r=0;t=([1-5]?[0-9]|60)"));
		DocumentContext body = JsonPath.parse(response.body());
		assertThat(body.read("$.reason", String.class)).isEqualTo("USER_LIMIT");
		assertThat(body.read("$.type", String.class)).isEqualTo(QuotaExceptionHandler.TYPE_PREFIX + "user-limit");
		assertThat(body.read("$.dimension", String.class)).isEqualTo("requests-per-minute");
		// Another user of the same pool is not held back.
		assertThat(get("/ask?model=gpt-users&user=bob").statusCode()).isEqualTo(200);
	}

	@Test
	void aCallPastACostBudgetsHardCapIsA429RetryableWhenTheWindowEnds() throws Exception {
		assertThat(get("/ask?model=gpt-budget").statusCode()).isEqualTo(200);

		HttpResponse<String> response = get("/ask?model=gpt-budget");

		assertThat(response.statusCode()).isEqualTo(429);
		// The day's window ends at the next midnight UTC.
		long untilMidnight = Duration
			.between(Instant.now(), LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC))
			.toSeconds();
		long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
		assertThat(retryAfter).isBetween(untilMidnight - 60, untilMidnight + 61);
		assertThat(response.headers().firstValue("RateLimit")).isEmpty();
		DocumentContext body = JsonPath.parse(response.body());
		assertThat(body.read("$.reason", String.class)).isEqualTo("BUDGET_EXHAUSTED");
		assertThat(body.read("$.type", String.class)).isEqualTo(QuotaExceptionHandler.TYPE_PREFIX + "budget-exhausted");
		assertThat(body.read("$.title", String.class)).isEqualTo("Cost budget exhausted");
		assertThat(body.read("$.pool", String.class)).isEqualTo("budgeted");
		assertThat(body.read("$.retryable", Boolean.class)).isTrue();
		assertThat(body.read("$.retryAfterSeconds", Long.class)).isEqualTo(retryAfter);
	}

	@Test
	void aTenantOverItsOwnQuotaIsA429WithRetryAfterAndTheFieldsOfTheTenantsLimit() throws Exception {
		// 90 input and 10 output tokens: the tenant's 100 a minute, all used.
		assertThat(get("/ask?model=gpt-users&tenant=acme&inputTokens=90").statusCode()).isEqualTo(200);

		HttpResponse<String> response = get("/ask?model=gpt-users&tenant=acme&inputTokens=90");

		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(response.headers().firstValue("Retry-After")).isPresent();
		assertThat(response.headers().firstValue("RateLimit-Policy"))
			.hasValue("\"users/tenant/tokens-per-minute\";q=100;qu=\"tokens\";w=60");
		assertThat(response.headers().firstValue("RateLimit")).hasValueSatisfying((value) -> assertThat(value)
			.matches("\"users/tenant/tokens-per-minute\";r=[0-9]{1,2};t=([1-5]?[0-9]|60)"));
		DocumentContext body = JsonPath.parse(response.body());
		assertThat(body.read("$.reason", String.class)).isEqualTo("TENANT_LIMIT");
		assertThat(body.read("$.type", String.class)).isEqualTo(QuotaExceptionHandler.TYPE_PREFIX + "tenant-limit");
		assertThat(body.read("$.dimension", String.class)).isEqualTo("tokens-per-minute");
		// Another tenant of the same pool is not held back.
		assertThat(get("/ask?model=gpt-users&tenant=globex&inputTokens=90").statusCode()).isEqualTo(200);
	}

	@Test
	void aCallLargerThanAProviderLimitIsA413WithoutRetryAfter() throws Exception {
		HttpResponse<String> response = get("/ask?model=gpt&inputTokens=5000");

		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(response.headers().firstValue("Retry-After")).isEmpty();
		assertThat(response.headers().firstValue("RateLimit")).isEmpty();
		DocumentContext body = JsonPath.parse(response.body());
		assertThat(body.read("$.reason", String.class)).isEqualTo("CANNOT_FIT");
		assertThat(body.read("$.retryable", Boolean.class)).isFalse();
	}

	@Test
	void anExhaustedProviderAccountIsA503WithoutRetryAfter() throws Exception {
		HttpResponse<String> response = get("/exhausted");

		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Retry-After")).isEmpty();
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith(PROBLEM_JSON));
		DocumentContext body = JsonPath.parse(response.body());
		assertThat(body.read("$.reason", String.class)).isEqualTo("QUOTA_EXHAUSTED");
		assertThat(body.read("$.model", String.class)).isEqualTo("gpt");
		assertThat(body.read("$.retryable", Boolean.class)).isFalse();
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(30))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

	}

	static QuotaRequest request(String model, String user, String tenant, long inputTokens) {
		return QuotaRequest.builder(model)
			.user(user)
			.tenant(tenant)
			.inputTokens(inputTokens)
			.maxOutputTokens(10)
			.maxWait(Duration.ZERO)
			.build();
	}

	static NonRetryableQuotaException exhausted() {
		return new NonRetryableQuotaException("chat", "gpt", ErrorClass.QUOTA_EXHAUSTED, "spend limit reached");
	}

}
