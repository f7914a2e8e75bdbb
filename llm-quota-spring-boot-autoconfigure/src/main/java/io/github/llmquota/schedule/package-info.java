/**
 * Background work of llm-quota's components: a task on a daemon thread of its own, run at
 * a fixed delay between a lifecycle's start and stop.
 */
package io.github.llmquota.schedule;
