package io.github.llmquota.sample.load;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Counts every HTTP attempt of a {@code RestClient} in {@link ProviderTraffic}, as it
 * goes on the wire. It wraps the request factory rather than being an interceptor because
 * the attempt governor re-sends a request straight to the factory, past the interceptors.
 * A 2xx answer is left for {@link CountedAnthropicClient} to count with its usage.
 * Thread-safe.
 */
final class TrafficRequestFactory implements ClientHttpRequestFactory {

	private final ClientHttpRequestFactory delegate;

	private final ProviderTraffic traffic;

	TrafficRequestFactory(ClientHttpRequestFactory delegate, ProviderTraffic traffic) {
		this.delegate = delegate;
		this.traffic = traffic;
	}

	@Override
	public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) throws IOException {
		ClientHttpRequest request = this.delegate.createRequest(uri, httpMethod);
		return new ClientHttpRequest() {

			@Override
			public ClientHttpResponse execute() throws IOException {
				TrafficRequestFactory.this.traffic.sent();
				ClientHttpResponse response;
				try {
					response = request.execute();
				}
				catch (IOException | RuntimeException ex) {
					TrafficRequestFactory.this.traffic.unanswered();
					throw ex;
				}
				int status = response.getStatusCode().value();
				if (status < 200 || status > 299) {
					TrafficRequestFactory.this.traffic.answered(null, status, null);
				}
				return response;
			}

			@Override
			public OutputStream getBody() throws IOException {
				return request.getBody();
			}

			@Override
			public HttpHeaders getHeaders() {
				return request.getHeaders();
			}

			@Override
			public HttpMethod getMethod() {
				return request.getMethod();
			}

			@Override
			public URI getURI() {
				return request.getURI();
			}

			@Override
			public Map<String, Object> getAttributes() {
				return request.getAttributes();
			}

		};
	}

}
