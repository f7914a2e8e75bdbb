package io.github.llmquota.autoconfigure;

import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

import io.github.llmquota.actuate.alert.BudgetMonitor;
import io.github.llmquota.actuate.endpoint.BudgetStateContributor;
import io.github.llmquota.actuate.health.BudgetHealthIndicator;
import io.github.llmquota.actuate.metrics.BudgetMeterBinder;
import io.github.llmquota.budget.CostBudgets;
import io.github.llmquota.budget.PriceTable;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;

/**
 * Observes the cost budgets ({@code llm.quota.budgets}): a monitor that reads them once a
 * {@code llm.quota.alerts.check-interval} and raises threshold events, their gauges,
 * their rows in the {@code llmquota} endpoint and a health contributor. Enforcement needs
 * none of this: it happens in the store's decisions.
 */
@AutoConfiguration(after = LlmQuotaAutoConfiguration.class,
		afterName = "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnBean({ QuotaSettings.class, QuotaStore.class })
@Conditional(LlmQuotaBudgetsAutoConfiguration.BudgetsConfigured.class)
public class LlmQuotaBudgetsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	BudgetMonitor llmQuotaBudgetMonitor(QuotaSettings settings, QuotaStore store, LlmQuotaProperties properties,
			ApplicationEventPublisher publisher) {
		CostBudgets budgets = budgets(settings);
		return new BudgetMonitor(budgets, () -> budgets.readShared(store, settings.pools().values()),
				properties.getAlerts().getCheckInterval(), properties.getAlerts().getHysteresis(), publisher);
	}

	@Bean
	@ConditionalOnMissingBean
	BudgetStateContributor llmQuotaBudgetStateContributor(QuotaSettings settings, BudgetMonitor monitor) {
		return new BudgetStateContributor(budgets(settings), settings, monitor);
	}

	// A user's own QuotaSettings bean may carry no budgets: then there is nothing to
	// show.
	private static CostBudgets budgets(QuotaSettings settings) {
		return (settings.budgets() instanceof CostBudgets budgets) ? budgets
				: new CostBudgets(List.of(), new PriceTable("USD", Map.of()));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class BudgetMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		BudgetMeterBinder llmQuotaBudgetMeterBinder(QuotaSettings settings, BudgetMonitor monitor) {
			return new BudgetMeterBinder(budgets(settings), monitor);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	static class BudgetHealthConfiguration {

		@Bean
		@ConditionalOnEnabledHealthIndicator("llmquota")
		@ConditionalOnMissingBean(name = "llmQuotaBudgetsHealthIndicator")
		BudgetHealthIndicator llmQuotaBudgetsHealthIndicator(BudgetMonitor monitor) {
			return new BudgetHealthIndicator(monitor);
		}

	}

	/**
	 * Matches when {@code llm.quota.budgets} names at least one budget.
	 */
	static class BudgetsConfigured extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			boolean configured = Binder.get(context.getEnvironment())
				.bind("llm.quota.budgets", Bindable.mapOf(String.class, LlmQuotaProperties.BudgetProperties.class))
				.map((budgets) -> !budgets.isEmpty())
				.orElse(false);
			return configured ? ConditionOutcome.match("llm.quota.budgets is set")
					: ConditionOutcome.noMatch("llm.quota.budgets is not set");
		}

	}

}
