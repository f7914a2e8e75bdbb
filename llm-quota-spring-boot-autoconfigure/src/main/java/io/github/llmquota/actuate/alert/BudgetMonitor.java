package io.github.llmquota.actuate.alert;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.ApplicationEventPublisher;

import io.github.llmquota.budget.BudgetSpec;
import io.github.llmquota.budget.BudgetState;
import io.github.llmquota.budget.CostBudgets;
import io.github.llmquota.schedule.PeriodicLifecycle;

/**
 * Reads every shared cost budget's current window once an interval
 * ({@link CostBudgets#readShared}), so that meters, the endpoint and health show spend
 * without a store call of their own, and publishes a {@link LlmQuotaBudgetThresholdEvent}
 * when a budget crosses its soft thresholds. Budgets per user or per tenant are enforced,
 * not read here: their windows are one per user. Thread-safe.
 */
public class BudgetMonitor extends PeriodicLifecycle {

	private static final Log logger = LogFactory.getLog(BudgetMonitor.class);

	private static final double MICROS = 1_000_000.0;

	private final CostBudgets budgets;

	private final Supplier<List<BudgetState>> reader;

	private final ApplicationEventPublisher publisher;

	private final double hysteresis;

	private final Map<String, QuotaStatus> statuses = new HashMap<>();

	private volatile Map<String, BudgetReading> readings = Map.of();

	/**
	 * Create a monitor.
	 * @param budgets the budgets
	 * @param reader what reads the shared budgets' current windows from the store
	 * @param interval how often to read them
	 * @param hysteresis how far below a threshold a budget must fall to leave its status
	 * @param publisher where to publish {@link LlmQuotaBudgetThresholdEvent}s
	 */
	public BudgetMonitor(CostBudgets budgets, Supplier<List<BudgetState>> reader, Duration interval, double hysteresis,
			ApplicationEventPublisher publisher) {
		super("llm-quota-budgets", Duration.ZERO, interval, logger, "llm-quota budget check failed",
				QuotaThresholdMonitor.PHASE);
		this.budgets = budgets;
		this.reader = reader;
		this.hysteresis = hysteresis;
		this.publisher = publisher;
	}

	/**
	 * Read every shared budget now. The monitor's own thread calls this every interval;
	 * call it directly for a reading that is not older than this call.
	 */
	public synchronized void check() {
		Map<String, BudgetReading> readings = new LinkedHashMap<>();
		for (BudgetState state : this.reader.get()) {
			readings.put(state.budget().name(), reading(state));
		}
		this.readings = Collections.unmodifiableMap(readings);
	}

	/**
	 * Return what the last check read, by budget name.
	 * @return the readings, empty before the first check
	 */
	public Map<String, BudgetReading> getReadings() {
		return this.readings;
	}

	private BudgetReading reading(BudgetState state) {
		BudgetSpec budget = state.budget();
		double share = (double) (state.spentMicros() + state.reservedMicros()) / budget.amountMicros();
		QuotaThresholds thresholds = new QuotaThresholds(budget.warnThreshold(), budget.criticalThreshold(),
				Math.min(this.hysteresis, budget.warnThreshold() / 2));
		QuotaStatus previous = this.statuses.getOrDefault(budget.name(), QuotaStatus.OK);
		QuotaStatus status = thresholds.next(previous, share);
		if (status != previous) {
			this.statuses.put(budget.name(), status);
			this.publisher.publishEvent(new LlmQuotaBudgetThresholdEvent(this, budget.name(), previous, status, share));
		}
		return new BudgetReading(budget.name(), budget.appliesTo(), state.spentMicros() / MICROS,
				state.reservedMicros() / MICROS, budget.amountMicros() / MICROS, this.budgets.prices().currency(),
				state.windowEndMillis(), status);
	}

	@Override
	protected void runPeriodically() {
		check();
	}

	/**
	 * Start reading every interval, unless there is no budget to read.
	 */
	@Override
	public void start() {
		if (!this.budgets.budgets().isEmpty()) {
			super.start();
		}
	}

}
