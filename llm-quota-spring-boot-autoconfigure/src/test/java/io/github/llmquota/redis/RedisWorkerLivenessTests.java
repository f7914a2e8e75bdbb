package io.github.llmquota.redis;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two JVMs on one pool in Redis: which one times the blocked head, and how long a JVM
 * that stops beating keeps its tickets.
 */
class RedisWorkerLivenessTests {

	private final String prefix = "v" + UUID.randomUUID().toString().substring(0, 8);

	private final LettuceConnectionFactory connectionFactory = TestRedis.shared().connectionFactory();

	private long now = 1_700_000_000_000L;

	private int tickets;

	private final QuotaSettings settings = TestSettings.pool("liveness")
		.limit(Dimension.REQUESTS_PER_MINUTE, 60)
		.noReserves()
		.build();

	private final PoolSpec pool = this.settings.pools().get("liveness");

	private final RedisQuotaStore first = store("w1");

	private final RedisQuotaStore second = store("w2");

	@AfterEach
	void stop() {
		this.first.stop();
		this.second.stop();
		this.connectionFactory.destroy();
	}

	@Test
	void onlyTheJvmThatOwnsTheBlockedHeadIsToldToTimeIt() {
		drain();
		Ticket head = ticket("w1");
		Admission own = this.first.acquire(this.pool, head);

		Admission behind = this.second.acquire(this.pool, ticket("w2"));

		assertThat(own.headTicket()).isEqualTo(head.id());
		assertThat(own.delayMillis()).isPositive();
		assertThat(behind.status()).isEqualTo(Admission.Status.WAITING);
		assertThat(behind.headTicket()).isNull();
		assertThat(behind.delayMillis()).isEqualTo(Admission.NONE);
	}

	@Test
	void jvmThatMissesLessThanThreeHeartbeatsKeepsItsPlaceInTheQueue() {
		drain();
		Ticket waiting = ticket("w1");
		this.first.acquire(this.pool, waiting);

		// The heartbeat is one second; w1 has been silent for two of them.
		this.now += 2_000;
		this.second.poll(this.pool, List.of());

		assertThat(this.first.poll(this.pool, List.of(waiting.id())).states()).containsExactly(TicketState.WAITING);
	}

	private void drain() {
		for (int i = 0; i < 60; i++) {
			assertThat(
					this.first.acquire(this.pool, new Ticket("w1.d" + i, "w1", 0, new long[] { 1 }, 0, "model", null))
						.status())
				.isEqualTo(Admission.Status.GRANTED);
		}
	}

	private Ticket ticket(String worker) {
		return new Ticket(worker + "." + (++this.tickets), worker, 0, new long[] { 5 }, 600_000, "model", null);
	}

	private RedisQuotaStore store(String worker) {
		RedisQuotaStore store = new RedisQuotaStore(this.connectionFactory, this.settings, this.prefix, () -> this.now);
		store.start(worker, AdmissionListener.none());
		return store;
	}

}
