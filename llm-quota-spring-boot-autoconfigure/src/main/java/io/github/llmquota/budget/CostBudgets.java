package io.github.llmquota.budget;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.BudgetCharge;
import io.github.llmquota.engine.BudgetLevel;
import io.github.llmquota.engine.BudgetPlan;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Sha256;

/**
 * The configured cost budgets and the price table: which budget windows a call falls
 * under, its worst case at admission and its actual cost at settle. A budget applies to
 * every pool whose {@link #scopeChain(PoolSpec) scope chain} names its
 * {@link BudgetSpec#appliesTo()}.
 * <p>
 * Also keeps, per budget window, the spend this JVM knows it had (what it saw in the
 * store, plus what it spent since), sent with every charge as the floor a window lost
 * from the store restarts at. Thread-safe.
 */
public class CostBudgets implements BudgetPlan {

	private final List<BudgetSpec> budgets;

	private final PriceTable prices;

	// Budget window key -> {floor, window end}, micro-units and epoch milliseconds.
	private final Map<String, long[]> floors = new ConcurrentHashMap<>();

	/**
	 * Create the budgets.
	 * @param budgets the budgets
	 * @param prices the prices; every model of a pool with a budget must have one
	 */
	public CostBudgets(List<BudgetSpec> budgets, PriceTable prices) {
		this.budgets = List.copyOf(budgets);
		this.prices = prices;
	}

	/**
	 * Return the budgets.
	 * @return the budgets, as configured
	 */
	public List<BudgetSpec> budgets() {
		return this.budgets;
	}

	/**
	 * Return the price table.
	 * @return the prices
	 */
	public PriceTable prices() {
		return this.prices;
	}

	/**
	 * Return the names a pool's calls count under, the pool's own first: the names a
	 * budget's {@code applies-to} is matched against: the pool, then its
	 * {@link PoolSpec#scopeChain() scopes}, nearest first.
	 * @param pool the pool
	 * @return the names
	 */
	public List<String> scopeChain(PoolSpec pool) {
		List<String> chain = new ArrayList<>(1 + pool.scopeChain().size());
		chain.add(pool.name());
		pool.scopeChain().forEach((scope) -> chain.add(scope.name()));
		return chain;
	}

	/**
	 * Return the budgets a pool's calls count against.
	 * @param pool the pool
	 * @return the budgets, in configuration order
	 */
	public List<BudgetSpec> budgetsOf(PoolSpec pool) {
		List<String> chain = scopeChain(pool);
		return this.budgets.stream().filter((budget) -> chain.contains(budget.appliesTo())).toList();
	}

	@Override
	public List<BudgetCharge> reserve(ModelSpec model, QuotaRequest request, long nowMillis) {
		List<BudgetSpec> budgets = budgetsOf(model.pool());
		if (budgets.isEmpty()) {
			return null;
		}
		long worstCase = price(model).worstCase(request.inputTokens(), request.cacheWriteTokens(),
				request.maxOutputTokens());
		List<BudgetCharge> charges = new ArrayList<>(budgets.size());
		for (BudgetSpec budget : budgets) {
			BudgetWindow.Span span = span(budget, nowMillis);
			charges.add(charge(budget, model.pool(), span, key(budget, span, request), worstCase));
		}
		return charges;
	}

	/**
	 * Return the windows of a pool's shared budgets (not those per user or per tenant) at
	 * an instant, to read their levels.
	 * @param pool the pool
	 * @param nowMillis the store's time, epoch milliseconds
	 * @return per budget of {@link #budgetsOf(PoolSpec)} that is shared, its window
	 */
	public List<BudgetCharge> sharedWindows(PoolSpec pool, long nowMillis) {
		List<BudgetCharge> windows = new ArrayList<>();
		for (BudgetSpec budget : sharedBudgetsOf(pool)) {
			BudgetWindow.Span span = span(budget, nowMillis);
			windows.add(charge(budget, pool, span, key(budget, span, null), 0));
		}
		return windows;
	}

	/**
	 * Return the budgets of a pool that all its calls share: not per user or per tenant.
	 * @param pool the pool
	 * @return the budgets
	 */
	public List<BudgetSpec> sharedBudgetsOf(PoolSpec pool) {
		return budgetsOf(pool).stream().filter((budget) -> !budget.perUser() && !budget.perTenant()).toList();
	}

	/**
	 * Read the current window of every shared budget from the store (one store call per
	 * pool with budgets not read yet: a scope's budget is read through the first of its
	 * pools, under their shared hash tag), and note the spend read as the floor a lost
	 * window restarts at.
	 * @param store the store that keeps the budgets
	 * @param pools the pools the budgets apply to
	 * @return the windows, one per shared budget
	 */
	public List<BudgetState> readShared(QuotaStore store, Collection<PoolSpec> pools) {
		Map<String, BudgetState> states = new LinkedHashMap<>();
		long now = store.timeMillis();
		for (PoolSpec pool : pools) {
			List<BudgetSpec> shared = sharedBudgetsOf(pool);
			if (shared.isEmpty() || states.keySet().containsAll(shared.stream().map(BudgetSpec::name).toList())) {
				continue;
			}
			List<BudgetCharge> windows = sharedWindows(pool, now);
			List<BudgetLevel> levels = store.budgetLevels(pool, windows);
			for (int i = 0; i < shared.size(); i++) {
				BudgetCharge window = windows.get(i);
				BudgetLevel level = levels.get(i);
				observed(window, level.spentMicros());
				states.putIfAbsent(shared.get(i).name(), new BudgetState(shared.get(i), level.spentMicros(),
						level.reservedMicros(), window.windowEndMillis()));
			}
		}
		return List.copyOf(states.values());
	}

	@Override
	public long cost(ModelSpec model, TokenUsage usage) {
		ModelPrice price = this.prices.of(model.name());
		return (price != null) ? price.cost(usage) : 0;
	}

	@Override
	public void spent(List<BudgetCharge> spent) {
		for (BudgetCharge charge : spent) {
			if (charge.slotMillis() != null) {
				// Spend ages out of a rolling window: only what was read there is a
				// floor.
				continue;
			}
			this.floors.merge(charge.key(), new long[] { charge.amountMicros(), charge.windowEndMillis() },
					(known, more) -> new long[] { known[0] + more[0], known[1] });
		}
	}

	/**
	 * Note the spend a budget window was seen to have in the store.
	 * @param window the window
	 * @param spentMicros its spend
	 */
	public void observed(BudgetCharge window, long spentMicros) {
		this.floors.merge(window.key(), new long[] { spentMicros, window.windowEndMillis() },
				(known, seen) -> (seen[0] > known[0]) ? seen : known);
	}

	// A budget of a scope lives under the scope's keys, which every pool of its tree
	// shares: each pool's calls meet the same window.
	private BudgetCharge charge(BudgetSpec budget, PoolSpec pool, BudgetWindow.Span span, String key, long amount) {
		long[] floor = this.floors.get(key);
		if (floor == null) {
			// A new window: forget the floors of windows that ended.
			this.floors.values().removeIf((known) -> known[1] <= span.startMillis());
		}
		return new BudgetCharge(key, budget.hardCap() ? budget.amountMicros() : null, amount, span.endMillis(),
				(floor != null) ? floor[0] : null, null,
				(budget.window() == BudgetWindow.ROLLING) ? BudgetWindow.slotMillis(budget.rollingPeriod()) : null,
				budget.appliesTo().equals(pool.name()) ? null : budget.appliesTo());
	}

	// A rolling window has one key, named after its slot length (a changed period starts
	// afresh), and is kept a period past its last write.
	private static BudgetWindow.Span span(BudgetSpec budget, long nowMillis) {
		if (budget.window() == BudgetWindow.ROLLING) {
			long slot = BudgetWindow.slotMillis(budget.rollingPeriod());
			long period = slot * BudgetCharge.ROLLING_SLOTS;
			return new BudgetWindow.Span("r" + slot, nowMillis - period, nowMillis + period);
		}
		return budget.window().at(nowMillis, budget.zone(), budget.weekStart());
	}

	private ModelPrice price(ModelSpec model) {
		ModelPrice price = this.prices.of(model.name());
		if (price == null) {
			// Startup checks that every model of a pool with a budget has a price.
			throw new IllegalStateException("Model '" + model.name() + "' has a cost budget but no price");
		}
		return price;
	}

	// Raw user and tenant ids never shape a key: braces would even change the hash slot.
	private static String key(BudgetSpec budget, BudgetWindow.Span span, QuotaRequest request) {
		StringBuilder key = new StringBuilder("$:").append(budget.name()).append(':').append(span.id());
		if (budget.perUser()) {
			key.append(":u").append(idHash((request != null) ? request.user() : null));
		}
		if (budget.perTenant()) {
			key.append(":t").append(idHash((request != null) ? request.tenant() : null));
		}
		return key.toString();
	}

	private static String idHash(String id) {
		return (id != null) ? Sha256.hex(id, 16) : "-";
	}

}
