package io.github.llmquota.fallback;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.RejectionReason;

/**
 * Thrown when no model of a fallback chain could take a call within the caller's wait
 * budget. Like every {@link QuotaRejectedException}, nothing is held when it is thrown.
 * The retry-after is the smallest any model reported, so a caller that waits that long
 * and tries again has a chance on at least one model; {@link #getAttempts()} tells why
 * each model did not serve.
 */
public class FallbackExhaustedException extends QuotaRejectedException {

	private final String chain;

	private final transient List<FallbackAttempt> attempts;

	/**
	 * Create an exception.
	 * @param chain the chain name
	 * @param pool the pool of the model the call asked for
	 * @param budget the caller's wait budget
	 * @param attempts what happened to each model, in the order they were tried
	 */
	public FallbackExhaustedException(String chain, String pool, Duration budget, List<FallbackAttempt> attempts) {
		this(chain, pool, budget, List.copyOf(attempts), earliest(attempts));
	}

	private FallbackExhaustedException(String chain, String pool, Duration budget, List<FallbackAttempt> attempts,
			Duration retryAfter) {
		super(pool, reason(attempts), retryAfter, message(chain, budget, attempts, retryAfter));
		this.chain = chain;
		this.attempts = attempts;
	}

	/**
	 * Return the chain name.
	 * @return the chain
	 */
	public String getChain() {
		return this.chain;
	}

	/**
	 * Return why each model did not serve the call, in the order they were tried.
	 * @return the attempts
	 */
	public List<FallbackAttempt> getAttempts() {
		return this.attempts;
	}

	private static Duration earliest(List<FallbackAttempt> attempts) {
		return attempts.stream()
			.map(FallbackAttempt::retryAfter)
			.filter(Objects::nonNull)
			.min(Duration::compareTo)
			.orElse(null);
	}

	// CANNOT_FIT everywhere means no retry can succeed; anything else is a wait problem.
	private static RejectionReason reason(List<FallbackAttempt> attempts) {
		boolean neverFits = !attempts.isEmpty()
				&& attempts.stream().allMatch((attempt) -> attempt.reason() == RejectionReason.CANNOT_FIT);
		return neverFits ? RejectionReason.CANNOT_FIT : RejectionReason.DEADLINE;
	}

	private static String message(String chain, Duration budget, List<FallbackAttempt> attempts, Duration retryAfter) {
		String when = (retryAfter != null) ? "; the earliest model could take it in " + retryAfter
				: "; no model can take it as it is";
		return "No model of fallback chain '" + chain + "' could take the call within the wait budget of " + budget
				+ when + " (" + attempts.stream().map(FallbackAttempt::toString).collect(Collectors.joining("; "))
				+ ")";
	}

}
