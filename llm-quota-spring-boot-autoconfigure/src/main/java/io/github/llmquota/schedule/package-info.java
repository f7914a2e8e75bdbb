/**
 * Background work of llm-quota's components: a task on a daemon thread of its own, run at
 * a fixed delay between a lifecycle's start and stop, and the lifecycle base of the
 * components whose work is one such task.
 */
package io.github.llmquota.schedule;
