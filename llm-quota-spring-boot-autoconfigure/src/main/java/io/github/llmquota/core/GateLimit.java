package io.github.llmquota.core;

import java.time.Duration;

/**
 * The limit of a request's own gate, a per-user or per-tenant limit, that refused it: the
 * dimension that binds, as a caller may be told in rate-limit response fields. Immutable.
 *
 * @param dimension the binding dimension, a rate
 * @param limit the limit per window of the dimension
 * @param remaining what a request could take of it now, rounded down
 * @param fullIn how long until the gate's bucket is full again
 */
public record GateLimit(Dimension dimension, long limit, long remaining, Duration fullIn) {
}
