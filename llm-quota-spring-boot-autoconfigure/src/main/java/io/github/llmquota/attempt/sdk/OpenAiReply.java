package io.github.llmquota.attempt.sdk;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.openai.core.http.Headers;
import com.openai.core.http.HttpResponse;

import org.springframework.lang.Nullable;

import io.github.llmquota.attempt.ProviderReply;
import io.github.llmquota.core.NonRetryableQuotaException;

/**
 * An OpenAI SDK response as the governor reads it: buffered, unless it is a successful
 * event stream, which is handed back unread.
 */
final class OpenAiReply implements ProviderReply<HttpResponse> {

	private final HttpResponse response;

	private final Map<String, List<String>> headers;

	@Nullable
	private final byte[] body;

	private OpenAiReply(HttpResponse response, Map<String, List<String>> headers, @Nullable byte[] body) {
		this.response = response;
		this.headers = headers;
		this.body = body;
	}

	/**
	 * Read a response: buffer its body, unless it is a successful event stream.
	 * @throws IOException if the body cannot be read; the response is closed
	 */
	static OpenAiReply read(HttpResponse response) throws IOException {
		Map<String, List<String>> headers = SdkHeaders.toMap(response.headers().names(), response.headers()::values);
		if (SdkHeaders.isSuccessfulStream(response.statusCode(), headers)) {
			return new OpenAiReply(response, headers, null);
		}
		try (response; InputStream in = response.body()) {
			return new OpenAiReply(response, headers, in.readAllBytes());
		}
	}

	@Override
	public int status() {
		return this.response.statusCode();
	}

	@Override
	public Map<String, List<String>> headers() {
		return this.headers;
	}

	@Override
	@Nullable
	public byte[] body() {
		return this.body;
	}

	@Override
	public HttpResponse response() {
		return new Replayed(this.response.statusCode(), this.response.headers(), this.body);
	}

	@Override
	public HttpResponse streamed(Runnable onClose) {
		return new Streamed(this.response, onClose);
	}

	@Override
	public HttpResponse nonRetryable(NonRetryableQuotaException exception) {
		Headers marked = this.response.headers().toBuilder().replace(SdkHeaders.SHOULD_RETRY, "false").build();
		return new Replayed(this.response.statusCode(), marked, this.body);
	}

	@Override
	public void discard() {
		// The body is already buffered and closed, except for a stream, which is closed here.
		if (this.body == null) {
			this.response.close();
		}
	}

	private static final class Replayed implements HttpResponse {

		private final int status;

		private final Headers headers;

		private final byte[] body;

		Replayed(int status, Headers headers, @Nullable byte[] body) {
			this.status = status;
			this.headers = headers;
			this.body = (body != null) ? body : new byte[0];
		}

		@Override
		public int statusCode() {
			return this.status;
		}

		@Override
		public Headers headers() {
			return this.headers;
		}

		@Override
		public InputStream body() {
			return new ByteArrayInputStream(this.body);
		}

		@Override
		public void close() {
		}

	}

	private static final class Streamed implements HttpResponse {

		private final HttpResponse response;

		private final Runnable onClose;

		private final AtomicBoolean ended = new AtomicBoolean();

		Streamed(HttpResponse response, Runnable onClose) {
			this.response = response;
			this.onClose = onClose;
		}

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
			return new EndingInputStream(this.response.body(), this::end);
		}

		private void end() {
			if (this.ended.compareAndSet(false, true)) {
				this.onClose.run();
			}
		}

		@Override
		public void close() {
			try {
				this.response.close();
			}
			finally {
				end();
			}
		}

	}

}
