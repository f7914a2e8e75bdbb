package io.github.llmquota.batch;

/**
 * One deferred call as a {@link BatchProvider} sends it: its id, unique in the fleet and
 * usable as the provider's custom id, and the provider's request body.
 *
 * @param id the call's id (letters, digits, {@code -} and {@code _}, at most 64)
 * @param body the request body in the provider's JSON, for Anthropic the parameters of
 * one Messages request
 */
public record BatchItem(String id, String body) {

}
