package io.github.llmquota.provider;

import java.util.List;
import java.util.Map;

/**
 * The parts of a provider's HTTP answer that say something about rate limits, however the
 * client library that received it represents them.
 *
 * @param status the HTTP status
 * @param headers the response headers; names in any case
 * @param body the response body as text, or {@code null} when it is not at hand (for
 * example a successful body that was already mapped to objects)
 */
public record ProviderResponse(int status, Map<String, List<String>> headers, String body) {
}
