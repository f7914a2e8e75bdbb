package io.github.llmquota.attempt.sdk;

import java.io.IOException;

import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;

import org.springframework.util.Assert;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.ProviderRequest;

/**
 * Routes every HTTP attempt of the official OpenAI Java SDK through the
 * {@link AttemptGovernor}. It is an OkHttp application interceptor, which the SDK runs for
 * each attempt inside its retry loop, so each of its own retries is admitted like any other
 * attempt:
 * <pre class="code">
 * OpenAIClient openAi = OpenAIOkHttpClient.builder().fromEnv()
 *     .addInterceptor(new OpenAiAttemptInterceptor(governor))
 *     .build();
 * </pre>
 * A rate limit (429) or an overload (503) never reaches the SDK's retry: the governor turns
 * it into a wait in the quota's waiting room and sends again. An exhausted quota
 * ({@code insufficient_quota}) or a request too large for a limit reaches the SDK with
 * {@code x-should-retry: false}, so it throws its own typed exception at once.
 * <p>
 * OkHttp runs application interceptors on the thread that sends the request: the calling
 * thread for a blocking call, a thread of OkHttp's dispatcher for an asynchronous one, which
 * is held while the attempt waits for admission. The wait also counts against the SDK's
 * request timeout.
 * <p>
 * Thread-safe. Adding the interceptor twice to one client admits each attempt once: an
 * attempt already being governed on the current thread passes through.
 */
public final class OpenAiAttemptInterceptor implements Interceptor {

	private final AttemptGovernor governor;

	/**
	 * Create an interceptor.
	 * @param governor the governor that admits each attempt
	 * @throws IllegalArgumentException if the governor is {@code null}
	 */
	public OpenAiAttemptInterceptor(AttemptGovernor governor) {
		Assert.notNull(governor, "'governor' must not be null");
		this.governor = governor;
	}

	@Override
	public Response intercept(Chain chain) throws IOException {
		Request request = chain.request();
		if (GovernedAttempt.inProgress()) {
			return chain.proceed(request);
		}
		return this.governor.exchange(providerRequest(request),
				() -> GovernedAttempt.send(() -> OkHttpReply.read(chain.proceed(request))));
	}

	private static ProviderRequest providerRequest(Request request) throws IOException {
		byte[] body = null;
		// A one-shot or duplex body can be written only once: it is no model call, and is
		// sent as it is.
		if (request.body() != null && !request.body().isOneShot() && !request.body().isDuplex()) {
			Buffer buffer = new Buffer();
			request.body().writeTo(buffer);
			body = buffer.readByteArray();
		}
		return new ProviderRequest(request.method(), request.url().uri(), request.headers().toMultimap(), body);
	}

}
