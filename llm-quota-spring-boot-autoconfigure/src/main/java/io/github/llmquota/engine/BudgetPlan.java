package io.github.llmquota.engine;

import java.util.List;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;

/**
 * The cost budgets a call falls under and what it costs them: the engine asks for the
 * charges at admission (the worst case, reserved in the same store call as the pool's
 * buckets) and for the actual cost when the lease settles or its stream charges.
 * Implementations are thread-safe.
 */
public interface BudgetPlan {

	/** No budgets: every call is outside them. */
	BudgetPlan NONE = new BudgetPlan() {

		@Override
		public List<BudgetCharge> reserve(ModelSpec model, QuotaRequest request, long nowMillis) {
			return null;
		}

		@Override
		public long cost(ModelSpec model, TokenUsage usage) {
			return 0;
		}

		@Override
		public void spent(List<BudgetCharge> spent) {
		}

	};

	/**
	 * Return the budget windows a request falls under now, each with the request's
	 * worst-case cost to reserve.
	 * @param model the model the request is admitted to
	 * @param request the request
	 * @param nowMillis the store's time, epoch milliseconds
	 * @return the charges, or {@code null} when the request falls under no budget
	 */
	List<BudgetCharge> reserve(ModelSpec model, QuotaRequest request, long nowMillis);

	/**
	 * Return what a call cost, in micro-units of the price currency.
	 * @param model the model that was called
	 * @param usage the usage the provider reported
	 * @return the cost
	 */
	long cost(ModelSpec model, TokenUsage usage);

	/**
	 * Note what this JVM spent in budget windows, so that a window lost from the store
	 * restarts at no less than that.
	 * @param spent the charges as settled or charged
	 */
	void spent(List<BudgetCharge> spent);

}
