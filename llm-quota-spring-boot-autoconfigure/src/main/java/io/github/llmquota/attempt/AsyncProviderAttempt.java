package io.github.llmquota.attempt;

import java.util.concurrent.CompletableFuture;

/**
 * Sends one attempt of a provider request on a non-blocking transport. The
 * {@link AttemptGovernor} calls it once per admitted attempt.
 *
 * @param <R> the transport's response type
 */
@FunctionalInterface
public interface AsyncProviderAttempt<R> {

	/**
	 * Send the request once, without blocking the calling thread.
	 * @return a future completed with the reply, or exceptionally when the request could
	 * not be sent or no response came back
	 */
	CompletableFuture<ProviderReply<R>> send();

}
