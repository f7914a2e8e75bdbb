package io.github.llmquota.attempt.sdk;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.AnthropicClientAsync;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.Interceptor;

import org.springframework.util.Assert;

import io.github.llmquota.attempt.AttemptGovernor;

/**
 * Routes every HTTP attempt of the official Anthropic Java SDK through the
 * {@link AttemptGovernor}. The SDK applies its interceptors inside its retry loop, so
 * each of its own retries is admitted like any other attempt: <pre class="code">
 * AnthropicClient anthropic = AnthropicOkHttpClient.builder().fromEnv()
 *     .addInterceptor(new AnthropicAttemptInterceptor(governor))
 *     .build();
 * </pre> or, for a client built elsewhere,
 * {@link #govern(AnthropicClient, AttemptGovernor)}. A rate limit (429) or an overload
 * (529) never reaches the SDK's retry: the governor turns it into a wait in the quota's
 * waiting room and sends again. An exhausted quota or a request too large for a limit
 * reaches the SDK with {@code x-should-retry: false}, so it throws its own typed
 * exception at once. Blocking calls wait on the calling thread; asynchronous calls of
 * {@link AnthropicClientAsync} wait without holding a thread. The SDK hands an
 * asynchronous call to another thread before it reaches its transport, so the caller's
 * {@link io.github.llmquota.attempt.LlmCallContext} is not seen: every attempt of such a
 * call is admitted in {@code llm.quota.governor.default-priority}, with that class's wait
 * budget.
 * <p>
 * Thread-safe. Adding the interceptor twice to one client admits each attempt once: an
 * attempt already being governed on the current thread passes through.
 */
public final class AnthropicAttemptInterceptor implements Interceptor {

	private final AttemptGovernor governor;

	/**
	 * Create an interceptor.
	 * @param governor the governor that admits each attempt
	 * @throws IllegalArgumentException if the governor is {@code null}
	 */
	public AnthropicAttemptInterceptor(AttemptGovernor governor) {
		Assert.notNull(governor, "'governor' must not be null");
		this.governor = governor;
	}

	/**
	 * Return a client that shares the given client's connections and options, and whose
	 * every attempt is governed.
	 * @param client the client
	 * @param governor the governor that admits each attempt
	 * @return the governed client
	 * @throws IllegalArgumentException if an argument is {@code null}
	 */
	public static AnthropicClient govern(AnthropicClient client, AttemptGovernor governor) {
		Assert.notNull(client, "'client' must not be null");
		AnthropicAttemptInterceptor interceptor = new AnthropicAttemptInterceptor(governor);
		return client.withOptions((options) -> options.addInterceptor(interceptor));
	}

	/**
	 * Return an asynchronous client that shares the given client's connections and
	 * options, and whose every attempt is governed.
	 * @param client the client
	 * @param governor the governor that admits each attempt
	 * @return the governed client
	 * @throws IllegalArgumentException if an argument is {@code null}
	 */
	public static AnthropicClientAsync govern(AnthropicClientAsync client, AttemptGovernor governor) {
		Assert.notNull(client, "'client' must not be null");
		AnthropicAttemptInterceptor interceptor = new AnthropicAttemptInterceptor(governor);
		return client.withOptions((options) -> options.addInterceptor(interceptor));
	}

	@Override
	public HttpClient intercept(HttpClient httpClient) {
		return new GovernedAnthropicHttpClient(httpClient, this.governor);
	}

}
