/**
 * The quota engine's public API: requests, leases, usage, dimensions and rejections.
 */
package io.github.llmquota.core;
