package io.github.llmquota.stream;

import java.util.function.LongSupplier;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.TokenUsage;

/**
 * Accounts one streaming call as it flows. Feed it what arrives: the output the provider
 * reported so far ({@link #reportedOutput(long)}, from usage events), or the text of each
 * chunk ({@link #text(CharSequence)}), from which the output is estimated when the
 * provider reports none along the way. At each {@link StreamStep step} it charges the
 * output so far to the lease ({@link QuotaLease#charge(long)}), which keeps the lease
 * alive. End it once: {@link #complete(TokenUsage, ProviderFeedback)} with the stream's
 * final usage, or {@link #cancel()} when the stream was cancelled or broke, which settles
 * what was consumed so far.
 * <p>
 * A stream that brings nothing for a while keeps its lease too: from its creation until
 * it ends, a heartbeat thread of this JVM charges the output so far (no new output) once
 * half the step's interval passed without a charge, so that the lease is charged at least
 * once an interval, which is shorter than {@code lease-timeout}. The heartbeat stops when
 * the stream ends, when its lease is lost, and with the JVM: the lease of a stream whose
 * worker died expires a lease timeout after its last charge. A stream that is never ended
 * keeps its lease as long as the JVM runs, as a call that never returns would.
 * {@link StreamStep#AT_END_ONLY} has no heartbeat.
 * <p>
 * Every method may make a blocking store call: a reactive caller runs them where it may
 * block. Thread-safe.
 */
public final class StreamMeter {

	private final QuotaLease lease;

	private final long inputTokens;

	private final StreamStep step;

	private final double asciiCharsPerToken;

	private final LongSupplier nanoClock;

	private long reported;

	private long asciiChars;

	private long otherChars;

	private long charged;

	private long chargedAtNanos;

	private boolean held = true;

	private final Runnable stopHeartbeat;

	/**
	 * Create a meter for a stream admitted by {@code lease}.
	 * @param lease the stream's lease
	 * @param inputTokens the stream's input, as the request estimated it
	 * @param step how often to charge
	 * @param profile the provider's profile, whose characters per token estimate the
	 * output from text
	 */
	public StreamMeter(QuotaLease lease, long inputTokens, StreamStep step, ProviderProfile profile) {
		this(lease, inputTokens, step, profile, System::nanoTime, ScheduledStreamHeartbeat.SHARED);
	}

	StreamMeter(QuotaLease lease, long inputTokens, StreamStep step, ProviderProfile profile, LongSupplier nanoClock,
			StreamHeartbeat heartbeat) {
		if (inputTokens < 0) {
			throw new IllegalArgumentException("inputTokens must not be negative, was " + inputTokens);
		}
		this.lease = lease;
		this.inputTokens = inputTokens;
		this.step = step;
		this.asciiCharsPerToken = profile.asciiCharsPerToken();
		this.nanoClock = nanoClock;
		this.chargedAtNanos = nanoClock.getAsLong();
		// Started under the lock its beats take, so that they see this meter whole.
		synchronized (this) {
			this.stopHeartbeat = step.equals(StreamStep.AT_END_ONLY) ? () -> {
			} : heartbeat.start(step.interval().dividedBy(2), this::beat);
		}
	}

	/**
	 * Note the output the provider reported so far (cumulative, as Anthropic's
	 * {@code message_delta} events and OpenAI's usage chunk carry it), and charge if a
	 * step is due.
	 * @param outputTokens the output so far
	 */
	public synchronized void reportedOutput(long outputTokens) {
		this.reported = Math.max(this.reported, outputTokens);
		chargeIfDue();
	}

	/**
	 * Note the text of a chunk, and charge if a step is due. ASCII characters count at
	 * the provider's characters per token, every other code point as a whole token, as
	 * the token estimator's heuristic counts them.
	 * @param chunk the chunk's text
	 */
	public synchronized void text(CharSequence chunk) {
		for (int i = 0; i < chunk.length(); i++) {
			char c = chunk.charAt(i);
			if (c < 0x80) {
				this.asciiChars++;
			}
			else if (!Character.isLowSurrogate(c)) {
				this.otherChars++;
			}
		}
		chargeIfDue();
	}

	/**
	 * Note that the stream is alive although it brought no output (a ping, or an event
	 * without text), and charge if the step's interval passed: a silent stream keeps its
	 * lease too.
	 */
	public synchronized void alive() {
		chargeIfDue();
	}

	/**
	 * Return the output so far: what the provider reported, or what the text received
	 * makes, whichever is more.
	 * @return the output tokens
	 */
	public synchronized long outputTokens() {
		long estimated = (long) Math.ceil(this.asciiChars / this.asciiCharsPerToken) + this.otherChars;
		return Math.max(this.reported, estimated);
	}

	/**
	 * Whether the lease is still held; {@code false} once the store let it expire, after
	 * which nothing more is charged.
	 * @return whether the lease is held
	 */
	public synchronized boolean isHeld() {
		return this.held && !this.lease.isEnded();
	}

	/**
	 * End the stream with its final usage, as its last usage event reported it.
	 * @param usage the stream's usage
	 * @param feedback the response's headers
	 */
	public void complete(TokenUsage usage, ProviderFeedback feedback) {
		this.stopHeartbeat.run();
		this.lease.settle(usage, feedback);
	}

	/**
	 * End a stream that was cancelled or broke before its final usage: settle the
	 * estimated input and the output so far.
	 */
	public void cancel() {
		this.stopHeartbeat.run();
		this.lease.settle(TokenUsage.of(this.inputTokens, outputTokens()));
	}

	/**
	 * End a stream that failed before any output, as a call that failed.
	 * @param outcome what happened to the call
	 * @param feedback the provider's error
	 */
	public void fail(CallOutcome outcome, ProviderFeedback feedback) {
		this.stopHeartbeat.run();
		this.lease.release(outcome, feedback);
	}

	// A heartbeat: charge the output so far if nothing charged for half an interval, so
	// that a silent stream's lease is charged at least once an interval. Ended some other
	// way (its lease settled directly) or lost, the stream beats no more.
	private synchronized void beat() {
		try {
			if (!this.held || this.lease.isEnded()) {
				this.stopHeartbeat.run();
				return;
			}
			long now = this.nanoClock.getAsLong();
			if (now - this.chargedAtNanos >= this.step.interval().toNanos() / 2) {
				charge(outputTokens(), now);
				if (!this.held) {
					this.stopHeartbeat.run();
				}
			}
		}
		catch (RuntimeException ex) {
			// The lease logs what its store failed at; the next beat tries again.
		}
	}

	private void chargeIfDue() {
		if (!this.held) {
			return;
		}
		long output = outputTokens();
		long now = this.nanoClock.getAsLong();
		if (output - this.charged >= this.step.tokens()
				|| now - this.chargedAtNanos >= this.step.interval().toNanos()) {
			charge(output, now);
		}
	}

	private void charge(long output, long now) {
		this.held = this.lease.charge(output);
		this.charged = output;
		this.chargedAtNanos = now;
	}

}
