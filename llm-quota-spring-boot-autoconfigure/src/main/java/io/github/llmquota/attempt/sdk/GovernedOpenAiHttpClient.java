package io.github.llmquota.attempt.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.openai.core.RequestOptions;
import com.openai.core.http.HttpClient;
import com.openai.core.http.HttpRequest;
import com.openai.core.http.HttpRequestBody;
import com.openai.core.http.HttpResponse;
import com.openai.errors.OpenAIIoException;

import org.springframework.lang.Nullable;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.ProviderRequest;

/**
 * The OpenAI SDK's transport, seen from inside its retry loop, with each attempt handed
 * to the {@link AttemptGovernor}. Unlike an OkHttp interceptor, an asynchronous attempt
 * waits for admission without holding a thread, and a spent wait budget fails the call's
 * future with the governor's own exception rather than an I/O failure the SDK retries.
 */
final class GovernedOpenAiHttpClient implements HttpClient {

	private final HttpClient delegate;

	private final AttemptGovernor governor;

	GovernedOpenAiHttpClient(HttpClient delegate, AttemptGovernor governor) {
		this.delegate = delegate;
		this.governor = governor;
	}

	@Override
	public HttpResponse execute(HttpRequest request, RequestOptions requestOptions) {
		if (GovernedAttempt.inProgress()) {
			return this.delegate.execute(request, requestOptions);
		}
		HttpRequest replayable = replayable(request);
		try {
			return this.governor.exchange(providerRequest(replayable), () -> GovernedAttempt
				.send(() -> OpenAiReply.read(this.delegate.execute(replayable, requestOptions))));
		}
		catch (IOException ex) {
			// The SDK's own I/O failure type, which its retry loop knows.
			throw new OpenAIIoException("Request failed", ex);
		}
	}

	@Override
	public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions requestOptions) {
		if (GovernedAttempt.inProgress()) {
			return this.delegate.executeAsync(request, requestOptions);
		}
		HttpRequest replayable = replayable(request);
		return this.governor.exchangeAsync(providerRequest(replayable), () -> GovernedAttempt.send(() -> this.delegate
			.executeAsync(replayable, requestOptions)
			.thenApply(GovernedOpenAiHttpClient::read)));
	}

	private static OpenAiReply read(HttpResponse response) {
		try {
			return OpenAiReply.read(response);
		}
		catch (IOException ex) {
			throw new OpenAIIoException("Response could not be read", ex);
		}
	}

	@Override
	public void close() {
		this.delegate.close();
	}

	/**
	 * Return the request with its body held in memory, so that the governor can read it and
	 * send it again after a wait. A body that cannot be repeated (a streamed upload) is no
	 * model call, and is sent as it is.
	 */
	private static HttpRequest replayable(HttpRequest request) {
		HttpRequestBody body = request.body();
		if (body == null || !body.repeatable()) {
			return request;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		body.writeTo(bytes);
		return request.toBuilder().body(new BytesBody(bytes.toByteArray(), body.contentType())).build();
	}

	private static ProviderRequest providerRequest(HttpRequest request) {
		Map<String, List<String>> headers = SdkHeaders.toMap(request.headers().names(), request.headers()::values);
		byte[] body = (request.body() instanceof BytesBody bytes) ? bytes.bytes : null;
		return new ProviderRequest(request.method().name(), URI.create(request.url()), headers, body);
	}

	private static final class BytesBody implements HttpRequestBody {

		private final byte[] bytes;

		@Nullable
		private final String contentType;

		BytesBody(byte[] bytes, @Nullable String contentType) {
			this.bytes = bytes;
			this.contentType = contentType;
		}

		@Override
		public void writeTo(OutputStream outputStream) {
			try {
				outputStream.write(this.bytes);
			}
			catch (IOException ex) {
				throw new OpenAIIoException("Request body could not be written", ex);
			}
		}

		@Override
		@Nullable
		public String contentType() {
			return this.contentType;
		}

		@Override
		public long contentLength() {
			return this.bytes.length;
		}

		@Override
		public boolean repeatable() {
			return true;
		}

		@Override
		public void close() {
			// Held in memory: there is nothing to release, and every attempt sends it again.
		}

	}

}
