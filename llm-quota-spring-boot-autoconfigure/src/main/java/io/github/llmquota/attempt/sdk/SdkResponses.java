package io.github.llmquota.attempt.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

import io.github.llmquota.stream.SseUsageTap;

import org.springframework.lang.Nullable;

/**
 * One SDK's response type, as {@link SdkReply} needs it. The two official SDKs generate
 * look-alike HTTP types in their own packages, and the OpenAI interceptor sees OkHttp's,
 * so the reading, buffering and marking live once in {@link SdkReply} and each type needs
 * only these few operations.
 *
 * @param <R> the response type
 */
interface SdkResponses<R> {

	int status(R response);

	Map<String, List<String>> headers(R response);

	/**
	 * Return the body to buffer, which the caller closes.
	 */
	InputStream body(R response) throws IOException;

	void close(R response);

	/**
	 * Return the response again with the buffered body, optionally marked with
	 * {@code x-should-retry: false}.
	 */
	R replayed(R response, byte[] body, boolean notToRetry);

	/**
	 * Return the response unread, its body running {@code end} when it is read to its
	 * end, fails, or is closed; {@code end} may run more than once and does its work
	 * once; every byte read from it passes to {@code tap} first, when there is one.
	 */
	R streamed(R response, @Nullable SseUsageTap tap, Runnable end);

}
