package io.github.llmquota.attempt.springai;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.aop.LlmRateLimited;
import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.attempt.UnknownModelException;
import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaGovernorAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaSpringAiAutoConfiguration;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.ProviderStub.Answer;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.anthropic.autoconfigure.AnthropicChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.ai.retry.TransientAiException;
import org.springframework.ai.retry.autoconfigure.SpringAiRetryAutoConfiguration;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.web.client.RestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.web.reactive.function.client.WebClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryListener;
import org.springframework.retry.support.RetryTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Spring AI 1.1's Anthropic and OpenAI chat models, auto-configured as in an application
 * with their default {@code spring.ai.retry.*} settings and pointed at a local stub that
 * counts attempts: every attempt they send is admitted on its own, 429 and 529 answers
 * are waited out inside llm-quota where Spring AI's retry never sees them, and the
 * {@code ChatClient} advisor parameters decide the priority class.
 */
class SpringAiChatModelGovernorTests {

	private static final String CLAUDE = "claude-sonnet-4-5";

	private static final String GPT = "gpt-4o-mini";

	private final AdmissionRecorder admissions = new AdmissionRecorder();

	private final List<Integer> admissionsAtArrival = new CopyOnWriteArrayList<>();

	private final ProviderStub stub = ProviderStub.start()
		.onAttempt((attempt) -> this.admissionsAtArrival.add(this.admissions.count()));

	private final List<Throwable> seenBySpringAiRetry = new CopyOnWriteArrayList<>();

	private final ExecutorService callers = Executors.newCachedThreadPool();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RestClientAutoConfiguration.class, WebClientAutoConfiguration.class,
				SpringAiRetryAutoConfiguration.class, ToolCallingAutoConfiguration.class,
				AnthropicChatAutoConfiguration.class, OpenAiChatAutoConfiguration.class,
				ChatClientAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
				LlmQuotaAspectAutoConfiguration.class, LlmQuotaGovernorAutoConfiguration.class,
				LlmQuotaSpringAiAutoConfiguration.class))
		.withBean(AdmissionRecorder.class, () -> this.admissions)
		.withInitializer((context) -> context.getBeanFactory().addBeanPostProcessor(new BeanPostProcessor() {

			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof RetryTemplate retryTemplate) {
					retryTemplate.registerListener(new RecordingRetryListener());
				}
				return bean;
			}

		}))
		.withPropertyValues("spring.ai.model.chat=anthropic", "spring.ai.anthropic.api-key=test-key",
				"spring.ai.anthropic.base-url=" + this.stub.baseUrl(),
				"spring.ai.anthropic.chat.options.model=" + CLAUDE, "spring.ai.openai.api-key=test-key",
				"spring.ai.openai.base-url=" + this.stub.baseUrl(), "spring.ai.openai.chat.options.model=" + GPT,
				"llm.quota.safety-margin=0", "llm.quota.models." + CLAUDE + ".provider=anthropic",
				"llm.quota.models." + CLAUDE + ".requests-per-minute=1000",
				"llm.quota.models." + CLAUDE + ".max-concurrency=1", "llm.quota.models." + GPT + ".provider=openai",
				"llm.quota.models." + GPT + ".requests-per-minute=1000");

	@AfterEach
	void stop() {
		this.callers.shutdownNow();
		this.stub.close();
	}

	@Test
	void anAnthropicRateLimitIsWaitedOutAndSentAgainWithoutReachingSpringAiRetry() {
		this.stub.answer(Answer.rateLimited(200), SpringAiAnswers.anthropicMessage("answer"));
		this.runner.run((context) -> {
			assertThat(chatClient(context).prompt("question").call().content()).isEqualTo("answer");
			assertEveryAttemptAdmittedOnce(2);
			assertThat(this.seenBySpringAiRetry).isEmpty();
		});
	}

	@Test
	void anAnthropicOverloadIsWaitedOutAndSentAgainWithoutReachingSpringAiRetry() {
		this.stub.answer(Answer.overloaded(), SpringAiAnswers.anthropicMessage("answer"));
		this.runner.run((context) -> {
			assertThat(chatClient(context).prompt("question").call().content()).isEqualTo("answer");
			assertEveryAttemptAdmittedOnce(2);
			assertThat(this.seenBySpringAiRetry).isEmpty();
		});
	}

	@Test
	void anOpenAiRateLimitIsWaitedOutAndSentAgainWithoutReachingSpringAiRetry() {
		this.stub.answer(SpringAiAnswers.openAiRateLimited(), SpringAiAnswers.openAiCompletion("answer"));
		this.runner.withPropertyValues("spring.ai.model.chat=openai").run((context) -> {
			assertThat(chatClient(context).prompt("question").call().content()).isEqualTo("answer");
			assertEveryAttemptAdmittedOnce(2);
			assertThat(this.stub.bodies()).allSatisfy((body) -> assertThat(body).contains("\"" + GPT + "\""));
			assertThat(this.seenBySpringAiRetry).isEmpty();
		});
	}

	@Test
	void aStreamedCallWaitsOutARateLimitAndIsSentAgain() {
		this.stub.answer(Answer.rateLimited(200), SpringAiAnswers.anthropicStream("answer"));
		this.runner.run((context) -> {
			List<String> content = chatClient(context).prompt("question")
				.stream()
				.content()
				.collectList()
				.block(Duration.ofSeconds(60));
			assertThat(String.join("", content)).isEqualTo("answer");
			assertEveryAttemptAdmittedOnce(2);
			assertThat(this.stub.bodies()).allSatisfy((body) -> assertThat(body).contains("\"stream\":true"));
		});
	}

	@Test
	void anOpenAiStreamWaitsOutARateLimitAndIsSentAgain() {
		this.stub.answer(SpringAiAnswers.openAiRateLimited(), SpringAiAnswers.openAiStream("answer"));
		this.runner.withPropertyValues("spring.ai.model.chat=openai").run((context) -> {
			List<String> content = chatClient(context).prompt("question")
				.stream()
				.content()
				.collectList()
				.block(Duration.ofSeconds(60));
			assertThat(String.join("", content)).isEqualTo("answer");
			assertEveryAttemptAdmittedOnce(2);
		});
	}

	@Test
	void anAnthropicSpendCapFailsFastAndIsNotRetried() {
		this.stub.answer(SpringAiAnswers.anthropicSpendCap());
		this.runner.run((context) -> {
			assertThatExceptionOfType(NonRetryableQuotaException.class)
				.isThrownBy(() -> chatClient(context).prompt("question").call().content());
			assertEveryAttemptAdmittedOnce(1);
			assertThat(this.seenBySpringAiRetry).singleElement().isInstanceOf(NonRetryableQuotaException.class);
		});
	}

	@Test
	void anOpenAiInsufficientQuotaFailsFastAndIsNotRetried() {
		this.stub.answer(Answer.insufficientQuota());
		this.runner.withPropertyValues("spring.ai.model.chat=openai").run((context) -> {
			assertThatExceptionOfType(NonRetryableQuotaException.class)
				.isThrownBy(() -> chatClient(context).prompt("question").call().content());
			assertEveryAttemptAdmittedOnce(1);
			assertThat(this.seenBySpringAiRetry).singleElement().isInstanceOf(NonRetryableQuotaException.class);
		});
	}

	@Test
	void aModelThatIsNotConfiguredFailsBeforeAnythingIsSent() {
		this.runner.withPropertyValues("spring.ai.anthropic.chat.options.model=claude-opus-4-5").run((context) -> {
			assertThatExceptionOfType(UnknownModelException.class)
				.isThrownBy(() -> chatClient(context).prompt("question").call().content())
				.withMessageContaining("claude-opus-4-5");
			assertThat(this.stub.attemptCount()).isZero();
		});
	}

	@Test
	void aHigherClassSetThroughAdvisorParametersGoesFirstUnderContention() {
		this.stub.hold()
			.answer(SpringAiAnswers.anthropicMessage("answer 1"), SpringAiAnswers.anthropicMessage("answer 2"),
					SpringAiAnswers.anthropicMessage("answer 3"));
		this.runner.run((context) -> {
			ChatClient chatClient = chatClient(context);
			QuotaEngine engine = context.getBean(QuotaEngine.class);
			CompletableFuture<String> holder = ask(chatClient, "NORMAL");
			await().atMost(Duration.ofSeconds(60)).until(() -> this.stub.attemptCount() == 1);
			CompletableFuture<String> background = ask(chatClient, "BACKGROUND");
			await().atMost(Duration.ofSeconds(60)).until(() -> engine.backpressure(CLAUDE).totalQueued() == 1);
			CompletableFuture<String> critical = ask(chatClient, "CRITICAL");
			await().atMost(Duration.ofSeconds(60)).until(() -> engine.backpressure(CLAUDE).totalQueued() == 2);
			this.stub.release(3);
			assertThat(holder).succeedsWithin(Duration.ofSeconds(60)).isEqualTo("answer 1");
			assertThat(critical).as("arrived last, admitted first")
				.succeedsWithin(Duration.ofSeconds(60))
				.isEqualTo("answer 2");
			assertThat(background).succeedsWithin(Duration.ofSeconds(60)).isEqualTo("answer 3");
			assertThat(this.admissions.admitted()).extracting(QuotaRequest::priority)
				.containsExactly("NORMAL", "CRITICAL", "BACKGROUND");
			assertThat(this.admissions.admitted()).extracting(QuotaRequest::user)
				.containsExactly("user-NORMAL", "user-CRITICAL", "user-BACKGROUND");
		});
	}

	@Test
	void concurrentChatCallsNeverExceedMaxConcurrencyAtTheProvider() {
		this.stub.hold().answer(SpringAiAnswers.anthropicMessage("answer"));
		this.runner.withPropertyValues("llm.quota.models." + CLAUDE + ".max-concurrency=2").run((context) -> {
			ChatClient chatClient = chatClient(context);
			QuotaEngine engine = context.getBean(QuotaEngine.class);
			List<CompletableFuture<String>> calls = IntStream.range(0, 6)
				.mapToObj((call) -> ask(chatClient, "NORMAL"))
				.toList();
			await().atMost(Duration.ofSeconds(60))
				.until(() -> this.stub.inFlight() == 2 && engine.backpressure(CLAUDE).totalQueued() == 4);
			this.stub.release(6);
			assertThat(calls)
				.allSatisfy((call) -> assertThat(call).succeedsWithin(Duration.ofSeconds(60)).isEqualTo("answer"));
			assertThat(this.stub.maxInFlight()).isEqualTo(2);
			assertEveryAttemptAdmittedOnce(6);
		});
	}

	@Test
	void withoutAdvisorParametersACallIsGovernedInTheDefaultClass() {
		this.stub.answer(SpringAiAnswers.anthropicMessage("answer"));
		this.runner.withPropertyValues("llm.quota.governor.default-priority=BACKGROUND").run((context) -> {
			assertThat(chatClient(context).prompt("question").call().content()).isEqualTo("answer");
			assertThat(this.admissions.admitted()).singleElement().satisfies((request) -> {
				assertThat(request.priority()).isEqualTo("BACKGROUND");
				assertThat(request.user()).isNull();
			});
		});
	}

	@Test
	void everyToolCallingRoundOfACallIsAdmittedInTheClassOfItsAdvisorParameters() {
		this.stub.answer(SpringAiAnswers.anthropicToolUse("weather", "{\"city\":\"Paris\"}"),
				SpringAiAnswers.anthropicMessage("sunny"));
		this.runner.run((context) -> {
			String answer = chatClient(context).prompt("What is the weather in Paris?")
				.tools(new WeatherTools())
				.advisors((advisor) -> advisor.param(LlmCallContextAdvisor.PRIORITY, "CRITICAL"))
				.call()
				.content();
			assertThat(answer).isEqualTo("sunny");
			assertEveryAttemptAdmittedOnce(2);
			assertThat(this.stub.bodies().get(1)).contains("tool_result");
			assertThat(this.admissions.admitted()).extracting(QuotaRequest::priority)
				.containsExactly("CRITICAL", "CRITICAL");
		});
	}

	/**
	 * Spring AI streams through the {@code WebClient} that the governor filters: the
	 * stream's output is charged as its events pass, and the fleet sees it while the
	 * stream is open.
	 */
	@Test
	void aStreamedChatCallIsChargedAsItFlowsAndShowsInTheSnapshotBeforeItEnds() {
		// 2,100 ASCII characters: 600 tokens at Anthropic's 3.5 characters per token,
		// more than one 500-token step.
		String text = "x".repeat(2_100);
		this.stub.answer(SpringAiAnswers.anthropicStream(text)).pauseStreamsAfter(text + "\"}}\n\n");
		this.runner.run((context) -> {
			QuotaStore store = context.getBean(QuotaStore.class);
			PoolSpec pool = context.getBean(QuotaSettings.class).model(CLAUDE).pool();
			CompletableFuture<List<String>> content = chatClient(context).prompt("question")
				.stream()
				.content()
				.collectList()
				.toFuture();
			// Paused by the provider after its text: charged off the event loop, so
			// awaited (a deadline against a hang only).
			await().atMost(Duration.ofSeconds(60)).until(() -> store.snapshot(pool).streamOutput() == 600);
			assertThat(content).isNotDone();
			assertThat(store.snapshot(pool).inFlight()).isEqualTo(1);
			this.stub.resumeStreams();
			assertThat(content).succeedsWithin(Duration.ofSeconds(60))
				.satisfies((chunks) -> assertThat(String.join("", chunks)).isEqualTo(text));
			await().atMost(Duration.ofSeconds(60)).until(() -> store.snapshot(pool).inFlight() == 0);
			assertThat(store.snapshot(pool).streamOutput()).isZero();
		});
	}

	/**
	 * Spring AI sends the rounds after the first of a stream from another thread, where a
	 * context bound to the caller's thread would be lost.
	 */
	@Test
	void everyToolCallingRoundOfAStreamIsAdmittedInTheClassBoundAroundIt() {
		this.stub.answer(SpringAiAnswers.anthropicToolUseStream("weather", "{\"city\":\"Paris\"}"),
				SpringAiAnswers.anthropicStream("sunny"));
		this.runner.run((context) -> {
			ChatClient chatClient = chatClient(context);
			List<String> content = LlmCallContext.priority("CRITICAL")
				.call(() -> chatClient.prompt("What is the weather in Paris?")
					.tools(new WeatherTools())
					.stream()
					.content()
					.collectList()
					.block(Duration.ofSeconds(60)));
			assertThat(String.join("", content)).isEqualTo("sunny");
			assertEveryAttemptAdmittedOnce(2);
			assertThat(this.admissions.admitted()).extracting(QuotaRequest::priority)
				.containsExactly("CRITICAL", "CRITICAL");
		});
	}

	@Test
	void aChatCallInAnLlmRateLimitedMethodIsAdmittedOnceWithAdvisorParametersAdded() {
		this.stub.answer(SpringAiAnswers.anthropicMessage("answer"));
		this.runner.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class))
			.withBean(Assistant.class)
			.run((context) -> {
				assertThat(context.getBean(Assistant.class).ask(chatClient(context))).isEqualTo("answer");
				assertEveryAttemptAdmittedOnce(1);
				assertThat(this.admissions.admitted()).singleElement()
					.extracting(QuotaRequest::priority)
					.as("the method's admission went to the attempt")
					.isEqualTo("BACKGROUND");
			});
	}

	/**
	 * The guard's own check, shown to fail: with the governor off, Spring AI sends the
	 * attempts on its own and retries the 529 itself, and the stub reports every attempt
	 * as unadmitted.
	 */
	@Test
	void withoutTheGovernorSpringAiRetrySendsAttemptsThatWereNeverAdmitted() {
		this.stub.answer(Answer.overloaded(), SpringAiAnswers.anthropicMessage("answer"));
		this.runner
			.withPropertyValues("llm.quota.governor.enabled=false", "spring.ai.retry.backoff.initial-interval=1ms")
			.run((context) -> {
				assertThat(chatClient(context).prompt("question").call().content()).isEqualTo("answer");
				assertThat(unadmittedAttempts()).containsExactly(1, 2);
				assertThat(this.seenBySpringAiRetry).singleElement().isInstanceOf(TransientAiException.class);
			});
	}

	/**
	 * Spring AI is pointed at a base URL that {@code llm.quota.governor.base-urls} does
	 * not list; only the Spring AI auto-configuration's base URLs bring its attempts
	 * under the governor.
	 */
	@Test
	void aSpringAiBaseUrlIsGovernedWithoutListingItInTheGovernorBaseUrls() {
		this.stub.answer(SpringAiAnswers.anthropicMessage("answer"));
		this.runner.run((context) -> {
			chatClient(context).prompt("question").call().content();
			assertEveryAttemptAdmittedOnce(1);
		});
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(RestClientAutoConfiguration.class, SpringAiRetryAutoConfiguration.class,
							ToolCallingAutoConfiguration.class, AnthropicChatAutoConfiguration.class,
							ChatClientAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
							LlmQuotaAspectAutoConfiguration.class, LlmQuotaGovernorAutoConfiguration.class))
			.withBean(AdmissionRecorder.class, () -> this.admissions)
			.withPropertyValues("spring.ai.anthropic.api-key=test-key",
					"spring.ai.anthropic.base-url=" + this.stub.baseUrl(),
					"spring.ai.anthropic.chat.options.model=" + CLAUDE,
					"llm.quota.models." + CLAUDE + ".provider=anthropic",
					"llm.quota.models." + CLAUDE + ".requests-per-minute=1000")
			.run((context) -> {
				chatClient(context).prompt("question").call().content();
				assertThat(unadmittedAttempts()).containsExactly(2);
			});
	}

	private CompletableFuture<String> ask(ChatClient chatClient, String priority) {
		return CompletableFuture.supplyAsync(() -> chatClient.prompt("question")
			.advisors((advisor) -> advisor.param(LlmCallContextAdvisor.PRIORITY, priority)
				.param(LlmCallContextAdvisor.USER, "user-" + priority))
			.call()
			.content(), this.callers);
	}

	private void assertEveryAttemptAdmittedOnce(int attempts) {
		assertThat(this.stub.attemptCount()).isEqualTo(attempts);
		assertThat(unadmittedAttempts()).isEmpty();
		assertThat(this.admissions.count()).as("admissions").isEqualTo(attempts);
	}

	/**
	 * Return the attempts that reached the provider before an admission of their own: the
	 * n-th attempt is admitted only if at least n admissions had been granted when it
	 * arrived, since each attempt needs one and its admission precedes its send.
	 */
	private List<Integer> unadmittedAttempts() {
		return IntStream.rangeClosed(1, this.admissionsAtArrival.size())
			.filter((attempt) -> this.admissionsAtArrival.get(attempt - 1) < attempt)
			.boxed()
			.toList();
	}

	private static ChatClient chatClient(ApplicationContext context) {
		return context.getBean(ChatClient.Builder.class).build();
	}

	public static class WeatherTools {

		@Tool(description = "The weather in a city")
		public String weather(String city) {
			return "sunny in " + city;
		}

	}

	static class Assistant {

		// The only slot of the model: an attempt admitted on its own would wait for it.
		@LlmRateLimited(model = CLAUDE, priority = "BACKGROUND", maxWait = "5s")
		public String ask(ChatClient chatClient) {
			return chatClient.prompt("question")
				.advisors((advisor) -> advisor.param(LlmCallContextAdvisor.USER, "alice"))
				.call()
				.content();
		}

	}

	private final class RecordingRetryListener implements RetryListener {

		@Override
		public <T, E extends Throwable> void onError(RetryContext context, RetryCallback<T, E> callback,
				Throwable throwable) {
			SpringAiChatModelGovernorTests.this.seenBySpringAiRetry.add(throwable);
		}

	}

}
