package io.github.llmquota.attempt.springai;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import io.github.llmquota.attempt.LeaseHandOver;
import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.core.QuotaLease;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.mockito.Mockito.mock;

/**
 * What {@link LlmCallContextAdvisor} hands to the chat model of a real
 * {@code ChatClient}: the model here reports the call context it runs in, as the attempt
 * governor would read it (the Reactor context first on the streaming path, then the
 * thread).
 */
class LlmCallContextAdvisorTests {

	private final ContextReportingChatModel model = new ContextReportingChatModel();

	private final ChatClient chatClient = ChatClient.builder(this.model)
		.defaultAdvisors(new LlmCallContextAdvisor())
		.build();

	@Test
	void advisorParametersGovernABlockingCall() {
		String context = this.chatClient.prompt("question")
			.advisors((advisor) -> advisor.param(LlmCallContextAdvisor.PRIORITY, "INTERACTIVE")
				.param(LlmCallContextAdvisor.USER, "alice")
				.param(LlmCallContextAdvisor.TENANT, "acme")
				.param(LlmCallContextAdvisor.MAX_WAIT, "5s"))
			.call()
			.content();
		assertThat(context).isEqualTo("INTERACTIVE alice PT5S acme");
		assertThat(LlmCallContext.current().getPriority()).as("unbound once the call returned").isNull();
	}

	@Test
	void advisorParametersGovernAStreamThroughItsReactorContext() {
		List<String> context = this.chatClient.prompt("question")
			.advisors((advisor) -> advisor.param(LlmCallContextAdvisor.PRIORITY, "CRITICAL")
				.param(LlmCallContextAdvisor.USER, 42)
				.param(LlmCallContextAdvisor.MAX_WAIT, Duration.ofMillis(1500)))
			.stream()
			.content()
			.collectList()
			.block(Duration.ofSeconds(10));
		assertThat(context).containsExactly("CRITICAL 42 PT1.5S");
	}

	@Test
	void withoutAdvisorParametersACallKeepsTheContextAroundIt() {
		assertThat(this.chatClient.prompt("question").call().content()).isEqualTo("null null null");
		String context = LlmCallContext.priority("BACKGROUND")
			.user("batch")
			.call(() -> this.chatClient.prompt("question").call().content());
		assertThat(context).isEqualTo("BACKGROUND batch null");
	}

	@Test
	void aContextBoundToTheThreadThatSubscribesGovernsAStreamSentFromAnotherThread() {
		List<String> context = LlmCallContext.priority("BACKGROUND")
			.call(() -> this.chatClient.prompt("question")
				.stream()
				.content()
				.collectList()
				.block(Duration.ofSeconds(10)));
		assertThat(context).containsExactly("BACKGROUND null null");
	}

	@Test
	void aParameterNotGivenKeepsTheValueOfTheContextAroundTheCall() {
		String context = LlmCallContext.priority("BACKGROUND")
			.user("batch")
			.maxWait(Duration.ofSeconds(7))
			.call(() -> this.chatClient.prompt("question")
				.advisors((advisor) -> advisor.param(LlmCallContextAdvisor.USER, "bob"))
				.call()
				.content());
		assertThat(context).isEqualTo("BACKGROUND bob PT7S");
		List<String> streamed = this.chatClient.prompt("question")
			.advisors((advisor) -> advisor.param(LlmCallContextAdvisor.PRIORITY, "CRITICAL"))
			.stream()
			.content()
			.contextWrite((view) -> view.put(LlmCallContext.REACTOR_CONTEXT_KEY,
					LlmCallContext.user("carol").maxWait(Duration.ofSeconds(3)).build()))
			.collectList()
			.block(Duration.ofSeconds(10));
		assertThat(streamed).containsExactly("CRITICAL carol PT3S");
	}

	@Test
	void aLeaseHeldAroundTheCallStillGoesToItsFirstAttempt() {
		LeaseHandOver handOver = LeaseHandOver.of(mock(QuotaLease.class));
		LlmCallContext surrounding = LlmCallContext.priority("NORMAL").build().withHandOver(handOver);
		LlmCallContext context = LlmCallContextAdvisor.contextFor(Map.of(LlmCallContextAdvisor.PRIORITY, "CRITICAL"),
				surrounding);
		assertThat(context.getPriority()).isEqualTo("CRITICAL");
		assertThat(context.getHandOver()).isSameAs(handOver);
	}

	@Test
	void aMalformedParameterFailsTheCallNamingIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> callWith(LlmCallContextAdvisor.PRIORITY, 3))
			.withMessageContaining("'llm-quota.priority'");
		assertThatIllegalArgumentException().isThrownBy(() -> callWith(LlmCallContextAdvisor.USER, " "))
			.withMessageContaining("'llm-quota.user'");
		assertThatIllegalArgumentException().isThrownBy(() -> callWith(LlmCallContextAdvisor.MAX_WAIT, "soon"))
			.withMessageContaining("'llm-quota.max-wait'");
		assertThatIllegalArgumentException().isThrownBy(() -> callWith(LlmCallContextAdvisor.MAX_WAIT, "-1s"))
			.withMessageContaining("'llm-quota.max-wait'");
		assertThatIllegalArgumentException().isThrownBy(() -> callWith(LlmCallContextAdvisor.MAX_WAIT, 5000))
			.withMessageContaining("'llm-quota.max-wait'");
		assertThat(this.model.calls).as("nothing reached the model").isZero();
	}

	private String callWith(String parameter, Object value) {
		return this.chatClient.prompt("question")
			.advisors((advisor) -> advisor.param(parameter, value))
			.call()
			.content();
	}

	/**
	 * Answers with the priority, user and wait of the context it runs in.
	 */
	static class ContextReportingChatModel implements ChatModel {

		private int calls;

		@Override
		public ChatResponse call(Prompt prompt) {
			this.calls++;
			return answer(LlmCallContext.current());
		}

		// On another thread, as Spring AI's chat models send their tool-calling rounds.
		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			return Flux.deferContextual((view) -> {
				this.calls++;
				return Flux
					.just(answer(view.getOrDefault(LlmCallContext.REACTOR_CONTEXT_KEY, LlmCallContext.current())));
			}).subscribeOn(Schedulers.boundedElastic());
		}

		private static ChatResponse answer(LlmCallContext context) {
			String text = context.getPriority() + " " + context.getUser() + " " + context.getMaxWait()
					+ ((context.getTenant() != null) ? " " + context.getTenant() : "");
			return new ChatResponse(List.of(new Generation(new AssistantMessage(text))));
		}

	}

}
