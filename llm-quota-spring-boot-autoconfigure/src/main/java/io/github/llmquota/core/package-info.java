/**
 * The quota engine's public API: requests, leases, usage, dimensions, rejections, the
 * state of pools, and what a provider's response says. Depends on no other llm-quota
 * package.
 */
package io.github.llmquota.core;
