package io.github.llmquota.redis;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.test.DrivenRedisStores;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool config that calls send by digest: a changed config decides at once, and a
 * config the script lost is sent again.
 */
class RedisPoolConfigTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	private final long now = 1_700_000_000_000L;

	private int tickets;

	@Test
	void aConfigChangedByAnotherInstanceDecidesThatInstancesCallsAtOnce() {
		QuotaSettings tight = TestSettings.pool("changed").limit(Dimension.REQUESTS_PER_MINUTE, 1).build();
		QuotaSettings loose = TestSettings.pool("changed").limit(Dimension.REQUESTS_PER_MINUTE, 1_000).build();
		RedisQuotaStore before = this.redis.create(tight, () -> this.now);
		before.start("w1", AdmissionListener.none());
		PoolSpec tightPool = tight.pools().get("changed");
		assertThat(before.acquire(tightPool, ticket("w1")).status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(before.acquire(tightPool, ticket("w1")).status()).isEqualTo(Admission.Status.REJECTED);

		RedisQuotaStore after = this.redis.create(loose, () -> this.now);
		after.start("w2", AdmissionListener.none());

		// Decided under 1,000 a minute, not under the 1 a minute the script kept first.
		assertThat(after.acquire(loose.pools().get("changed"), ticket("w2")).status())
			.isEqualTo(Admission.Status.GRANTED);
		// And the instance still on the old config keeps its own: two configs never
		// overwrite.
		assertThat(before.acquire(tightPool, ticket("w1")).status()).isEqualTo(Admission.Status.REJECTED);
	}

	@Test
	void aPoolWhoseKeysWereFlushedIsDecidedAgainAsALostState() {
		QuotaSettings settings = TestSettings.pool("flushed").limit(Dimension.REQUESTS_PER_MINUTE, 10).build();
		PoolSpec pool = settings.pools().get("flushed");
		RedisQuotaStore store = this.redis.create(settings, () -> this.now);
		store.start("w1", AdmissionListener.none());
		assertThat(store.acquire(pool, ticket("w1")).status()).isEqualTo(Admission.Status.GRANTED);

		List<String> command = new ArrayList<>(List.of("DEL"));
		command.addAll(store.keys("flushed"));
		TestRedis.shared().command(command.toArray(String[]::new));

		// The config is sent again and the call decided: as a lost state, whose buckets
		// start drained, not as an error.
		Admission admission = store.acquire(pool, ticket("w1"));
		assertThat(admission.status()).isEqualTo(Admission.Status.REJECTED);
		assertThat(admission.reason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(TestRedis.shared().command("HLEN", store.keys("flushed").get(5))).isEqualTo(":1\r\n");
	}

	private Ticket ticket(String worker) {
		return new Ticket(worker + "." + (++this.tickets), worker, 0, new long[] { 1 }, 0, "model", null);
	}

}
