package io.github.llmquota.scope;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.ProviderScope;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.DrivenRedisStores;
import io.github.llmquota.test.TestTree;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Provider headers that describe a project's limit tighten the scope that mirrors the
 * project, not the pool, in the settle call; without such a scope they tighten the pool
 * as before. Read from OpenAI's documented project-token headers (the reference's header
 * vector {@code openai-200-docs-project-tokens}: the model bucket has 149,984 tokens
 * left, the project 57,000 of 60,000), on both stores, with time frozen.
 */
class ScopeProviderFeedbackTests {

	private static final long LIMIT = 60_000;

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	private final AtomicLong clock = new AtomicLong(1_000_000);

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	@AfterEach
	void closeEngines() {
		this.engines.forEach(DefaultQuotaEngine::close);
	}

	static Stream<Named<Boolean>> stores() {
		return Stream.of(Named.of("redis", true), Named.of("in-memory", false));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("stores")
	void projectTokenHeadersTightenTheProjectThatMirrorsTheProjectNotThePool(boolean redis) throws IOException {
		Levels levels = settleWithProjectHeaders(redis, ProviderScope.PROJECT);

		// The project: 60,000 less the 57,000 the provider says are left. The pool: its
		// own call only, since its model bucket has 149,984 left.
		assertThat(levels.project()).isEqualTo(LIMIT - 57_000);
		assertThat(levels.pool()).isEqualTo(10);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("stores")
	void withoutAScopeThatMirrorsTheProjectItsHeadersTightenThePoolAsBefore(boolean redis) throws IOException {
		// Also the proof that the test above tells the two apart: the same headers move
		// the pool here.
		Levels levels = settleWithProjectHeaders(redis, null);

		assertThat(levels.pool()).isEqualTo(LIMIT - 57_000);
		assertThat(levels.project()).isEqualTo(10);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("stores")
	void aScopeThatMirrorsAnotherLevelLeavesTheProjectHeadersToThePool(boolean redis) throws IOException {
		Levels levels = settleWithProjectHeaders(redis, ProviderScope.ORGANIZATION);

		assertThat(levels.pool()).isEqualTo(LIMIT - 57_000);
		assertThat(levels.project()).isEqualTo(10);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("stores")
	void a429ThatTheProjectsHeadersAccountForSpendsTheProjectAndNeitherCoolsNorCutsThePool(boolean redis)
			throws IOException {
		PoolSnapshot snapshot = settle(redis, ProviderScope.PROJECT, projectSpent429());

		assertThat(snapshot.scopes().get(0).used()[0]).isEqualTo(LIMIT);
		assertThat(snapshot.cooldownMillis()).isZero();
		assertThat(snapshot.multiplier()).isEqualTo(1.0);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("stores")
	void withoutAScopeThatMirrorsTheProjectA429CoolsAndCutsThePoolAsBefore(boolean redis) throws IOException {
		// Also the proof that the test above tells a scope's 429 from the pool's.
		PoolSnapshot snapshot = settle(redis, null, projectSpent429());

		assertThat(snapshot.cooldownMillis()).isEqualTo(3_000);
		assertThat(snapshot.multiplier()).isLessThan(1.0);
	}

	private Levels settleWithProjectHeaders(boolean redis, ProviderScope projectMirrors) throws IOException {
		PoolSnapshot snapshot = settle(redis, projectMirrors, projectTokenHeaders());
		return new Levels(snapshot.used()[0], snapshot.scopes().get(0).used()[0]);
	}

	private PoolSnapshot settle(boolean redis, ProviderScope projectMirrors, ProviderFeedback feedback) {
		QuotaSettings settings = TestTree.organisation()
			.orgLimit(Dimension.TOKENS_PER_MINUTE, 100_000)
			.projectLimit(Dimension.TOKENS_PER_MINUTE, LIMIT)
			.poolLimit(Dimension.TOKENS_PER_MINUTE, LIMIT)
			.projectMirrors(projectMirrors)
			.build();
		QuotaStore store = redis ? this.redis.create(settings, this.clock::get)
				: new InMemoryQuotaStore(settings, this.clock::get);
		DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, store);
		this.engines.add(engine);
		engine.acquire(QuotaRequest.builder("model-a").inputTokens(10).maxOutputTokens(0).build())
			.settle(TokenUsage.of(10, 0), feedback);
		PoolSnapshot snapshot = store.snapshot(settings.pools().get("pool-a"));
		assertThat(snapshot.scopes().get(0).scope()).isEqualTo("project-a");
		return snapshot;
	}

	private static ProviderFeedback projectTokenHeaders() throws IOException {
		return parse(vectorHeaders(), 200);
	}

	// The same call refused: the project has no tokens left, the model bucket has.
	private static ProviderFeedback projectSpent429() throws IOException {
		Map<String, List<String>> headers = vectorHeaders();
		headers.put("x-ratelimit-remaining-project-tokens", List.of("0"));
		headers.put("retry-after", List.of("3"));
		return parse(headers, 429);
	}

	private static ProviderFeedback parse(Map<String, List<String>> headers, int status) {
		return new ProviderFeedbackParser().parse("pool-a", Provider.OPENAI, status, headers, null, Instant.now());
	}

	private static Map<String, List<String>> vectorHeaders() throws IOException {
		try (InputStream json = ScopeProviderFeedbackTests.class.getResourceAsStream("/provider/header-vectors.json")) {
			for (JsonNode vector : new ObjectMapper().readTree(json)) {
				if (vector.get("id").asText().equals("openai-200-docs-project-tokens")) {
					Map<String, List<String>> headers = new LinkedHashMap<>();
					vector.get("headers")
						.fields()
						.forEachRemaining(
								(header) -> headers.put(header.getKey(), List.of(header.getValue().asText())));
					return headers;
				}
			}
		}
		throw new AssertionError("The vector openai-200-docs-project-tokens is missing");
	}

	private record Levels(double pool, double project) {
	}

}
