package io.github.llmquota.web;

import reactor.core.publisher.Mono;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.TokenUsage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller-facing contract in a WebFlux application whose controller waits on
 * {@link QuotaEngine#acquireAsync} without blocking.
 */
@SpringBootTest(
		classes = { QuotaProblemResponseTests.TestApplication.class,
				QuotaProblemResponseWebFluxTests.AskController.class },
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = "spring.main.web-application-type=reactive")
class QuotaProblemResponseWebFluxTests extends QuotaProblemResponseTests {

	@Test
	void theApplicationRunsOnItsStack(@Autowired ApplicationContext context) {
		assertThat(context).isInstanceOf(ReactiveWebServerApplicationContext.class);
	}

	@RestController
	static class AskController {

		private final QuotaEngine engine;

		AskController(QuotaEngine engine) {
			this.engine = engine;
		}

		@GetMapping("/ask")
		Mono<String> ask(@RequestParam String model, @RequestParam(required = false) String user,
				@RequestParam(required = false) String tenant, @RequestParam(defaultValue = "10") long inputTokens) {
			return Mono.fromFuture(() -> this.engine.acquireAsync(request(model, user, tenant, inputTokens)))
				.map((lease) -> {
					lease.settle(TokenUsage.of(inputTokens, 10));
					return "answered";
				});
		}

		@GetMapping("/exhausted")
		Mono<String> exhaustedAccount() {
			return Mono.error(exhausted());
		}

	}

}
