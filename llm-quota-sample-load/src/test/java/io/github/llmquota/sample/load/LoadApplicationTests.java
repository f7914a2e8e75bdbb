package io.github.llmquota.sample.load;

import io.github.llmquota.sample.anthropic.AnthropicClient;
import io.github.llmquota.sample.anthropic.RestAnthropicClient;
import io.github.llmquota.sample.chat.ChatService;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load module's application without {@code sample.load.enabled}: it is the sample
 * app, as the fleet benchmark's host instance runs it, with no load run and no traffic
 * counting.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE)
class LoadApplicationTests {

	@Autowired
	private ApplicationContext context;

	@Autowired
	private AnthropicClient client;

	@Test
	void withoutLoadModeItIsTheSampleAppAndCountsNothing() {
		assertThat(this.context.getBeanProvider(ChatService.class).getIfAvailable()).isNotNull();
		assertThat(this.context.getBeanNamesForType(LoadRunner.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(ProviderTraffic.class)).isEmpty();
		assertThat(this.client).isInstanceOf(RestAnthropicClient.class);
	}

}
