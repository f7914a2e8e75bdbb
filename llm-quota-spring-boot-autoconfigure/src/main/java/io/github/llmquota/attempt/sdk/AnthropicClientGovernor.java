package io.github.llmquota.attempt.sdk;

import java.util.function.Supplier;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.AnthropicClientAsync;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.Assert;

/**
 * Governs the Anthropic SDK clients that are beans: each {@link AnthropicClient} and
 * {@link AnthropicClientAsync} is replaced by a client that shares its connections and
 * options and has an {@link AnthropicAttemptInterceptor}. A client that already has one
 * is still governed once per attempt.
 */
public class AnthropicClientGovernor implements BeanPostProcessor {

	private final Supplier<AnthropicAttemptInterceptor> interceptor;

	/**
	 * Create a post-processor.
	 * @param interceptor supplies the interceptor when the first client is processed, so
	 * that the governor is not created while post-processors are being registered
	 * @throws IllegalArgumentException if the supplier is {@code null}
	 */
	public AnthropicClientGovernor(Supplier<AnthropicAttemptInterceptor> interceptor) {
		Assert.notNull(interceptor, "'interceptor' must not be null");
		this.interceptor = interceptor;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof AnthropicClient client) {
			AnthropicAttemptInterceptor interceptor = this.interceptor.get();
			return client.withOptions((options) -> options.addInterceptor(interceptor));
		}
		if (bean instanceof AnthropicClientAsync client) {
			AnthropicAttemptInterceptor interceptor = this.interceptor.get();
			return client.withOptions((options) -> options.addInterceptor(interceptor));
		}
		return bean;
	}

}
