/**
 * A built-in stand-in for Anthropic's Messages API and OpenAI's Chat Completions API that
 * enforces Anthropic's token buckets.
 */
package io.github.llmquota.sample.simulator;
