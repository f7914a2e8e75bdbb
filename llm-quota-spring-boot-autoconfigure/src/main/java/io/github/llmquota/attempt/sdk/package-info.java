/**
 * The attempt governor for the official Anthropic and OpenAI Java SDKs: every HTTP
 * attempt they make, their own retries included, admitted through their interceptor
 * seams.
 */
package io.github.llmquota.attempt.sdk;
