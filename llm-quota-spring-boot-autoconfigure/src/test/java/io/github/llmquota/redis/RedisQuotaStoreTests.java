package io.github.llmquota.redis;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.QuotaStoreContractTests;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Lua script against a real Redis, with time driven by the test.
 */
class RedisQuotaStoreTests extends QuotaStoreContractTests {

	private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);

	private RedisConnectionFactory connectionFactory;

	private StringRedisTemplate template;

	@BeforeEach
	void connect() {
		this.connectionFactory = client().connectionFactory(TestRedis.shared());
		this.template = new StringRedisTemplate(this.connectionFactory);
	}

	@AfterEach
	void disconnect() {
		// Runs before the superclass's teardown: the store must go before its
		// connections.
		if (this.store != null) {
			this.store.stop();
		}
		TestRedisClient.destroy(this.connectionFactory);
	}

	/**
	 * Return the client these tests run on; a subclass runs them all on another.
	 * @return the client
	 */
	TestRedisClient client() {
		return TestRedisClient.LETTUCE;
	}

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new RedisQuotaStore(this.connectionFactory, settings, this.prefix, () -> this.now);
	}

	@Test
	void deadWorkersTicketIsDroppedAtTheHeadSoItNeverBlocksLiveRequests() {
		PoolSpec pool = pool(TestSettings.pool("dead").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		for (int i = 0; i < 60; i++) {
			this.store.acquire(pool, ticket(CRITICAL, 0, 1));
		}
		// The orphan needs ten seconds of refill: its worker is gone long before that.
		Ticket orphan = new Ticket("dead.1", "dead", CRITICAL, new long[] { 10 }, 600_000, "model", null);
		assertThat(this.store.acquire(pool, orphan).status()).isEqualTo(Admission.Status.WAITING);
		Ticket live = ticket(BACKGROUND, 600_000, 1);
		assertThat(this.store.acquire(pool, live).status()).isEqualTo(Admission.Status.WAITING);

		// Worker "dead" never beats again; "w1" keeps polling. Three missed beats later
		// its ticket goes, and the live one behind it is served by the next refill.
		for (int beat = 0; beat < 4; beat++) {
			this.now += 1_000;
			this.store.poll(pool, List.of(live.id()));
		}

		assertThat(this.store.poll(pool, List.of(orphan.id(), live.id())).states()).containsExactly(TicketState.DROPPED,
				TicketState.GRANTED);
	}

	@Test
	void errorRaisedInsideRedisSurfacesAsADataAccessExceptionThatFailModesRecognise() {
		PoolSpec pool = pool(TestSettings.pool("wrong-type").limit(Dimension.REQUESTS_PER_MINUTE, 60));
		// Another program wrote a string where the pool keeps its state hash.
		this.template.opsForValue().set(((RedisQuotaStore) this.store).keys("wrong-type").get(0), "not a hash");

		assertThatExceptionOfType(DataAccessException.class).isThrownBy(() -> acquire(pool, CRITICAL, 0, 1))
			.withMessageContaining("WRONGTYPE");
	}

	@Test
	void lostStateRestartsWithEmptyBucketsForCallersThatKnewIt() {
		PoolSpec pool = pool(TestSettings.pool("lost").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600));
		assertThat(acquire(pool, CRITICAL, 0, 100).status()).isEqualTo(Admission.Status.GRANTED);

		// What a Redis restart without persistence, a flush or an eviction leaves behind.
		this.template.delete(((RedisQuotaStore) this.store).keys("lost").get(0));

		Admission afterLoss = acquire(pool, CRITICAL, 0, 10);
		assertThat(afterLoss.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(afterLoss.delayMillis()).isEqualTo(1_000);
		PoolSpec fresh = pool(TestSettings.pool("never-seen").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600));
		assertThat(acquire(fresh, CRITICAL, 0, 600).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void heartbeatAfterALostStateDoesNotAdmitTheQueueIntoEmptyBuckets() {
		PoolSpec pool = pool(TestSettings.pool("lost-beat").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600).noReserves());
		assertThat(acquire(pool, CRITICAL, 0, 600).status()).isEqualTo(Admission.Status.GRANTED);
		Ticket waiting = ticket(CRITICAL, 600_000, 300);
		assertThat(this.store.acquire(pool, waiting).status()).isEqualTo(Admission.Status.WAITING);

		this.template.delete(((RedisQuotaStore) this.store).keys("lost-beat").get(0));

		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.WAITING);
		this.now += 30_000;
		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.GRANTED);
	}

	@Test
	void arrivalsAfterALostStateQueueBehindTheTicketsStillWaiting() {
		PoolSpec pool = pool(TestSettings.pool("lost-order").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		for (int i = 0; i < 60; i++) {
			acquire(pool, CRITICAL, 0, 1);
		}
		// A cancelled ticket leaves the queue's sequence ahead of 1, as any busy pool's
		// is.
		Ticket cancelled = ticket(CRITICAL, 600_000, 1);
		assertThat(this.store.acquire(pool, cancelled).status()).isEqualTo(Admission.Status.WAITING);
		Ticket first = ticket(CRITICAL, 600_000, 1);
		assertThat(this.store.acquire(pool, first).status()).isEqualTo(Admission.Status.WAITING);
		this.store.cancel(pool, cancelled.id());

		this.template.delete(((RedisQuotaStore) this.store).keys("lost-order").get(0));
		Ticket second = ticket(CRITICAL, 600_000, 1);
		assertThat(this.store.acquire(pool, second).status()).isEqualTo(Admission.Status.WAITING);
		this.now += 1_000;

		assertThat(this.store.poll(pool, List.of(first.id(), second.id())).states())
			.containsExactly(TicketState.GRANTED, TicketState.WAITING);
	}

	@Test
	void reEntryWithAnArrivalTheLostStateNoLongerKnowsQueuesBehindTheTicketsStillWaiting() {
		PoolSpec pool = pool(TestSettings.pool("lost-arrival").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		long lastArrival = 0;
		for (int i = 0; i < 60; i++) {
			lastArrival = acquire(pool, CRITICAL, 0, 1).arrival();
		}
		Ticket waiting = ticket(CRITICAL, 600_000, 1);
		assertThat(this.store.acquire(pool, waiting).status()).isEqualTo(Admission.Status.WAITING);

		this.template.delete(((RedisQuotaStore) this.store).keys("lost-arrival").get(0));
		Ticket reEntry = new Ticket("w1.re-entry", "w1", CRITICAL, new long[] { 1 }, 600_000, "model", null,
				lastArrival + 5);
		Admission reEntered = this.store.acquire(pool, reEntry);
		// One the pool could never have issued, nor fit into a class's scores: also a new
		// arrival.
		Ticket forged = new Ticket("w1.forged", "w1", CRITICAL, new long[] { 1 }, 600_000, "model", null,
				Long.MAX_VALUE);
		Admission forgedAdmission = this.store.acquire(pool, forged);

		assertThat(reEntered.status()).isEqualTo(Admission.Status.WAITING);
		assertThat(reEntered.arrival()).isGreaterThan(lastArrival + 1);
		assertThat(forgedAdmission.arrival()).isEqualTo(reEntered.arrival() + 1);
		this.now += 1_000;
		assertThat(this.store.poll(pool, List.of(waiting.id(), reEntry.id(), forged.id())).states())
			.containsExactly(TicketState.GRANTED, TicketState.WAITING, TicketState.WAITING);
		this.now += 1_000;
		assertThat(this.store.poll(pool, List.of(reEntry.id(), forged.id())).states())
			.containsExactly(TicketState.GRANTED, TicketState.WAITING);
	}

	@Test
	void deletingOnlyTheExhaustedMarkFromTheStateHashReopensThePoolAtOnce() {
		PoolSpec pool = pool(TestSettings.pool("ex-clear").limit(Dimension.REQUESTS_PER_MINUTE, 60));
		Ticket call = ticket(CRITICAL, 0, 1);
		this.store.acquire(pool, call);
		this.store.settle(pool, new Settlement(call.id(), "model", new long[1], null, null,
				new PoolFeedback(PoolFeedback.Kind.EXHAUSTED, 3_600_000, null, null, "monthly spend limit")));
		assertThat(acquire(pool, CRITICAL, 0, 1).reason()).isEqualTo(RejectionReason.QUOTA_EXHAUSTED);
		String state = ((RedisQuotaStore) this.store).keys("ex-clear").get(0);
		assertThat(this.template.<String, String>opsForHash().get(state, "ex")).endsWith(" monthly spend limit");

		// What an operator does once the spend limit is raised: HDEL <prefix>:{pool}:s ex
		this.template.opsForHash().delete(state, "ex");

		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void aStateWrittenInAnotherLayoutReadsAsLostInsteadOfFailingEveryCall() {
		PoolSpec pool = pool(TestSettings.pool("layout").limit(Dimension.REQUESTS_PER_MINUTE, 60));
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
		// Numbers as text, as another version of the script kept them: the binary reads
		// (struct) would fail on every call until the hash expired.
		String state = ((RedisQuotaStore) this.store).keys("layout").get(0);
		this.template.opsForHash().put(state, "v", "1");
		this.template.opsForHash().put(state, "rpm", "12.5");

		// This JVM wrote here lately, so a state it cannot read was lost: full buckets.
		Admission admission = acquire(pool, CRITICAL, 0, 1);
		assertThat(admission.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(admission.reason()).isEqualTo(RejectionReason.DEADLINE);
	}

	@Test
	void everyKeyWrittenHasATimeToLiveAndThePoolsHashTag() {
		useEveryKey(everyKeyPool("ttl"));

		Set<String> keys = this.template.keys(this.prefix + ":*");
		assertThat(keys).hasSizeGreaterThanOrEqualTo(5);
		assertThat(keys).allSatisfy((key) -> {
			assertThat(key).contains("{ttl}");
			assertThat(this.template.getExpire(key)).as("TTL of %s", key).isPositive();
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "s", "q", "t", "l", "w", "m" })
	void aKeyLostOnItsOwnIsWrittenAgainWithATimeToLive(String suffix) {
		// The script renews lifetimes only now and then, by what the state hash recorded:
		// a key evicted or deleted on its own must still get one when it is written
		// again.
		String name = "alone-" + suffix;
		PoolSpec pool = everyKeyPool(name);
		useEveryKey(pool);
		String lost = ((RedisQuotaStore) this.store).keys(name).get("sqtlwm".indexOf(suffix));
		assertThat(this.template.delete(lost)).isTrue();
		useEveryKey(pool);

		assertThat(this.template.keys(this.prefix + ":{" + name + "}:*"))
			.allSatisfy((key) -> assertThat(this.template.getExpire(key)).as("TTL of %s", key).isPositive());
	}

	private PoolSpec everyKeyPool(String name) {
		return pool(TestSettings.pool(name)
			.limit(Dimension.REQUESTS_PER_MINUTE, 10)
			.limit(Dimension.TOKENS_PER_DAY, 1_000_000)
			.maxConcurrency(5));
	}

	// Writes the state, queue, tickets, leases, workers and usage keys of a pool.
	private void useEveryKey(PoolSpec pool) {
		Ticket granted = ticket(CRITICAL, 0, 1, 100);
		this.store.acquire(pool, granted);
		this.store.acquire(pool, ticket(CRITICAL, 0, 1, 100));
		for (int i = 0; i < 8; i++) {
			this.store.acquire(pool, ticket(BACKGROUND, 5_000, 1, 100));
		}
		this.store.settle(pool,
				new Settlement(granted.id(), "model", new long[] { 0, -50 }, null, null, PoolFeedback.none()));
		this.store.poll(pool, List.of());
	}

}
