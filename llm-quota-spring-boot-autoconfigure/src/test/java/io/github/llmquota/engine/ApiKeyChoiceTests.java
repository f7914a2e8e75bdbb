package io.github.llmquota.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.local.InMemoryQuotaStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which API key a model with several keys is called with: the one whose pool has the most
 * room, judged by the tightest dimension, with keys that wait or cool down last.
 */
class ApiKeyChoiceTests {

	private final long now = 1_700_000_000_000L;

	private final List<ModelSpec> keys = new ArrayList<>();

	private InMemoryQuotaStore store;

	private DefaultQuotaEngine engine;

	private int tickets;

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void keyWhoseTightestDimensionHasTheMostRoomIsChosen() {
		start(0);
		// Key a: 10 % of its requests but 90 % of its tokens; key b: half of its
		// requests.
		use(0, 1, 900);
		for (int i = 0; i < 5; i++) {
			use(1, 1, 10);
		}

		assertThat(acquire().apiKey()).isEqualTo("b");
	}

	@Test
	void keyCoolingDownAfterA429GoesLastEvenBehindAFullKey() {
		start(0);
		settle(0, new PoolFeedback(PoolFeedback.Kind.RATE_LIMITED, 60_000, null, null));
		for (int i = 0; i < 10; i++) {
			use(1, 1, 10);
		}

		assertThat(acquireOrPool()).isEqualTo("b");
	}

	@Test
	void keyWhoseModelIsOverloadedGoesLastEvenBehindAFullKey() {
		start(0);
		settle(0, new PoolFeedback(PoolFeedback.Kind.OVERLOADED, 0, null, null));
		for (int i = 0; i < 10; i++) {
			use(1, 1, 10);
		}

		assertThat(acquireOrPool()).isEqualTo("b");
	}

	@Test
	void keyWithAQueueGoesBehindAKeyWithoutOne() {
		start(0);
		// Key a: half its requests used, and a call for six more waits; key b: 90 % used.
		for (int i = 0; i < 5; i++) {
			use(0, 1, 10);
		}
		assertThat(this.store.acquire(this.keys.get(0).pool(), ticket(6, 10, 600_000)).status())
			.isEqualTo(Admission.Status.WAITING);
		for (int i = 0; i < 9; i++) {
			use(1, 1, 10);
		}

		assertThat(acquire().apiKey()).isEqualTo("b");
	}

	@Test
	void keyWithItsCallsInFlightAtTheConcurrencyLimitGoesBehindAKeyWithFreeSlots() {
		start(2);
		// Key a: both slots taken; key b: 80 % of its requests used, by calls that ended.
		use(0, 1, 10);
		use(0, 1, 10);
		for (int i = 0; i < 8; i++) {
			Ticket ended = ticket(1, 10, 0);
			this.store.acquire(this.keys.get(1).pool(), ended);
			this.store.settle(this.keys.get(1).pool(),
					new Settlement(ended.id(), "llm", new long[2], null, null, PoolFeedback.none()));
		}

		assertThat(acquireOrPool()).isEqualTo("b");
	}

	@Test
	void keysWithEqualRoomGoToTheFirstConfiguredKey() {
		start(0);

		assertThat(acquire().apiKey()).isEqualTo("a");
	}

	@Test
	void keyWhoseMultiplierWasCutByA429HasLessRoomThanItsBucketShows() {
		start(0);
		// Key a: nothing used, but a 429 without a retry-after cut its multiplier to 0.7;
		// key b: 20 % of its requests used.
		settle(0, new PoolFeedback(PoolFeedback.Kind.RATE_LIMITED, 0, null, null));
		use(1, 2, 10);

		assertThat(acquire().apiKey()).isEqualTo("b");
	}

	@Test
	void keyWithHalfItsSlotsInFlightHasHalfItsRoom() {
		start(2);
		// Key a: 10 % of its requests used, by a call still in flight (one of two slots);
		// key b: 40 % of its requests used, by calls that ended.
		use(0, 1, 10);
		for (int i = 0; i < 4; i++) {
			Ticket ended = ticket(1, 10, 0);
			this.store.acquire(this.keys.get(1).pool(), ended);
			this.store.settle(this.keys.get(1).pool(),
					new Settlement(ended.id(), "llm", new long[2], null, null, PoolFeedback.none()));
		}

		assertThat(acquire().apiKey()).isEqualTo("b");
	}

	private void start(int maxConcurrency) {
		List<RateLimit> rates = List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 10, 0, 60_000),
				RateLimit.of(Dimension.TOKENS_PER_MINUTE, 1000, 0, 60_000));
		for (String key : List.of("a", "b")) {
			PoolSpec pool = new PoolSpec("llm." + key, Provider.OPENAI, rates, maxConcurrency, List.of("llm"), null);
			this.keys.add(new ModelSpec("llm", pool, true, key));
		}
		QuotaSettings settings = new QuotaSettings(Map.of("llm", this.keys.get(0)), Map.of("llm", this.keys),
				List.of(new PriorityClass(Priority.NORMAL, 0, 0, 100, Duration.ofSeconds(5))), Priority.NORMAL,
				Duration.ofMinutes(1), 1000, Duration.ofSeconds(1), FeedbackSettings.DEFAULTS, Duration.ZERO);
		this.store = new InMemoryQuotaStore(settings, () -> this.now);
		this.engine = new DefaultQuotaEngine(settings, this.store);
	}

	private void use(int key, long requests, long tokens) {
		Admission admission = this.store.acquire(this.keys.get(key).pool(), ticket(requests, tokens, 0));
		assertThat(admission.status()).isEqualTo(Admission.Status.GRANTED);
	}

	private void settle(int key, PoolFeedback feedback) {
		Ticket call = ticket(1, 0, 0);
		this.store.acquire(this.keys.get(key).pool(), call);
		this.store.settle(this.keys.get(key).pool(),
				new Settlement(call.id(), "llm", new long[] { -1, 0 }, null, null, feedback));
	}

	private Ticket ticket(long requests, long tokens, long maxWait) {
		return new Ticket("t." + (++this.tickets), "t", 0, new long[] { requests, tokens }, maxWait, "llm", null);
	}

	private QuotaLease acquire() {
		QuotaLease lease = this.engine
			.acquire(QuotaRequest.builder("llm").inputTokens(1).maxWait(Duration.ZERO).build());
		lease.release(CallOutcome.NOT_SENT);
		return lease;
	}

	// The chosen key may have no room left: then the rejection names its pool.
	private String acquireOrPool() {
		try {
			return acquire().apiKey();
		}
		catch (QuotaRejectedException ex) {
			return ex.getPool().substring("llm.".length());
		}
	}

}
