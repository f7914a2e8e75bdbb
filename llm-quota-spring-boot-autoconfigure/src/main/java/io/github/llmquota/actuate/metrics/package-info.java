/**
 * Micrometer meters that llm-quota publishes, and their names.
 */
package io.github.llmquota.actuate.metrics;
