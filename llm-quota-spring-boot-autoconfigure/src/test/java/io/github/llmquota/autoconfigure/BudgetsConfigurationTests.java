package io.github.llmquota.autoconfigure;

import java.time.DayOfWeek;
import java.time.ZoneId;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.actuate.alert.BudgetMonitor;
import io.github.llmquota.actuate.endpoint.BudgetStateContributor;
import io.github.llmquota.actuate.health.BudgetHealthIndicator;
import io.github.llmquota.actuate.metrics.BudgetMeterBinder;
import io.github.llmquota.budget.BudgetSpec;
import io.github.llmquota.budget.BudgetWindow;
import io.github.llmquota.budget.CostBudgets;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.BudgetPlan;
import io.github.llmquota.engine.QuotaSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code llm.quota.prices.*} and {@code llm.quota.budgets.*}.
 */
class BudgetsConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaBudgetsAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("llm.quota.pools.sonnet.provider=anthropic",
				"llm.quota.pools.sonnet.requests-per-minute=50", "llm.quota.models.claude-sonnet-4-5.pool=sonnet",
				"llm.quota.models.claude-sonnet-4-5.provider=anthropic");

	@Test
	void withoutBudgetsNothingIsReservedAndNothingObservesThem() {
		this.runner.run((context) -> {
			assertThat(context.getBean(QuotaSettings.class).budgets()).isSameAs(BudgetPlan.NONE);
			assertThat(context).doesNotHaveBean(BudgetMonitor.class);
		});
	}

	@Test
	void aBudgetAppliesToItsPoolAtTheBuiltInPriceInItsZone() {
		this.runner
			.withPropertyValues("llm.quota.budgets.monthly.amount=500", "llm.quota.budgets.monthly.window=month",
					"llm.quota.budgets.monthly.zone=Europe/Berlin", "llm.quota.budgets.monthly.applies-to=sonnet")
			.run((context) -> {
				CostBudgets budgets = (CostBudgets) context.getBean(QuotaSettings.class).budgets();
				assertThat(budgets.budgets()).containsExactly(new BudgetSpec("monthly", 500_000_000, BudgetWindow.MONTH,
						ZoneId.of("Europe/Berlin"), DayOfWeek.MONDAY, "sonnet", false, false, 0.8, 0.9, true));
				// Sonnet 4.5 at $3 / $15 per million: 1,000 in and 500 out at worst.
				QuotaSettings settings = context.getBean(QuotaSettings.class);
				assertThat(budgets.reserve(settings.model("claude-sonnet-4-5"),
						QuotaRequest.builder("claude-sonnet-4-5").inputTokens(1_000).maxOutputTokens(500).build(), 0)
					.get(0)
					.amountMicros()).isEqualTo(10_500);
				assertThat(context).hasSingleBean(BudgetMonitor.class)
					.hasSingleBean(BudgetMeterBinder.class)
					.hasSingleBean(BudgetStateContributor.class)
					.hasSingleBean(BudgetHealthIndicator.class);
			});
	}

	@Test
	void aConfiguredPriceOverridesTheBuiltInTable() {
		this.runner
			.withPropertyValues("llm.quota.prices.models.claude-sonnet-4-5.input=1",
					"llm.quota.prices.models.claude-sonnet-4-5.output=2", "llm.quota.budgets.daily.amount=5",
					"llm.quota.budgets.daily.applies-to=sonnet")
			.run((context) -> {
				CostBudgets budgets = (CostBudgets) context.getBean(QuotaSettings.class).budgets();
				assertThat(budgets.prices().of("claude-sonnet-4-5").output()).isEqualByComparingTo("2");
				// Unset cache prices cost as much as input.
				assertThat(budgets.prices().of("claude-sonnet-4-5").cacheRead()).isEqualByComparingTo("1");
			});
	}

	@Test
	void aModelWithABudgetButNoPriceStopsStartupNamingThePriceProperty() {
		this.runner
			.withPropertyValues("llm.quota.prices.built-in-table=false", "llm.quota.budgets.daily.amount=5",
					"llm.quota.budgets.daily.applies-to=sonnet")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.prices.models.claude-sonnet-4-5")
				.hasMessageContaining("llm.quota.budgets.daily"));
	}

	@Test
	void aBudgetForAnUnknownPoolOrScopeStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.budgets.daily.amount=5", "llm.quota.budgets.daily.applies-to=opus")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.budgets.daily.applies-to")
				.hasMessageContaining("or a scope"));
	}

	@Test
	void aBudgetOnAScopeAppliesToThePoolsUnderItInTheScopesKeys() {
		this.runner
			.withPropertyValues("llm.quota.scopes.org.requests-per-minute=100", "llm.quota.pools.sonnet.scope=org",
					"llm.quota.budgets.org-daily.amount=5", "llm.quota.budgets.org-daily.applies-to=org")
			.run((context) -> {
				QuotaSettings settings = context.getBean(QuotaSettings.class);
				CostBudgets budgets = (CostBudgets) settings.budgets();
				assertThat(budgets.budgetsOf(settings.pools().get("sonnet"))).extracting(BudgetSpec::name)
					.containsExactly("org-daily");
				assertThat(budgets.reserve(settings.model("claude-sonnet-4-5"),
						QuotaRequest.builder("claude-sonnet-4-5").inputTokens(1_000).maxOutputTokens(500).build(), 0)
					.get(0)
					.scope()).isEqualTo("org");
			});
	}

	@Test
	void aBudgetWithoutAPositiveAmountStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.budgets.daily.amount=0", "llm.quota.budgets.daily.applies-to=sonnet")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("llm.quota.budgets.daily.amount"));
	}

	@Test
	void softThresholdsOutOfOrderStopStartupNamingTheProperty() {
		this.runner
			.withPropertyValues("llm.quota.budgets.daily.amount=5", "llm.quota.budgets.daily.applies-to=sonnet",
					"llm.quota.budgets.daily.warn-threshold=0.95")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("llm.quota.budgets.daily.critical-threshold"));
	}

	@Test
	void aCurrencyThatIsNoIsoCodeStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.prices.currency=dollars")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("llm.quota.prices.currency"));
	}

}
