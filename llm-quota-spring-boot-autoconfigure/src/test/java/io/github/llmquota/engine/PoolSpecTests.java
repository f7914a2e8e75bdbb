package io.github.llmquota.engine;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Provider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding a dimension's place in a pool's cost vectors, which the endpoint and feedback
 * read by index.
 */
class PoolSpecTests {

	private final PoolSpec pool = new PoolSpec("p", Provider.OPENAI,
			List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 10, 0, 60_000),
					RateLimit.of(Dimension.TOKENS_PER_MINUTE, 1000, 0, 60_000)),
			0, List.of("m"), null);

	@Test
	void dimensionIsFoundAtItsPlaceInTheConfiguredOrder() {
		assertThat(this.pool.indexOf(Dimension.REQUESTS_PER_MINUTE)).isZero();
		assertThat(this.pool.indexOf(Dimension.TOKENS_PER_MINUTE)).isEqualTo(1);
	}

	@Test
	void dimensionThePoolDoesNotLimitHasNoPlace() {
		assertThat(this.pool.indexOf(Dimension.TOKENS_PER_DAY)).isEqualTo(-1);
	}

}
