package io.github.llmquota.engine;

/**
 * A scope's shared state as one pool's snapshot read it, in the same store call.
 *
 * @param scope the scope name
 * @param used per rate dimension of the scope, in its {@link ScopeSpec#rates()} order,
 * the bucket level then
 * @param inFlight the leases of all the scope's pools, where the scope limits
 * concurrency; 0 where it does not
 */
public record ScopeSnapshot(String scope, double[] used, long inFlight) {

}
