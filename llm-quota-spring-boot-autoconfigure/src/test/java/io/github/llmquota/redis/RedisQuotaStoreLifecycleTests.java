package io.github.llmquota.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.test.AdmissionLog;
import io.github.llmquota.test.DrivenRedisStores;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the store starts and stops around the script, its test switches once it has run,
 * and the news it takes from its channel.
 */
class RedisQuotaStoreLifecycleTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	private long now = 1_700_000_000_000L;

	private int tickets;

	@Test
	void newsOfThreeWordsReachesTheListenerOnThreadsNamedForLlmQuota() {
		QuotaSettings settings = TestSettings.pool("news").limit(Dimension.REQUESTS_PER_MINUTE, 10).build();
		Map<String, String> news = new ConcurrentHashMap<>();
		Set<String> threadNames = ConcurrentHashMap.newKeySet();
		this.redis.create(settings, () -> this.now).start("w1", new AdmissionListener() {

			@Override
			public void granted(String pool, String ticketId, long arrival) {
				threadNames.add(Thread.currentThread().getName());
				news.put(ticketId, "granted " + pool + " " + arrival);
			}

			@Override
			public void dropped(String pool, String ticketId, boolean shed) {
				threadNames.add(Thread.currentThread().getName());
				news.put(ticketId, (shed ? "shed " : "expired ") + pool);
			}

			@Override
			public void exhausted(String pool, String ticketId) {
				threadNames.add(Thread.currentThread().getName());
				news.put(ticketId, "exhausted " + pool);
			}

			@Override
			public void head(String pool, long delayMillis, String ticketId) {
				threadNames.add(Thread.currentThread().getName());
				news.put("head", "head " + pool + " " + delayMillis + " " + ticketId);
			}

		});
		String channel = this.redis.prefix() + ":w:w1";
		await().atMost(Duration.ofSeconds(10))
			.until(() -> TestRedis.shared().command("PUBLISH", channel, "GRANTED news w1.0").equals(":1\r\n"));

		for (String message : List.of("EXPIRED news w1.1", "SHED news w1.2", "EXHAUSTED news w1.3", "HEAD news 500")) {
			TestRedis.shared().command("PUBLISH", channel, message);
		}

		await().atMost(Duration.ofSeconds(10)).until(() -> news.size() == 5);
		assertThat(news).containsEntry("w1.0", "granted news 0")
			.containsEntry("w1.1", "expired news")
			.containsEntry("w1.2", "shed news")
			.containsEntry("w1.3", "exhausted news")
			.containsEntry("head", "head news 500 null");
		assertThat(threadNames).allMatch((name) -> name.startsWith("llm-quota-pubsub-"));
	}

	@Test
	void admissionLogSwitchedOnAfterTheFirstCallRecordsLaterAdmissions() {
		QuotaSettings settings = TestSettings.pool("late-log").limit(Dimension.REQUESTS_PER_MINUTE, 10).build();
		PoolSpec pool = settings.pools().get("late-log");
		RedisQuotaStore store = this.redis.create(settings, () -> this.now);
		store.start("w1", AdmissionListener.none());
		assertThat(store.acquire(pool, ticket(0, 0)).status()).isEqualTo(Admission.Status.GRANTED);

		store.setAdmissionLog(true);
		Ticket logged = ticket(0, 0);
		assertThat(store.acquire(pool, logged).status()).isEqualTo(Admission.Status.GRANTED);

		assertThat(AdmissionLog.parse(store.admissionLog("late-log"))).extracting(AdmissionLog.Entry::ticket)
			.containsExactly(logged.id());
	}

	@Test
	void arrivalOrderSwitchedOnAfterTheFirstCallAdmitsTheEarlierArrivalFirst() {
		// One request per second, its bucket emptied by the first minute's calls.
		QuotaSettings settings = TestSettings.pool("late-order")
			.limit(Dimension.REQUESTS_PER_MINUTE, 60)
			.noReserves()
			.build();
		PoolSpec pool = settings.pools().get("late-order");
		RedisQuotaStore store = this.redis.create(settings, () -> this.now);
		store.start("w1", AdmissionListener.none());
		for (int i = 0; i < 60; i++) {
			assertThat(store.acquire(pool, ticket(0, 0)).status()).isEqualTo(Admission.Status.GRANTED);
		}

		store.setArrivalOrderForTesting(true);
		Ticket background = ticket(3, 600_000);
		Ticket critical = ticket(0, 600_000);
		assertThat(store.acquire(pool, background).status()).isEqualTo(Admission.Status.WAITING);
		assertThat(store.acquire(pool, critical).status()).isEqualTo(Admission.Status.WAITING);
		this.now += 1000;

		assertThat(store.poll(pool, List.of(background.id(), critical.id())).states())
			.containsExactly(TicketState.GRANTED, TicketState.WAITING);
	}

	@Test
	void stoppingTheStoreEndsItsJedisCallThreads() {
		QuotaSettings settings = TestSettings.pool("jedis-stop").limit(Dimension.REQUESTS_PER_MINUTE, 10).build();
		PoolSpec pool = settings.pools().get("jedis-stop");
		RedisConnectionFactory connectionFactory = TestRedisClient.JEDIS.connectionFactory(TestRedis.shared());
		try {
			RedisQuotaStore store = new RedisQuotaStore(connectionFactory, settings, this.redis.prefix(),
					() -> this.now);
			store.start("w1", AdmissionListener.none());
			Set<Thread> before = threads("llm-quota-jedis-");
			assertThat(store.acquire(pool, ticket(0, 0)).status()).isEqualTo(Admission.Status.GRANTED);
			Set<Thread> started = newThreads("llm-quota-jedis-", before);
			assertThat(started).isNotEmpty();

			store.stop();

			await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().noneMatch(Thread::isAlive));
		}
		finally {
			TestRedisClient.destroy(connectionFactory);
		}
	}

	private Ticket ticket(int rank, long maxWaitMillis) {
		return new Ticket("w1." + (++this.tickets), "w1", rank, new long[] { 1 }, maxWaitMillis, "model", null);
	}

	private static Set<Thread> newThreads(String prefix, Set<Thread> before) {
		Set<Thread> threads = threads(prefix);
		threads.removeAll(before);
		return threads;
	}

	private static Set<Thread> threads(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith(prefix))
			.collect(Collectors.toSet());
	}

}
