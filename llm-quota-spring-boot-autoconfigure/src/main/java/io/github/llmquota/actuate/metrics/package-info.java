/**
 * Micrometer meters of the quota engine.
 */
package io.github.llmquota.actuate.metrics;
