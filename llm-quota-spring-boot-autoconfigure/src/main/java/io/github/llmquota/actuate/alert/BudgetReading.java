package io.github.llmquota.actuate.alert;

/**
 * A cost budget's current window as the {@link BudgetMonitor} last read it, in the
 * currency of the prices.
 *
 * @param budget the budget's name
 * @param appliesTo the pool or scope the budget applies to
 * @param spent the cost settled in the window so far
 * @param reserved the worst cases reserved for calls in flight or waiting
 * @param amount the budget per window
 * @param currency the currency, an ISO 4217 code
 * @param windowEndMillis when the window ends (the budget resets), epoch milliseconds
 * @param status the budget's status by its soft thresholds
 */
public record BudgetReading(String budget, String appliesTo, double spent, double reserved, double amount,
		String currency, long windowEndMillis, QuotaStatus status) {

	/**
	 * Return spend and reservations as a share of the amount.
	 * @return the share
	 */
	public double share() {
		return (this.spent + this.reserved) / this.amount;
	}

}
