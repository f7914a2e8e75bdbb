package io.github.llmquota.actuate.alert;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.llmquota.budget.BudgetSpec;
import io.github.llmquota.budget.BudgetWindow;
import io.github.llmquota.budget.CostBudgets;
import io.github.llmquota.budget.ModelPrice;
import io.github.llmquota.budget.PriceTable;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The budget monitor reads spend and reservations, and raises the soft thresholds' events
 * once per crossing.
 */
class BudgetMonitorTests {

	private long now = Instant.parse("2026-12-06T12:00:00Z").toEpochMilli();

	@Test
	void spendPastTheSoftThresholdsRaisesWarnThenCriticalOnce() {
		BudgetSpec spec = new BudgetSpec("daily", 10_000, BudgetWindow.DAY, ZoneId.of("UTC"), DayOfWeek.MONDAY, "pool",
				false, false, 0.8, 0.9, true);
		CostBudgets budgets = new CostBudgets(List.of(spec), new PriceTable("USD",
				Map.of("model", new ModelPrice(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE))));
		QuotaSettings settings = TestSettings.pool("pool")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1_000)
			.build()
			.withBudgets(budgets);
		InMemoryQuotaStore store = new InMemoryQuotaStore(settings, () -> this.now);
		List<LlmQuotaBudgetThresholdEvent> events = new ArrayList<>();
		BudgetMonitor monitor = new BudgetMonitor(budgets, () -> budgets.readShared(store, settings.pools().values()),
				Duration.ofSeconds(5), 0.05, (event) -> events.add((LlmQuotaBudgetThresholdEvent) event));
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, store)) {
			spend(engine, 8_500);
			monitor.check();
			monitor.check();
			spend(engine, 1_000);
			monitor.check();
		}

		assertThat(events).extracting(LlmQuotaBudgetThresholdEvent::getStatus)
			.containsExactly(QuotaStatus.WARN, QuotaStatus.CRITICAL);
		BudgetReading reading = monitor.getReadings().get("daily");
		assertThat(reading.spent()).isEqualTo(0.0095);
		assertThat(reading.amount()).isEqualTo(0.01);
		assertThat(reading.windowEndMillis()).isEqualTo(Instant.parse("2026-12-07T00:00:00Z").toEpochMilli());
	}

	private static void spend(DefaultQuotaEngine engine, long tokens) {
		engine
			.acquire(
					QuotaRequest.builder("model").inputTokens(tokens).maxOutputTokens(0).maxWait(Duration.ZERO).build())
			.settle(TokenUsage.of(tokens, 0));
	}

}
