package io.github.llmquota.autoconfigure;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;

import com.anthropic.models.messages.Usage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.llmquota.actuate.metrics.MissingUsageCounter;
import io.github.llmquota.aop.LlmModel;
import io.github.llmquota.aop.LlmRateLimited;
import io.github.llmquota.aop.LlmRateLimitedAdvisor;
import io.github.llmquota.aop.LlmRateLimitedInterceptor;
import io.github.llmquota.aop.LlmRateLimitedValidator;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.usage.CompositeUsageExtractor;
import io.github.llmquota.usage.LlmUsage;
import io.github.llmquota.usage.UsageExtractor;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.autoproxy.InfrastructureAdvisorAutoProxyCreator;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaAspectAutoConfiguration}.
 */
@ExtendWith(OutputCaptureExtension.class)
class LlmQuotaAspectAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
				LlmQuotaAspectAutoConfiguration.class))
		.withPropertyValues("llm.quota.models.claude-sonnet-4.provider=anthropic",
				"llm.quota.models.claude-sonnet-4.requests-per-minute=50", "llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.tokens-per-minute=30000");

	@Test
	void annotatedBeansAreProxiedWithTheAdvisor() {
		this.runner.withBean("chat", Chat.class).run((context) -> {
			assertThat(context).hasSingleBean(LlmRateLimitedAdvisor.class)
				.hasSingleBean(LlmRateLimitedInterceptor.class)
				.hasSingleBean(LlmRateLimitedValidator.class)
				.hasSingleBean(CalibratingTokenEstimator.class)
				.hasSingleBean(CompositeUsageExtractor.class);
			Chat chat = context.getBean(Chat.class);
			assertThat(((Advised) chat).getAdvisors()).contains(context.getBean(LlmRateLimitedAdvisor.class));
			assertThat(chat.ask("hello")).isEqualTo("answer to hello");
		});
	}

	@Test
	void governsWithoutAspectJThroughSpringBootsClassProxying() {
		this.runner.withClassLoader(new FilteredClassLoader("org.aspectj"))
			.withBean("chat", Chat.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(InfrastructureAdvisorAutoProxyCreator.class);
				Chat chat = context.getBean(Chat.class);
				assertThat(AopUtils.isCglibProxy(chat)).isTrue();
				assertThat(((Advised) chat).getAdvisors()).contains(context.getBean(LlmRateLimitedAdvisor.class));
			});
	}

	@Test
	void backsOffWhenLlmQuotaIsDisabled() {
		this.runner.withPropertyValues("llm.quota.enabled=false").withBean("chat", Chat.class).run((context) -> {
			assertThat(context).doesNotHaveBean(LlmRateLimitedAdvisor.class)
				.doesNotHaveBean(LlmRateLimitedInterceptor.class);
			assertThat(AopUtils.isAopProxy(context.getBean(Chat.class))).isFalse();
		});
	}

	@Test
	void advisorRunsInsideResilience4jAndOutsideTransactionsUnlessConfiguredOtherwise() {
		this.runner.run((context) -> assertThat(context.getBean(LlmRateLimitedAdvisor.class).getOrder())
			.isEqualTo(Ordered.LOWEST_PRECEDENCE - 1));
		this.runner.withPropertyValues("llm.quota.aspect.order=42")
			.run((context) -> assertThat(context.getBean(LlmRateLimitedAdvisor.class).getOrder()).isEqualTo(42));
	}

	@Test
	void applicationEstimatorAndExtractorWin() {
		this.runner.withUserConfiguration(ApplicationEstimation.class).run((context) -> {
			assertThat(context.getBean(TokenEstimator.class))
				.isSameAs(context.getBean(ApplicationEstimation.class).estimator);
			assertThat(context.getBean(CompositeUsageExtractor.class))
				.isSameAs(context.getBean(ApplicationEstimation.class).extractor);
		});
	}

	@Test
	void applicationUsageExtractorsAreAskedBeforeTheBuiltInOnes() {
		this.runner.withUserConfiguration(ApplicationExtractors.class).run((context) -> {
			CompositeUsageExtractor extractor = context.getBean(CompositeUsageExtractor.class);
			// LlmUsage is understood by a built-in extractor too, which would say 7 and
			// 3.
			assertThat(extractor.extract(new Reply(7, 3))).contains(TokenUsage.of(1, 1));
			assertThat(extractor.extract("anything")).contains(TokenUsage.of(2, 2));
		});
	}

	@Test
	void builtInExtractorOfAnLlmLibraryIsAddedOnlyWhenTheLibraryIsPresent() {
		Usage anthropicUsage = Usage.builder()
			.inputTokens(12)
			.outputTokens(5)
			.cacheCreationInputTokens(0L)
			.cacheReadInputTokens(0L)
			.cacheCreation((com.anthropic.models.messages.CacheCreation) null)
			.inferenceGeo((String) null)
			.outputTokensDetails((com.anthropic.models.messages.OutputTokensDetails) null)
			.serverToolUse((com.anthropic.models.messages.ServerToolUsage) null)
			.serviceTier((Usage.ServiceTier) null)
			.speed((Usage.Speed) null)
			.build();
		this.runner.run((context) -> assertThat(context.getBean(CompositeUsageExtractor.class).extract(anthropicUsage))
			.contains(TokenUsage.of(12, 5)));
		this.runner.withClassLoader(new FilteredClassLoader("com.anthropic"))
			.run((context) -> assertThat(context.getBean(CompositeUsageExtractor.class).extract(anthropicUsage))
				.isEmpty());
	}

	@Test
	void missingUsageIsCountedWhenThereIsAMeterRegistry() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(MissingUsageCounter.class));
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasSingleBean(MissingUsageCounter.class));
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer"))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(MissingUsageCounter.class));
	}

	@Test
	void creatingTheAdvisorAmongPostProcessorsCreatesNoOtherBeanEarly(CapturedOutput output) {
		this.runner.withUserConfiguration(LatePostProcessor.class).withBean("chat", Chat.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(Chat.class).ask("hello")).isEqualTo("answer to hello");
		});
		assertThat(output).doesNotContain("not eligible for getting processed by all BeanPostProcessors");
	}

	@Test
	void unknownModelStopsStartupNamingTheBeanMethodAttributeAndConfiguredModels() {
		assertStartupFails(UnknownModel.class, "Bean 'chat'", "attribute 'model'", "UnknownModel.ask(String)",
				"Unknown model 'gpt-5'", "[claude-sonnet-4, gpt-4o]");
	}

	@Test
	void methodWithoutAModelStopsStartup() {
		assertStartupFails(NoModel.class, "Bean 'chat'", "attribute 'model'", "NoModel.ask(String)",
				"no model is named");
	}

	@Test
	void unknownPriorityClassStopsStartupNamingTheConfiguredClasses() {
		assertStartupFails(UnknownPriority.class, "Bean 'chat'", "attribute 'priority'", "UnknownPriority.ask(String)",
				"Unknown priority class 'URGENT'", "[CRITICAL, INTERACTIVE, NORMAL, BACKGROUND]");
	}

	@Test
	void unparsableExpressionStopsStartup() {
		assertStartupFails(BadExpression.class, "Bean 'chat'", "attribute 'inputTokens'", "BadExpression.ask(String)",
				"'#prompt.length(' is not a valid SpEL expression");
	}

	@Test
	void negativeConstantMaxOutputTokensStopsStartup() {
		assertStartupFails(NegativeMaxOutput.class, "attribute 'maxOutputTokens'", "NegativeMaxOutput.ask(String)",
				"-1 is negative");
	}

	@Test
	void unparsableMaxWaitStopsStartup() {
		assertStartupFails(BadMaxWait.class, "attribute 'maxWait'", "BadMaxWait.ask(String)",
				"'5 sec' is not a duration");
	}

	@Test
	void modelParameterThatIsNotAStringStopsStartup() {
		assertStartupFails(BadModelParameter.class, "ask(String, Integer)", "@LlmModel parameter 1 has type Integer");
	}

	@Test
	void unsupportedAsynchronousReturnTypeStopsStartup() {
		assertStartupFails(FutureReturning.class, "FutureReturning.ask(String)",
				"return type java.util.concurrent.Future cannot be governed");
	}

	@Test
	void annotatedMethodThatAProxyCannotInterceptStopsStartup() {
		assertStartupFails(FinalMethod.class, "Bean 'chat'", "FinalMethod.ask cannot be intercepted");
	}

	@Test
	void annotatedBeanThatIsNotProxiedStopsStartupRatherThanGoUngoverned() {
		this.runner.withPropertyValues("spring.aop.auto=false")
			.withBean("chat", Chat.class)
			.run((context) -> assertThat(startupFailure(context.getStartupFailure()))
				.hasMessageContainingAll("Bean 'chat'", "was not proxied", "spring.aop.auto"));
	}

	private void assertStartupFails(Class<?> beanType, String... messageParts) {
		this.runner.withBean("chat", beanType)
			.run((context) -> assertThat(startupFailure(context.getStartupFailure()))
				.hasMessageContainingAll(messageParts));
	}

	private static Throwable startupFailure(Throwable failure) {
		assertThat(failure).as("startup failure").isNotNull();
		Throwable current = failure;
		while (current != null && !(current instanceof BeanInitializationException)) {
			current = current.getCause();
		}
		assertThat(current).as("BeanInitializationException in %s", failure).isNotNull();
		return current;
	}

	record Reply(long inputTokens, long outputTokens) implements LlmUsage {
	}

	// Public, so that a proxy class defined by a FilteredClassLoader may extend it.
	public static class Chat {

		@LlmRateLimited(model = "claude-sonnet-4", maxOutputTokens = "100")
		public String ask(String prompt) {
			return "answer to " + prompt;
		}

	}

	static class UnknownModel {

		@LlmRateLimited("gpt-5")
		public String ask(String prompt) {
			return prompt;
		}

	}

	@LlmRateLimited(priority = Priority.INTERACTIVE)
	static class NoModel {

		public String ask(String prompt) {
			return prompt;
		}

	}

	static class UnknownPriority {

		@LlmRateLimited(model = "gpt-4o", priority = "URGENT")
		public String ask(String prompt) {
			return prompt;
		}

	}

	static class BadExpression {

		@LlmRateLimited(model = "gpt-4o", inputTokens = "#prompt.length(")
		public String ask(String prompt) {
			return prompt;
		}

	}

	static class NegativeMaxOutput {

		@LlmRateLimited(model = "gpt-4o", maxOutputTokens = "-1")
		public String ask(String prompt) {
			return prompt;
		}

	}

	static class BadMaxWait {

		@LlmRateLimited(model = "gpt-4o", maxWait = "5 sec")
		public String ask(String prompt) {
			return prompt;
		}

	}

	static class BadModelParameter {

		@LlmRateLimited(model = "gpt-4o")
		public String ask(String prompt, @LlmModel Integer model) {
			return prompt;
		}

	}

	static class FutureReturning {

		@LlmRateLimited(model = "gpt-4o")
		public Future<String> ask(String prompt) {
			return null;
		}

	}

	static class FinalMethod {

		@LlmRateLimited(model = "gpt-4o")
		public final String ask(String prompt) {
			return prompt;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ApplicationEstimation {

		final TokenEstimator estimator = (model, provider, arguments) -> 1;

		final CompositeUsageExtractor extractor = new CompositeUsageExtractor(List.of());

		@Bean
		TokenEstimator applicationEstimator() {
			return this.estimator;
		}

		@Bean
		CompositeUsageExtractor applicationExtractor() {
			return this.extractor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ApplicationExtractors {

		@Bean
		@Order(2)
		UsageExtractor second() {
			return (result) -> Optional.of(TokenUsage.of(2, 2));
		}

		@Bean
		@Order(1)
		UsageExtractor first() {
			return (result) -> (result instanceof Reply) ? Optional.of(TokenUsage.of(1, 1)) : Optional.empty();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LatePostProcessor {

		// Created after the auto-proxy creator, which then looks up (and creates) every
		// advisor.
		@Bean
		static BeanPostProcessor latePostProcessor() {
			return new BeanPostProcessor() {
			};
		}

	}

}
