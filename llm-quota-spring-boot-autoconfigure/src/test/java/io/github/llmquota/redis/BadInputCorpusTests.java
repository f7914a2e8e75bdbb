package io.github.llmquota.redis;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Hostile values at every public entry point of the engine: each gets a clear exception
 * or is handled, and Redis ends clean, with no raw input in any key and no ticket or
 * lease left. Hostile provider headers and bodies are covered by
 * {@code HostileInputTests}, hostile SpEL by the aspect's tests.
 */
class BadInputCorpusTests {

	private static final String PREFIX = "bad" + UUID.randomUUID().toString().substring(0, 6);

	private static LettuceConnectionFactory factory;

	private static DefaultQuotaEngine engine;

	@BeforeAll
	static void start() {
		QuotaSettings settings = TestSettings.pool("bad")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1_000)
			.limit(Dimension.TOKENS_PER_MINUTE, 1_000_000)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 100)
			.build();
		factory = TestRedis.shared().connectionFactory();
		engine = new DefaultQuotaEngine(settings, new RedisQuotaStore(factory, settings, PREFIX));
	}

	@AfterAll
	static void stop() {
		engine.close();
		factory.destroy();
	}

	static Stream<Arguments> requestsThatAreArgumentErrors() {
		return Stream.of(
				Arguments.of("negative input",
						(Supplier<?>) () -> QuotaRequest.builder("model").inputTokens(-1).build(), "inputTokens"),
				Arguments.of("negative output",
						(Supplier<?>) () -> QuotaRequest.builder("model").maxOutputTokens(Long.MIN_VALUE).build(),
						"maxOutputTokens"),
				Arguments.of("negative wait",
						(Supplier<?>) () -> QuotaRequest.builder("model").maxWait(Duration.ofMillis(-1)).build(),
						"maxWait"),
				Arguments.of("empty model", (Supplier<?>) () -> QuotaRequest.builder("").build(), "model"),
				Arguments.of("blank model", (Supplier<?>) () -> QuotaRequest.builder(" \n").build(), "model"),
				Arguments.of("null model", (Supplier<?>) () -> QuotaRequest.builder(null).build(), "model"),
				Arguments.of("unknown model", (Supplier<?>) () -> engine.acquire(QuotaRequest.builder("gpt-9").build()),
						"Unknown model 'gpt-9'"),
				Arguments.of("very long model",
						(Supplier<?>) () -> engine.acquire(QuotaRequest.builder("m".repeat(1_000_000)).build()),
						"Unknown model 'mmmm"),
				Arguments.of("unicode model",
						(Supplier<?>) () -> engine.acquire(QuotaRequest.builder("模型}\n{").build()),
						"Unknown model '模型}"),
				Arguments.of("unknown priority",
						(Supplier<?>) () -> engine.acquire(QuotaRequest.builder("model").priority("urgent").build()),
						"Unknown priority class 'urgent'"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("requestsThatAreArgumentErrors")
	void argumentErrorsNameWhatIsWrongAndNeverWait(String name, Supplier<?> call, String message) {
		assertThatIllegalArgumentException().isThrownBy(call::get).withMessageContaining(message);
		assertRedisClean();
	}

	static Stream<Arguments> tokenCountsThatCanNeverFit() {
		return Stream.of(Arguments.of(Long.MAX_VALUE, 0L), Arguments.of(0L, Long.MAX_VALUE),
				Arguments.of(Long.MAX_VALUE, Long.MAX_VALUE), Arguments.of(1_000_001L, 0L));
	}

	@ParameterizedTest(name = "input {0}, output {1}")
	@MethodSource("tokenCountsThatCanNeverFit")
	void hugeOrOverflowingTokenCountsCanNeverFit(long input, long output) {
		Throwable failure = catchThrowable(() -> engine.acquire(QuotaRequest.builder("model")
			.inputTokens(input)
			.maxOutputTokens(output)
			.maxWait(Duration.ofMinutes(10))
			.build()));

		assertThat(failure).isInstanceOfSatisfying(QuotaRejectedException.class, (ex) -> {
			assertThat(ex.getReason()).isEqualTo(RejectionReason.CANNOT_FIT);
			assertThat(ex.getMessage()).contains("TOKENS_PER_MINUTE").contains("1000000");
		});
		assertRedisClean();
	}

	@Test
	void hostileUserIdsAreHashedAndNeverShapeAKey() {
		List<String> users = List.of("{bad}", "}{", "a\nb\r\nc", "用户🙂", "x".repeat(100_000), "", "llmq:{bad}:s",
				"\u0000");
		for (String user : users) {
			QuotaLease lease = engine.acquire(QuotaRequest.builder("model").user(user).maxWait(Duration.ZERO).build());
			lease.settle(TokenUsage.of(1, 1));
		}

		StringRedisTemplate redis = new StringRedisTemplate(factory);
		Set<String> keys = redis.keys(PREFIX + ":*");
		assertThat(keys).allSatisfy((key) -> assertThat(key)
			.matches(java.util.regex.Pattern.quote(PREFIX + ":{bad}:") + "([sqtlwm]|u:[0-9a-f]{32})"));
		assertThat(keys.stream().filter((key) -> key.contains(":u:"))).hasSize(users.size());
		assertRedisClean();
	}

	@Test
	void configurationTyposStopStartupInsteadOfSilentlyLimitingNothing() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class))
			.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
					"llm.quota.models.gpt-4o.request-per-minute=500")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("llm.quota.models.gpt-4o")
				.hasMessageContaining("must set at least one limit"));
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class))
			.withPropertyValues("llm.quota.models.gpt-4o.tokens-per-minute=lots")
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("lots"));
	}

	private static void assertRedisClean() {
		StringRedisTemplate redis = new StringRedisTemplate(factory);
		String base = PREFIX + ":{bad}:";
		assertThat(redis.opsForZSet().zCard(base + "q")).isZero();
		assertThat(redis.opsForHash().size(base + "t")).isZero();
		assertThat(redis.opsForZSet().zCard(base + "l")).isZero();
		assertThat(redis.keys(base + "g:*")).isEmpty();
	}

}
