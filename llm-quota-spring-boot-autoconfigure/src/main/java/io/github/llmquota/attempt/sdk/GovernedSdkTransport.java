package io.github.llmquota.attempt.sdk;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.ProviderRequest;

/**
 * An SDK's transport, seen from inside its retry loop, with each attempt handed to the
 * {@link AttemptGovernor}. The two official SDKs generate look-alike transport types in
 * their own packages; the governing lives here once, and a subclass per SDK implements
 * its {@code HttpClient} with these methods and adapts its request type.
 *
 * @param <Q> the SDK's request type
 * @param <R> the SDK's response type
 * @param <O> the SDK's request options type
 */
abstract class GovernedSdkTransport<Q, R, O> {

	private final AttemptGovernor governor;

	private final SdkResponses<R> responses;

	GovernedSdkTransport(AttemptGovernor governor, SdkResponses<R> responses) {
		this.governor = governor;
		this.responses = responses;
	}

	public R execute(Q request, O requestOptions) {
		if (GovernedAttempt.inProgress()) {
			return send(request, requestOptions);
		}
		Q replayable = replayable(request);
		try {
			return this.governor.exchange(providerRequest(replayable),
					() -> GovernedAttempt.send(() -> SdkReply.read(send(replayable, requestOptions), this.responses)));
		}
		catch (IOException ex) {
			// The SDK's own I/O failure type, which its retry loop knows.
			throw ioFailure("Request failed", ex);
		}
	}

	public CompletableFuture<R> executeAsync(Q request, O requestOptions) {
		if (GovernedAttempt.inProgress()) {
			return sendAsync(request, requestOptions);
		}
		Q replayable = replayable(request);
		return this.governor.exchangeAsync(providerRequest(replayable),
				() -> GovernedAttempt.send(() -> sendAsync(replayable, requestOptions).thenApply(this::read)));
	}

	private SdkReply<R> read(R response) {
		try {
			return SdkReply.read(response, this.responses);
		}
		catch (IOException ex) {
			throw ioFailure("Response could not be read", ex);
		}
	}

	/**
	 * Send one attempt on the SDK's own transport.
	 */
	abstract R send(Q request, O requestOptions);

	abstract CompletableFuture<R> sendAsync(Q request, O requestOptions);

	/**
	 * Return the request with its body held in memory, so that the governor can read it
	 * and send it again after a wait. A body that cannot be repeated (a streamed upload)
	 * is no model call, and is sent as it is.
	 */
	abstract Q replayable(Q request);

	abstract ProviderRequest providerRequest(Q request);

	/**
	 * Return the SDK's I/O failure, which its retry loop knows.
	 */
	abstract RuntimeException ioFailure(String message, IOException cause);

}
