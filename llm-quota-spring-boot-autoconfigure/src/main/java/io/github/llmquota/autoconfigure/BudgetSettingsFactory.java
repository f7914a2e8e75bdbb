package io.github.llmquota.autoconfigure;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.github.llmquota.autoconfigure.LlmQuotaProperties.BudgetProperties;
import io.github.llmquota.autoconfigure.LlmQuotaProperties.ModelPriceProperties;
import io.github.llmquota.budget.BudgetSpec;
import io.github.llmquota.budget.BudgetWindow;
import io.github.llmquota.budget.CostBudgets;
import io.github.llmquota.budget.ModelPrice;
import io.github.llmquota.budget.PriceTable;
import io.github.llmquota.engine.BudgetPlan;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaSettings;

/**
 * Turns {@code llm.quota.prices} and {@code llm.quota.budgets} into the price table and
 * the cost budgets, stopping startup with a message that names the property on a value
 * they cannot work with.
 */
final class BudgetSettingsFactory {

	private static final String PREFIX = "llm.quota.";

	private static final Pattern BUDGET_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

	private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

	private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);

	// Whole micro-units stay exact in the script's doubles up to 2^53; amounts stay well
	// below, so that spend plus reservations never reaches it.
	private static final BigDecimal MAX_AMOUNT = BigDecimal.valueOf(1_000_000_000L);

	private BudgetSettingsFactory() {
	}

	/**
	 * Return the price table: the configured prices over the built-in table where it is
	 * on and the currency is its USD.
	 * @param properties the properties
	 * @return the prices
	 */
	static PriceTable prices(LlmQuotaProperties properties) {
		LlmQuotaProperties.Prices prices = properties.getPrices();
		String currency = prices.getCurrency();
		check(currency != null && CURRENCY.matcher(currency).matches(), "prices.currency", currency,
				"must be an ISO 4217 code such as USD");
		Map<String, ModelPrice> table = new LinkedHashMap<>();
		if (prices.isBuiltInTable()) {
			PriceTable builtIn = PriceTable.builtIn();
			if (builtIn.currency().equals(currency)) {
				table.putAll(builtIn.prices());
			}
		}
		prices.getModels().forEach((model, price) -> table.put(model, price(model, price)));
		return new PriceTable(currency, table);
	}

	/**
	 * Return the cost budgets.
	 * @param properties the properties
	 * @param settings the settings the budgets' pools belong to
	 * @return the budgets, {@link BudgetPlan#NONE} when none is configured
	 */
	static BudgetPlan budgets(LlmQuotaProperties properties, QuotaSettings settings) {
		PriceTable prices = prices(properties);
		if (properties.getBudgets().isEmpty()) {
			return BudgetPlan.NONE;
		}
		List<BudgetSpec> specs = new ArrayList<>();
		properties.getBudgets()
			.forEach((name, budget) -> specs.add(spec(name, budget, settings, properties.getScopes().keySet())));
		CostBudgets budgets = new CostBudgets(specs, prices);
		List<ModelSpec> models = new ArrayList<>(settings.models().values());
		settings.models().keySet().forEach((model) -> models.addAll(settings.apiKeys(model)));
		for (ModelSpec model : models) {
			List<BudgetSpec> under = budgets.budgetsOf(model.pool());
			check(under.isEmpty() || prices.of(model.name()) != null, "prices.models." + model.name(), null,
					"must be set: model '" + model.name() + "' counts against the cost budget " + PREFIX + "budgets."
							+ (under.isEmpty() ? "" : under.get(0).name()) + " and has no price");
		}
		return budgets;
	}

	private static BudgetSpec spec(String name, BudgetProperties budget, QuotaSettings settings, Set<String> scopes) {
		String property = "budgets." + name;
		check(BUDGET_NAME.matcher(name).matches(), property, name, "a budget name must be 1-64 of A-Z a-z 0-9 . _ -");
		BigDecimal amount = budget.getAmount();
		check(amount != null && amount.signum() > 0 && amount.compareTo(MAX_AMOUNT) <= 0, property + ".amount", amount,
				"must be set, positive and at most " + MAX_AMOUNT.toPlainString());
		check(budget.getWindow() != null, property + ".window", null, "must be day, week, month or rolling");
		boolean rolling = budget.getWindow() == BudgetWindow.ROLLING;
		check(!rolling || (budget.getRollingPeriod() != null && budget.getRollingPeriod().toMinutes() >= 1),
				property + ".rolling-period", budget.getRollingPeriod(), "must be at least a minute");
		check(budget.getZone() != null, property + ".zone", null, "must be a time zone such as Europe/Berlin");
		check(budget.getWeekStart() != null, property + ".week-start", null, "must be a day of the week");
		String appliesTo = budget.getAppliesTo();
		check(appliesTo != null && (settings.pools().containsKey(appliesTo) || scopes.contains(appliesTo)),
				property + ".applies-to", appliesTo,
				"must name a pool " + settings.pools().keySet().stream().sorted().toList() + " or a scope "
						+ scopes.stream().sorted().toList());
		double warn = budget.getWarnThreshold();
		double critical = budget.getCriticalThreshold();
		check(warn > 0 && warn < 1, property + ".warn-threshold", warn, "must be in (0, 1)");
		check(critical > warn && critical <= 1, property + ".critical-threshold", critical,
				"must be in (warn-threshold, 1]");
		long micros = amount.multiply(MICROS).setScale(0, RoundingMode.FLOOR).longValueExact();
		return new BudgetSpec(name, micros, budget.getWindow(), budget.getZone(), budget.getWeekStart(),
				budget.getAppliesTo(), budget.isPerUser(), budget.isPerTenant(), warn, critical, budget.isHardCap(),
				rolling ? budget.getRollingPeriod() : null);
	}

	private static ModelPrice price(String model, ModelPriceProperties price) {
		String property = "prices.models." + model;
		notNegative(property + ".input", price.getInput(), true);
		notNegative(property + ".output", price.getOutput(), true);
		notNegative(property + ".cache-write", price.getCacheWrite(), false);
		notNegative(property + ".cache-read", price.getCacheRead(), false);
		// Unset cache prices cost as much as input: never less than the provider may
		// charge.
		return new ModelPrice(price.getInput(), price.getOutput(),
				(price.getCacheWrite() != null) ? price.getCacheWrite() : price.getInput(),
				(price.getCacheRead() != null) ? price.getCacheRead() : price.getInput());
	}

	private static void notNegative(String property, BigDecimal value, boolean required) {
		check((value == null && !required) || (value != null && value.signum() >= 0), property, value,
				required ? "must be set, zero or more" : "must be zero or more");
	}

	private static void check(boolean valid, String property, Object value, String reason) {
		if (!valid) {
			throw new InvalidQuotaConfigurationException(PREFIX + property, value, reason);
		}
	}

}
