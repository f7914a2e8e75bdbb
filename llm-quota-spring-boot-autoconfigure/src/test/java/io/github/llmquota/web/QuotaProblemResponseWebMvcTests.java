package io.github.llmquota.web;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.TokenUsage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller-facing contract in a Spring MVC application whose controller blocks on
 * {@link QuotaEngine#acquire}.
 */
@SpringBootTest(
		classes = { QuotaProblemResponseTests.TestApplication.class,
				QuotaProblemResponseWebMvcTests.AskController.class },
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = "spring.main.web-application-type=servlet")
class QuotaProblemResponseWebMvcTests extends QuotaProblemResponseTests {

	@Test
	void theApplicationRunsOnItsStack(@Autowired ApplicationContext context) {
		assertThat(context).isInstanceOf(ServletWebServerApplicationContext.class);
	}

	@RestController
	static class AskController {

		private final QuotaEngine engine;

		AskController(QuotaEngine engine) {
			this.engine = engine;
		}

		@GetMapping("/ask")
		String ask(@RequestParam String model, @RequestParam(required = false) String user,
				@RequestParam(required = false) String tenant, @RequestParam(defaultValue = "10") long inputTokens) {
			QuotaLease lease = this.engine.acquire(request(model, user, tenant, inputTokens));
			lease.settle(TokenUsage.of(inputTokens, 10));
			return "answered";
		}

		@GetMapping("/exhausted")
		String exhaustedAccount() {
			throw exhausted();
		}

	}

}
