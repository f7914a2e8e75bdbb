package io.github.llmquota.redis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;

/**
 * Combines the calls that threads of one JVM make for one pool: a call made while none of
 * the pool's is under way is sent at once, alone; a call made while one is under way
 * waits, and when that one ends, the first of the calls that waited sends them all
 * together, as one batch. A lone call costs what it did; under load, one script call, one
 * reading of the config and one of the state serve many decisions.
 * <p>
 * Every call ends. The thread that sends a batch completes every call in it, with its
 * reply or with the failure of the batch, and then hands the next batch to the first call
 * still waiting, or, when Redis did not answer in time or could not be reached, fails the
 * calls waiting as well. A call that waits longer than its bound to be sent gives up with
 * a {@link QueryTimeoutException}, as a call that Redis did not answer in time does; once
 * sent, it ends with its batch, which the script call's own deadline bounds.
 *
 * @param <C> a call
 * @param <R> its reply
 */
final class CallCombiner<C, R> {

	// Marks the outcome of a waiting call whose turn it is to send the next batch.
	private static final Object SEND = new Object();

	private final int maxBatch;

	private final long maxWaitMillis;

	private final ReentrantLock lock = new ReentrantLock();

	private final ArrayDeque<Waiting<C>> waiting = new ArrayDeque<>();

	private boolean sending;

	/**
	 * Create a combiner.
	 * @param maxBatch the most calls one batch takes
	 * @param maxWaitMillis the longest a call waits to be sent before it gives up
	 */
	CallCombiner(int maxBatch, long maxWaitMillis) {
		this.maxBatch = maxBatch;
		this.maxWaitMillis = maxWaitMillis;
	}

	/**
	 * Make a call, alone or in a batch with the calls of other threads.
	 * @param call the call
	 * @param send sends a batch and returns the replies in the order of its calls
	 * @return the call's reply
	 * @throws QueryTimeoutException if the call waited too long to be sent
	 * @throws RuntimeException whatever sending its batch threw
	 */
	R call(C call, Function<List<C>, List<R>> send) {
		Waiting<C> self = new Waiting<>(call);
		boolean sendsNow;
		this.lock.lock();
		try {
			sendsNow = !this.sending;
			if (sendsNow) {
				this.sending = true;
			}
			else {
				this.waiting.add(self);
			}
		}
		finally {
			this.lock.unlock();
		}
		if (!sendsNow) {
			Object outcome = awaitTurn(self);
			if (outcome != SEND) {
				return cast(outcome);
			}
		}
		return sendBatch(self, send);
	}

	private R sendBatch(Waiting<C> self, Function<List<C>, List<R>> send) {
		List<Waiting<C>> batch = new ArrayList<>();
		batch.add(self);
		RuntimeException unreachable = null;
		try {
			this.lock.lock();
			try {
				while (batch.size() < this.maxBatch && !this.waiting.isEmpty()) {
					batch.add(this.waiting.poll());
				}
			}
			finally {
				this.lock.unlock();
			}
			List<C> calls = new ArrayList<>(batch.size());
			batch.forEach((waiting) -> calls.add(waiting.call));
			List<R> replies = send.apply(calls);
			for (int i = 1; i < batch.size(); i++) {
				batch.get(i).outcome.complete(replies.get(i));
			}
			return replies.get(0);
		}
		catch (RuntimeException | Error ex) {
			for (int i = 1; i < batch.size(); i++) {
				batch.get(i).outcome.completeExceptionally(ex);
			}
			if (ex instanceof QueryTimeoutException || ex instanceof DataAccessResourceFailureException) {
				unreachable = (RuntimeException) ex;
			}
			throw ex;
		}
		finally {
			handOver(unreachable);
		}
	}

	// The next batch goes to the first call still waiting. When Redis did not answer the
	// last one in time, or could not be reached, the calls waiting fail as it did,
	// without a try of their own: a stalled Redis holds no more of this JVM's decisions
	// than the one batch it already has.
	private void handOver(RuntimeException unreachable) {
		List<Waiting<C>> next = new ArrayList<>();
		this.lock.lock();
		try {
			do {
				Waiting<C> waiting = this.waiting.poll();
				if (waiting != null) {
					next.add(waiting);
				}
			}
			while (unreachable != null && !this.waiting.isEmpty());
			this.sending = !next.isEmpty() && unreachable == null;
		}
		finally {
			this.lock.unlock();
		}
		for (Waiting<C> waiting : next) {
			if (unreachable != null) {
				waiting.outcome.completeExceptionally(unreachable);
			}
			else {
				waiting.outcome.complete(SEND);
			}
		}
	}

	// An interrupt must not cut the wait short, as it does not cut a script call short
	// (ScriptExecutor#await): a caller that left would leave its turn to send unclaimed.
	private Object awaitTurn(Waiting<C> self) {
		boolean interrupted = false;
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(this.maxWaitMillis);
		boolean taken = false;
		try {
			for (;;) {
				try {
					return taken ? self.outcome.get()
							: self.outcome.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
				catch (TimeoutException ex) {
					if (giveUp(self)) {
						throw new QueryTimeoutException("llm-quota waited " + this.maxWaitMillis
								+ " ms for the pool's previous Redis call to end", ex);
					}
					// Already taken into a batch, or handed the next one: it ends with
					// that batch, whose script call has a deadline of its own.
					taken = true;
				}
				catch (ExecutionException ex) {
					// Completed only with a reply or with what sending a batch threw.
					if (ex.getCause() instanceof Error error) {
						throw error;
					}
					throw (RuntimeException) ex.getCause();
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private boolean giveUp(Waiting<C> self) {
		this.lock.lock();
		try {
			return this.waiting.remove(self);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Return how many calls wait to be sent.
	 * @return the calls waiting
	 */
	int waitingCalls() {
		this.lock.lock();
		try {
			return this.waiting.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	@SuppressWarnings("unchecked")
	private R cast(Object outcome) {
		return (R) outcome;
	}

	private static final class Waiting<C> {

		final C call;

		final CompletableFuture<Object> outcome = new CompletableFuture<>();

		Waiting(C call) {
			this.call = call;
		}

	}

}
