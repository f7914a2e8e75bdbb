/**
 * Declarative rate limiting of model calls with {@code @LlmRateLimited}, and the advisor
 * that enforces it.
 */
package io.github.llmquota.aop;
