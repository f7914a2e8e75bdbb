package io.github.llmquota.actuate.endpoint;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.github.llmquota.actuate.alert.BudgetMonitor;
import io.github.llmquota.actuate.alert.BudgetReading;
import io.github.llmquota.budget.BudgetSpec;
import io.github.llmquota.budget.CostBudgets;
import io.github.llmquota.engine.QuotaSettings;

/**
 * Adds the cost budgets a model's calls count against to the model's {@code state} in the
 * {@code llmquota} endpoint, under {@code budgets}: per budget, spend, reserved spend and
 * amount in the price currency, the window's end and the status, as the
 * {@link BudgetMonitor}'s last check read them (a budget per user or per tenant shows its
 * amount only).
 */
public class BudgetStateContributor implements ModelStateContributor {

	private final CostBudgets budgets;

	private final QuotaSettings settings;

	private final BudgetMonitor monitor;

	/**
	 * Create a contributor.
	 * @param budgets the budgets
	 * @param settings the models and their pools
	 * @param monitor the monitor whose last check to show
	 */
	public BudgetStateContributor(CostBudgets budgets, QuotaSettings settings, BudgetMonitor monitor) {
		this.budgets = budgets;
		this.settings = settings;
		this.monitor = monitor;
	}

	@Override
	public Map<String, Object> contribute(String model) {
		if (!this.settings.models().containsKey(model)) {
			return Map.of();
		}
		Map<String, Object> shown = new LinkedHashMap<>();
		for (BudgetSpec budget : this.budgets.budgetsOf(this.settings.model(model).pool())) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("appliesTo", budget.appliesTo());
			row.put("window", budget.window().name().toLowerCase(Locale.ROOT));
			row.put("currency", this.budgets.prices().currency());
			row.put("amount", budget.amountMicros() / 1_000_000.0);
			BudgetReading reading = this.monitor.getReadings().get(budget.name());
			if (reading != null) {
				row.put("spent", reading.spent());
				row.put("reserved", reading.reserved());
				row.put("resetsAt", Instant.ofEpochMilli(reading.windowEndMillis()).toString());
				row.put("status", reading.status().name());
			}
			row.put("hardCap", budget.hardCap());
			shown.put(budget.name(), row);
		}
		return shown.isEmpty() ? Map.of() : Map.of("budgets", shown);
	}

}
