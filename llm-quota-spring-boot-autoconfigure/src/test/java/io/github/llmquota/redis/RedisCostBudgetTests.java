package io.github.llmquota.redis;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
import io.github.llmquota.engine.BudgetLevel;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.test.DrivenRedisStores;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Cost budgets decided by the script in a real Redis: a hard cap that holds under a race
 * between three engines, a rejection that is never queued and names the window's end,
 * windows that roll over at local midnight in a zone with daylight-saving time, and a
 * lost budget that is never read as nothing spent. Time is driven.
 */
class RedisCostBudgetTests {

	// Every call reserves 1,000 micro-units (100 input + 900 output tokens at 1 a token)
	// and, settled at its worst case, spends them.
	private static final ModelPrice ONE_A_TOKEN = new ModelPrice(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE,
			BigDecimal.ONE);

	private static final long CAP = 10_000;

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	// Mid-day, 2026-12-06 12:00 UTC.
	private long now = Instant.parse("2026-12-06T12:00:00Z").toEpochMilli();

	@AfterEach
	void closeEngines() {
		this.engines.forEach(DefaultQuotaEngine::close);
	}

	@Test
	void concurrentRequestsFromThreeEnginesNeverPushSpendPastTheHardCap() throws Exception {
		Race race = race(false);

		assertThat(race.granted()).isEqualTo((int) (CAP / 1_000));
		assertThat(race.level().spentMicros()).isEqualTo(CAP);
		assertThat(race.level().reservedMicros()).isZero();
	}

	@Test
	void theSameRaceWithoutTheBudgetCheckPushesSpendPastTheCap() throws Exception {
		// The proof that the test above guards the cap: a store that skips the check
		// fails it.
		Race race = race(true);

		assertThat(race.level().spentMicros()).isGreaterThan(CAP);
	}

	@Test
	void aRequestPastTheHardCapIsRejectedAtOnceNeverQueuedWithTheWindowsEndAsRetryAfter() {
		QuotaSettings settings = settings(BudgetWindow.DAY, ZoneId.of("UTC"), 1_500);
		DefaultQuotaEngine engine = engine(settings, this.redis.create(settings, () -> this.now));
		QuotaLease held = engine.acquire(request(Duration.ZERO));

		CompletableFuture<QuotaLease> next = engine.acquireAsync(request(Duration.ofMinutes(10)));

		// Decided in the acquire call itself: it never waited.
		assertThat(next).isCompletedExceptionally();
		assertThatExceptionOfType(CompletionException.class).isThrownBy(next::join)
			.withCauseInstanceOf(QuotaRejectedException.class)
			.satisfies((ex) -> {
				QuotaRejectedException rejected = (QuotaRejectedException) ex.getCause();
				assertThat(rejected.getReason()).isEqualTo(RejectionReason.BUDGET_EXHAUSTED);
				assertThat(rejected.getRetryAfter()).isEqualTo(Duration.ofHours(12));
			});
		assertThat(engine.state("budget").totalQueued()).isZero();
		held.settle(TokenUsage.of(100, 900));
	}

	@Test
	void aMonthlyBudgetRollsOverAtLocalMidnightOfTheMonthsEndInAZoneWithDaylightSavingTime() {
		// Berlin left summer time on 2026-10-25: November starts at 23:00 UTC.
		this.now = Instant.parse("2026-10-31T22:59:59Z").toEpochMilli();
		QuotaSettings settings = settings(BudgetWindow.MONTH, ZoneId.of("Europe/Berlin"), 1_000);
		DefaultQuotaEngine engine = engine(settings, this.redis.create(settings, () -> this.now));
		engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));

		assertThat(rejection(engine).getRetryAfter()).isEqualTo(Duration.ofSeconds(1));

		this.now += 1_000;
		engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));
	}

	@Test
	void aDailyBudgetRollsOverAtLocalMidnightAfterATwentyThreeHourDay() {
		// Berlin's 2026-03-29 lost an hour: it ends at 22:00 UTC, not 23:00.
		this.now = Instant.parse("2026-03-29T21:59:59.999Z").toEpochMilli();
		QuotaSettings settings = settings(BudgetWindow.DAY, ZoneId.of("Europe/Berlin"), 1_000);
		DefaultQuotaEngine engine = engine(settings, this.redis.create(settings, () -> this.now));
		engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));

		assertThat(rejection(engine).getRetryAfter()).isEqualTo(Duration.ofMillis(1));

		this.now += 1;
		engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));
	}

	@Test
	void aBudgetLostFromRedisRestartsAtTheSpendThisInstanceKnowsNeverAtNothing() {
		QuotaSettings settings = settings(BudgetWindow.DAY, ZoneId.of("UTC"), 1_500);
		RedisQuotaStore store = this.redis.create(settings, () -> this.now);
		DefaultQuotaEngine engine = engine(settings, store);
		engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));

		flushPool();

		// 1,000 spent before the loss, and this instance knows it: another 1,000 would
		// pass 1,500.
		assertThat(rejection(engine).getReason()).isEqualTo(RejectionReason.BUDGET_EXHAUSTED);
	}

	@Test
	void aBudgetLostWithThePoolsStateReadsAsFullySpentUntilItsWindowEndsWhenNoSpendIsKnown() {
		QuotaSettings settings = settings(BudgetWindow.DAY, ZoneId.of("UTC"), 5_000);
		RedisQuotaStore store = this.redis.create(settings, () -> this.now);
		engine(settings, store).acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));
		flushPool();

		// The same store, so it proves the state was there; budgets that never saw the
		// window, so no floor is known.
		QuotaSettings forgetful = settings.withBudgets(budgets(BudgetWindow.DAY, ZoneId.of("UTC"), 5_000));
		DefaultQuotaEngine restarted = engine(forgetful, store);

		QuotaRejectedException rejected = rejection(restarted);
		assertThat(rejected.getReason()).isEqualTo(RejectionReason.BUDGET_EXHAUSTED);
		assertThat(rejected.getRetryAfter()).isEqualTo(Duration.ofHours(12));
		// The next window starts afresh.
		this.now += Duration.ofHours(12).toMillis();
		restarted.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));
	}

	@Test
	void aRollingBudgetFreesSpendAsItsOldestSlotAgesOut() {
		BudgetSpec spec = new BudgetSpec("rolling", 2_500, BudgetWindow.ROLLING, ZoneId.of("UTC"), DayOfWeek.MONDAY,
				"budget", false, false, 0.8, 0.9, true, Duration.ofHours(24));
		QuotaSettings settings = TestSettings.pool("budget")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100_000)
			.build()
			.withBudgets(new CostBudgets(List.of(spec), new PriceTable("USD", Map.of("model", ONE_A_TOKEN))));
		DefaultQuotaEngine engine = engine(settings, this.redis.create(settings, () -> this.now));
		engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));
		this.now += Duration.ofHours(5).toMillis();
		engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));

		// 2,000 spent in the last 24 hours: the first 1,000 ages out 24 hours after its
		// hour's slot began, 19 hours from now.
		assertThat(rejection(engine).getRetryAfter()).isEqualTo(Duration.ofHours(19));

		this.now += Duration.ofHours(19).toMillis();
		engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(100, 900));
		assertThat(rejection(engine).getRetryAfter()).isEqualTo(Duration.ofHours(5));
	}

	private Race race(boolean budgetCheckOff) throws Exception {
		QuotaSettings settings = settings(BudgetWindow.DAY, ZoneId.of("UTC"), CAP);
		List<DefaultQuotaEngine> fleet = new ArrayList<>();
		RedisQuotaStore first = null;
		for (int i = 0; i < 3; i++) {
			RedisQuotaStore store = this.redis.create(settings, () -> this.now);
			first = (first != null) ? first : store;
			store.setBudgetCheckOffForTesting(budgetCheckOff);
			fleet.add(engine(settings, store));
		}
		int callers = 12;
		int calls = 60;
		ExecutorService executor = Executors.newFixedThreadPool(callers);
		CountDownLatch start = new CountDownLatch(1);
		AtomicInteger granted = new AtomicInteger();
		List<Future<?>> done = new ArrayList<>();
		try {
			for (int i = 0; i < calls; i++) {
				DefaultQuotaEngine engine = fleet.get(i % fleet.size());
				done.add(executor.submit(() -> {
					start.await();
					try {
						QuotaLease lease = engine.acquire(request(Duration.ZERO));
						granted.incrementAndGet();
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
		PoolSpec pool = settings.pools().get("budget");
		CostBudgets budgets = (CostBudgets) settings.budgets();
		BudgetLevel level = first.budgetLevels(pool, budgets.sharedWindows(pool, this.now)).get(0);
		return new Race(granted.get(), level);
	}

	private static QuotaRejectedException rejection(DefaultQuotaEngine engine) {
		try {
			engine.acquire(request(Duration.ZERO)).settle(TokenUsage.of(0, 0));
		}
		catch (QuotaRejectedException ex) {
			return ex;
		}
		throw new AssertionError("The request was admitted");
	}

	// What a Redis restart without persistence leaves of the pool: nothing.
	private void flushPool() {
		StringRedisTemplate template = new StringRedisTemplate(TestRedis.shared().connectionFactory());
		Set<String> keys = template.keys(this.redis.prefix() + ":{budget}:*");
		assertThat(keys).isNotEmpty();
		template.delete(keys);
	}

	private static QuotaSettings settings(BudgetWindow window, ZoneId zone, long capMicros) {
		QuotaSettings settings = TestSettings.pool("budget").limit(Dimension.REQUESTS_PER_MINUTE, 100_000).build();
		return settings.withBudgets(budgets(window, zone, capMicros));
	}

	private static CostBudgets budgets(BudgetWindow window, ZoneId zone, long capMicros) {
		BudgetSpec spec = new BudgetSpec("spend", capMicros, window, zone, DayOfWeek.MONDAY, "budget", false, false,
				0.8, 0.9, true);
		return new CostBudgets(List.of(spec), new PriceTable("USD", Map.of("model", ONE_A_TOKEN)));
	}

	private DefaultQuotaEngine engine(QuotaSettings settings, RedisQuotaStore store) {
		DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, store);
		this.engines.add(engine);
		return engine;
	}

	private static QuotaRequest request(Duration maxWait) {
		return QuotaRequest.builder("model").inputTokens(100).maxOutputTokens(900).maxWait(maxWait).build();
	}

	private record Race(int granted, BudgetLevel level) {
	}

}
