package io.github.llmquota.actuate.alert;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link QuotaThresholds}.
 */
class QuotaThresholdsTests {

	private final QuotaThresholds thresholds = QuotaThresholds.DEFAULTS;

	@Test
	void utilisationAtAThresholdHasItsStatus() {
		assertThat(this.thresholds.statusOf(0.7999)).isEqualTo(QuotaStatus.OK);
		assertThat(this.thresholds.statusOf(0.80)).isEqualTo(QuotaStatus.WARN);
		assertThat(this.thresholds.statusOf(0.8999)).isEqualTo(QuotaStatus.WARN);
		assertThat(this.thresholds.statusOf(0.90)).isEqualTo(QuotaStatus.CRITICAL);
		assertThat(this.thresholds.statusOf(1.7)).isEqualTo(QuotaStatus.CRITICAL);
	}

	@Test
	void worseStatusIsEnteredAtItsThresholdEvenInOneJump() {
		assertThat(this.thresholds.next(QuotaStatus.OK, 0.80)).isEqualTo(QuotaStatus.WARN);
		assertThat(this.thresholds.next(QuotaStatus.OK, 0.95)).isEqualTo(QuotaStatus.CRITICAL);
		assertThat(this.thresholds.next(QuotaStatus.WARN, 0.90)).isEqualTo(QuotaStatus.CRITICAL);
	}

	@Test
	void statusIsLeftOnlyOnceUtilisationFallsBelowItsThresholdByMoreThanTheHysteresis() {
		assertThat(this.thresholds.next(QuotaStatus.WARN, 0.76)).isEqualTo(QuotaStatus.WARN);
		assertThat(this.thresholds.next(QuotaStatus.WARN, 0.7499)).isEqualTo(QuotaStatus.OK);
		assertThat(this.thresholds.next(QuotaStatus.CRITICAL, 0.86)).isEqualTo(QuotaStatus.CRITICAL);
		assertThat(this.thresholds.next(QuotaStatus.CRITICAL, 0.84)).isEqualTo(QuotaStatus.WARN);
		assertThat(this.thresholds.next(QuotaStatus.CRITICAL, 0.70)).isEqualTo(QuotaStatus.OK);
	}

	@Test
	void unknownUtilisationKeepsTheStatus() {
		assertThat(this.thresholds.next(QuotaStatus.CRITICAL, Double.NaN)).isEqualTo(QuotaStatus.CRITICAL);
	}

	@Test
	void thresholdsOutOfOrderAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new QuotaThresholds(0.9, 0.8, 0.05))
			.withMessageContaining("'warn'");
		assertThatIllegalArgumentException().isThrownBy(() -> new QuotaThresholds(0, 0.8, 0))
			.withMessageContaining("'warn'");
		assertThatIllegalArgumentException().isThrownBy(() -> new QuotaThresholds(0.8, 2.5, 0.05))
			.withMessageContaining("'critical'");
		assertThatIllegalArgumentException().isThrownBy(() -> new QuotaThresholds(0.8, 0.9, 0.8))
			.withMessageContaining("'hysteresis'");
	}

}
