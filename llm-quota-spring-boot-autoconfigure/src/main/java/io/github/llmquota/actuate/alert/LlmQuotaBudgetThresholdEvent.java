package io.github.llmquota.actuate.alert;

import org.springframework.context.ApplicationEvent;

/**
 * Published when a cost budget crosses one of its soft thresholds, as
 * {@link LlmQuotaThresholdEvent} is for a rate limit: into {@link QuotaStatus#WARN} or
 * {@link QuotaStatus#CRITICAL}, or back down (with the alerts' hysteresis). The share
 * counts spend and the worst cases reserved for calls in flight. Every JVM of the fleet
 * reads the same budget and publishes its own events.
 */
public class LlmQuotaBudgetThresholdEvent extends ApplicationEvent {

	private final String budget;

	private final QuotaStatus previousStatus;

	private final QuotaStatus status;

	private final double share;

	/**
	 * Create an event.
	 * @param source the component that noticed the crossing
	 * @param budget the budget's name
	 * @param previousStatus the status the budget left
	 * @param status the status it entered
	 * @param share spend and reservations as a share of the budget's amount
	 */
	public LlmQuotaBudgetThresholdEvent(Object source, String budget, QuotaStatus previousStatus, QuotaStatus status,
			double share) {
		super(source);
		this.budget = budget;
		this.previousStatus = previousStatus;
		this.status = status;
		this.share = share;
	}

	/**
	 * Return the budget's name.
	 * @return the name
	 */
	public String getBudget() {
		return this.budget;
	}

	/**
	 * Return the status the budget left.
	 * @return the previous status
	 */
	public QuotaStatus getPreviousStatus() {
		return this.previousStatus;
	}

	/**
	 * Return the status the budget entered.
	 * @return the status
	 */
	public QuotaStatus getStatus() {
		return this.status;
	}

	/**
	 * Return spend and reservations as a share of the budget's amount.
	 * @return the share
	 */
	public double getShare() {
		return this.share;
	}

}
