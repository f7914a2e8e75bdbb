/**
 * Reading provider rate-limit headers and error bodies into a normalised
 * {@link io.github.llmquota.core.ProviderFeedback}.
 */
package io.github.llmquota.provider;
