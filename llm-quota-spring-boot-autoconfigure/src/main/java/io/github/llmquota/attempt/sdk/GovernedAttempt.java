package io.github.llmquota.attempt.sdk;

/**
 * Marks the thread on which an SDK attempt is being sent, so that a second governing
 * adapter on the same client (one added by hand, one by auto-configuration) lets the
 * attempt through instead of admitting it twice.
 */
final class GovernedAttempt {

	private static final ThreadLocal<Boolean> sending = new ThreadLocal<>();

	private GovernedAttempt() {
	}

	static boolean inProgress() {
		return sending.get() != null;
	}

	static <T, X extends Exception> T send(Sender<T, X> sender) throws X {
		Boolean outer = sending.get();
		sending.set(Boolean.TRUE);
		try {
			return sender.send();
		}
		finally {
			if (outer == null) {
				sending.remove();
			}
		}
	}

	@FunctionalInterface
	interface Sender<T, X extends Exception> {

		T send() throws X;

	}

}
