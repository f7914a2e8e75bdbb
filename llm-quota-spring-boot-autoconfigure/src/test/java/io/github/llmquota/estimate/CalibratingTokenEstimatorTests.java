package io.github.llmquota.estimate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.llmquota.core.Provider;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link CalibratingTokenEstimator}.
 */
class CalibratingTokenEstimatorTests {

	private static final String MODEL = "claude-sonnet-4";

	/** Estimates whatever token count the test passes as the only argument. */
	private static final TokenEstimator RAW = (model, provider, arguments) -> (Long) arguments[0];

	private final CalibratingTokenEstimator estimator = new CalibratingTokenEstimator(RAW);

	@Test
	void uncalibratedModelKeepsTheDelegateEstimate() {
		assertThat(estimate(1234)).isEqualTo(1234);
		assertThat(this.estimator.getCorrectionRatio(MODEL)).isEqualTo(1.0);
		assertThat(this.estimator.getCorrectionRatios()).isEmpty();
	}

	@Test
	void ratioConvergesOnAWorkloadThatTheDelegateUnderestimates() {
		Random random = new Random(42);
		double errorOfFirstCalls = 0;
		double errorOfLastCalls = 0;
		for (int call = 0; call < 300; call++) {
			long raw = 50 + random.nextInt(5000);
			long estimated = estimate(raw);
			// The provider sees 1.4 times what the delegate counts, give or take 15%
			long actual = Math.round(1.4 * raw * (0.85 + 0.3 * random.nextDouble()));
			this.estimator.recordActual(MODEL, estimated, actual);
			if (call == 50) {
				assertThat(this.estimator.getCorrectionRatio(MODEL)).isCloseTo(1.4, within(0.1));
			}
			double error = Math.abs(estimated - actual) / (double) actual;
			if (call < 10) {
				errorOfFirstCalls += error / 10;
			}
			if (call >= 200) {
				errorOfLastCalls += error / 100;
			}
		}
		assertThat(this.estimator.getCorrectionRatio(MODEL)).isCloseTo(1.4, within(0.1));
		assertThat(errorOfFirstCalls).isGreaterThan(0.15);
		assertThat(errorOfLastCalls).isLessThan(0.1);
		assertThat(estimate(1000)).isCloseTo(1400, within(100L));
	}

	@Test
	void ratioIsLearnedPerModel() {
		for (int call = 0; call < 100; call++) {
			this.estimator.recordActual("a", estimate("a", 1000), 2000);
			this.estimator.recordActual("b", estimate("b", 1000), 800);
		}
		assertThat(this.estimator.getCorrectionRatio("a")).isCloseTo(2.0, within(0.01));
		assertThat(this.estimator.getCorrectionRatio("b")).isCloseTo(0.8, within(0.01));
		assertThat(this.estimator.getCorrectionRatios()).containsOnlyKeys("a", "b");
		assertThat(estimate("c", 1000)).isEqualTo(1000);
	}

	@Test
	void oneAbsurdReportMovesTheRatioOnlyByTheSmoothingFactorOfTheBound() {
		this.estimator.recordActual(MODEL, 1, Long.MAX_VALUE);
		assertThat(this.estimator.getCorrectionRatio(MODEL))
			.isCloseTo(1.0 + CalibratingTokenEstimator.DEFAULT_SMOOTHING_FACTOR * 2.0, within(1e-9));
	}

	@Test
	void ratioStaysWithinItsBoundsUnderAbsurdReports() {
		for (int call = 0; call < 1000; call++) {
			this.estimator.recordActual(MODEL, estimate(1), Long.MAX_VALUE);
		}
		assertThat(this.estimator.getCorrectionRatio(MODEL)).isLessThanOrEqualTo(CalibratingTokenEstimator.MAX_RATIO)
			.isCloseTo(CalibratingTokenEstimator.MAX_RATIO, within(1e-6));
		assertThat(estimate(1000)).isLessThanOrEqualTo(3000);
		for (int call = 0; call < 1000; call++) {
			this.estimator.recordActual(MODEL, estimate(Long.MAX_VALUE / 4), 0);
		}
		assertThat(this.estimator.getCorrectionRatio(MODEL)).isGreaterThanOrEqualTo(CalibratingTokenEstimator.MIN_RATIO)
			.isCloseTo(CalibratingTokenEstimator.MIN_RATIO, within(1e-6));
		assertThat(estimate(1000)).isGreaterThanOrEqualTo(500);
	}

	@Test
	void callEstimatedAtZeroTeachesNothing() {
		this.estimator.recordActual(MODEL, 0, 500);
		assertThat(this.estimator.getCorrectionRatios()).isEmpty();
	}

	@Test
	void badFeedbackIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.estimator.recordActual(MODEL, -1, 10))
			.withMessageContaining("'estimated'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.estimator.recordActual(MODEL, 10, -1))
			.withMessageContaining("'actual'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.estimator.recordActual(null, 10, 10))
			.withMessageContaining("'model'");
	}

	@Test
	void badSmoothingFactorIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new CalibratingTokenEstimator(RAW, 0))
			.withMessageContaining("'smoothingFactor'");
		assertThatIllegalArgumentException().isThrownBy(() -> new CalibratingTokenEstimator(RAW, 1.5))
			.withMessageContaining("'smoothingFactor'");
		assertThatIllegalArgumentException().isThrownBy(() -> new CalibratingTokenEstimator(null))
			.withMessageContaining("'delegate'");
	}

	@Test
	void ratiosSnapshotIsUnmodifiableAndSortedByModel() {
		this.estimator.recordActual("b", 100, 100);
		this.estimator.recordActual("a", 100, 100);
		assertThat(this.estimator.getCorrectionRatios()).containsExactly(Map.entry("a", 1.0), Map.entry("b", 1.0));
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> this.estimator.getCorrectionRatios().put("c", 1.0));
	}

	@Test
	void concurrentReportsAreNeverLost() throws Exception {
		// With a smoothing factor of 1 each report multiplies the ratio by
		// actual/estimated, a product that is the same in any order: a lost update would
		// show as a lower ratio
		CalibratingTokenEstimator multiplying = new CalibratingTokenEstimator(RAW, 1.0);
		int threads = 8;
		int reportsPerThread = 100;
		runConcurrently(threads, () -> {
			for (int i = 0; i < reportsPerThread; i++) {
				multiplying.recordActual(MODEL, 1_000_000, 1_001_000);
			}
		});
		assertThat(multiplying.getCorrectionRatio(MODEL)).isCloseTo(Math.pow(1.001, threads * reportsPerThread),
				within(1e-6));
	}

	@Test
	void concurrentCallsConvergeLikeSequentialOnes() throws Exception {
		runConcurrently(8, () -> {
			for (int i = 0; i < 2000; i++) {
				long estimated = estimate(1000);
				this.estimator.recordActual(MODEL, estimated, 1400);
			}
		});
		assertThat(this.estimator.getCorrectionRatio(MODEL)).isCloseTo(1.4, within(0.01));
	}

	private long estimate(long raw) {
		return estimate(MODEL, raw);
	}

	private long estimate(String model, long raw) {
		return this.estimator.estimateInputTokens(model, Provider.ANTHROPIC, new Object[] { raw });
	}

	private static void runConcurrently(int threads, Runnable task) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> results = new ArrayList<>();
			for (int i = 0; i < threads; i++) {
				results.add(executor.submit(() -> {
					start.await();
					task.run();
					return null;
				}));
			}
			start.countDown();
			for (Future<?> result : results) {
				result.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

}
