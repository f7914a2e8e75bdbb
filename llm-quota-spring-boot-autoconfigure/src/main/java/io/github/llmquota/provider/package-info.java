/**
 * Reading provider rate-limit headers and error bodies into a normalised {@link ProviderFeedback}.
 */
package io.github.llmquota.provider;
