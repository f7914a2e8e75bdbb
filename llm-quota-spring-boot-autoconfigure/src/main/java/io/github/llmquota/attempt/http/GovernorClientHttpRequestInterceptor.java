package io.github.llmquota.attempt.http;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.ProviderReply;
import io.github.llmquota.attempt.ProviderRequest;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.stream.SseUsageTap;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.lang.Nullable;
import org.springframework.util.StreamUtils;

/**
 * Puts every request of a {@code RestClient} or {@code RestTemplate} to a provider
 * through the {@link AttemptGovernor}: each attempt is admitted before it is sent, a 429
 * or 529 is waited out and sent again rather than handed back, and an answer no wait can
 * fix (exhausted quota, request larger than a limit) is thrown as a
 * {@link NonRetryableQuotaException}. Requests to other hosts pass through untouched.
 * Auto-configured for the builders Spring Boot provides; for a client built by hand:
 * <pre class="code">
 * RestClient client = RestClient.builder().baseUrl("https://api.anthropic.com")
 *     .requestInterceptor(governorInterceptor).build();
 * </pre> A re-sent attempt goes straight to the request factory, past the interceptors
 * registered after this one (Spring runs each interceptor once per request): interceptors
 * that add headers to the request, as authentication interceptors do, keep working, but
 * one that wraps the request in another is skipped on a re-send. Register this
 * interceptor last; its order is {@link Ordered#LOWEST_PRECEDENCE}, which
 * {@code RestTemplate} sorts by.
 * <p>
 * Thread-safe. A successful streaming response ({@code text/event-stream}) is handed back
 * unread and settles when it is closed; every other response is buffered.
 */
public class GovernorClientHttpRequestInterceptor implements ClientHttpRequestInterceptor, Ordered {

	private final AttemptGovernor governor;

	private final ProviderBaseUrls baseUrls;

	/**
	 * Create an interceptor.
	 * @param governor the governor
	 * @param baseUrls the provider base URLs whose requests are governed
	 */
	public GovernorClientHttpRequestInterceptor(AttemptGovernor governor, ProviderBaseUrls baseUrls) {
		this.governor = Objects.requireNonNull(governor, "'governor' must not be null");
		this.baseUrls = Objects.requireNonNull(baseUrls, "'baseUrls' must not be null");
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		if (!this.baseUrls.matches(request.getURI())) {
			return execution.execute(request, body);
		}
		ProviderRequest providerRequest = new ProviderRequest(request.getMethod().name(), request.getURI(),
				request.getHeaders(), body);
		return this.governor.exchange(providerRequest, () -> reply(execution.execute(request, body)));
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	private static ProviderReply<ClientHttpResponse> reply(ClientHttpResponse response) throws IOException {
		HttpStatusCode status = response.getStatusCode();
		HttpHeaders headers = response.getHeaders();
		if (status.is2xxSuccessful() && ProviderReply.isEventStream(headers)) {
			return new Reply(response, status, headers, null);
		}
		byte[] body;
		try (response) {
			body = StreamUtils.copyToByteArray(response.getBody());
		}
		return new Reply(response, status, headers, body);
	}

	private record Reply(ClientHttpResponse original, HttpStatusCode statusCode, HttpHeaders headers,
			byte[] body) implements ProviderReply<ClientHttpResponse> {

		@Override
		public int status() {
			return this.statusCode.value();
		}

		@Override
		public ClientHttpResponse response() {
			return new BufferedResponse(this.original, this.statusCode, this.headers, this.body);
		}

		@Override
		public ClientHttpResponse streamed(Runnable onClose) {
			return new StreamedResponse(this.original, null, onClose);
		}

		@Override
		public ClientHttpResponse streamed(SseUsageTap tap, Runnable onClose) {
			return new StreamedResponse(this.original, tap, onClose);
		}

		@Override
		public ClientHttpResponse nonRetryable(NonRetryableQuotaException exception) {
			throw exception;
		}

		@Override
		public void discard() {
			this.original.close();
		}

	}

	/**
	 * A response whose body was read: it replays the bytes.
	 */
	private record BufferedResponse(ClientHttpResponse original, HttpStatusCode statusCode, HttpHeaders headers,
			byte[] body) implements ClientHttpResponse {

		@Override
		public HttpStatusCode getStatusCode() {
			return this.statusCode;
		}

		@Override
		public String getStatusText() throws IOException {
			return this.original.getStatusText();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.headers;
		}

		@Override
		public InputStream getBody() {
			return new ByteArrayInputStream(this.body);
		}

		@Override
		public void close() {
		}

	}

	/**
	 * A stream handed back unread, which passes what is read to its tap, if any, and ends
	 * its lease when it is closed.
	 */
	private static final class StreamedResponse implements ClientHttpResponse {

		private final ClientHttpResponse delegate;

		@Nullable
		private final SseUsageTap tap;

		private final Runnable onClose;

		StreamedResponse(ClientHttpResponse delegate, @Nullable SseUsageTap tap, Runnable onClose) {
			this.delegate = delegate;
			this.tap = tap;
			this.onClose = onClose;
		}

		@Override
		public HttpStatusCode getStatusCode() throws IOException {
			return this.delegate.getStatusCode();
		}

		@Override
		public String getStatusText() throws IOException {
			return this.delegate.getStatusText();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.delegate.getHeaders();
		}

		@Override
		public InputStream getBody() throws IOException {
			InputStream body = this.delegate.getBody();
			return new FilterInputStream((this.tap != null) ? this.tap.tapping(body) : body) {

				@Override
				public void close() throws IOException {
					try {
						super.close();
					}
					finally {
						StreamedResponse.this.onClose.run();
					}
				}

			};
		}

		@Override
		public void close() {
			try {
				this.delegate.close();
			}
			finally {
				this.onClose.run();
			}
		}

	}

}
