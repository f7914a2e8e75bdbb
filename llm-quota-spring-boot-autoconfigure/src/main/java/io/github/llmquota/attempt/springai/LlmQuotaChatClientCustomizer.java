package io.github.llmquota.attempt.springai;

import java.util.Objects;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientCustomizer;

/**
 * Adds the {@link LlmCallContextAdvisor} to a {@code ChatClient.Builder}, so that the
 * advisor parameters {@code llm-quota.priority}, {@code llm-quota.user} and
 * {@code llm-quota.max-wait} take effect on every client it builds. Spring AI applies the
 * {@code ChatClientCustomizer} beans to the builders it auto-configures; for a builder
 * made by hand, add the advisor with {@code builder.defaultAdvisors(advisor)}.
 * <p>
 * Thread-safe.
 */
public class LlmQuotaChatClientCustomizer implements ChatClientCustomizer {

	private final LlmCallContextAdvisor advisor;

	/**
	 * Create a customizer.
	 * @param advisor the advisor to add
	 */
	public LlmQuotaChatClientCustomizer(LlmCallContextAdvisor advisor) {
		this.advisor = Objects.requireNonNull(advisor, "'advisor' must not be null");
	}

	@Override
	public void customize(ChatClient.Builder builder) {
		builder.defaultAdvisors(this.advisor);
	}

}
