package io.github.llmquota.attempt.sdk;

import java.io.IOException;

import com.openai.core.http.HttpClient;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;

import org.springframework.util.Assert;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.ProviderRequest;

/**
 * Routes every HTTP attempt of the official OpenAI Java SDK through the
 * {@link AttemptGovernor}. It is an OkHttp application interceptor, which the SDK runs
 * for each attempt inside its retry loop, so each of its own retries is admitted like any
 * other attempt: <pre class="code">
 * OpenAIClient openAi = OpenAIOkHttpClient.builder().fromEnv()
 *     .addInterceptor(new OpenAiAttemptInterceptor(governor))
 *     .build();
 * </pre> A rate limit (429) or an overload (503) never reaches the SDK's retry: the
 * governor turns it into a wait in the quota's waiting room and sends again. An exhausted
 * quota ({@code insufficient_quota}) or a request too large for a limit reaches the SDK
 * with {@code x-should-retry: false}, so it throws its own typed exception at once.
 * <p>
 * OkHttp runs application interceptors on the thread that sends the request. That is the
 * calling thread for a blocking {@code OpenAIClient}, so the interceptor suits it. For an
 * asynchronous {@code OpenAIClientAsync} it is a thread of OkHttp's dispatcher, held
 * while the attempt waits, and a spent wait budget would reach the SDK as an I/O failure
 * that it retries: govern the SDK's transport instead, with
 * {@link #govern(HttpClient, AttemptGovernor)}, and do not add the interceptor as well.
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

	/**
	 * Return the given OpenAI SDK transport with every attempt governed, for an
	 * asynchronous client built from {@code ClientOptions}. The SDK's retry loop wraps
	 * the transport, so each of its retries is admitted too; an attempt waits for
	 * admission without holding a thread, and a spent wait budget fails the call's future
	 * with a {@link io.github.llmquota.core.QuotaRejectedException}: <pre class="code">
	 * OpenAIClientAsync openAi = new OpenAIClientAsyncImpl(ClientOptions.builder().fromEnv()
	 *     .httpClient(OpenAiAttemptInterceptor.govern(OkHttpClient.builder().build(), governor))
	 *     .build());
	 * </pre> The SDK hands an asynchronous call to another thread before it reaches its
	 * transport, so the caller's {@link io.github.llmquota.attempt.LlmCallContext} is not
	 * seen: every attempt is admitted in {@code llm.quota.governor.default-priority},
	 * with that class's wait budget. A call that needs its own class or budget is made
	 * with the blocking client inside the context, on an executor of the caller's
	 * choosing.
	 * @param transport the SDK's transport, such as
	 * {@code com.openai.client.okhttp.OkHttpClient}
	 * @param governor the governor that admits each attempt
	 * @return the governed transport
	 * @throws IllegalArgumentException if an argument is {@code null}
	 */
	public static HttpClient govern(HttpClient transport, AttemptGovernor governor) {
		Assert.notNull(transport, "'transport' must not be null");
		Assert.notNull(governor, "'governor' must not be null");
		return new GovernedOpenAiHttpClient(transport, governor);
	}

	@Override
	public Response intercept(Chain chain) throws IOException {
		Request request = chain.request();
		if (GovernedAttempt.inProgress()) {
			return chain.proceed(request);
		}
		return this.governor.exchange(providerRequest(request),
				() -> GovernedAttempt.send(() -> SdkReply.read(chain.proceed(request), OkHttpResponses.INSTANCE)));
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
