/**
 * The batch valve: deferrable calls sent to a provider's batch API while their pool is
 * under pressure, grouped, tracked fleet-wide in Redis and delivered exactly once.
 */
package io.github.llmquota.batch;
