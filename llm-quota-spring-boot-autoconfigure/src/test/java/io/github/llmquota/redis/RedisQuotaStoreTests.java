package io.github.llmquota.redis;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lua script against a real Redis, with time driven by the test.
 */
class RedisQuotaStoreTests {

	private static final int CRITICAL = 0;

	private static final int BACKGROUND = 3;

	private final TestRedis redis = TestRedis.shared();

	private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);

	private final List<String> news = new CopyOnWriteArrayList<>();

	private LettuceConnectionFactory connectionFactory;

	private StringRedisTemplate template;

	private RedisQuotaStore store;

	private long now = 1_700_000_000_000L;

	private int tickets;

	@BeforeEach
	void connect() {
		this.connectionFactory = this.redis.connectionFactory();
		this.template = new StringRedisTemplate(this.connectionFactory);
	}

	@AfterEach
	void disconnect() {
		if (this.store != null) {
			this.store.stop();
		}
		this.connectionFactory.destroy();
	}

	@Test
	void requestDeniedOnOneDimensionConsumesNothingOnTheOthers() {
		PoolSpec pool = pool(TestSettings.pool("atomic")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1000)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 1000));
		assertThat(acquire(pool, CRITICAL, 0, 1, 900, 100).status()).isEqualTo(Admission.Status.GRANTED);

		Admission denied = acquire(pool, CRITICAL, 0, 1, 200, 100);

		assertThat(denied.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(denied.reason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(used(pool, "rpm")).isEqualTo(1);
		assertThat(used(pool, "otpm")).isEqualTo(100);
		// Exactly the room the denied request would have taken on the output bucket is left.
		assertThat(acquire(pool, CRITICAL, 0, 1, 100, 900).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void bucketsRefillContinuouslyWithRedisDrivenTime() {
		PoolSpec pool = pool(TestSettings.pool("refill").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600));
		assertThat(acquire(pool, CRITICAL, 0, 600).status()).isEqualTo(Admission.Status.GRANTED);

		Admission early = acquire(pool, CRITICAL, 0, 10);
		assertThat(early.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(early.delayMillis()).isEqualTo(1000);

		this.now += 999;
		assertThat(acquire(pool, CRITICAL, 0, 10).status()).isEqualTo(Admission.Status.REJECTED);
		this.now += 1;
		assertThat(acquire(pool, CRITICAL, 0, 10).status()).isEqualTo(Admission.Status.GRANTED);
	}

	@Test
	void settleRefundsUnusedOutputAndChargesBoundedDebt() {
		QuotaSettings settings = TestSettings.pool("settle")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1000)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 1000)
			.build();
		PoolSpec pool = start(settings);
		ModelSpec model = settings.model("model");
		Ticket ticket = ticket(CRITICAL, 0, 100, 500);
		assertThat(this.store.acquire(pool, ticket).status()).isEqualTo(Admission.Status.GRANTED);

		this.store.settle(pool, ticket.id(), delta(model.actual(TokenUsage.of(100, 120)), ticket.cost()));
		assertThat(used(pool, "otpm")).isEqualTo(120);

		Ticket second = ticket(CRITICAL, 0, 100, 100);
		this.store.acquire(pool, second);
		this.store.settle(pool, second.id(), delta(model.actual(TokenUsage.of(5_000, 100)), second.cost()));
		// 200 + 4900 extra input would be 5100; debt stops at one extra bucket.
		assertThat(used(pool, "itpm")).isEqualTo(2000);
		Admission blocked = acquire(pool, CRITICAL, 0, 1, 0);
		// 1001 tokens over the bucket, refilling at 1000 per minute.
		assertThat(blocked.delayMillis()).isEqualTo(60_060);
	}

	@Test
	void cacheReadsAreRefundedWhereTheProviderDoesNotCountThem() {
		QuotaSettings settings = TestSettings.pool("cache").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000).build();
		PoolSpec pool = start(settings);
		Ticket ticket = ticket(CRITICAL, 0, 50_000, 0);
		this.store.acquire(pool, ticket);

		TokenUsage usage = new TokenUsage(1_000, 2_000, 47_000, 300);
		this.store.settle(pool, ticket.id(), delta(settings.model("model").actual(usage), ticket.cost()));

		assertThat(used(pool, "itpm")).isEqualTo(3_000);
	}

	@Test
	void expiredLeaseGivesItsConcurrencySlotBack() {
		PoolSpec pool = pool(TestSettings.pool("lease")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.leaseTimeout(Duration.ofSeconds(30)));
		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
		Admission full = acquire(pool, CRITICAL, 0, 1);
		assertThat(full.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(full.delayMillis()).isEqualTo(30_000);

		this.now += 30_000;

		assertThat(acquire(pool, CRITICAL, 0, 1).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(this.template.opsForZSet().zCard(this.store.keys("lease").get(3))).isEqualTo(1);
	}

	@Test
	void waitingTicketIsGrantedFromTheHeadWhenCapacityReturns() {
		PoolSpec pool = pool(TestSettings.pool("wait").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600).noReserves());
		Ticket first = ticket(CRITICAL, 0, 600);
		this.store.acquire(pool, first);
		Ticket waiting = ticket(BACKGROUND, 60_000, 300);

		Admission admission = this.store.acquire(pool, waiting);

		assertThat(admission.status()).isEqualTo(Admission.Status.WAITING);
		assertThat(admission.delayMillis()).isEqualTo(30_000);
		this.now += 30_000;
		assertThat(this.store.poll(pool, List.of(waiting.id())).states()).containsExactly(TicketState.GRANTED);
	}

	@Test
	void waitThatCannotEndInTimeIsRejectedAtOnceWithTheTimeItWouldTake() {
		PoolSpec pool = pool(TestSettings.pool("hopeless").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 600).noReserves());
		this.store.acquire(pool, ticket(CRITICAL, 0, 600));

		Admission admission = this.store.acquire(pool, ticket(BACKGROUND, 10_000, 300));

		assertThat(admission.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(admission.reason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(admission.delayMillis()).isEqualTo(30_000);
		assertThat(this.template.opsForZSet().zCard(this.store.keys("hopeless").get(1))).isZero();
	}

	@Test
	void everyKeyWrittenHasATimeToLive() {
		PoolSpec pool = pool(TestSettings.pool("ttl")
			.limit(Dimension.REQUESTS_PER_MINUTE, 10)
			.limit(Dimension.TOKENS_PER_DAY, 1_000_000)
			.maxConcurrency(5));
		Ticket granted = ticket(CRITICAL, 0, 1, 100);
		this.store.acquire(pool, granted);
		this.store.acquire(pool, ticket(CRITICAL, 0, 1, 100));
		for (int i = 0; i < 8; i++) {
			this.store.acquire(pool, ticket(BACKGROUND, 5_000, 1, 100));
		}
		this.store.settle(pool, granted.id(), new long[] { 0, -50 });
		this.store.poll(pool, List.of());

		Set<String> keys = this.template.keys(this.prefix + ":*");
		assertThat(keys).hasSizeGreaterThanOrEqualTo(5);
		for (String key : keys) {
			assertThat(this.template.getExpire(key)).as("TTL of %s", key).isPositive();
		}
		assertThat(keys).allSatisfy((key) -> assertThat(key).contains("{ttl}"));
	}

	private PoolSpec pool(TestSettings settings) {
		return start(settings.build());
	}

	private PoolSpec start(QuotaSettings settings) {
		this.store = new RedisQuotaStore(this.connectionFactory, settings, this.prefix, () -> this.now);
		this.store.start("w1", new Recorder());
		return settings.pools().values().iterator().next();
	}

	private Admission acquire(PoolSpec pool, int rank, long maxWait, long... cost) {
		return this.store.acquire(pool, ticket(rank, maxWait, cost));
	}

	private Ticket ticket(int rank, long maxWait, long... cost) {
		return new Ticket("w1." + (++this.tickets), "w1", rank, cost, maxWait);
	}

	private long used(PoolSpec pool, String field) {
		Object value = this.template.opsForHash().get(this.store.keys(pool.name()).get(0), field);
		return Math.round(Double.parseDouble((String) value));
	}

	private static long[] delta(long[] actual, long[] charged) {
		long[] delta = new long[actual.length];
		for (int i = 0; i < delta.length; i++) {
			delta[i] = actual[i] - charged[i];
		}
		return delta;
	}

	private final class Recorder implements AdmissionListener {

		@Override
		public void granted(String pool, String ticketId) {
			RedisQuotaStoreTests.this.news.add("granted " + ticketId);
		}

		@Override
		public void dropped(String pool, String ticketId, boolean shed) {
			RedisQuotaStoreTests.this.news.add((shed ? "shed " : "dropped ") + ticketId);
		}

		@Override
		public void head(String pool, long delayMillis) {
			RedisQuotaStoreTests.this.news.add("head " + delayMillis);
		}

	}

}
