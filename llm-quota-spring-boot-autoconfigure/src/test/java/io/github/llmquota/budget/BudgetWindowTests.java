package io.github.llmquota.budget;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Budget windows end at local midnights, whatever daylight-saving time does to the day.
 */
class BudgetWindowTests {

	private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

	@Test
	void aDayThatLosesAnHourToSummerTimeLastsTwentyThreeHours() {
		BudgetWindow.Span day = BudgetWindow.DAY.at(millis("2026-03-29T12:00:00Z"), BERLIN, DayOfWeek.MONDAY);

		assertThat(day.id()).isEqualTo("2026-03-29");
		assertThat(day.startMillis()).isEqualTo(millis("2026-03-28T23:00:00Z"));
		assertThat(day.endMillis()).isEqualTo(millis("2026-03-29T22:00:00Z"));
	}

	@Test
	void aDayThatGainsAnHourFromWinterTimeLastsTwentyFiveHours() {
		BudgetWindow.Span day = BudgetWindow.DAY.at(millis("2026-10-25T12:00:00Z"), BERLIN, DayOfWeek.MONDAY);

		assertThat(day.endMillis() - day.startMillis()).isEqualTo(25 * 3_600_000L);
	}

	@Test
	void theLastMillisecondBeforeLocalMidnightIsStillTheOldDay() {
		assertThat(BudgetWindow.DAY.at(millis("2026-12-06T22:59:59.999Z"), BERLIN, DayOfWeek.MONDAY).id())
			.isEqualTo("2026-12-06");
		assertThat(BudgetWindow.DAY.at(millis("2026-12-06T23:00:00Z"), BERLIN, DayOfWeek.MONDAY).id())
			.isEqualTo("2026-12-07");
	}

	@Test
	void aMonthStartsAtLocalMidnightOfItsFirstDay() {
		BudgetWindow.Span month = BudgetWindow.MONTH.at(millis("2026-10-31T23:30:00Z"), BERLIN, DayOfWeek.MONDAY);

		// Already November in Berlin (UTC+1 after 25 October).
		assertThat(month.id()).isEqualTo("2026-11-01");
		assertThat(month.startMillis()).isEqualTo(millis("2026-10-31T23:00:00Z"));
		assertThat(month.endMillis()).isEqualTo(millis("2026-11-30T23:00:00Z"));
	}

	@Test
	void aWeekStartsOnTheConfiguredDay() {
		// 2026-12-06 is a Sunday.
		assertThat(BudgetWindow.WEEK.at(millis("2026-12-06T12:00:00Z"), BERLIN, DayOfWeek.MONDAY).id())
			.isEqualTo("2026-11-30");
		assertThat(BudgetWindow.WEEK.at(millis("2026-12-06T12:00:00Z"), BERLIN, DayOfWeek.SUNDAY).id())
			.isEqualTo("2026-12-06");
	}

	private static long millis(String instant) {
		return Instant.parse(instant).toEpochMilli();
	}

}
