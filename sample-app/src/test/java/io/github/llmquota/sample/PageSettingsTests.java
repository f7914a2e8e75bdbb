package io.github.llmquota.sample;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample as shipped: the live page's controls are hidden, and the llmquota endpoint
 * refuses writes, until {@code llm.quota.rollout.live-changes-enabled} is set.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class PageSettingsTests {

	@Autowired
	private TestRestTemplate http;

	@Test
	void controlsAreHiddenAndWritesRefusedUntilLiveChangesAreEnabled() {
		assertThat(this.http.getForObject("/page-settings", String.class)).contains("\"liveChanges\":false");

		ResponseEntity<String> write = this.http.postForEntity("/actuator/llmquota/anthropic-sonnet",
				Map.of("shadow", true), String.class);

		assertThat(write.getStatusCode().is4xxClientError()).isTrue();
		assertThat(this.http.getForObject("/actuator/llmquota/anthropic-sonnet", String.class))
			.doesNotContain("\"live\"");
	}

}
