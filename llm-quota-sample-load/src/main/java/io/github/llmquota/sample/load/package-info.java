/**
 * Load mode: drives the sample's traffic for a while, counts what its provider client
 * sends and receives, prints one {@code LOAD-SUMMARY} line and exits.
 */
package io.github.llmquota.sample.load;
