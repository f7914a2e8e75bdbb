package io.github.llmquota.budget;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.TokenUsage;

import static org.assertj.core.api.Assertions.assertThat;

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
