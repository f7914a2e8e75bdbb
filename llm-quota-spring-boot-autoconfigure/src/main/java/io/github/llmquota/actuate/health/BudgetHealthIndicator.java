package io.github.llmquota.actuate.health;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

import io.github.llmquota.actuate.alert.BudgetMonitor;
import io.github.llmquota.actuate.alert.BudgetReading;

/**
 * Health details of the shared cost budgets, named {@code llmQuotaBudgets}: per budget
 * its status by the soft thresholds ({@code OK}, {@code WARN}, {@code CRITICAL}), spend,
 * reserved spend, amount and when the window resets, from the {@link BudgetMonitor
 * monitor's} last check, so a probe costs no store call. Always {@code UP}: a spent
 * budget is a decision, not ill health, and no instance could serve those calls either.
 */
public class BudgetHealthIndicator extends AbstractHealthIndicator {

	private final BudgetMonitor monitor;

	/**
	 * Create an indicator.
	 * @param monitor the monitor whose last check to report
	 */
	public BudgetHealthIndicator(BudgetMonitor monitor) {
		super("llm-quota budget health check failed");
		this.monitor = monitor;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		builder.up();
		this.monitor.getReadings().forEach((name, reading) -> builder.withDetail(name, details(reading)));
	}

	private static Map<String, Object> details(BudgetReading reading) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("status", reading.status().name());
		details.put("spent", reading.spent());
		details.put("reserved", reading.reserved());
		details.put("amount", reading.amount());
		details.put("currency", reading.currency());
		details.put("resetsAt", Instant.ofEpochMilli(reading.windowEndMillis()).toString());
		return details;
	}

}
