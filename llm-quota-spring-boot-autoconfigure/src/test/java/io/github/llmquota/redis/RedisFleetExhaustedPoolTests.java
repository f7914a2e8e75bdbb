package io.github.llmquota.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.DrivenRedisStores;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A spend cap that one instance of a fleet meets stops the pool for every instance: two
 * engines, each with its own store and worker id, share one pool in one Redis. The pool
 * has a single slot, so without the exhausted mark the slot the failed call frees would
 * go to the other instance's waiting request.
 */
class RedisFleetExhaustedPoolTests {

	private static final String INSUFFICIENT_QUOTA = "{\"error\":{\"message\":\"You exceeded your current quota, "
			+ "please check your plan and billing details.\",\"type\":\"insufficient_quota\",\"code\":"
			+ "\"insufficient_quota\"}}";

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	// The stores' time: nothing refills, and no wait runs out, unless a test moves it.
	private long now = 1_700_000_000_000L;

	@AfterEach
	void closeEngines() {
		this.engines.forEach(DefaultQuotaEngine::close);
	}

	@Test
	void spendCapSeenByOneInstanceStopsThePoolForEveryInstanceWithinOneRoundTrip() {
		SpendCap seen = spendCapOnInstanceA(UnaryOperator.identity());

		// B's request that was already waiting was failed by the call that released A's
		// lease.
		assertThat(seen.waitingOnB().join()).isInstanceOf(NonRetryableQuotaException.class)
			.satisfies((ex) -> assertThat(((NonRetryableQuotaException) ex).getErrorClass())
				.isEqualTo(ErrorClass.QUOTA_EXHAUSTED));
		// B's next request failed in its own acquire call: it never waited.
		assertThat(seen.nextOnBFailedAtOnce()).isTrue();
		assertThatExceptionOfType(NonRetryableQuotaException.class)
			.isThrownBy(() -> seen.b().acquire(request(Duration.ofMinutes(10))));
	}

	@Test
	void instanceThatKeepsTheSpendCapToItselfIsCaughtByTheSameChecks() {
		// A deliberately wrong fleet: A's store drops what the provider said about its
		// quota.
		SpendCap seen = spendCapOnInstanceA(ExhaustionBlindStore::new);

		assertThat(seen.waitingOnB().join()).as("B's waiting request got the freed slot instead").isNull();
		assertThat(seen.nextOnBFailedAtOnce()).isFalse();
	}

	/**
	 * A holds the pool's only slot and B waits for it; then A's call meets an OpenAI
	 * {@code insufficient_quota} 429 and A releases its lease with it.
	 * @param storeOfA what stands between A's engine and its Redis store
	 * @return what B saw
	 */
	private SpendCap spendCapOnInstanceA(UnaryOperator<QuotaStore> storeOfA) {
		QuotaSettings settings = TestSettings.pool("spend-cap")
			.provider(Provider.OPENAI)
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.build();
		DefaultQuotaEngine a = engine(settings, storeOfA.apply(this.redis.create(settings, () -> this.now)));
		DefaultQuotaEngine b = engine(settings, this.redis.create(settings, () -> this.now));
		QuotaLease lease = a.acquire(request(Duration.ZERO));
		CompletableFuture<QuotaLease> waiting = b.acquireAsync(request(Duration.ofMinutes(10)));
		assertThat(waiting).isNotDone();

		lease.release(CallOutcome.FAILED, new ProviderFeedbackParser().parse(lease.pool(), Provider.OPENAI, 429,
				Map.of(), INSUFFICIENT_QUOTA, Instant.ofEpochMilli(this.now)));

		await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
		CompletableFuture<QuotaLease> next = b.acquireAsync(request(Duration.ofMinutes(10)));
		boolean failedAtOnce = next.isCompletedExceptionally();
		next.cancel(false);
		return new SpendCap(b, waiting.handle((granted, failure) -> (failure != null) ? failure : null), failedAtOnce);
	}

	private DefaultQuotaEngine engine(QuotaSettings settings, QuotaStore store) {
		DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, store);
		this.engines.add(engine);
		return engine;
	}

	private static QuotaRequest request(Duration maxWait) {
		return QuotaRequest.builder("model").priority(Priority.CRITICAL).maxOutputTokens(1).maxWait(maxWait).build();
	}

	/**
	 * What instance B saw.
	 *
	 * @param b B's engine
	 * @param waitingOnB how B's request that waited ended: its failure, or {@code null}
	 * when it was granted
	 * @param nextOnBFailedAtOnce whether B's next request had failed when its acquire
	 * returned
	 */
	private record SpendCap(DefaultQuotaEngine b, CompletableFuture<Throwable> waitingOnB,
			boolean nextOnBFailedAtOnce) {
	}

	private static final class ExhaustionBlindStore extends ForwardingQuotaStore {

		ExhaustionBlindStore(QuotaStore delegate) {
			super(delegate);
		}

		@Override
		public void settle(PoolSpec pool, Settlement settlement) {
			PoolFeedback feedback = (settlement.feedback().kind() == PoolFeedback.Kind.EXHAUSTED) ? PoolFeedback.none()
					: settlement.feedback();
			super.settle(pool, new Settlement(settlement.leaseId(), settlement.model(), settlement.delta(),
					settlement.user(), settlement.userDelta(), feedback));
		}

	}

}
