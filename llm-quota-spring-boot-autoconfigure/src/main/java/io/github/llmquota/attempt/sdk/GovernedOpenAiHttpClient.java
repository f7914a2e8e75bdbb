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
final class GovernedOpenAiHttpClient extends GovernedSdkTransport<HttpRequest, HttpResponse, RequestOptions>
		implements HttpClient {

	private final HttpClient delegate;

	GovernedOpenAiHttpClient(HttpClient delegate, AttemptGovernor governor) {
		super(governor, OpenAiResponses.INSTANCE);
		this.delegate = delegate;
	}

	@Override
	HttpResponse send(HttpRequest request, RequestOptions requestOptions) {
		return this.delegate.execute(request, requestOptions);
	}

	@Override
	CompletableFuture<HttpResponse> sendAsync(HttpRequest request, RequestOptions requestOptions) {
		return this.delegate.executeAsync(request, requestOptions);
	}

	@Override
	public void close() {
		this.delegate.close();
	}

	@Override
	HttpRequest replayable(HttpRequest request) {
		HttpRequestBody body = request.body();
		if (body == null || !body.repeatable()) {
			return request;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		body.writeTo(bytes);
		return request.toBuilder().body(new BytesBody(bytes.toByteArray(), body.contentType())).build();
	}

	@Override
	ProviderRequest providerRequest(HttpRequest request) {
		Map<String, List<String>> headers = SdkHeaders.toMap(request.headers().names(), request.headers()::values);
		byte[] body = (request.body() instanceof BytesBody bytes) ? bytes.bytes : null;
		return new ProviderRequest(request.method().name(), URI.create(request.url()), headers, body);
	}

	@Override
	RuntimeException ioFailure(String message, IOException cause) {
		return new OpenAIIoException(message, cause);
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
			// Held in memory: there is nothing to release, and every attempt sends it
			// again.
		}

	}

}
