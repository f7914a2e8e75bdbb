package io.github.llmquota.sample.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /chat} through the {@code chat} fallback chain, with Sonnet's pool so small
 * that it takes one call a minute: the next calls are served by Haiku.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"llm.quota.pools.anthropic-sonnet.requests-per-minute=1", "llm.quota.fallback.attempt-wait=200ms" })
class ChatFallbackTests {

	@Autowired
	private TestRestTemplate http;

	@Test
	void chatIsAnsweredByHaikuWhenSonnetCannotTakeTheCall() {
		List<String> models = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			ResponseEntity<ChatAnswer> response = this.http.postForEntity("/chat",
					Map.of("userId", "alice", "message", "Question " + i), ChatAnswer.class);
			assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
			models.add(response.getBody().model());
		}

		assertThat(models).containsExactly("claude-sonnet-4-5", "claude-haiku-4-5", "claude-haiku-4-5");
	}

}
