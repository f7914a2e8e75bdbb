/**
 * The attempt governor: every HTTP attempt to a provider admitted and settled on its own,
 * with the call context that gives it a priority, a user and a wait budget.
 */
package io.github.llmquota.attempt;
