package io.github.llmquota.attempt.sdk;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.ForwardingSource;
import okio.Okio;

import org.springframework.lang.Nullable;

import io.github.llmquota.attempt.ProviderReply;
import io.github.llmquota.core.NonRetryableQuotaException;

/**
 * An OkHttp response as the governor reads it: buffered, unless it is a successful event
 * stream, which is handed back unread.
 */
final class OkHttpReply implements ProviderReply<Response> {

	private final Response response;

	private final Map<String, List<String>> headers;

	@Nullable
	private final byte[] body;

	private OkHttpReply(Response response, Map<String, List<String>> headers, @Nullable byte[] body) {
		this.response = response;
		this.headers = headers;
		this.body = body;
	}

	/**
	 * Read a response: buffer its body, unless it is a successful event stream.
	 * @throws IOException if the body cannot be read; the response is closed
	 */
	static OkHttpReply read(Response response) throws IOException {
		Map<String, List<String>> headers = response.headers().toMultimap();
		if (SdkHeaders.isSuccessfulStream(response.code(), headers) || response.body() == null) {
			return new OkHttpReply(response, headers, null);
		}
		try (response) {
			return new OkHttpReply(response, headers, response.body().bytes());
		}
	}

	@Override
	public int status() {
		return this.response.code();
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
	public Response response() {
		return this.response.newBuilder().body(replayedBody()).build();
	}

	@Override
	public Response streamed(Runnable onClose) {
		ResponseBody body = this.response.body();
		if (body == null) {
			onClose.run();
			return this.response;
		}
		AtomicBoolean ended = new AtomicBoolean();
		Runnable end = () -> {
			if (ended.compareAndSet(false, true)) {
				onClose.run();
			}
		};
		ForwardingSource source = new ForwardingSource(body.source()) {

			@Override
			public long read(Buffer sink, long byteCount) throws IOException {
				try {
					long read = super.read(sink, byteCount);
					if (read < 0) {
						end.run();
					}
					return read;
				}
				catch (IOException | RuntimeException ex) {
					end.run();
					throw ex;
				}
			}

			@Override
			public void close() throws IOException {
				try {
					super.close();
				}
				finally {
					end.run();
				}
			}

		};
		ResponseBody streamed = ResponseBody.create(Okio.buffer(source), body.contentType(), body.contentLength());
		return this.response.newBuilder().body(streamed).build();
	}

	@Override
	public Response nonRetryable(NonRetryableQuotaException exception) {
		return this.response.newBuilder().header(SdkHeaders.SHOULD_RETRY, "false").body(replayedBody()).build();
	}

	@Override
	public void discard() {
		// A buffered body is already closed; a stream is closed here.
		if (this.body == null) {
			this.response.close();
		}
	}

	private ResponseBody replayedBody() {
		ResponseBody original = this.response.body();
		return ResponseBody.create((this.body != null) ? this.body : new byte[0],
				(original != null) ? original.contentType() : null);
	}

}
