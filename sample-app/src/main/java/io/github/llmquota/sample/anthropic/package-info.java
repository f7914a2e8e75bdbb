/**
 * A small client for Anthropic's Messages API over Spring's {@code RestClient}, as an
 * application would write one.
 */
package io.github.llmquota.sample.anthropic;
