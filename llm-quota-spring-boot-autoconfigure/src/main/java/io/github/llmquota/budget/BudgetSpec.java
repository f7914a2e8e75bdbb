package io.github.llmquota.budget;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;

/**
 * One cost budget as configured.
 *
 * @param name the budget's name; it becomes part of store keys, so it is restricted to
 * letters, digits, '.', '_' and '-'
 * @param amountMicros the budget per window, in micro-units of the price currency
 * @param window the calendar window spend is counted over
 * @param zone the time zone of the window's boundaries
 * @param weekStart the first day of a week, for {@link BudgetWindow#WEEK}
 * @param appliesTo the pool or scope whose calls count against the budget
 * @param perUser whether each user has the budget to themselves (calls without a user
 * share one)
 * @param perTenant whether each tenant has the budget to itself (calls without a tenant
 * share one)
 * @param warnThreshold the share of the budget spent or reserved that raises a warning
 * @param criticalThreshold the share that raises a critical alert
 * @param hardCap whether a call whose worst case would pass the budget is rejected;
 * otherwise spend is only counted and alerted on
 * @param rollingPeriod for {@link BudgetWindow#ROLLING}, the period spend counts over;
 * otherwise {@code null}
 */
public record BudgetSpec(String name, long amountMicros, BudgetWindow window, ZoneId zone, DayOfWeek weekStart,
		String appliesTo, boolean perUser, boolean perTenant, double warnThreshold, double criticalThreshold,
		boolean hardCap, Duration rollingPeriod) {

	/**
	 * Create a budget over calendar windows.
	 * @param name the budget's name
	 * @param amountMicros the budget per window, in micro-units
	 * @param window the calendar window
	 * @param zone the time zone of the window's boundaries
	 * @param weekStart the first day of a week
	 * @param appliesTo the pool or scope whose calls count against the budget
	 * @param perUser whether each user has the budget to themselves
	 * @param perTenant whether each tenant has the budget to itself
	 * @param warnThreshold the share that raises a warning
	 * @param criticalThreshold the share that raises a critical alert
	 * @param hardCap whether a call that would pass the budget is rejected
	 */
	public BudgetSpec(String name, long amountMicros, BudgetWindow window, ZoneId zone, DayOfWeek weekStart,
			String appliesTo, boolean perUser, boolean perTenant, double warnThreshold, double criticalThreshold,
			boolean hardCap) {
		this(name, amountMicros, window, zone, weekStart, appliesTo, perUser, perTenant, warnThreshold,
				criticalThreshold, hardCap, null);
	}

}
