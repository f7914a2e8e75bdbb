/**
 * The quota engine's public API: requests, leases, usage, dimensions, rejections and the
 * state of pools.
 */
package io.github.llmquota.core;
