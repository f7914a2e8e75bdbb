package io.github.llmquota.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.BudgetCharge;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.TenantShare;
import io.github.llmquota.engine.TenantWeights;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Calls that one JVM makes for a pool while another of its calls is under way are sent
 * together, as one script call (a batch), and each is decided as if it had been sent
 * alone. The tests hold the pool's {@link CallCombiner} busy so that calls wait in it,
 * then compare what the batch decided with the same calls sent one by one to a twin pool
 * at the same instant (a test clock).
 */
class RedisCallBatchTests {

	private static final long NOW = 1_800_000_000_000L;

	// The default class's rank: its calls and those of the classes below it are combined.
	private static final int NORMAL = 2;

	private static final String DAILY = "$:daily:20270115";

	// A server of its own: the tests count its script calls.
	private final TestRedis redis = TestRedis.startNew();

	private final ExecutorService threads = Executors.newCachedThreadPool();

	private final String prefix = "cb" + UUID.randomUUID().toString().substring(0, 6);

	private PoolSpec pool;

	private volatile long now = NOW;

	private RedisConnectionFactory connectionFactory;

	private RedisQuotaStore combined;

	private RedisQuotaStore oneByOne;

	@BeforeEach
	void start() {
		this.connectionFactory = TestRedisClient.LETTUCE.connectionFactory(this.redis);
		restart(TestSettings.pool("batch").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(3).build());
	}

	// Two stores at the same instant, on keys of their own: one combines its calls, the
	// other sends each alone.
	private void restart(QuotaSettings settings) {
		stopStores();
		this.pool = settings.pools().get("batch");
		this.combined = new RedisQuotaStore(this.connectionFactory, settings, this.prefix + "a", () -> this.now);
		this.oneByOne = new RedisQuotaStore(this.connectionFactory, settings, this.prefix + "b", () -> this.now);
		this.oneByOne.setCallsCombined(false);
		this.combined.start("w1", AdmissionListener.none());
		this.oneByOne.start("w1", AdmissionListener.none());
	}

	private void stopStores() {
		if (this.combined != null) {
			this.combined.stop();
			this.oneByOne.stop();
		}
	}

	@AfterEach
	void stop() {
		this.threads.shutdownNow();
		stopStores();
		TestRedisClient.destroy(this.connectionFactory);
		this.redis.stop();
	}

	@Test
	void callsThatWaitedAreDecidedInOneScriptCallAsIfSentOneByOne() throws Exception {
		// The first call of each store sends its config: out of the counted part.
		this.combined.acquire(this.pool, ticket("warm"));
		this.oneByOne.acquire(this.pool, ticket("warm"));

		long before = scriptCalls();
		List<Admission> batch = whileHeld(List.of((store) -> store.acquire(this.pool, ticket("t1")),
				(store) -> store.acquire(this.pool, ticket("t2")), (store) -> store.acquire(this.pool, ticket("t3"))));
		assertThat(scriptCalls() - before).isEqualTo(1);

		List<Admission> alone = List.of(this.oneByOne.acquire(this.pool, ticket("t1")),
				this.oneByOne.acquire(this.pool, ticket("t2")), this.oneByOne.acquire(this.pool, ticket("t3")));
		// Three slots: warm, t1 and t2 hold them, so t3 cannot wait (no wait allowed).
		assertThat(batch).extracting(Admission::status)
			.containsExactly(Admission.Status.GRANTED, Admission.Status.GRANTED, Admission.Status.REJECTED);
		assertThat(batch).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(alone);
		assertSameState();

		// A batch of other ops: a settle frees the slot that the acquire after it takes.
		List<Object> mixed = whileHeld(List.of((store) -> {
			store.settle(this.pool, settlement("t1"));
			return "settled";
		}, (store) -> store.acquire(this.pool, ticket("t4")), (store) -> store.poll(this.pool, List.of("t2"))));
		this.oneByOne.settle(this.pool, settlement("t1"));
		List<Object> mixedAlone = List.of("settled", this.oneByOne.acquire(this.pool, ticket("t4")),
				this.oneByOne.poll(this.pool, List.of("t2")));
		assertThat(((Admission) mixed.get(1)).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(mixed).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(mixedAlone);
		assertSameState();
	}

	@Test
	void tenantTagsAndBudgetWindowsThatABatchMovesAreThoseOfItsCallsOneByOne() throws Exception {
		QuotaSettings shared = TestSettings.pool("batch")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100)
			.tenants(TenantWeights.EQUAL)
			.build();
		restart(shared);
		// Two tickets of one tenant and one of another, then a settle: each ticket's tags
		// follow from those the ones before it moved, and every op moves the budget.
		List<Function<RedisQuotaStore, Object>> calls = List.of(
				(store) -> store.acquire(this.pool, budgeted("t1", "a")),
				(store) -> store.acquire(this.pool, budgeted("t2", "a")),
				(store) -> store.acquire(this.pool, budgeted("t3", "b")), (store) -> {
					store.settle(this.pool, new Settlement("t1", "model", new long[1], null, null, PoolFeedback.none(),
							List.of(new BudgetCharge(DAILY, 1_000_000L, 300, NOW + 3_600_000, null, 1_000L, null))));
					return "settled";
				});
		List<Object> batch = whileHeld(calls);
		List<Object> alone = new ArrayList<>();
		for (Function<RedisQuotaStore, Object> call : calls) {
			alone.add(call.apply(this.oneByOne));
		}
		assertThat(batch).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(alone);
		for (String key : List.of("n", "a:" + NOW / 60_000, DAILY)) {
			assertThat(hash(this.prefix + "a:{batch}:" + key)).isNotEmpty()
				.isEqualTo(hash(this.prefix + "b:{batch}:" + key));
		}
		assertSameState();
	}

	@Test
	void randomBatchesDecideAsTheirCallsOneByOne() throws Exception {
		restart(TestSettings.pool("batch")
			.limit(Dimension.REQUESTS_PER_MINUTE, 30)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 20_000)
			.maxConcurrency(6)
			.build());
		Random random = new Random(14);
		List<String> tickets = new ArrayList<>();
		for (int round = 0; round < 200; round++) {
			// Time moves between batches (the two stores read the same clock), never
			// inside.
			this.now += random.nextInt(4_000);
			List<Function<RedisQuotaStore, Object>> calls = new ArrayList<>();
			for (int i = random.nextInt(6) + 1; i > 0; i--) {
				calls.add(randomCall(random, tickets, round + "." + i));
			}
			List<Object> batch = whileHeld(calls);
			List<Object> alone = new ArrayList<>();
			for (Function<RedisQuotaStore, Object> call : calls) {
				alone.add(call.apply(this.oneByOne));
			}
			assertThat(batch).as("round %d", round)
				.usingRecursiveFieldByFieldElementComparator()
				.containsExactlyElementsOf(alone);
			assertSameState();
		}
	}

	// An acquire of one of the combined classes, waiting or not, or a settle (with a 429
	// or an overload now and then, streamed or not), a cancel, a stream's charge or a
	// poll of a ticket made before.
	private Function<RedisQuotaStore, Object> randomCall(Random random, List<String> tickets, String id) {
		int kind = tickets.isEmpty() ? 0 : random.nextInt(6);
		if (kind <= 1) {
			tickets.add(id);
			Ticket ticket = new Ticket(id, "w1", NORMAL + random.nextInt(2),
					new long[] { 1, 1 + random.nextInt(3_000) }, random.nextBoolean() ? 0 : 20_000, "model", null);
			return (store) -> store.acquire(this.pool, ticket);
		}
		String ticket = tickets.get(random.nextInt(tickets.size()));
		if (kind == 2) {
			PoolFeedback.Kind feedback = List
				.of(PoolFeedback.Kind.SUCCESS, PoolFeedback.Kind.SUCCESS, PoolFeedback.Kind.RATE_LIMITED,
						PoolFeedback.Kind.OVERLOADED)
				.get(random.nextInt(4));
			Settlement settlement = new Settlement(ticket, "model", new long[] { 0, -random.nextInt(500) }, null, null,
					new PoolFeedback(feedback, random.nextInt(2_000), null, null), null, null, null,
					random.nextBoolean());
			return (store) -> {
				store.settle(this.pool, settlement);
				return "settled";
			};
		}
		if (kind == 3) {
			return (store) -> {
				store.cancel(this.pool, ticket);
				return "cancelled";
			};
		}
		if (kind == 4) {
			long[] delta = { 0, random.nextInt(200) };
			long output = random.nextInt(1_000);
			return (store) -> store.charge(this.pool, ticket, delta, output, null, null, null, null, null);
		}
		return (store) -> store.poll(this.pool, List.of(ticket));
	}

	@Test
	void acquireOfAClassAboveTheDefaultIsSentAtOnceWhileACallIsUnderWay() throws Exception {
		CallCombiner<RedisQuotaStore.Call, List<?>> combiner = this.combined.combiner(this.pool.name());
		CompletableFuture<Void> release = new CompletableFuture<>();
		Future<?> holder = hold(combiner, release);
		try {
			// CRITICAL and INTERACTIVE: a user waits on them.
			assertThat(this.combined.acquire(this.pool, ticket("critical", 0)).status())
				.isEqualTo(Admission.Status.GRANTED);
			assertThat(this.combined.acquire(this.pool, ticket("interactive", 1)).status())
				.isEqualTo(Admission.Status.GRANTED);
			assertThat(combiner.waitingCalls()).isZero();
		}
		finally {
			release.complete(null);
			holder.get(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void withCallsNotCombinedEachCallIsAScriptCallOfItsOwn() throws Exception {
		// The switch that the test above relies on: off, the same calls are three script
		// calls, and the count above would fail.
		this.combined.setCallsCombined(false);
		this.combined.acquire(this.pool, ticket("warm"));
		long before = scriptCalls();
		List<Admission> calls = whileHeld(List.of((store) -> store.acquire(this.pool, ticket("t1")),
				(store) -> store.acquire(this.pool, ticket("t2")), (store) -> store.acquire(this.pool, ticket("t3"))));
		assertThat(calls).hasSize(3);
		assertThat(scriptCalls() - before).isEqualTo(3);
	}

	// Holds the combined store's pool busy, makes the calls one after another (each waits
	// in the combiner before the next is made), then lets them go: the first sends all.
	private <T> List<T> whileHeld(List<Function<RedisQuotaStore, T>> calls) throws Exception {
		CallCombiner<RedisQuotaStore.Call, List<?>> combiner = this.combined.combiner(this.pool.name());
		CompletableFuture<Void> release = new CompletableFuture<>();
		Future<?> holder = hold(combiner, release);
		List<Future<T>> made = new ArrayList<>();
		for (Function<RedisQuotaStore, T> call : calls) {
			int waitingBefore = combiner.waitingCalls();
			made.add(this.threads.submit(() -> call.apply(this.combined)));
			// Off, a call never waits: it is done instead.
			Future<T> last = made.get(made.size() - 1);
			await().atMost(10, TimeUnit.SECONDS)
				.pollInterval(Duration.ofMillis(2))
				.until(() -> combiner.waitingCalls() == waitingBefore + 1 || last.isDone());
		}
		release.complete(null);
		holder.get(10, TimeUnit.SECONDS);
		List<T> results = new ArrayList<>();
		for (Future<T> call : made) {
			results.add(call.get(10, TimeUnit.SECONDS));
		}
		return results;
	}

	// A call of the pool under way until release completes.
	private Future<?> hold(CallCombiner<RedisQuotaStore.Call, List<?>> combiner, CompletableFuture<Void> release) {
		CompletableFuture<Void> held = new CompletableFuture<>();
		Future<?> holder = this.threads
			.submit(() -> combiner.call(new RedisQuotaStore.Call("hold", (live) -> null), (calls) -> {
				held.complete(null);
				release.join();
				return List.of(List.of());
			}));
		held.join();
		return holder;
	}

	private void assertSameState() {
		PoolSnapshot a = this.combined.snapshot(this.pool);
		PoolSnapshot b = this.oneByOne.snapshot(this.pool);
		assertThat(a.used()).containsExactly(b.used());
		assertThat(a.inFlight()).isEqualTo(b.inFlight());
		assertThat(a.queued()).containsExactly(b.queued());
		assertThat(a.multiplier()).isEqualTo(b.multiplier());
		assertThat(a.cooldownMillis()).isEqualTo(b.cooldownMillis());
		assertThat(a.modelCooldownMillis()).containsExactly(b.modelCooldownMillis());
		assertThat(a.headDelayMillis()).isEqualTo(b.headDelayMillis());
		assertThat(a.streamOutput()).isEqualTo(b.streamOutput());
	}

	private static Ticket budgeted(String id, String tenant) {
		return new Ticket(id, "w1", NORMAL, new long[] { 1 }, 0, "model", null, 0, new TenantShare(tenant, 1, 1_000),
				List.of(new BudgetCharge(DAILY, 1_000_000L, 1_000, NOW + 3_600_000, null, null, null)));
	}

	private static Ticket ticket(String id) {
		return ticket(id, NORMAL);
	}

	private static Ticket ticket(String id, int rank) {
		return new Ticket(id, "w1", rank, new long[] { 1 }, 0, "model", null);
	}

	private static Settlement settlement(String id) {
		return new Settlement(id, "model", new long[1], null, null, PoolFeedback.none());
	}

	// A hash's fields and values, from the reply's lines: the bulk strings, in pairs.
	private Map<String, String> hash(String key) {
		List<String> strings = Arrays.stream(this.redis.command("HGETALL", key).split("\r?\n"))
			.filter((line) -> !line.startsWith("*") && !line.startsWith("$"))
			.toList();
		Map<String, String> hash = new HashMap<>();
		for (int i = 0; i + 1 < strings.size(); i += 2) {
			hash.put(strings.get(i), strings.get(i + 1));
		}
		return hash;
	}

	private long scriptCalls() {
		Matcher matcher = Pattern.compile("cmdstat_evalsha:calls=(\\d+)")
			.matcher(this.redis.command("INFO", "commandstats"));
		return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
	}

}
