package io.github.llmquota.scope;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore.PollResult;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestTree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Two projects of one organisation, each with a pool of its own, in one real Redis: the
 * organisation's limit holds across both, decided in one script call per request. Time is
 * driven (frozen unless a test moves it), so no bucket refills behind a test's back.
 */
class RedisScopesTests {

	private static final int ENGINES = 3;

	private static final int THREADS_PER_ENGINE = 4;

	private static final int ATTEMPTS_PER_THREAD = 10;

	private static final long ORG_RPM = 40;

	private final String prefix = "s" + UUID.randomUUID().toString().substring(0, 8);

	private final AtomicLong clock = new AtomicLong(1_000_000);

	private final List<LettuceConnectionFactory> factories = new ArrayList<>();

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	private final List<RedisQuotaStore> stores = new ArrayList<>();

	@AfterEach
	void close() {
		this.engines.forEach(DefaultQuotaEngine::close);
		this.stores.forEach(RedisQuotaStore::stop);
		this.factories.forEach(LettuceConnectionFactory::destroy);
	}

	@Test
	void twoProjectsRacingUnderOneOrganisationLimitNeverExceedIt() throws Exception {
		long admitted = race(false);

		assertWithinOrganisation(admitted);
		assertThat(admitted).as("both pools together could take more: the organisation bound them").isEqualTo(ORG_RPM);
	}

	@Test
	void theRaceCatchesAStoreThatChecksOnlyThePoolLevel() throws Exception {
		long admitted = race(true);

		assertThat(admitted).isGreaterThan(ORG_RPM);
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertWithinOrganisation(admitted));
	}

	@Test
	void aRequestThatFitsItsPoolButNotItsOrganisationWaitsUntilTheOrganisationRefills() {
		// An organisation of 2 requests a minute refills one every 30 seconds; each pool
		// alone would allow 10.
		QuotaSettings settings = TestTree.organisation()
			.orgLimit(Dimension.REQUESTS_PER_MINUTE, 2)
			.poolLimit(Dimension.REQUESTS_PER_MINUTE, 10)
			.reserve(0)
			.build();
		RedisQuotaStore store = store(settings);
		store.start("w1", AdmissionListener.none());
		PoolSpec a = settings.pools().get("pool-a");
		PoolSpec b = settings.pools().get("pool-b");
		assertThat(store.acquire(a, ticket("a1", "model-a", 2)).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(store.acquire(a, ticket("a2", "model-a", 2)).status()).isEqualTo(Admission.Status.GRANTED);

		Admission waiting = store.acquire(b, ticket("b1", "model-b", 2));

		assertThat(waiting.status()).isEqualTo(Admission.Status.WAITING);
		assertThat(waiting.delayMillis()).as("the organisation binds: its refill sets the wait").isEqualTo(30_000);
		PoolSnapshot pool = store.snapshot(b);
		assertThat(pool.used()).as("pool-b itself is untouched").containsExactly(0);
		assertThat(pool.scopes()).extracting((scope) -> scope.scope()).containsExactly("project-b", "org");
		assertThat(pool.scopes().get(1).used()).containsExactly(2);

		this.clock.addAndGet(29_999);
		assertThat(store.poll(b, List.of("b1")).states()).containsExactly(TicketState.WAITING);
		this.clock.addAndGet(1);
		PollResult refilled = store.poll(b, List.of("b1"));

		assertThat(refilled.states()).containsExactly(TicketState.GRANTED);
		assertThat(store.snapshot(a).scopes().get(1).used()).as("the organisation, seen from pool-a")
			.containsExactly(2);
	}

	@Test
	void aHigherClassInOneProjectGoesBeforeALowerClassWaitingInTheOther() {
		assertThat(firstAdmittedWhenTheOrganisationRefills(false)).isEqualTo("a3");
	}

	@Test
	void theOrderCheckCatchesAStoreWhoseWaitingHeadsClaimNoScope() {
		assertThat(firstAdmittedWhenTheOrganisationRefills(true)).isEqualTo("b1");
	}

	// The organisation is full; a BACKGROUND ticket of project B waits, then a CRITICAL
	// one of project A. When one request's worth has refilled, B's worker polls first.
	private String firstAdmittedWhenTheOrganisationRefills(boolean claimsOff) {
		QuotaSettings settings = TestTree.organisation()
			.orgLimit(Dimension.REQUESTS_PER_MINUTE, 2)
			.poolLimit(Dimension.REQUESTS_PER_MINUTE, 10)
			.reserve(0)
			.build();
		RedisQuotaStore store = store(settings);
		store.setScopeClaimsOffForTesting(claimsOff);
		store.start("w1", AdmissionListener.none());
		PoolSpec a = settings.pools().get("pool-a");
		PoolSpec b = settings.pools().get("pool-b");
		store.acquire(a, ticket("a1", "model-a", 2));
		store.acquire(a, ticket("a2", "model-a", 2));
		Admission background = store.acquire(b, new Ticket("b1", "w1", 3, new long[] { 1 }, 120_000, "model-b", null));
		this.clock.addAndGet(1);
		Admission critical = store.acquire(a, new Ticket("a3", "w1", 0, new long[] { 1 }, 120_000, "model-a", null));
		assertThat(background.status()).isEqualTo(Admission.Status.WAITING);
		assertThat(critical.status()).isEqualTo(Admission.Status.WAITING);

		// Both workers beat once a second, as engines with waiting requests do; the
		// organisation has room for one request again 30 s after it filled.
		for (int second = 1; second <= 30; second++) {
			this.clock.addAndGet(1_000);
			TicketState b1 = store.poll(b, List.of("b1")).states().get(0);
			TicketState a3 = store.poll(a, List.of("a3")).states().get(0);
			if (b1 == TicketState.GRANTED || a3 == TicketState.GRANTED) {
				assertThat(second).as("admitted when the organisation refilled").isEqualTo(30);
				assertThat(List.of(b1, a3)).as("one request's worth has refilled")
					.containsOnlyOnce(TicketState.GRANTED);
				return (a3 == TicketState.GRANTED) ? "a3" : "b1";
			}
		}
		throw new AssertionError("nothing was admitted when the organisation refilled");
	}

	@Test
	void theOrganisationsConcurrencyIsSharedByItsProjects() {
		QuotaSettings settings = TestTree.organisation()
			.orgLimit(Dimension.REQUESTS_PER_MINUTE, 100)
			.orgConcurrency(2)
			.poolLimit(Dimension.REQUESTS_PER_MINUTE, 100)
			.reserve(0)
			.build();
		RedisQuotaStore store = store(settings);
		store.start("w1", AdmissionListener.none());
		PoolSpec a = settings.pools().get("pool-a");
		PoolSpec b = settings.pools().get("pool-b");
		assertThat(store.acquire(a, ticket("a1", "model-a", 2)).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(store.acquire(b, ticket("b1", "model-b", 2)).status()).isEqualTo(Admission.Status.GRANTED);

		Admission third = store.acquire(a, ticket("a2", "model-a", 0));

		assertThat(third.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(store.snapshot(b).scopes().get(1).inFlight()).isEqualTo(2);
		store.settle(b, new Settlement("b1", "model-b", new long[] { 0 }, null, null, null));
		assertThat(store.acquire(a, ticket("a3", "model-a", 0)).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void aTreesKeysShareOneHashTagAndAPoolOutsideAnyScopeKeepsItsOwn() {
		QuotaSettings settings = TestTree.organisation().orgLimit(Dimension.REQUESTS_PER_MINUTE, 10).build();
		RedisQuotaStore store = store(settings);

		assertThat(store.keys("pool-a"))
			.allSatisfy((key) -> assertThat(key).startsWith(this.prefix + ":{org}:pool-a:"));
		assertThat(store.keys("pool-b"))
			.allSatisfy((key) -> assertThat(key).startsWith(this.prefix + ":{org}:pool-b:"));
		assertThat(store.keys("alone")).allSatisfy((key) -> assertThat(key).startsWith(this.prefix + ":{alone}:"));
	}

	// Every thread of every engine tries until each has made its attempts; nothing
	// waits and the clock stands still, so only the buckets decide.
	private long race(boolean poolLevelOnly) throws Exception {
		QuotaSettings settings = TestTree.organisation()
			.orgLimit(Dimension.REQUESTS_PER_MINUTE, ORG_RPM)
			.poolLimit(Dimension.REQUESTS_PER_MINUTE, 30)
			.reserve(0)
			.build();
		for (int i = 0; i < ENGINES; i++) {
			RedisQuotaStore store = store(settings);
			store.setScopesIgnoredForTesting(poolLevelOnly);
			this.engines.add(new DefaultQuotaEngine(settings, store));
		}
		AtomicLong admitted = new AtomicLong();
		ExecutorService threads = Executors.newFixedThreadPool(ENGINES * THREADS_PER_ENGINE);
		CountDownLatch start = new CountDownLatch(1);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (DefaultQuotaEngine engine : this.engines) {
				for (int t = 0; t < THREADS_PER_ENGINE; t++) {
					String model = (t % 2 == 0) ? "model-a" : "model-b";
					workers.add(threads.submit(() -> {
						start.await();
						for (int attempt = 0; attempt < ATTEMPTS_PER_THREAD; attempt++) {
							try {
								engine.acquire(QuotaRequest.builder(model)
									.priority(Priority.NORMAL)
									.maxWait(Duration.ZERO)
									.build());
								admitted.incrementAndGet();
							}
							catch (QuotaRejectedException ex) {
								// The buckets are spent: the attempt counts as made.
							}
						}
						return null;
					}));
				}
			}
			start.countDown();
			for (Future<?> worker : workers) {
				worker.get();
			}
		}
		finally {
			threads.shutdownNow();
		}
		return admitted.get();
	}

	private static void assertWithinOrganisation(long admitted) {
		assertThat(admitted).as("requests admitted against an organisation limit of %d", ORG_RPM)
			.isLessThanOrEqualTo(ORG_RPM);
	}

	private RedisQuotaStore store(QuotaSettings settings) {
		LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
		this.factories.add(factory);
		RedisQuotaStore store = new RedisQuotaStore(factory, settings, this.prefix, this.clock::get);
		this.stores.add(store);
		return store;
	}

	private static Ticket ticket(String id, String model, long maxWaitSeconds) {
		return new Ticket(id, "w1", 2, new long[] { 1 }, maxWaitSeconds * 60_000, model, null);
	}

}
