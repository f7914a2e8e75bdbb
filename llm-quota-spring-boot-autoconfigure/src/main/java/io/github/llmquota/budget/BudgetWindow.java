package io.github.llmquota.budget;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;

/**
 * The window a cost budget counts spend over. Calendar windows end at local midnights in
 * the budget's time zone, computed with {@link ZoneId} rules, so a day with a
 * daylight-saving change is 23 or 25 hours long and ends at the local midnight all the
 * same. A rolling window counts the spend of its last period, in slots.
 */
public enum BudgetWindow {

	/** A calendar day, from local midnight to local midnight. */
	DAY,

	/** A calendar week, from local midnight of its first day. */
	WEEK,

	/** A calendar month, from local midnight of its first day. */
	MONTH,

	/**
	 * The last {@code rolling-period}, in 24 slots of a 24th of it each: spend counts
	 * until its slot is 24 slots old, so the window is the period, rounded up to whole
	 * milliseconds per slot, and spend frees a slot at a time.
	 */
	ROLLING;

	/**
	 * Return the window that holds an instant.
	 * @param nowMillis the instant, epoch milliseconds
	 * @param zone the budget's time zone
	 * @param weekStart the first day of a week
	 * @return the window
	 */
	public Span at(long nowMillis, ZoneId zone, DayOfWeek weekStart) {
		if (this == ROLLING) {
			throw new IllegalStateException("A rolling window has no calendar span");
		}
		LocalDate today = Instant.ofEpochMilli(nowMillis).atZone(zone).toLocalDate();
		LocalDate start = switch (this) {
			case DAY -> today;
			case WEEK -> today.with(TemporalAdjusters.previousOrSame(weekStart));
			case MONTH, ROLLING -> today.withDayOfMonth(1);
		};
		LocalDate next = switch (this) {
			case DAY -> start.plusDays(1);
			case WEEK -> start.plusWeeks(1);
			case MONTH, ROLLING -> start.plusMonths(1);
		};
		// atStartOfDay, not atTime(0, 0): where midnight itself is skipped by a DST gap,
		// the day starts at the first valid local time.
		return new Span(start.toString(), start.atStartOfDay(zone).toInstant().toEpochMilli(),
				next.atStartOfDay(zone).toInstant().toEpochMilli());
	}

	/**
	 * Return the slot length of a rolling window of a period.
	 * @param period the period
	 * @return a 24th of it, rounded up to whole milliseconds
	 */
	public static long slotMillis(Duration period) {
		return Math.max(1, (period.toMillis() + 23) / 24);
	}

	/**
	 * One window of a budget.
	 *
	 * @param id the window's name in keys: the local date it starts on
	 * @param startMillis when it starts, epoch milliseconds
	 * @param endMillis when it ends (the next one starts), epoch milliseconds
	 */
	public record Span(String id, long startMillis, long endMillis) {
	}

}
