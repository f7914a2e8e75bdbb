package io.github.llmquota.autoconfigure;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.Interceptor;
import com.openai.client.okhttp.OpenAIOkHttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.sdk.AnthropicAttemptInterceptor;
import io.github.llmquota.attempt.sdk.AnthropicClientGovernor;
import io.github.llmquota.attempt.sdk.OpenAiAttemptInterceptor;

/**
 * Auto-configuration of the {@link AttemptGovernor}'s integrations with the official
 * Anthropic and OpenAI Java SDKs, each when its SDK is on the classpath. Anthropic client
 * beans are governed as they are created; for OpenAI, whose clients cannot take an
 * interceptor once built, the {@link OpenAiAttemptInterceptor} bean is there to add to
 * the client builder.
 */
@AutoConfiguration(after = LlmQuotaGovernorAutoConfiguration.class)
@ConditionalOnBean(AttemptGovernor.class)
public class LlmQuotaSdkAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ AnthropicClient.class, Interceptor.class })
	static class AnthropicSdkConfiguration {

		@Bean
		@ConditionalOnMissingBean
		AnthropicAttemptInterceptor llmQuotaAnthropicAttemptInterceptor(AttemptGovernor governor) {
			return new AnthropicAttemptInterceptor(governor);
		}

		// Static, with the interceptor behind a provider: a post-processor is created
		// before other beans, which must not drag in the engine.
		@Bean
		@ConditionalOnMissingBean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static AnthropicClientGovernor llmQuotaAnthropicClientGovernor(
				ObjectProvider<AnthropicAttemptInterceptor> interceptor) {
			return new AnthropicClientGovernor(interceptor::getObject);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ OpenAIOkHttpClient.class, okhttp3.Interceptor.class })
	static class OpenAiSdkConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OpenAiAttemptInterceptor llmQuotaOpenAiAttemptInterceptor(AttemptGovernor governor) {
			return new OpenAiAttemptInterceptor(governor);
		}

	}

}
