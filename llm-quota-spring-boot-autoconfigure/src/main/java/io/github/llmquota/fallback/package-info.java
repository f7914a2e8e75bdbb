/**
 * Fallback chains: run a model call on the first model of a named chain that is healthy,
 * not cooling down and admitted by its pool within the caller's wait budget.
 */
package io.github.llmquota.fallback;
