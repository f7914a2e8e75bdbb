package io.github.llmquota.attempt;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.stream.SseUsageTap;

import org.springframework.lang.Nullable;

/**
 * One provider response to an attempt, as a transport adapter presents it to the
 * {@link AttemptGovernor}, wrapping the transport's own response type {@code R}. The
 * adapter buffers the body, except for a successful stream ({@link #isEventStream(Map)}),
 * which is handed back unread. The governor ends every reply exactly once, with one of
 * {@link #response()}, {@link #streamed(Runnable)}, {@link #nonRetryable} or
 * {@link #discard()}.
 *
 * @param <R> the transport's response type
 */
public interface ProviderReply<R> {

	/**
	 * Return the HTTP status.
	 * @return the status code
	 */
	int status();

	/**
	 * Return the response headers.
	 * @return the headers by name, in any case
	 */
	Map<String, List<String>> headers();

	/**
	 * Return the buffered body.
	 * @return the body, or {@code null} for a successful stream, whose body is not read
	 */
	@Nullable
	byte[] body();

	/**
	 * Hand the response back as it came, its body replayed from the buffer.
	 * @return the response
	 * @throws IOException if the transport cannot rebuild the response
	 */
	R response() throws IOException;

	/**
	 * Hand back a successful stream, unread, whose body calls {@code onClose} once when
	 * it is closed, read to its end or fails.
	 * @param onClose what to do when the stream ends, never throws
	 * @return the response
	 * @throws IOException if the transport cannot wrap the response
	 */
	R streamed(Runnable onClose) throws IOException;

	/**
	 * Hand back a successful stream, unread, whose body passes every byte the caller
	 * reads to {@code tap} and calls {@code onClose} once when it is closed, read to its
	 * end or fails. The default passes no bytes: the governor then settles the stream as
	 * before, at its reservation.
	 * @param tap reads the event stream as it passes
	 * @param onClose what to do when the stream ends, never throws
	 * @return the response
	 * @throws IOException if the transport cannot wrap the response
	 */
	default R streamed(SseUsageTap tap, Runnable onClose) throws IOException {
		return streamed(onClose);
	}

	/**
	 * Hand back an answer that no retry can fix, marked so that no retry layer retries
	 * it: an SDK transport adds {@code x-should-retry: false}, a Spring client throws the
	 * exception.
	 * @param exception the exception that stands for the answer
	 * @return the marked response
	 * @throws IOException if the transport cannot rebuild the response
	 * @throws NonRetryableQuotaException where the transport reports it by throwing
	 */
	R nonRetryable(NonRetryableQuotaException exception) throws IOException;

	/**
	 * Close a response that is not handed back: an answer the governor retries itself.
	 */
	void discard();

	/**
	 * Whether the headers announce a server-sent event stream, whose body the transport
	 * must not buffer.
	 * @param headers the response headers by name, in any case
	 * @return whether the content type is {@code text/event-stream}
	 */
	static boolean isEventStream(Map<String, List<String>> headers) {
		for (Map.Entry<String, List<String>> header : headers.entrySet()) {
			if ("content-type".equalsIgnoreCase(header.getKey()) && header.getValue() != null) {
				for (String value : header.getValue()) {
					if (value != null && value.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
						return true;
					}
				}
			}
		}
		return false;
	}

}
