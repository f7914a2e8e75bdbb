package io.github.llmquota.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Several engines, each with its own connections and worker id, share one pool in one
 * Redis, as a fleet of JVMs would. What the fleet sends is counted at the called side, as
 * the provider would count it.
 */
class RedisFleetTests {

	private static final int ENGINES = 3;

	private static final int THREADS_PER_ENGINE = 3;

	private static final int MAX_CONCURRENCY = 4;

	// How long the provider takes to answer each call.
	private static final long CALL_MILLIS = 100;

	@Test
	void fleetUnderConcurrentLoadNeverAdmitsMoreThanTheLimitAllows() throws Exception {
		FleetRun run = runFleet(UnaryOperator.identity());

		assertWithinRate(run);
		assertWithinConcurrency(run);
		assertThat(run.calls()).as("the fleet admitted its burst and some refill").isGreaterThan(20);
		assertThat(run.rejected()).as("the offered load exceeded the limit").isPositive();
		assertThat(run.maxInFlight()).as("the fleet kept the provider at its concurrency limit")
			.isEqualTo(MAX_CONCURRENCY);
	}

	@Test
	void providerSideCountCatchesAStoreThatFreesTheSlotBeforeTheCallEnds() throws Exception {
		FleetRun run = runFleet(EarlyReleasingStore::new);

		assertThat(run.maxInFlight()).isGreaterThan(MAX_CONCURRENCY);
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertWithinConcurrency(run));
	}

	// A bucket of 20 that refills at 20 per second can never have let more calls through.
	private static void assertWithinRate(FleetRun run) {
		long allowed = 20 + (long) Math.ceil(run.elapsedMillis() * 20 / 1000.0);
		assertThat(run.calls()).as("calls the provider received in %d ms", run.elapsedMillis())
			.isLessThanOrEqualTo(allowed);
	}

	private static void assertWithinConcurrency(FleetRun run) {
		assertThat(run.maxInFlight()).as("most calls in flight at the provider at once")
			.isLessThanOrEqualTo(MAX_CONCURRENCY);
	}

	/**
	 * Run the fleet for two seconds: each thread acquires, calls the provider, and
	 * settles when the provider has answered.
	 * @param storeWrapper what stands between each engine and its Redis store
	 * @return what the provider saw
	 */
	private static FleetRun runFleet(UnaryOperator<QuotaStore> storeWrapper) throws Exception {
		// 20 requests per second, a burst of at most 20, and at most 4 calls in flight.
		QuotaSettings settings = TestSettings.pool("fleet")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1200)
			.burstHorizon(Duration.ofSeconds(1))
			.maxConcurrency(MAX_CONCURRENCY)
			.noReserves()
			.build();
		String prefix = "f" + UUID.randomUUID().toString().substring(0, 8);
		List<LettuceConnectionFactory> factories = new ArrayList<>();
		List<DefaultQuotaEngine> engines = new ArrayList<>();
		for (int i = 0; i < ENGINES; i++) {
			LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
			factories.add(factory);
			engines.add(new DefaultQuotaEngine(settings,
					storeWrapper.apply(new RedisQuotaStore(factory, settings, prefix))));
		}
		StringRedisTemplate template = new StringRedisTemplate(factories.get(0));
		Provider provider = new Provider();
		AtomicLong rejected = new AtomicLong();
		ExecutorService pool = Executors.newFixedThreadPool(ENGINES * THREADS_PER_ENGINE);
		ScheduledExecutorService answers = Executors.newScheduledThreadPool(2);
		try {
			long start = redisMillis(template);
			long end = System.currentTimeMillis() + 2_000;
			List<Future<?>> workers = new ArrayList<>();
			for (DefaultQuotaEngine engine : engines) {
				for (int t = 0; t < THREADS_PER_ENGINE; t++) {
					workers.add(pool.submit(() -> {
						while (System.currentTimeMillis() < end) {
							try {
								QuotaLease lease = engine.acquire(QuotaRequest.builder("model")
									.priority(Priority.NORMAL)
									.maxWait(Duration.ofMillis(200))
									.build());
								provider.callStarted();
								answers.schedule(() -> {
									provider.callEnded();
									lease.settle(TokenUsage.of(0, 0));
								}, CALL_MILLIS, TimeUnit.MILLISECONDS);
							}
							catch (QuotaRejectedException ex) {
								rejected.incrementAndGet();
							}
						}
						return null;
					}));
				}
			}
			for (Future<?> worker : workers) {
				worker.get();
			}
			long elapsed = redisMillis(template) - start;
			// Answers still due run before the executor terminates.
			answers.shutdown();
			assertThat(answers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
			return new FleetRun(provider.calls.get(), provider.maxInFlight.get(), rejected.get(), elapsed);
		}
		finally {
			pool.shutdownNow();
			answers.shutdownNow();
			engines.forEach(DefaultQuotaEngine::close);
			factories.forEach(LettuceConnectionFactory::destroy);
		}
	}

	private static long redisMillis(StringRedisTemplate template) {
		RedisCallback<Long> time = (connection) -> connection.serverCommands().time();
		return template.execute(time);
	}

	private record FleetRun(long calls, int maxInFlight, long rejected, long elapsedMillis) {
	}

	/**
	 * The called side: counts calls from when they arrive until they are answered, across
	 * the whole fleet, and keeps the most it saw at once.
	 */
	private static final class Provider {

		private final AtomicLong calls = new AtomicLong();

		private final AtomicInteger inFlight = new AtomicInteger();

		private final AtomicInteger maxInFlight = new AtomicInteger();

		void callStarted() {
			this.calls.incrementAndGet();
			this.maxInFlight.accumulateAndGet(this.inFlight.incrementAndGet(), Math::max);
		}

		void callEnded() {
			this.inFlight.decrementAndGet();
		}

	}

	/**
	 * A deliberately broken release: frees each lease's concurrency slot in Redis the
	 * moment it is granted, long before the call ends, whichever way the grant arrives.
	 */
	private static final class EarlyReleasingStore extends ForwardingQuotaStore {

		private final Map<String, PoolSpec> pools = new ConcurrentHashMap<>();

		EarlyReleasingStore(QuotaStore delegate) {
			super(delegate);
		}

		@Override
		public void start(String workerId, AdmissionListener listener) {
			super.start(workerId, new AdmissionListener() {

				@Override
				public void granted(String pool, String ticketId, long arrival) {
					free(EarlyReleasingStore.this.pools.get(pool), ticketId);
					listener.granted(pool, ticketId, arrival);
				}

				@Override
				public void dropped(String pool, String ticketId, boolean shed) {
					listener.dropped(pool, ticketId, shed);
				}

				@Override
				public void exhausted(String pool, String ticketId) {
					listener.exhausted(pool, ticketId);
				}

				@Override
				public void head(String pool, long delayMillis, String ticketId) {
					listener.head(pool, delayMillis, ticketId);
				}

			});
		}

		@Override
		public Admission acquire(PoolSpec pool, Ticket ticket) {
			this.pools.put(pool.name(), pool);
			Admission admission = super.acquire(pool, ticket);
			if (admission.status() == Admission.Status.GRANTED) {
				free(pool, ticket.id());
			}
			return admission;
		}

		@Override
		public PollResult poll(PoolSpec pool, List<String> ticketIds) {
			PollResult result = super.poll(pool, ticketIds);
			for (int i = 0; i < ticketIds.size(); i++) {
				if (result.states().get(i) == TicketState.GRANTED) {
					free(pool, ticketIds.get(i));
				}
			}
			return result;
		}

		// Ends the lease with no usage and no feedback: only its slot changes.
		private void free(PoolSpec pool, String leaseId) {
			super.settle(pool, new Settlement(leaseId, "model", new long[pool.rates().size()], null, null, null));
		}

	}

}
