package io.github.llmquota.failover;

import java.time.Instant;

/**
 * Why, and since when, the shared store cannot be reached, and what decides requests
 * meanwhile.
 *
 * @param failMode the fail mode that decides requests until the shared store answers
 * again
 * @param since when a call to the shared store first failed, by this JVM's wall clock
 * @param cause the message of that first failure
 * @see FailoverQuotaStore#getDegradation()
 */
public record Degradation(FailMode failMode, Instant since, String cause) {
}
