package io.github.llmquota.attempt.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.llmquota.attempt.ProviderReply;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.stream.SseUsageTap;

import org.springframework.lang.Nullable;

/**
 * An SDK response as the governor reads it: buffered, unless it is a successful event
 * stream, which is handed back unread.
 *
 * @param <R> the SDK's response type
 */
final class SdkReply<R> implements ProviderReply<R> {

	private final SdkResponses<R> responses;

	private final R response;

	private final Map<String, List<String>> headers;

	@Nullable
	private final byte[] body;

	private SdkReply(SdkResponses<R> responses, R response, Map<String, List<String>> headers, @Nullable byte[] body) {
		this.responses = responses;
		this.response = response;
		this.headers = headers;
		this.body = body;
	}

	/**
	 * Read a response: buffer its body, unless it is a successful event stream.
	 * @throws IOException if the body cannot be read; the response is closed
	 */
	static <R> SdkReply<R> read(R response, SdkResponses<R> responses) throws IOException {
		Map<String, List<String>> headers = responses.headers(response);
		if (SdkHeaders.isSuccessfulStream(responses.status(response), headers)) {
			return new SdkReply<>(responses, response, headers, null);
		}
		try (InputStream in = responses.body(response)) {
			return new SdkReply<>(responses, response, headers, in.readAllBytes());
		}
		finally {
			responses.close(response);
		}
	}

	@Override
	public int status() {
		return this.responses.status(this.response);
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
	public R response() {
		return this.responses.replayed(this.response, buffered(), false);
	}

	@Override
	public R streamed(Runnable onClose) {
		return streamed(null, onClose);
	}

	@Override
	public R streamed(@Nullable SseUsageTap tap, Runnable onClose) {
		AtomicBoolean ended = new AtomicBoolean();
		return this.responses.streamed(this.response, tap, () -> {
			if (ended.compareAndSet(false, true)) {
				onClose.run();
			}
		});
	}

	@Override
	public R nonRetryable(NonRetryableQuotaException exception) {
		return this.responses.replayed(this.response, buffered(), true);
	}

	@Override
	public void discard() {
		// A buffered body is already closed; a stream is closed here.
		if (this.body == null) {
			this.responses.close(this.response);
		}
	}

	private byte[] buffered() {
		return (this.body != null) ? this.body : new byte[0];
	}

}
