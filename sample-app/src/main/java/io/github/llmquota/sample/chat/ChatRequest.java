package io.github.llmquota.sample.chat;

/**
 * The body of {@code POST /chat}.
 *
 * @param userId who is asking; used for per-user quotas, never sent to the provider
 * @param message what they ask
 */
public record ChatRequest(String userId, String message) {

}
