package io.github.llmquota.core;

/**
 * What one tenant has waiting in a pool, across the fleet. Immutable.
 *
 * @param tenant the tenant id where the JVM that reads it has seen the tenant, else the
 * hash of the id that the shared state keeps; {@code "-"} for requests without a tenant
 * @param waitingTokens the tokens of its waiting requests, as they count against its
 * share (prompt and {@code max_tokens})
 * @param waitingRequests its waiting requests
 */
public record TenantDemand(String tenant, long waitingTokens, int waitingRequests) {
}
