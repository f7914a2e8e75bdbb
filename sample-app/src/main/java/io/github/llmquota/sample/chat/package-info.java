/**
 * The interactive chat: {@code POST /chat}, governed at INTERACTIVE priority with a
 * fallback chain.
 */
package io.github.llmquota.sample.chat;
