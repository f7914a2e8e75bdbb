package io.github.llmquota.attempt.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpRequestBody;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.errors.AnthropicIoException;

import org.springframework.lang.Nullable;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.ProviderRequest;

/**
 * The Anthropic SDK's transport, seen from inside its retry loop, with each attempt
 * handed to the {@link AttemptGovernor}.
 */
final class GovernedAnthropicHttpClient extends GovernedSdkTransport<HttpRequest, HttpResponse, RequestOptions>
		implements HttpClient {

	private final HttpClient delegate;

	GovernedAnthropicHttpClient(HttpClient delegate, AttemptGovernor governor) {
		super(governor, AnthropicResponses.INSTANCE);
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
		HttpRequestBody body = request.body().orElse(null);
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
		byte[] body = request.body().filter(BytesBody.class::isInstance).map((b) -> ((BytesBody) b).bytes).orElse(null);
		return new ProviderRequest(request.method().name(), URI.create(request.url()), headers, body);
	}

	@Override
	RuntimeException ioFailure(String message, IOException cause) {
		return new AnthropicIoException(message, cause);
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
				throw new AnthropicIoException("Request body could not be written", ex);
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
