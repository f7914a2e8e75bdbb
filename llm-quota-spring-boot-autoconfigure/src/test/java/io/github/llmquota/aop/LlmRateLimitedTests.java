package io.github.llmquota.aop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.estimate.DefaultTokenEstimator;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.test.ForwardingQuotaEngine;
import io.github.llmquota.usage.LlmUsage;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * What the annotation's attributes ask of the engine, estimation, listeners and fallback,
 * with the in-memory store: none of it depends on where quota state is kept.
 */
class LlmRateLimitedTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
				LlmQuotaAspectAutoConfiguration.class))
		.withUserConfiguration(RecordingEngineConfiguration.class)
		.withBean(Chat.class)
		.withBean(TypeLevel.class)
		.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.tokens-per-minute=1000000",
				"llm.quota.models.claude-sonnet-4.provider=anthropic",
				"llm.quota.models.claude-sonnet-4.requests-per-minute=1000");

	@Test
	void expressionsSeeTheArgumentsByNameAndByPosition() {
		this.runner.run((context) -> {
			context.getBean(Chat.class).ask("Hello there", 256, new User("u-42"));
			QuotaRequest request = context.getBean(RecordingEngine.class).lastRequest();
			assertThat(request.model()).isEqualTo("gpt-4o");
			assertThat(request.priority()).isEqualTo(Priority.INTERACTIVE);
			assertThat(request.inputTokens()).isEqualTo(11);
			assertThat(request.maxOutputTokens()).isEqualTo(256);
			assertThat(request.user()).isEqualTo("u-42");
			assertThat(request.tenant()).isEqualTo("u");
			assertThat(request.maxWait()).isEqualTo(Duration.ofSeconds(2));
		});
	}

	@Test
	void typeLevelAnnotationGovernsEveryPublicMethodAndMethodsOverrideWhatTheySet() {
		this.runner.run((context) -> {
			TypeLevel chat = context.getBean(TypeLevel.class);
			RecordingEngine engine = context.getBean(RecordingEngine.class);
			chat.inherit();
			assertThat(engine.lastRequest())
				.extracting(QuotaRequest::model, QuotaRequest::maxOutputTokens, QuotaRequest::priority)
				.containsExactly("claude-sonnet-4", 100L, Priority.BACKGROUND);
			chat.override();
			assertThat(engine.lastRequest())
				.extracting(QuotaRequest::model, QuotaRequest::maxOutputTokens, QuotaRequest::priority)
				.containsExactly("claude-sonnet-4", 7L, Priority.BACKGROUND);
			int calls = engine.requests.size();
			assertThat(chat.toString()).isEqualTo("type-level");
			assertThat(engine.requests).hasSize(calls);
		});
	}

	@Test
	void estimatorLearnsFromCallsWithoutAnInputTokensExpression() {
		this.runner.run((context) -> {
			CalibratingTokenEstimator estimator = context.getBean(CalibratingTokenEstimator.class);
			Chat chat = context.getBean(Chat.class);
			chat.counted("How many tokens do I hold?", 60);
			assertThat(estimator.getCorrectionRatio("gpt-4o")).isGreaterThan(1.0);
			double learned = estimator.getCorrectionRatio("gpt-4o");
			chat.ask("Hello there", 10, new User("u-1"));
			chat.reportsFarMoreInput("Hello there");
			assertThat(estimator.getCorrectionRatio("gpt-4o")).as("only estimated calls teach it").isEqualTo(learned);
		});
	}

	@Test
	void estimatorIsGivenTheArgumentsButNeverTheModelParameter() {
		this.runner.withUserConfiguration(RecordingEstimatorConfiguration.class).run((context) -> {
			String answer = context.getBean(Chat.class).withModel("Hello there", "a caller's choice");
			assertThat(answer).isEqualTo("gpt-4o answers Hello there");
			RecordingEstimator estimator = context.getBean(RecordingEstimator.class);
			assertThat(estimator.arguments).containsExactly(Arrays.asList("Hello there", null));
			assertThat(estimator.providers).containsExactly(Provider.OPENAI);
		});
	}

	@Test
	void expressionWithAnUnusableValueFailsTheCallNamingMethodAndAttribute() {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			assertThatIllegalArgumentException().isThrownBy(() -> chat.tokens(-5))
				.withMessageContainingAll("attribute 'inputTokens' (#count)", "Chat.tokens(Object)", "evaluated to -5");
			assertThatIllegalArgumentException().isThrownBy(() -> chat.tokens(Double.NaN))
				.withMessageContaining("evaluated to NaN");
			assertThatIllegalArgumentException().isThrownBy(() -> chat.tokens("1024"))
				.withMessageContaining("evaluated to '1024' (String); it must be a number of at least 0");
			assertThatIllegalArgumentException().isThrownBy(() -> chat.tokens(null))
				.withMessageContaining("evaluated to null");
			assertThatIllegalArgumentException().isThrownBy(() -> chat.ask("Hello there", 10, null))
				.withMessageContainingAll("attribute 'user' (#user.id)", "could not be evaluated");
			chat.tokens(2.5);
			assertThat(context.getBean(RecordingEngine.class).lastRequest().inputTokens()).isEqualTo(3);
		});
	}

	@Test
	void failureListenersAreToldBeforeTheLeaseIsReleased() {
		this.runner.withUserConfiguration(RecordingListenerConfiguration.class).run((context) -> {
			Chat chat = context.getBean(Chat.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			IllegalStateException failure = new IllegalStateException("overloaded");
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> chat.fail(failure))
				.isSameAs(failure);
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> chat.failLater(failure).get())
				.withCause(failure);
			assertThat(listener.failures).containsExactly(failure, failure);
			assertThat(listener.endedWhenTold).containsExactly(false, false);
			assertThat(listener.leases).allSatisfy((lease) -> assertThat(lease.isEnded()).isTrue());
		});
	}

	@Test
	void usageThatCannotBeReadNeverFailsTheCall() {
		this.runner.withUserConfiguration(RecordingListenerConfiguration.class).run((context) -> {
			assertThat(context.getBean(Chat.class).unreadableUsage()).isEqualTo("no usage here");
			RecordingListener listener = context.getBean(RecordingListener.class);
			assertThat(listener.usageMissing).singleElement().satisfies((lease) -> {
				assertThat(lease.model()).isEqualTo("gpt-4o");
				assertThat(lease.isEnded()).isTrue();
			});
		});
	}

	@Test
	void fallbackHandlerChoosesTheModelsOfCallsThatNameAChain() {
		this.runner.withUserConfiguration(FallbackConfiguration.class).run((context) -> {
			assertThat(context.getBean(Chat.class).withFallback("Hello there", null))
				.isEqualTo("claude-sonnet-4 answers Hello there");
			assertThat(context.getBean(RecordingEngine.class).requests).extracting(QuotaRequest::model)
				.containsExactly("gpt-4o", "claude-sonnet-4");
			assertThat(context.getBean(FallbackConfiguration.class).chains).containsExactly("cheaper");
		});
	}

	@Test
	void withoutAFallbackHandlerCallsGoToTheAnnotatedModel() {
		this.runner.run((context) -> {
			assertThatIllegalStateException()
				.isThrownBy(() -> context.getBean(Chat.class).withFallback("Hello there", "claude-sonnet-4"))
				.withMessage("gpt-4o is overloaded");
			assertThat(context.getBean(RecordingEngine.class).requests).extracting(QuotaRequest::model)
				.containsExactly("gpt-4o");
		});
	}

	record User(String id) {
	}

	record Reply(long inputTokens, long outputTokens) implements LlmUsage {
	}

	static class Chat {

		@LlmRateLimited(model = "gpt-4o", priority = Priority.INTERACTIVE, inputTokens = "#prompt.length()",
				maxOutputTokens = "#p1", user = "#user.id", tenant = "#user.id.substring(0, 1)", maxWait = "PT2S")
		public Reply ask(String prompt, int maxTokens, User user) {
			return new Reply(prompt.length(), 1);
		}

		@LlmRateLimited(model = "gpt-4o", inputTokens = "#count")
		public String tokens(Object count) {
			return "counted";
		}

		@LlmRateLimited(model = "gpt-4o")
		public Reply counted(String prompt, long reportedInputTokens) {
			return new Reply(reportedInputTokens, 1);
		}

		@LlmRateLimited(model = "gpt-4o", inputTokens = "1")
		public Reply reportsFarMoreInput(String prompt) {
			return new Reply(1000, 1);
		}

		@LlmRateLimited(model = "gpt-4o")
		public String withModel(String prompt, @LlmModel String model) {
			return model + " answers " + prompt;
		}

		@LlmRateLimited(model = "gpt-4o", fallback = "cheaper")
		public String withFallback(String prompt, @LlmModel String model) {
			if (model.equals("gpt-4o")) {
				throw new IllegalStateException("gpt-4o is overloaded");
			}
			return model + " answers " + prompt;
		}

		@LlmRateLimited(model = "gpt-4o", usage = "#result.usage")
		public String unreadableUsage() {
			return "no usage here";
		}

		@LlmRateLimited(model = "gpt-4o")
		public String fail(RuntimeException failure) {
			throw failure;
		}

		@LlmRateLimited(model = "gpt-4o")
		public CompletableFuture<String> failLater(RuntimeException failure) {
			return CompletableFuture.supplyAsync(() -> {
				throw failure;
			});
		}

	}

	@LlmRateLimited(model = "claude-sonnet-4", priority = Priority.BACKGROUND, maxOutputTokens = "100")
	static class TypeLevel {

		public String inherit() {
			return "inherited";
		}

		@LlmRateLimited(maxOutputTokens = "7")
		public String override() {
			return "overridden";
		}

		@Override
		public String toString() {
			return "type-level";
		}

	}

	static class RecordingEngine extends ForwardingQuotaEngine implements AutoCloseable {

		final List<QuotaRequest> requests = new CopyOnWriteArrayList<>();

		private final DefaultQuotaEngine delegate;

		RecordingEngine(DefaultQuotaEngine delegate) {
			super(delegate);
			this.delegate = delegate;
		}

		QuotaRequest lastRequest() {
			return this.requests.get(this.requests.size() - 1);
		}

		@Override
		public QuotaLease acquire(QuotaRequest request) {
			this.requests.add(request);
			return super.acquire(request);
		}

		@Override
		public CompletableFuture<QuotaLease> acquireAsync(QuotaRequest request) {
			this.requests.add(request);
			return super.acquireAsync(request);
		}

		@Override
		public void close() {
			this.delegate.close();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RecordingEngineConfiguration {

		@Bean
		RecordingEngine recordingEngine(QuotaSettings settings, QuotaStore store) {
			return new RecordingEngine(new DefaultQuotaEngine(settings, store));
		}

	}

	static class RecordingEstimator implements TokenEstimator {

		final List<List<Object>> arguments = new ArrayList<>();

		final List<Provider> providers = new ArrayList<>();

		@Override
		public long estimateInputTokens(String model, Provider provider, Object[] arguments) {
			this.arguments.add(Arrays.asList(arguments));
			this.providers.add(provider);
			return new DefaultTokenEstimator().estimateInputTokens(model, provider, arguments);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RecordingEstimatorConfiguration {

		@Bean
		RecordingEstimator recordingEstimator() {
			return new RecordingEstimator();
		}

	}

	static class RecordingListener implements LlmCallListener {

		final List<Throwable> failures = new CopyOnWriteArrayList<>();

		final List<Boolean> endedWhenTold = new CopyOnWriteArrayList<>();

		final List<QuotaLease> leases = new CopyOnWriteArrayList<>();

		final List<QuotaLease> usageMissing = new CopyOnWriteArrayList<>();

		@Override
		public void onFailure(QuotaLease lease, Throwable failure) {
			this.leases.add(lease);
			this.endedWhenTold.add(lease.isEnded());
			this.failures.add(failure);
		}

		@Override
		public void onUsageMissing(QuotaLease lease) {
			this.usageMissing.add(lease);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RecordingListenerConfiguration {

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FallbackConfiguration {

		final List<String> chains = new ArrayList<>();

		// Tries the annotated model, then another when the first fails.
		@Bean
		LlmFallbackHandler fallbackHandler() {
			return (chain, model, attempt) -> {
				this.chains.add(chain);
				try {
					return attempt.call(model);
				}
				catch (IllegalStateException ex) {
					return attempt.call("claude-sonnet-4");
				}
			};
		}

	}

}
