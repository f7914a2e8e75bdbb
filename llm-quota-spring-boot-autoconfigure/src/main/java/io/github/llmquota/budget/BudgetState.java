package io.github.llmquota.budget;

/**
 * A shared cost budget's current window as the store holds it.
 *
 * @param budget the budget
 * @param spentMicros the cost settled in the window so far, in micro-units
 * @param reservedMicros the worst cases reserved for calls in flight or waiting
 * @param windowEndMillis when the window ends (for a rolling window: when its key would
 * expire), epoch milliseconds
 */
public record BudgetState(BudgetSpec budget, long spentMicros, long reservedMicros, long windowEndMillis) {
}
