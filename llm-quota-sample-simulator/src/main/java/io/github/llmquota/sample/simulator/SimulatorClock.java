package io.github.llmquota.sample.simulator;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The simulator's time: a monotonic nanosecond reading that drives the token buckets, and
 * the wall-clock instant each reading stands for, which the reset headers report.
 * <p>
 * The buckets never read the wall clock, so a wall-clock step (NTP, a suspended laptop)
 * cannot refill or drain them. Tests pass their own nanosecond source to drive time
 * explicitly. Thread-safe if the nanosecond source is.
 */
public final class SimulatorClock {

	private final Instant origin;

	private final long originNanos;

	private final LongSupplier nanoTime;

	/**
	 * Create a clock whose current reading of {@code nanoTime} corresponds to
	 * {@code origin}.
	 * @param origin the wall-clock instant of the source's current reading
	 * @param nanoTime a monotonic nanosecond source, such as {@code System::nanoTime}
	 */
	public SimulatorClock(Instant origin, LongSupplier nanoTime) {
		this.origin = origin;
		this.nanoTime = nanoTime;
		this.originNanos = nanoTime.getAsLong();
	}

	/**
	 * Return a clock on {@link System#nanoTime()}, anchored to the current time.
	 * @return the system clock
	 */
	public static SimulatorClock system() {
		return new SimulatorClock(Instant.now(), System::nanoTime);
	}

	long nanoTime() {
		return this.nanoTime.getAsLong();
	}

	Instant instantAt(long nanoTime) {
		return this.origin.plusNanos(nanoTime - this.originNanos);
	}

}
