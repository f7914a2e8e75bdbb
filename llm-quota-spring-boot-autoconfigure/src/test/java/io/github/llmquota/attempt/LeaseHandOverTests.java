package io.github.llmquota.attempt;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.TokenUsage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LeaseHandOver}.
 */
class LeaseHandOverTests {

	private final QuotaLease lease = new NamedLease("claude");

	@Test
	void firstAttemptToTheLeasesModelTakesItOverAndTheCallerLeavesItAlone() {
		LeaseHandOver handOver = LeaseHandOver.of(this.lease);

		assertThat(handOver.take("claude")).isSameAs(this.lease);
		assertThat(handOver.take("claude")).as("a second attempt is admitted on its own").isNull();
		assertThat(handOver.reclaim()).isFalse();
	}

	@Test
	void attemptToAnotherModelLeavesTheLeaseToTheCaller() {
		LeaseHandOver handOver = LeaseHandOver.of(this.lease);

		assertThat(handOver.take("gpt")).isNull();
		assertThat(handOver.reclaim()).isTrue();
	}

	@Test
	void reclaimedLeaseCanNoLongerBeTaken() {
		LeaseHandOver handOver = LeaseHandOver.of(this.lease);

		assertThat(handOver.reclaim()).isTrue();
		assertThat(handOver.take("claude")).isNull();
		assertThat(handOver.reclaim()).isFalse();
	}

	private record NamedLease(String model) implements QuotaLease {

		@Override
		public String id() {
			return "lease";
		}

		@Override
		public String pool() {
			return this.model;
		}

		@Override
		public void settle(TokenUsage usage, ProviderFeedback feedback) {
		}

		@Override
		public void release(CallOutcome outcome, ProviderFeedback feedback) {
		}

		@Override
		public boolean isEnded() {
			return false;
		}

	}

}
