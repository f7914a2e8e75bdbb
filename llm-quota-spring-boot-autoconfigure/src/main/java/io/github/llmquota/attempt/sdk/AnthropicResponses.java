package io.github.llmquota.attempt.sdk;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpResponse;

import io.github.llmquota.stream.SseUsageTap;

import org.springframework.lang.Nullable;

/**
 * The Anthropic SDK's response type, for {@link SdkReply}.
 */
final class AnthropicResponses implements SdkResponses<HttpResponse> {

	static final AnthropicResponses INSTANCE = new AnthropicResponses();

	private AnthropicResponses() {
	}

	@Override
	public int status(HttpResponse response) {
		return response.statusCode();
	}

	@Override
	public Map<String, List<String>> headers(HttpResponse response) {
		return SdkHeaders.toMap(response.headers().names(), response.headers()::values);
	}

	@Override
	public InputStream body(HttpResponse response) {
		return response.body();
	}

	@Override
	public void close(HttpResponse response) {
		response.close();
	}

	@Override
	public HttpResponse replayed(HttpResponse response, byte[] body, boolean notToRetry) {
		Headers headers = response.headers();
		if (notToRetry) {
			headers = headers.toBuilder().replace(SdkHeaders.SHOULD_RETRY, "false").build();
		}
		return new Replayed(response.statusCode(), headers, body);
	}

	@Override
	public HttpResponse streamed(HttpResponse response, @Nullable SseUsageTap tap, Runnable end) {
		return new Streamed(response, tap, end);
	}

	private record Replayed(int statusCode, Headers headers, byte[] bytes) implements HttpResponse {

		@Override
		public InputStream body() {
			return new ByteArrayInputStream(this.bytes);
		}

		@Override
		public void close() {
		}

	}

	private record Streamed(HttpResponse response, @Nullable SseUsageTap tap, Runnable end) implements HttpResponse {

		@Override
		public int statusCode() {
			return this.response.statusCode();
		}

		@Override
		public Headers headers() {
			return this.response.headers();
		}

		@Override
		public InputStream body() {
			return new EndingInputStream(this.response.body(), this.tap, this.end);
		}

		@Override
		public void close() {
			try {
				this.response.close();
			}
			finally {
				this.end.run();
			}
		}

	}

}
