package io.github.llmquota.attempt;

import java.io.IOException;

/**
 * Sends one attempt of a provider request on a blocking transport. The
 * {@link AttemptGovernor} calls it once per admitted attempt.
 *
 * @param <R> the transport's response type
 */
@FunctionalInterface
public interface ProviderAttempt<R> {

	/**
	 * Send the request once.
	 * @return the reply
	 * @throws IOException if the request could not be sent or no response came back
	 */
	ProviderReply<R> send() throws IOException;

}
