package io.github.llmquota.sample.simulator;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTests {

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	@Test
	void refillsContinuouslyAtOneSixtiethOfTheLimitPerSecond() {
		TokenBucket bucket = new TokenBucket(60, 0);
		bucket.take(60, 0);
		assertThat(bucket.available(SECOND / 2)).isZero();
		assertThat(bucket.available(SECOND)).isEqualTo(1);
		assertThat(bucket.available(30 * SECOND)).isEqualTo(30);
	}

	@Test
	void neverRefillsBeyondItsCapacity() {
		TokenBucket bucket = new TokenBucket(60, 0);
		bucket.take(10, 0);
		assertThat(bucket.available(120 * SECOND)).isEqualTo(60);
		assertThat(bucket.nanosUntilFull(120 * SECOND)).isZero();
	}

	@Test
	void waitsExactlyUntilTheMissingTokensHaveRefilled() {
		TokenBucket bucket = new TokenBucket(6000, 0);
		bucket.take(6000, 0);
		assertThat(bucket.nanosUntilFull(0)).isEqualTo(60 * SECOND);
		assertThat(bucket.nanosUntilAvailable(250, 0)).isEqualTo(2_500_000_000L);
		assertThat(bucket.nanosUntilAvailable(250, SECOND)).isEqualTo(1_500_000_000L);
		assertThat(bucket.nanosUntilAvailable(250, 5 * SECOND)).isZero();
	}

	@Test
	void givesBackUnusedTokensWithoutExceedingItsCapacity() {
		TokenBucket bucket = new TokenBucket(1000, 0);
		bucket.take(800, 0);
		bucket.giveBack(500, 0);
		assertThat(bucket.available(0)).isEqualTo(700);
		bucket.giveBack(300, 30 * SECOND);
		assertThat(bucket.available(30 * SECOND)).isEqualTo(1000);
	}

}
