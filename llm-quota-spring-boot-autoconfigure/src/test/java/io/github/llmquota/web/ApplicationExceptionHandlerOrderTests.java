package io.github.llmquota.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.test.WithoutSecurity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's own {@code @ExceptionHandler} for quota rejections, in a
 * {@code @RestControllerAdvice} of its own with no order, answers instead of
 * {@link QuotaExceptionHandler}, which stays in the context. The second application
 * breaks that on purpose, with the library's handler ordered first, to show that the
 * first test would notice.
 */
class ApplicationExceptionHandlerOrderTests {

	@Nested
	@SpringBootTest(classes = { TestApplication.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "llm.quota.enabled=false", WithoutSecurity.PROPERTY, "spring.ai.anthropic.api-key=unused",
					"spring.ai.openai.api-key=unused" })
	class WithTheLibraryHandlerOrderedLast {

		@LocalServerPort
		private int port;

		@Test
		void theApplicationsHandlerAnswers(@Autowired QuotaExceptionHandler handler) throws Exception {
			assertThat(handler).isNotNull();
			assertThat(get(this.port).statusCode()).isEqualTo(HttpStatus.I_AM_A_TEAPOT.value());
		}

	}

	@Nested
	@SpringBootTest(classes = { TestApplication.class, HandlerOrderedFirst.class },
			webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "llm.quota.enabled=false",
					WithoutSecurity.PROPERTY, "spring.ai.anthropic.api-key=unused", "spring.ai.openai.api-key=unused" })
	class WithTheLibraryHandlerOrderedFirst {

		@LocalServerPort
		private int port;

		@Test
		void theLibrarysHandlerAnswers() throws Exception {
			assertThat(get(this.port).statusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS.value());
		}

	}

	private static HttpResponse<String> get(int port) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ask"))
			.timeout(Duration.ofSeconds(30))
			.build();
		return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ RejectingController.class, ApplicationAdvice.class })
	static class TestApplication {

	}

	@RestController
	static class RejectingController {

		@GetMapping("/ask")
		String ask() {
			throw new QuotaRejectedException("chat", RejectionReason.QUEUE_FULL, Duration.ofSeconds(1), "full");
		}

	}

	@RestControllerAdvice
	static class ApplicationAdvice {

		@ExceptionHandler
		ResponseEntity<String> rejected(QuotaRejectedException ex) {
			return ResponseEntity.status(HttpStatus.I_AM_A_TEAPOT).body("the application's own answer");
		}

	}

	static class HandlerOrderedFirst {

		@Bean
		FirstQuotaExceptionHandler firstQuotaExceptionHandler() {
			return new FirstQuotaExceptionHandler();
		}

	}

	@Order(Ordered.HIGHEST_PRECEDENCE)
	static class FirstQuotaExceptionHandler extends QuotaExceptionHandler {

		FirstQuotaExceptionHandler() {
			super(null);
		}

	}

}
