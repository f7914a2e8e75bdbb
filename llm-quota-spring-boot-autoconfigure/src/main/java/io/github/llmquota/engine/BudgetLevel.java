package io.github.llmquota.engine;

/**
 * A budget window's state in the store, in integer micro-units of the price currency.
 *
 * @param spentMicros the cost settled (and charged by live streams) so far
 * @param reservedMicros the worst cases reserved for calls admitted or waiting and not
 * settled yet
 */
public record BudgetLevel(long spentMicros, long reservedMicros) {
}
