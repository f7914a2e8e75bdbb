package io.github.llmquota.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.TenantWeights;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Fair shares between tenants as a fleet meets them: three engines, each with its own
 * connections and worker id, on one real Redis, four tenants whose demand differs tenfold
 * and whose requests differ in size. The pool admits one call at a time and its clock
 * stands still, so each grant follows the settle of the call before it: the test, not
 * time, paces the fleet, and reads the order the fleet granted in from the engines' own
 * futures. Deadlines only guard against a hang.
 */
class RedisFleetTenantSharesTests {

	// Requests per tenant and tokens per request: the heavy tenant offers ten times the
	// tokens of each other one, in requests of other sizes, all queued before the first
	// settle.
	private static final Map<String, Demand> DEMAND = demand();

	private final long now = 1_700_000_000_000L;

	private final String prefix = "ft" + UUID.randomUUID().toString().substring(0, 8);

	private final List<LettuceConnectionFactory> factories = new ArrayList<>();

	private final List<RedisQuotaStore> stores = new ArrayList<>();

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	private final BlockingQueue<Grant> grants = new LinkedBlockingQueue<>();

	@AfterEach
	void stop() {
		this.engines.forEach(DefaultQuotaEngine::close);
		this.factories.forEach(LettuceConnectionFactory::destroy);
	}

	@Test
	void equalWeightsGiveEachBackloggedTenantAQuarterOfTheTokens() throws Exception {
		Map<String, Double> weights = Map.of("heavy", 1.0, "a", 1.0, "b", 1.0, "c", 1.0);
		start(weights, false);

		Map<String, Long> admitted = admitWhileAllAreBacklogged(40_000);

		weights.keySet()
			.forEach((tenant) -> assertThat(share(admitted, tenant)).as(tenant).isCloseTo(0.25, within(0.05)));
		assertThat(jain(admitted, weights)).isGreaterThanOrEqualTo(0.95);
	}

	@Test
	void weightsThreeToOneGiveTheHeavyTenantThreeTimesTheTokensOfEachOther() throws Exception {
		Map<String, Double> weights = Map.of("heavy", 3.0, "a", 1.0, "b", 1.0, "c", 1.0);
		start(weights, false);

		Map<String, Long> admitted = admitWhileAllAreBacklogged(60_000);

		assertThat(share(admitted, "heavy")).isCloseTo(0.5, within(0.05));
		List.of("a", "b", "c")
			.forEach((tenant) -> assertThat(share(admitted, tenant)).as(tenant).isCloseTo(1 / 6.0, within(0.05)));
		assertThat(jain(admitted, weights)).isGreaterThanOrEqualTo(0.95);
	}

	@Test
	void fairnessCheckFailsWhenTheClassIsFifoAgain() throws Exception {
		Map<String, Double> weights = Map.of("heavy", 1.0, "a", 1.0, "b", 1.0, "c", 1.0);
		start(weights, true);

		Map<String, Long> admitted = admitWhileAllAreBacklogged(40_000);

		assertThat(share(admitted, "heavy")).isGreaterThan(0.3);
		assertThat(jain(admitted, weights)).isLessThan(0.95);
	}

	private void start(Map<String, Double> weights, boolean fifo) {
		QuotaSettings settings = TestSettings.pool("fleet-tenants")
			.maxConcurrency(1)
			.noReserves()
			.classQueueCapacity(1_000)
			.tenants(new TenantWeights(1, weights))
			.build();
		for (int i = 0; i < 3; i++) {
			LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
			RedisQuotaStore store = new RedisQuotaStore(factory, settings, this.prefix, () -> this.now);
			store.setTenantFifoForTesting(fifo);
			this.factories.add(factory);
			this.stores.add(store);
			this.engines.add(new DefaultQuotaEngine(settings, store));
		}
	}

	// Queue every tenant's demand across the fleet behind one held call, then settle one
	// call at a time and count the tokens of each grant, until the tokens admitted reach
	// the window: every tenant is still backlogged then.
	private Map<String, Long> admitWhileAllAreBacklogged(long window) throws InterruptedException {
		QuotaLease held = this.engines.get(0).acquire(request("warm-up", 1));
		int call = 0;
		for (Map.Entry<String, Demand> demand : DEMAND.entrySet()) {
			for (int i = 0; i < demand.getValue().requests(); i++) {
				String tenant = demand.getKey();
				long tokens = demand.getValue().tokens();
				this.engines.get(call++ % 3)
					.acquireAsync(request(tenant, tokens))
					.thenAccept((lease) -> this.grants.add(new Grant(tenant, tokens, lease)));
			}
		}
		Map<String, Long> admitted = new LinkedHashMap<>();
		DEMAND.keySet().forEach((tenant) -> admitted.put(tenant, 0L));
		long total = 0;
		while (total < window) {
			held.release(CallOutcome.NOT_SENT);
			Grant grant = this.grants.poll(30, TimeUnit.SECONDS);
			assertThat(grant).as("a grant after a settle").isNotNull();
			admitted.merge(grant.tenant(), grant.tokens(), Long::sum);
			total += grant.tokens();
			held = grant.lease();
		}
		held.release(CallOutcome.NOT_SENT);
		return admitted;
	}

	private static QuotaRequest request(String tenant, long tokens) {
		return QuotaRequest.builder("model")
			.tenant(tenant)
			.inputTokens(tokens / 2)
			.maxOutputTokens(tokens - tokens / 2)
			.maxWait(Duration.ofMinutes(10))
			.build();
	}

	private static double share(Map<String, Long> admitted, String tenant) {
		long all = admitted.values().stream().mapToLong(Long::longValue).sum();
		return (double) admitted.get(tenant) / all;
	}

	// Jain's fairness index of the tokens admitted per unit of weight: 1 when every
	// tenant got exactly its weighted share.
	private static double jain(Map<String, Long> admitted, Map<String, Double> weights) {
		double sum = 0;
		double squares = 0;
		for (Map.Entry<String, Double> weight : weights.entrySet()) {
			double normalised = admitted.get(weight.getKey()) / weight.getValue();
			sum += normalised;
			squares += normalised * normalised;
		}
		return sum * sum / (weights.size() * squares);
	}

	private static Map<String, Demand> demand() {
		Map<String, Demand> demand = new LinkedHashMap<>();
		demand.put("heavy", new Demand(200, 1_000));
		demand.put("a", new Demand(40, 500));
		demand.put("b", new Demand(80, 250));
		demand.put("c", new Demand(20, 1_000));
		return demand;
	}

	private record Demand(int requests, long tokens) {
	}

	private record Grant(String tenant, long tokens, QuotaLease lease) {
	}

}
