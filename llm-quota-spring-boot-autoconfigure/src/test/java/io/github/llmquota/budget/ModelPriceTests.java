package io.github.llmquota.budget;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Costs in whole micro-units: a price per million tokens is that many micro-units a
 * token.
 */
class ModelPriceTests {

	private static final ModelPrice SONNET = new ModelPrice(new BigDecimal("3.00"), new BigDecimal("15.00"),
			new BigDecimal("3.75"), new BigDecimal("0.30"));

	@Test
	void theWorstCaseIsTheWholePromptAtTheInputPriceAndMaxTokensAtTheOutputPrice() {
		assertThat(SONNET.worstCase(1_000, 500)).isEqualTo(3_000 + 7_500);
	}

	@Test
	void aCacheWritingCallsWorstCoversItsSettledCostWhereThePlainWorstCaseFallsShort() {
		// 10,000 prompt tokens, 8,000 of them written to the cache, 500 out.
		TokenUsage settled = new TokenUsage(2_000, 8_000, 0, 500);

		assertThat(SONNET.worstCase(10_000, 8_000, 500)).isEqualTo(6_000 + 30_000 + 7_500)
			.isGreaterThanOrEqualTo(SONNET.cost(settled));
		// The proof that the split matters: priced as plain input, the reservation is
		// short of what the call settles.
		assertThat(SONNET.worstCase(10_000, 500)).isLessThan(SONNET.cost(settled));
	}

	@Test
	void aCacheWritingCallsWorstCaseCoversEveryUsageWithAtMostThoseWrites() {
		long worst = SONNET.worstCase(10_000, 4_000, 500);
		for (long written = 0; written <= 4_000; written += 500) {
			for (long read = 0; read <= 10_000 - written; read += 1_000) {
				assertThat(SONNET.cost(new TokenUsage(10_000 - written - read, written, read, 500)))
					.isLessThanOrEqualTo(worst);
			}
		}
	}

	@Test
	void aBudgetReservesACacheWritingRequestAtTheCacheWritePrice() {
		QuotaSettings settings = TestSettings.pool("p").limit(Dimension.REQUESTS_PER_MINUTE, 100).build();
		CostBudgets budgets = new CostBudgets(List.of(new BudgetSpec("daily", 1_000_000, BudgetWindow.DAY,
				ZoneId.of("UTC"), DayOfWeek.MONDAY, "p", false, false, 0.8, 0.9, true)),
				new PriceTable("USD", Map.of("model", SONNET)));
		QuotaRequest request = QuotaRequest.builder("model")
			.inputTokens(10_000)
			.cacheWriteTokens(8_000)
			.maxOutputTokens(500)
			.build();

		assertThat(budgets.reserve(settings.model("model"), request, 0).get(0).amountMicros())
			.isGreaterThanOrEqualTo(budgets.cost(settings.model("model"), new TokenUsage(2_000, 8_000, 0, 500)));
	}

	@Test
	void cacheWriteTokensAboveThePromptAreRejectedNamingTheArgument() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> QuotaRequest.builder("model").inputTokens(10).cacheWriteTokens(11).build())
			.withMessageContaining("cacheWriteTokens");
	}

	@Test
	void theActualCostPricesCacheWritesAndReadsApart() {
		assertThat(SONNET.cost(new TokenUsage(100, 1_000, 10_000, 50))).isEqualTo(300 + 3_750 + 3_000 + 750);
	}

	@Test
	void aFractionOfAMicroUnitIsRoundedUpSoThatAReservationNeverFallsShort() {
		assertThat(ModelPrice.micros(1, new BigDecimal("0.075"))).isEqualTo(1);
	}

	@Test
	void anAbsurdTokenCountSaturatesInsteadOfOverflowing() {
		assertThat(SONNET.worstCase(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
	}

	@Test
	void theBuiltInTableStatesItsCurrencyAndPricesKnownModels() {
		PriceTable table = PriceTable.builtIn();

		assertThat(table.currency()).isEqualTo("USD");
		assertThat(table.of("claude-sonnet-4-5")).isEqualTo(SONNET);
		assertThat(table.of("gpt-4o-mini")).isNotNull();
	}

}
