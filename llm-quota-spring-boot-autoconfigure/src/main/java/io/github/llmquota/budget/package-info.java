/**
 * Cost budgets: prices per model, budget windows in a time zone, and what a call costs
 * the budgets it falls under.
 */
package io.github.llmquota.budget;
