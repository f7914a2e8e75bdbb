package io.github.llmquota.actuate.metrics;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.llmquota.actuate.alert.BudgetMonitor;
import io.github.llmquota.actuate.alert.BudgetReading;
import io.github.llmquota.budget.BudgetSpec;
import io.github.llmquota.budget.CostBudgets;

/**
 * Binds gauges of every shared cost budget's current window: spend, reservations and
 * amount, in the price currency (the base unit), tagged by {@code budget} only. A scrape
 * reads the {@link BudgetMonitor monitor's} last check; a gauge reads {@code NaN} before
 * the first check and while the budget cannot be read.
 */
public class BudgetMeterBinder implements MeterBinder {

	private final CostBudgets budgets;

	private final BudgetMonitor monitor;

	/**
	 * Create a binder.
	 * @param budgets the budgets to bind gauges for
	 * @param monitor the monitor whose last check the gauges read
	 */
	public BudgetMeterBinder(CostBudgets budgets, BudgetMonitor monitor) {
		this.budgets = budgets;
		this.monitor = monitor;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		String currency = this.budgets.prices().currency();
		for (BudgetSpec budget : this.budgets.budgets()) {
			if (budget.perUser() || budget.perTenant()) {
				continue;
			}
			gauge(registry, LlmQuotaMetricNames.BUDGET_SPEND, budget, currency, BudgetReading::spent,
					"Cost spent in the budget's current window, across the fleet");
			gauge(registry, LlmQuotaMetricNames.BUDGET_RESERVED, budget, currency, BudgetReading::reserved,
					"Worst-case cost reserved for calls in flight or waiting, across the fleet");
			gauge(registry, LlmQuotaMetricNames.BUDGET_LIMIT, budget, currency, BudgetReading::amount,
					"The budget's amount per window");
		}
	}

	private void gauge(MeterRegistry registry, String name, BudgetSpec budget, String currency,
			ToDoubleFunction<BudgetReading> value, String description) {
		Gauge.builder(name, this.monitor, (monitor) -> {
			BudgetReading reading = monitor.getReadings().get(budget.name());
			return (reading != null) ? value.applyAsDouble(reading) : Double.NaN;
		})
			.description(description)
			.tags(LlmQuotaMetricNames.TAG_BUDGET, budget.name())
			.strongReference(true)
			.register(registry);
	}

}
