package io.github.llmquota.sample.load;

import java.util.function.Supplier;

import io.github.llmquota.sample.anthropic.AnthropicClient;
import io.github.llmquota.sample.anthropic.SdkAnthropicClient;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * Makes the sample's {@link AnthropicClient} count its traffic in
 * {@link ProviderTraffic}, without the sample knowing: every HTTP attempt where it goes
 * on the wire, below the SDK's retries and the attempt governor's re-sends, and the usage
 * of each successful answer.
 * <ul>
 * <li>the {@link ClientHttpRequestFactoryBuilder} bean, from which the
 * {@code rest-client} client takes its request factory, builds factories wrapped in a
 * {@link TrafficRequestFactory}: every {@code RestClient} built from it is counted, which
 * in load mode is the provider client alone;</li>
 * <li>an {@link SdkAnthropicClient} gets a {@link TrafficInterceptor} as its last, and so
 * innermost, interceptor, below the attempt governor's;</li>
 * <li>the {@link AnthropicClient} is wrapped in a {@link CountedAnthropicClient}.</li>
 * </ul>
 * The provider client depends on the request factory builder, so the builder is wrapped
 * before the client is built.
 */
final class ProviderTrafficRecorder implements BeanPostProcessor {

	private final Supplier<ProviderTraffic> traffic;

	/**
	 * Create a post-processor.
	 * @param traffic supplies the counters when the first bean is processed, so that they
	 * are not created while post-processors are being registered
	 */
	ProviderTrafficRecorder(Supplier<ProviderTraffic> traffic) {
		this.traffic = traffic;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof ClientHttpRequestFactoryBuilder<?> builder) {
			return counted(builder);
		}
		if (bean instanceof AnthropicClient client) {
			return counted(client);
		}
		return bean;
	}

	private ClientHttpRequestFactoryBuilder<ClientHttpRequestFactory> counted(
			ClientHttpRequestFactoryBuilder<?> builder) {
		ProviderTraffic traffic = this.traffic.get();
		return (settings) -> new TrafficRequestFactory(builder.build(settings), traffic);
	}

	private CountedAnthropicClient counted(AnthropicClient client) {
		ProviderTraffic traffic = this.traffic.get();
		if (client instanceof SdkAnthropicClient sdkClient) {
			client = sdkClient.withOptions((options) -> options.addInterceptor(new TrafficInterceptor(traffic)));
		}
		return new CountedAnthropicClient(client, traffic);
	}

}
