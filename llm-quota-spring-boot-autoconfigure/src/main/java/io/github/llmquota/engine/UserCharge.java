package io.github.llmquota.engine;

import java.util.List;

/**
 * What a request costs its user's own buckets, where per-user limits are configured.
 *
 * @param keyHash a hash of the user id; raw user input never shapes a Redis key
 * @param limits the user's rate limits
 * @param cost the charge per user limit, in the order of {@code limits}
 */
public record UserCharge(String keyHash, List<RateLimit> limits, long[] cost) {
}
