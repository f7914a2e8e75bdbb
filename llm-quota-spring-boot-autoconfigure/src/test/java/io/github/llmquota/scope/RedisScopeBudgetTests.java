package io.github.llmquota.scope;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.budget.BudgetSpec;
import io.github.llmquota.budget.BudgetState;
import io.github.llmquota.budget.BudgetWindow;
import io.github.llmquota.budget.CostBudgets;
import io.github.llmquota.budget.ModelPrice;
import io.github.llmquota.budget.PriceTable;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.DrivenRedisStores;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestTree;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cost budget on a project that two pools share, in a real Redis: three engines racing
 * calls of both pools never push the project's spend past its hard cap, and the budget
 * lives once, under the project's keys. Time is driven.
 */
class RedisScopeBudgetTests {

	// Every call reserves 1,000 micro-units (100 input + 900 output tokens at 1 a token)
	// and, settled at its worst case, spends them.
	private static final ModelPrice ONE_A_TOKEN = new ModelPrice(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE,
			BigDecimal.ONE);

	private static final long CAP = 10_000;

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	private final long now = Instant.parse("2026-12-06T12:00:00Z").toEpochMilli();

	@AfterEach
	void closeEngines() {
		this.engines.forEach(DefaultQuotaEngine::close);
	}

	@Test
	void twoPoolsOfOneProjectRacingFromThreeEnginesNeverPushTheProjectsSpendPastItsHardCap() throws Exception {
		Race race = race(false);

		assertThat(race.granted()).isEqualTo((int) (CAP / 1_000));
		assertThat(race.grantedPerPool()).as("both pools spent from the one budget").allMatch((granted) -> granted > 0);
		assertThat(race.state().spentMicros()).isEqualTo(CAP);
		assertThat(race.state().reservedMicros()).isZero();
		// One window, under the project's keys: none under a pool's.
		StringRedisTemplate template = new StringRedisTemplate(TestRedis.shared().connectionFactory());
		assertThat(template.keys(this.redis.prefix() + ":{org}:scope=project:$:*")).hasSize(1);
		assertThat(template.keys(this.redis.prefix() + ":{org}:pool-*:$:*")).isEmpty();
	}

	@Test
	void theSameRaceWithoutTheBudgetCheckPushesTheProjectsSpendPastItsCap() throws Exception {
		// The proof that the test above guards the cap across the project's pools: a
		// store that skips the check fails it.
		Race race = race(true);

		assertThat(race.state().spentMicros()).isGreaterThan(CAP);
	}

	private Race race(boolean budgetCheckOff) throws Exception {
		BudgetSpec spec = new BudgetSpec("project-spend", CAP, BudgetWindow.DAY, ZoneId.of("UTC"), DayOfWeek.MONDAY,
				"project", false, false, 0.8, 0.9, true);
		CostBudgets budgets = new CostBudgets(List.of(spec),
				new PriceTable("USD", Map.of("model-a", ONE_A_TOKEN, "model-b", ONE_A_TOKEN)));
		QuotaSettings settings = TestTree.organisation()
			.oneProject()
			.orgLimit(Dimension.REQUESTS_PER_MINUTE, 100_000)
			.poolLimit(Dimension.REQUESTS_PER_MINUTE, 100_000)
			.build()
			.withBudgets(budgets);
		List<DefaultQuotaEngine> fleet = new ArrayList<>();
		RedisQuotaStore first = null;
		for (int i = 0; i < 3; i++) {
			RedisQuotaStore store = this.redis.create(settings, () -> this.now);
			first = (first != null) ? first : store;
			store.setBudgetCheckOffForTesting(budgetCheckOff);
			DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, store);
			this.engines.add(engine);
			fleet.add(engine);
		}
		int callers = 12;
		int calls = 60;
		ExecutorService executor = Executors.newFixedThreadPool(callers);
		CountDownLatch start = new CountDownLatch(1);
		AtomicInteger[] granted = { new AtomicInteger(), new AtomicInteger() };
		List<Future<?>> done = new ArrayList<>();
		try {
			for (int i = 0; i < calls; i++) {
				DefaultQuotaEngine engine = fleet.get(i % fleet.size());
				int pool = i % 2;
				String model = (pool == 0) ? "model-a" : "model-b";
				done.add(executor.submit(() -> {
					start.await();
					try {
						QuotaLease lease = engine.acquire(QuotaRequest.builder(model)
							.inputTokens(100)
							.maxOutputTokens(900)
							.maxWait(Duration.ZERO)
							.build());
						granted[pool].incrementAndGet();
						lease.settle(TokenUsage.of(100, 900));
					}
					catch (QuotaRejectedException ex) {
						assertThat(ex.getReason()).isEqualTo(RejectionReason.BUDGET_EXHAUSTED);
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> call : done) {
				// A deadline only against a hang.
				call.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		// As the endpoint, the gauges and the health read it: once for the tree.
		List<BudgetState> states = budgets.readShared(first, settings.pools().values());
		assertThat(states).hasSize(1);
		return new Race(granted[0].get() + granted[1].get(), List.of(granted[0].get(), granted[1].get()),
				states.get(0));
	}

	private record Race(int granted, List<Integer> grantedPerPool, BudgetState state) {
	}

}
