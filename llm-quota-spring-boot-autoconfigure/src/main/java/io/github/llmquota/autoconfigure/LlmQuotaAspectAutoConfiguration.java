package io.github.llmquota.autoconfigure;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;

import io.github.llmquota.actuate.metrics.MissingUsageCounter;
import io.github.llmquota.aop.LlmCallListener;
import io.github.llmquota.aop.LlmFallbackHandler;
import io.github.llmquota.aop.LlmRateLimited;
import io.github.llmquota.aop.LlmRateLimitedAdvisor;
import io.github.llmquota.aop.LlmRateLimitedInterceptor;
import io.github.llmquota.aop.LlmRateLimitedValidator;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.estimate.DefaultTokenEstimator;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.provider.AnthropicResponseExtractor;
import io.github.llmquota.provider.MalformedHeaderReporter;
import io.github.llmquota.provider.OpenAiResponseExtractor;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.provider.ProviderFeedbackResolver;
import io.github.llmquota.provider.ProviderResponseExtractor;
import io.github.llmquota.provider.SpringWebResponseExtractor;
import io.github.llmquota.stream.StreamStep;
import io.github.llmquota.usage.AnthropicUsageExtractor;
import io.github.llmquota.usage.CompositeUsageExtractor;
import io.github.llmquota.usage.LlmUsageExtractor;
import io.github.llmquota.usage.OpenAiUsageExtractor;
import io.github.llmquota.usage.SpringAiUsageExtractor;
import io.github.llmquota.usage.UsageExtractor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Auto-configuration that governs {@link LlmRateLimited @LlmRateLimited} methods with the
 * {@link QuotaEngine}. It needs no AspectJ: the advisor is an infrastructure bean, which
 * Spring Boot's auto-proxy creator applies with or without AspectJ on the classpath.
 */
@AutoConfiguration(after = LlmQuotaAutoConfiguration.class,
		afterName = { "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnBean({ QuotaEngine.class, QuotaSettings.class })
public class LlmQuotaAspectAutoConfiguration {

	private static final String ASPECT_PROPERTIES = "llm.quota.aspect";

	// Static, and with the interceptor behind a provider: auto-proxy creators instantiate
	// advisors while post-processors are being registered, which must not drag in the
	// engine.
	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static LlmRateLimitedAdvisor llmRateLimitedAdvisor(ObjectProvider<LlmRateLimitedInterceptor> interceptor,
			Environment environment) {
		LlmRateLimitedAdvisor advisor = new LlmRateLimitedAdvisor(interceptor::getObject);
		// Bound here rather than injected, for the same reason.
		advisor.setOrder(
				Binder.get(environment).bindOrCreate(ASPECT_PROPERTIES, LlmQuotaProperties.Aspect.class).getOrder());
		return advisor;
	}

	@Bean
	@ConditionalOnMissingBean
	LlmRateLimitedInterceptor llmRateLimitedInterceptor(QuotaEngine engine, QuotaSettings settings,
			TokenEstimator tokenEstimator, CompositeUsageExtractor usageExtractor,
			ObjectProvider<LlmCallListener> listeners, ObjectProvider<LlmFallbackHandler> fallbackHandler,
			ProviderFeedbackResolver feedbackResolver, ObjectProvider<StreamStep> streamStep,
			ObjectProvider<BatchValve> batchValve, LlmQuotaProperties properties) {
		LlmRateLimitedInterceptor interceptor = new LlmRateLimitedInterceptor(engine, settings, tokenEstimator,
				usageExtractor, listeners.orderedStream().toList(), fallbackHandler.getIfAvailable(), feedbackResolver);
		streamStep.ifAvailable(interceptor::setStreamStep);
		interceptor.setDeferrableClasses(deferrableClasses(properties, settings));
		batchValve.ifAvailable(interceptor::setBatchValve);
		return interceptor;
	}

	private static List<String> deferrableClasses(LlmQuotaProperties properties, QuotaSettings settings) {
		List<String> classes = properties.getBatch().getDeferrableClasses();
		for (String name : classes) {
			try {
				settings.priorityClass(name);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidQuotaConfigurationException("llm.quota.batch.deferrable-classes", classes,
						ex.getMessage());
			}
		}
		return classes;
	}

	/**
	 * The application's own {@link ProviderResponseExtractor} beans, in order, then the
	 * built-in ones of the HTTP clients and SDKs on the classpath. Delays beyond
	 * {@code llm.quota.feedback.max-cooldown} are reported as malformed.
	 */
	@Bean
	@ConditionalOnMissingBean
	ProviderFeedbackResolver llmQuotaProviderFeedbackResolver(
			ObjectProvider<ProviderResponseExtractor> applicationExtractors, ApplicationContext context,
			QuotaSettings settings) {
		List<ProviderResponseExtractor> extractors = new ArrayList<>(applicationExtractors.orderedStream().toList());
		ClassLoader classLoader = context.getClassLoader();
		if (ClassUtils.isPresent("org.springframework.web.client.RestClientResponseException", classLoader)) {
			extractors.add(new SpringWebResponseExtractor());
		}
		if (ClassUtils.isPresent("com.anthropic.errors.AnthropicServiceException", classLoader)) {
			extractors.add(new AnthropicResponseExtractor());
		}
		if (ClassUtils.isPresent("com.openai.errors.OpenAIServiceException", classLoader)) {
			extractors.add(new OpenAiResponseExtractor());
		}
		ProviderFeedbackParser parser = new ProviderFeedbackParser(MalformedHeaderReporter.warnOncePerPoolAndHeader(),
				settings.feedback().maxCooldown());
		return new ProviderFeedbackResolver(extractors, parser, Clock.systemUTC());
	}

	@Bean
	@ConditionalOnMissingBean
	LlmRateLimitedValidator llmRateLimitedValidator(ConfigurableListableBeanFactory beanFactory,
			LlmRateLimitedAdvisor advisor, LlmRateLimitedInterceptor interceptor) {
		return new LlmRateLimitedValidator(beanFactory, advisor, interceptor);
	}

	@Bean
	@ConditionalOnMissingBean(TokenEstimator.class)
	CalibratingTokenEstimator llmQuotaTokenEstimator() {
		return new CalibratingTokenEstimator(new DefaultTokenEstimator());
	}

	/**
	 * The application's own {@link UsageExtractor} beans, in order, then the built-in
	 * extractors of the LLM libraries on the classpath.
	 */
	@Bean
	@ConditionalOnMissingBean
	CompositeUsageExtractor llmQuotaUsageExtractor(ObjectProvider<UsageExtractor> applicationExtractors,
			ApplicationContext context) {
		// Filtered by type, so that this bean is not asked for itself.
		List<UsageExtractor> extractors = new ArrayList<>(
				applicationExtractors.orderedStream((type) -> !CompositeUsageExtractor.class.isAssignableFrom(type))
					.toList());
		ClassLoader classLoader = context.getClassLoader();
		List<UsageExtractor> sdkExtractors = new ArrayList<>();
		if (ClassUtils.isPresent("com.anthropic.models.messages.Message", classLoader)) {
			sdkExtractors.add(new AnthropicUsageExtractor());
		}
		if (ClassUtils.isPresent("com.openai.models.chat.completions.ChatCompletion", classLoader)) {
			sdkExtractors.add(new OpenAiUsageExtractor());
		}
		extractors.add(new LlmUsageExtractor());
		extractors.addAll(sdkExtractors);
		if (ClassUtils.isPresent("org.springframework.ai.chat.model.ChatResponse", classLoader)) {
			// Spring AI wraps the SDKs' usage objects, which carry the prompt-cache
			// split.
			extractors.add(new SpringAiUsageExtractor(new CompositeUsageExtractor(sdkExtractors)));
		}
		return new CompositeUsageExtractor(extractors);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class MissingUsageMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MissingUsageCounter llmQuotaMissingUsageCounter(MeterRegistry registry) {
			return new MissingUsageCounter(registry);
		}

	}

}
